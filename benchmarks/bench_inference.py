"""Inference and training speed: our U-Net colorizer against Zhang et al.'s ECCV16 network.

    python benchmarks/bench_inference.py [--weights weights/colorizer] [--repeats 7]
        [--results benchmarks/RESULTS.md] [--no-write]

Measures, on this machine:

- end-to-end colorization (``Colorizer.colorize`` = ``render(predict(photo))``: NTSC grey,
  model at the working size, chroma upsampled, full-resolution L recombined, Lab -> RGB in
  torch) of a 256^2, 512^2 and 1024^2 photo, median of ``--repeats``, with 1, 2 and all
  threads (and on CUDA when present), for our U-Net at the working size calibrated with its
  weights (``working_size`` in their JSON, as every screen uses it) and for a
  re-implementation of ECCV16's network (random weights, benchmarks/eccv16.py) run through
  the same pipeline at its authors' working size 256;
- Lab -> RGB of the full-resolution result alone: torch (the hot path) vs scikit-image
  (the reference);
- the networks alone at 256^2 and 512^2 inputs;
- training throughput (images/s), one optimisation step on a batch of 16 at 64^2 and 128^2
  (``Trainer.step`` for the U-Net; cross-entropy over 313 classes for ECCV16).

Writes the section "## Inference (core.colorizer vs ECCV16)" of benchmarks/RESULTS.md
(other sections are left as they are).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

from benchmarks.eccv16 import ECCV16, ECCV16Trainer  # noqa: E402
from benchmarks.results_md import cpu_name, write_section  # noqa: E402
from core.colorizer import DEFAULT_WEIGHTS, Colorizer  # noqa: E402
from core.samples import load_sample  # noqa: E402
from core.train import Trainer  # noqa: E402
from core.unet import UNet, count_parameters  # noqa: E402

SECTION = "## Inference (core.colorizer vs ECCV16)"
PHOTO_SIDES = (256, 512, 1024)
NET_SIDES = (256, 512)
TRAIN_SIDES = (64, 128)
TRAIN_BATCH = 16
TARGET_512_MS = 40.0
TARGET_SPEEDUP = 12.0
#: ECCV16's working size (its authors' 256 x 256 input).
ECCV16_SIZE = 256


def timed(fn: Callable[[], object], repeats: int, max_seconds: float,
          sync=None) -> tuple[float, float]:
    """(median, best) seconds of ``fn`` after one warm-up call; at least 2 timed calls, then
    stops at ``repeats`` calls or ``max_seconds`` (slow networks on a small CPU). The best
    time is the least disturbed by other jobs on a shared machine."""
    fn()
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < max(2, repeats):
        t = time.perf_counter()
        fn()
        if sync:
            sync()
        times.append(time.perf_counter() - t)
        if len(times) >= 2 and time.perf_counter() - start > max_seconds:
            break
    return statistics.median(times), min(times)


def photo(side: int) -> np.ndarray:
    """The astronaut sample (a real photo) resized to side x side."""
    img = Image.fromarray(np.asarray(load_sample("astronaut")))
    return np.asarray(img.resize((side, side), Image.LANCZOS))


def flops(model: torch.nn.Module, side: int) -> float:
    """GFLOP of one forward pass on a side x side grey image."""
    from torch.utils.flop_counter import FlopCounterMode

    model.eval()
    x = torch.zeros(1, 1, side, side, device=next(model.parameters()).device)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(x)
    return counter.get_total_flops() / 1e9


def lab2rgb_times(col: Colorizer, img: np.ndarray, repeats: int, budget: float,
                  sync) -> dict:
    """Lab -> RGB of one full-resolution result: torch on the model's device vs scikit-image."""
    from core.color import lab_to_rgb_clipped, lab_to_rgb_torch

    lab = col.render(col.predict(img)).lab
    lab_t = torch.from_numpy(np.ascontiguousarray(lab.transpose(2, 0, 1))).to(col.device)
    lab64 = lab.astype(np.float64)
    t_ms, _ = timed(lambda: lab_to_rgb_torch(lab_t), repeats, budget, sync)
    s_ms, _ = timed(lambda: lab_to_rgb_clipped(lab64), min(repeats, 3), budget)
    return {"torch_ms": 1000 * t_ms, "skimage_ms": 1000 * s_ms}


def thread_settings() -> list[tuple[str, int]]:
    """1 thread (robust to a busy machine), 2 threads (the targets), all threads."""
    allt = os.cpu_count() or 1
    return [("1 thread", 1), ("2 threads", 2)] + (
        [(f"all {allt} threads", allt)] if allt > 2 else [])


def bench_device(device: torch.device, ours: torch.nn.Module, eccv: torch.nn.Module,
                 repeats: int, quick: bool, working_size: int) -> dict:
    """All measurements on one device (CPU: for every thread setting)."""
    sync = (lambda: torch.cuda.synchronize(device)) if device.type == "cuda" else None
    settings = thread_settings() if device.type == "cpu" else [("GPU", 0)]
    out: dict = {"inference": [], "network": [], "training": [], "lab2rgb": []}
    photos = {s: photo(s) for s in (PHOTO_SIDES[:2] if quick else PHOTO_SIDES)}
    budget = 2.0 if quick else 20.0
    for label, threads in settings:
        if threads:
            torch.set_num_threads(threads)
        for name, model in (("ours", ours), ("eccv16", eccv)):
            size = working_size if name == "ours" else ECCV16_SIZE
            col = Colorizer(model, device=device, working_size=size)
            if name == "eccv16":
                # its own best layout: NCHW (big 256-512 channel convolutions gain nothing
                # from the channels-last layout the Colorizer gives our narrow U-Net)
                col.model.to(memory_format=torch.contiguous_format)
            for side, img in photos.items():
                total, best = timed(lambda c=col, i=img: c.colorize(i), repeats, budget, sync)
                out["inference"].append({"setting": label, "model": name, "side": side,
                                         "ms": 1000 * total, "best_ms": 1000 * best,
                                         "working_size": size})
                if name == "ours":
                    out["lab2rgb"].append({"setting": label, "side": side,
                                           **lab2rgb_times(col, img, repeats, budget, sync)})
                print(f"{device.type} {label} {name} end-to-end {side}^2: {1000 * total:.0f} ms",
                      file=sys.stderr)
            for side in NET_SIDES[:1] if quick else NET_SIDES:
                x = torch.rand(1, 1, side, side, device=device)
                with torch.inference_mode():
                    s, best = timed(lambda m=model, x=x: m(x), repeats, budget, sync)
                out["network"].append({"setting": label, "model": name, "side": side,
                                       "ms": 1000 * s, "best_ms": 1000 * best})
                print(f"{device.type} {label} {name} network {side}^2: {1000 * s:.0f} ms",
                      file=sys.stderr)
    # training: 1 thread (robust to a busy machine) and all threads (what a run uses)
    train_settings = ([("1 thread", 1), (f"all {os.cpu_count()} threads", os.cpu_count() or 1)]
                      if device.type == "cpu" else [("GPU", 0)])
    for label, threads in train_settings:
        if threads:
            torch.set_num_threads(threads)
        for name in ("ours", "eccv16"):
            for side in TRAIN_SIDES[:1] if quick else TRAIN_SIDES:
                torch.manual_seed(0)
                batch = 4 if quick else TRAIN_BATCH
                gray = torch.rand(batch, 1, side, side)
                lab = torch.rand(batch, 3, side, side) * 2 - 1
                rgb = torch.rand(batch, 3, side, side)
                if name == "ours":
                    trainer = Trainer(UNet().to(device), device=device)
                else:
                    trainer = ECCV16Trainer(ECCV16().to(device), device=device)
                s, _ = timed(lambda t=trainer, g=gray, la=lab, r=rgb: t.step(g, la, r), 3,
                             budget, sync)
                out["training"].append({"setting": label, "model": name, "side": side,
                                        "batch": batch, "img_s": batch / s, "ms_step": 1000 * s})
                print(f"{device.type} {label} training {name} {side}^2: {batch / s:.1f} img/s",
                      file=sys.stderr)
    return out


def render(results: dict) -> str:
    """The RESULTS.md section (markdown)."""
    r = results
    lines = [
        SECTION,
        "",
        f"*`python benchmarks/bench_inference.py` on {r['date']}: {r['machine']}, "
        f"{r['cpu']}, {r['cores']} cores (load average {r['load']} at start, "
        f"{r.get('load_end', 'n/a')} at the end); "
        f"torch {r['torch']}. Our model: {r['ours_label']}.*",
        "",
        "| network | parameters | GFLOP at 256² |",
        "|---|---:|---:|",
        f"| ours (`core.unet.UNet`, {r['ours_config']}) | {r['ours_params']:,} "
        f"| {r['ours_gflop']:.1f} |",
        f"| ECCV16 (Zhang et al. 2016, re-implemented, random weights) | {r['eccv_params']:,} "
        f"| {r['eccv_gflop']:.1f} |",
        "",
        "On CPU our U-Net runs in the channels-last layout (as `Colorizer` does), ECCV16 in "
        "its original NCHW layout (faster for its wide layers). Working size (short side at "
        f"which the network runs): ours {r['working_size']} px (calibrated with the weights, "
        f"as on every screen), ECCV16 {ECCV16_SIZE} px (its authors').",
        "",
    ]
    for dev, d in r["devices"].items():
        lines += [f"### {dev}", "",
                  "End to end (`Colorizer.colorize` = `render(predict(photo))`: NTSC grey -> "
                  "network at the working size -> chroma upsampled -> full-resolution L -> "
                  "RGB in torch), ms, median (best):", ""]
        lines += _compare_table(d["inference"], "photo")
        lines += ["", "Lab -> RGB of the full-resolution result alone, ms, median: torch "
                  "(`core.color.lab_to_rgb_torch`, the hot path) vs scikit-image (`lab2rgb`, "
                  "the reference; same numbers to 1e-4):", "",
                  "| setting | photo | torch | scikit-image | ratio |", "|---|---:|---:|---:|---:|"]
        lines += [f"| {e['setting']} | {e['side']}² | {e['torch_ms']:.1f} | {e['skimage_ms']:.1f} "
                  f"| {e['skimage_ms'] / e['torch_ms']:.1f}x |" for e in d.get("lab2rgb", [])]
        lines += ["", "Networks alone (one grey image in, no pre/post-processing), ms, "
                  "median (best):", ""]
        lines += _compare_table(d["network"], "input")
        lines += ["", "Training throughput (one optimisation step on a batch, median):", "",
                  "| setting | network | crops | batch | images/s | ms/step |",
                  "|---|---|---:|---:|---:|---:|"]
        for e in d["training"]:
            lines.append(f"| {e.get('setting', '')} | {e['model']} | {e['side']}² | {e['batch']} "
                         f"| {e['img_s']:.1f} | {e['ms_step']:.0f} |")
        lines.append("")
    cpu = r["devices"].get("CPU")
    if cpu:
        inf = {(e["setting"], e["model"], e["side"]): e for e in cpu["inference"]}
        ours512 = inf.get(("2 threads", "ours", 512))
        ours256, eccv256 = inf.get(("2 threads", "ours", 256)), inf.get(("2 threads", "eccv16", 256))
        lines += ["Targets (CPU, 2 threads, median):", ""]
        if ours512 is not None:
            ok = "met" if ours512["ms"] <= TARGET_512_MS else "**not met**"
            lines.append(f"- end to end 512² <= {TARGET_512_MS:.0f} ms: {ours512['ms']:.0f} ms "
                         f"(best {ours512['best_ms']:.0f} ms), {ok}")
        if ours256 and eccv256:
            sp = eccv256["ms"] / ours256["ms"]
            ok = "met" if sp >= TARGET_SPEEDUP else "**not met**"
            lines.append(f"- >= {TARGET_SPEEDUP:.0f}x faster than ECCV16 at 256²: {sp:.1f}x "
                         f"(best times: {eccv256['best_ms'] / ours256['best_ms']:.1f}x), {ok}")
        lines.append("")
    if r.get("note"):
        lines += [r["note"], ""]
    return "\n".join(lines)


def _compare_table(rows: list[dict], what: str) -> list[str]:
    """ours vs ECCV16 per (setting, size): median (best) ms and the ratio of medians."""
    by = {(e["setting"], e["model"], e["side"]): e for e in rows}
    out = [f"| setting | {what} | ours | ECCV16 | ECCV16 / ours |", "|---|---:|---:|---:|---:|"]
    for (setting, model, side), o in by.items():
        e = by.get((setting, "eccv16", side))
        if model != "ours" or e is None:
            continue
        out.append(f"| {setting} | {side}² | {o['ms']:.0f} ({o['best_ms']:.0f}) "
                   f"| {e['ms']:.0f} ({e['best_ms']:.0f}) | {e['ms'] / o['ms']:.1f}x |")
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--weights", default=str(DEFAULT_WEIGHTS))
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--results", default=str(ROOT / "benchmarks" / "RESULTS.md"))
    p.add_argument("--no-write", action="store_true", help="print only")
    p.add_argument("--quick", action="store_true", help="smoke test: few sizes, tiny budget")
    p.add_argument("--note", default="", help="a line added under the tables")
    a = p.parse_args(argv)

    from core.weights import WeightsError, load_model

    try:
        ours, meta = load_model(a.weights)
        ours_label = f"trained weights `{Path(a.weights).name}`"
    except WeightsError:
        ours, meta = UNet(), {}
        ours_label = "untrained default UNet (no weights found; speed does not depend on them)"
    from core.colorizer import WORKING_SIZE

    working_size = int(meta.get("working_size", WORKING_SIZE))
    ours.eval()
    torch.manual_seed(0)
    eccv = ECCV16().eval()
    c = ours.config
    results = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": platform.platform(), "cpu": cpu_name(), "cores": os.cpu_count(),
        "torch": torch.__version__, "ours_label": ours_label,
        "load": " / ".join(f"{v:.1f}" for v in os.getloadavg()) if hasattr(os, "getloadavg")
        else "n/a",
        "ours_config": f"width {c.width}, depth {c.depth}, {c.upsampling}, output {c.output}",
        "ours_params": count_parameters(ours), "eccv_params": count_parameters(eccv),
        "ours_gflop": flops(ours, 256), "eccv_gflop": flops(eccv, 256),
        "devices": {}, "note": a.note, "working_size": working_size,
    }
    devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    for dev in devices:
        label = "CPU" if dev.type == "cpu" else f"GPU ({torch.cuda.get_device_name(dev)})"
        results["devices"][label] = bench_device(dev, ours.to(dev), eccv.to(dev), a.repeats,
                                                 a.quick, working_size)
    if hasattr(os, "getloadavg"):
        results["load_end"] = " / ".join(f"{v:.1f}" for v in os.getloadavg())
    section = render(results)
    print(section)
    if not a.no_write:
        write_section(Path(a.results), SECTION, section)
        print(f"wrote {a.results}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
