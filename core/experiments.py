"""The course's open question, answered with the same budget for every choice.

    python -m core.experiments --data ../shared/data --out docs/experiments [--steps 600]
    python -m core.experiments --data DIR --out /tmp/x --quick        # seconds (tests)

The course says any colour space may be used and that "it is impossible to know in advance
what will work best". Each run below changes ONE choice of the reference (the course's
parametrisation: Lab on 3 channels bounded by the scaled sigmoid, with the project's L1
loss, transposed convolutions and skip connections) and trains with the same budget: same
steps, batch, crops, data, seed (so the same batches), then is scored on the same
validation photos with the common metrics on final RGB images (PSNR, SSIM, colourfulness):
each run's loss lives in its own output space and cannot be compared directly.

Writes ``OUT/results.json`` (a list: one entry per run with name, settings, curve,
metrics), ``OUT/meta.json`` (budget, data, machine, command), ``OUT/results.csv``, ``OUT/preview.png`` (one column per run on the same photos),
``OUT/curves.png`` and ``OUT.md`` (the report, generated from the data).
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from core.evaluate import (
    clean_json,
    evaluate_colorizer,
    flat_metrics,
    image_grid,
    interleave_sources,
    validation_items,
)


@dataclass(frozen=True)
class Run:
    """One training run: a name, the question it answers and its changes to the reference."""

    name: str
    question: str
    label: str
    changes: dict = field(default_factory=dict)


REFERENCE = "reference"
RUNS: tuple[Run, ...] = (
    Run(REFERENCE, "all", "Lab (3 ch.), scaled sigmoid, L1, transposed, skips", {}),
    Run("ab", "output space", "ab only (2 ch.), L from the input", {"output": "ab"}),
    Run("rgb", "output space", "RGB (3 ch.)", {"output": "rgb"}),
    Run("no_bound", "output bound", "no bound (raw output)", {"bound": "none"}),
    Run("l2", "loss", "L2 (squared error)", {"loss": "l2"}),
    Run("huber", "loss", "Huber (delta 0.1)", {"loss": "huber"}),
    Run("bilinear", "upsampling", "bilinear + 1x1 conv", {"upsampling": "bilinear"}),
    Run("no_skips", "skip connections", "no skip connections", {"skips": False}),
)
#: The reference's value for each question (how the report names it in comparisons).
REFERENCE_CHOICE = {"output space": "Lab (3 ch.)", "output bound": "scaled sigmoid",
                    "loss": "L1", "upsampling": "transposed conv", "skip connections": "skips"}
QUESTIONS = tuple(REFERENCE_CHOICE)


@dataclass
class Budget:
    """What every run shares."""

    steps: int = 600
    size: int = 64
    batch: int = 16
    width: int = 16
    depth: int = 4
    lr: float = 2e-3
    seed: int = 0
    eval_photos: int = 60
    working_size: int = 96  # ~ the scale of the 64 px training crops (crops of 55-100 % sides)
    val_per_source: int = 100
    workers: int = 2
    preview_photos: int = 4


QUICK = Budget(steps=4, size=32, batch=4, width=4, depth=2, eval_photos=3, working_size=48,
               val_per_source=2, workers=0, preview_photos=2)


def train_config(run: Run, budget: Budget, data: Sequence[str], out: Path):
    """The core.train configuration of one run."""
    from core.train import TrainConfig

    cfg = TrainConfig(
        data=[str(d) for d in data], out=str(out), steps=budget.steps, size=budget.size,
        batch=budget.batch, lr=budget.lr, width=budget.width, depth=budget.depth,
        seed=budget.seed, val_per_source=budget.val_per_source, workers=budget.workers,
        val_every=max(1, budget.steps // 6), log_every=max(1, budget.steps // 60),
        ckpt_every=10**9,  # a run is short: no intermediate checkpoint
    )
    return replace(cfg, **run.changes)


def read_curve(log_path: Path) -> list[dict]:
    """Merge the training log's rows by step: {"step", "train_loss", "val_loss", "grey_loss"}."""
    by_step: dict[int, dict] = {}
    if log_path.is_file():
        for line in log_path.read_text().splitlines():
            row = json.loads(line)
            d = by_step.setdefault(row["step"], {"step": row["step"], "train_loss": None,
                                                 "val_loss": None, "grey_loss": None})
            for k in ("train_loss", "val_loss", "grey_loss"):
                if k in row:
                    d[k] = row[k]
    return [by_step[s] for s in sorted(by_step)]


def run_one(run: Run, budget: Budget, data: Sequence[str], work: Path,
            items: Sequence[tuple[Path, str]]) -> tuple[dict, list[dict]]:
    """Train one run, then score it on ``items``; returns (entry, kept preview images)."""
    from core.colorizer import Colorizer
    from core.train import train
    from core.unet import count_parameters
    from core.weights import load_model

    cfg = train_config(run, budget, data, work / run.name)
    t0 = time.perf_counter()
    train(cfg)
    train_s = time.perf_counter() - t0
    model, _ = load_model(work / run.name)
    colorizer = Colorizer(model, device="cpu", working_size=budget.working_size)
    t1 = time.perf_counter()
    summary, kept = evaluate_colorizer(colorizer, items, keep=budget.preview_photos)
    curve = read_curve(Path(cfg.out).with_suffix(".log.jsonl"))
    last_val = next((c for c in reversed(curve) if c["val_loss"] is not None), None)
    entry = {
        "name": run.name, "question": run.question, "label": run.label,
        "settings": {k: getattr(cfg, k) for k in ("output", "bound", "loss", "upsampling",
                                                  "skips", "width", "depth", "size", "batch",
                                                  "steps", "lr", "seed")},
        "curve": curve,
        "metrics": flat_metrics(summary),
        "per_source": {s: {"psnr": v["model"]["psnr"], "ssim": v["model"]["ssim"],
                           "colourfulness": v["model"]["colourfulness"]}
                       for s, v in summary["per_source"].items()},
        "val_loss": last_val["val_loss"] if last_val else None,
        "grey_loss": last_val["grey_loss"] if last_val else None,
        "params": count_parameters(model),
        "train_seconds": round(train_s, 1),
        "eval_seconds": round(time.perf_counter() - t1, 1),
    }
    return entry, kept


# -- outputs -------------------------------------------------------------------------------
CSV_FIELDS = ("name", "question", "label", "output", "bound", "loss", "upsampling", "skips",
              "psnr", "ssim", "colourfulness", "colourfulness_truth", "grey_psnr", "grey_ssim",
              "beats_grey", "val_loss", "grey_loss", "loss_vs_grey", "params", "train_seconds")


def loss_vs_grey(entry: dict) -> float | None:
    """Final validation loss / the grey baseline's, in the run's own space (< 1: better)."""
    v, g = entry.get("val_loss"), entry.get("grey_loss")
    return v / g if v is not None and g else None


def write_csv(entries: Sequence[dict], path: Path) -> None:
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=CSV_FIELDS)
        w.writeheader()
        for e in entries:
            row = {**e["settings"], **e["metrics"], **e, "loss_vs_grey": loss_vs_grey(e)}
            w.writerow({k: _fmt_csv(row.get(k)) for k in CSV_FIELDS})


def _fmt_csv(v):
    return f"{v:.5g}" if isinstance(v, float) else v


def preview_grid(entries: Sequence[dict], kept: dict[str, list[dict]]) -> Image.Image:
    """Rows: the same validation photos; columns: grey | every run | truth."""
    names = [e["name"] for e in entries]
    first = kept[names[0]]
    rows = [[first[i]["grey"]] + [kept[n][i]["model"] for n in names] + [first[i]["truth"]]
            for i in range(len(first))]
    return image_grid(rows, ["grey"] + names + ["truth"],
                      row_labels=[f"{k['source']}/{k['name']}" for k in first],
                      cell=(176, 132))


PALETTE = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
           (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]


def curves_chart(entries: Sequence[dict], size: tuple[int, int] = (900, 420)) -> Image.Image:
    """Validation loss / grey baseline's loss against steps, one line per run (PIL only).

    Each run's loss is in its own space; dividing by the grey baseline's loss in that same
    space makes the curves comparable in shape (1 = no better than grey).
    """
    from core.evaluate import _font

    W, H = size
    left, right, top, bottom = 60, 170, 30, 40
    img = Image.new("RGB", size, (255, 255, 255))
    d = ImageDraw.Draw(img)
    series = []
    for e in entries:
        pts = [(c["step"], c["val_loss"] / c["grey_loss"]) for c in e["curve"]
               if c["val_loss"] is not None and c["grey_loss"]]
        series.append((e["name"], pts))
    allpts = [p for _, pts in series for p in pts]
    font, small = _font(14), _font(12)
    d.text((left, 8), "validation loss / grey baseline's loss (own output space, log scale; "
           "< 1 = better than grey)", fill=(30, 30, 30), font=font)
    if not allpts:
        return img
    xmax = max(p[0] for p in allpts) or 1
    # log scale: early ratios can be 10x the late ones
    ylo = np.log10(min(min(p[1] for p in allpts), 1.0)) - 0.02
    yhi = np.log10(max(max(p[1] for p in allpts), 1.0)) + 0.02

    def xy(s: float, v: float) -> tuple[float, float]:
        return (left + (W - left - right) * s / xmax,
                top + (H - top - bottom) * (yhi - np.log10(max(v, 1e-9))) / (yhi - ylo))

    d.rectangle([left, top, W - right, H - bottom], outline=(180, 180, 180))
    for v in 10 ** np.linspace(ylo, yhi, 6):
        x0, y0 = xy(0, v)
        d.line([x0, y0, W - right, y0], fill=(235, 235, 235))
        d.text((left - 6, y0), f"{v:.2f}", fill=(80, 80, 80), font=small, anchor="rm")
    d.line([*xy(0, 1.0), *xy(xmax, 1.0)], fill=(120, 120, 120), width=2)
    for s in np.linspace(0, xmax, 5):
        x0, y0 = xy(s, ylo)
        d.text((x0, y0 + 6), f"{int(s)}", fill=(80, 80, 80), font=small, anchor="mt")
    d.text(((W - right + left) / 2, H - 14), "step", fill=(80, 80, 80), font=small, anchor="mm")
    for i, (name, pts) in enumerate(series):
        col = PALETTE[i % len(PALETTE)]
        if len(pts) > 1:
            d.line([xy(*p) for p in pts], fill=col, width=2)
        for p in pts:
            x0, y0 = xy(*p)
            d.ellipse([x0 - 3, y0 - 3, x0 + 3, y0 + 3], fill=col)
        ly = top + 10 + 20 * i
        d.line([W - right + 12, ly, W - right + 34, ly], fill=col, width=3)
        d.text((W - right + 40, ly), name, fill=(30, 30, 30), font=small, anchor="lm")
    return img


def _best(entries: Sequence[dict], key: str) -> dict:
    return max(entries, key=lambda e: e["metrics"][key])


def reading(entries: Sequence[dict]) -> list[str]:
    """A short reading of the table, generated from the numbers (one bullet per question)."""
    by_name = {e["name"]: e for e in entries}
    ref = by_name.get(REFERENCE)
    out = []
    for q in QUESTIONS:
        group = ([ref] if ref else []) + [e for e in entries if e["question"] == q]
        if len(group) < 2:
            continue

        def name(e: dict, q: str = q) -> str:
            return REFERENCE_CHOICE[q] if e["name"] == REFERENCE else e["label"]

        best = _best(group, "psnr")
        others = ", ".join(f"{name(e)} {e['metrics']['psnr']:.2f} dB"
                           for e in group if e is not best)
        truth = group[0]["metrics"]["colourfulness_truth"]
        vivid = min(group, key=lambda e: abs(e["metrics"]["colourfulness"] - truth))
        gap = best["metrics"]["psnr"] - max(e["metrics"]["psnr"] for e in group if e is not best)
        verdict = "a clear margin" if gap >= 0.3 else "a small margin (within noise for one seed)"
        out.append(
            f"**{q}**: {name(best)} wins on PSNR with {best['metrics']['psnr']:.2f} dB "
            f"({others}; {verdict}); SSIM best: {name(_best(group, 'ssim'))}; colourfulness "
            f"closest to the truth's {truth:.1f}: {name(vivid)} "
            f"({vivid['metrics']['colourfulness']:.1f}).")
    if entries:
        top = _best(entries, "psnr")
        grey = entries[0]["metrics"]["grey_psnr"]
        out.append(
            f"**Overall**: the best PSNR is {top['name']} ({top['metrics']['psnr']:.2f} dB) "
            f"against {grey:.2f} dB for the grey photo itself: "
            + ("the models beat grey on average."
               if top["metrics"]["psnr"] > grey else
               "no run beats the grey photo on PSNR at this budget; averaging losses make a "
               "model hedge towards grey-brown, and PSNR punishes a confident wrong colour more "
               "than no colour. Colourfulness shows who dares colour."))
    return out


def render_markdown(entries: Sequence[dict], meta: dict, out_dir_rel: str) -> str:
    """docs/experiments.md, generated from results.json (the runs) and meta.json."""
    result = meta
    b = meta["budget"]
    lines = [
        "# Experiments: which parametrisation colorizes best?",
        "",
        "*Generated by `python -m core.experiments` from "
        f"`{out_dir_rel}/results.json` and `meta.json`; do not edit by hand.*",
        "",
        "The course leaves the question open: « Il est possible d'utiliser n'importe quel "
        "espace de couleur [...] Il est impossible de savoir à l'avance ce qui fonctionnera le "
        "mieux » (any colour space may be used; what works best cannot be known in advance). "
        "Each run changes **one** "
        "choice of the reference (the course's Lab output on 3 channels bounded by the scaled "
        "sigmoid 2/(1+e^-x) - 1, with an L1 loss, transposed convolutions and skip "
        "connections) and gets **the same budget**: "
        f"{b['steps']} steps of {b['batch']} random {b['size']}x{b['size']} crops, U-Net width "
        f"{b['width']} depth {b['depth']}, learning rate {b['lr']}, seed {b['seed']} (the same "
        f"batches for all), on `{', '.join(result['data'])}`. Each model is then scored on "
        f"the same {entries[0]['metrics']['photos'] if entries else 0} validation photos "
        f"(the training's held-out split, sources mixed), colorized from their NTSC grey at "
        f"full resolution (model at short side {b['working_size']} px, about the scale of the "
        "training crops). Metrics are computed on final RGB images, so they compare runs whose "
        "losses live in different spaces.",
        "",
        "| run | change | PSNR (dB) | SSIM | colourfulness | beats grey | val loss / grey "
        "| params | train (s) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for e in entries:
        m = e["metrics"]
        ratio = loss_vs_grey(e)
        lines.append(
            f"| {e['name']} | {e['label']} | {m['psnr']:.2f} | {m['ssim']:.3f} "
            f"| {m['colourfulness']:.1f} | {100 * m['beats_grey']:.0f} % "
            f"| {'' if ratio is None else f'{ratio:.3f}'} | {e['params']:,} "
            f"| {e['train_seconds']:.0f} |")
    if entries:
        m0 = entries[0]["metrics"]
        lines.append(f"| *grey photo* | *the input itself* | *{m0['grey_psnr']:.2f}* "
                     f"| *{m0['grey_ssim']:.3f}* | *0* | | | | |")
        lines.append(f"| *truth* | | | | *{m0['colourfulness_truth']:.1f}* | | | | |")
    lines += [
        "",
        "PSNR and SSIM (Gaussian window, sigma 1.5) on RGB resized to 256x256; colourfulness "
        "of Hasler and Suesstrunk (0 = grey). *beats grey*: share of photos where the "
        "colorization's PSNR is above the grey photo's. *val loss / grey*: final validation "
        "loss divided by the grey baseline's loss in the run's own output space and loss "
        "(< 1 = better than predicting no colour).",
        "",
        "## What won",
        "",
        *[f"- {s}" for s in reading(entries)],
        "",
        "One seed and a small budget: differences of a few tenths of a dB are within noise; "
        "rerun with `--steps` larger (and another `--seed`) before drawing firm conclusions.",
        "",
        "## The same photos, one column per run",
        "",
        f"![preview]({out_dir_rel}/preview.png)",
        "",
        "## Learning curves",
        "",
        f"![curves]({out_dir_rel}/curves.png)",
        "",
        f"Machine: {result['machine']}; torch {result['torch']}; {result['date']}; "
        f"total {result['seconds'] / 60:.1f} min.",
        "",
        "Reproduce: `" + result["command"] + "`",
        "",
    ]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m core.experiments",
                                description="Same-budget comparison of parametrisations.")
    d = Budget()
    p.add_argument("--data", nargs="+", required=True)
    p.add_argument("--out", default="docs/experiments")
    p.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "colorisation-experiments"),
                   help="where the runs' weights and logs go (not the repository)")
    for name in ("steps", "size", "batch", "width", "depth", "seed", "eval_photos",
                 "working_size", "val_per_source", "workers"):
        p.add_argument(f"--{name.replace('_', '-')}", type=int, default=None,
                       help=f"default {getattr(d, name)}")
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--runs", nargs="+", choices=[r.name for r in RUNS],
                   help="only these runs (default: all)")
    p.add_argument("--quick", action="store_true", help="tiny budget: seconds (tests)")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    import torch

    args = parse_args(argv)
    budget = QUICK if args.quick else Budget()
    overrides = {k: getattr(args, k) for k in asdict(budget) if getattr(args, k, None) is not None}
    budget = replace(budget, **overrides)
    runs = [r for r in RUNS if not args.runs or r.name in args.runs]
    out, work = Path(args.out), Path(args.work)
    out.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    items = interleave_sources(validation_items(args.data, val_per_source=budget.val_per_source))
    items = items[: budget.eval_photos]
    if not items:
        print(f"error: no validation photo in {args.data}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    entries, kept = [], {}
    meta = {
        "budget": asdict(budget), "data": [str(d) for d in args.data],
        "eval_photos": [f"{s}/{Path(p).name}" for p, s in items],
        "torch": torch.__version__, "machine": platform.platform(),
        "command": "python -m core.experiments " + " ".join(
            argv if argv is not None else sys.argv[1:]),
    }
    for i, run in enumerate(runs):
        print(f"[{i + 1}/{len(runs)}] {run.name}: {run.label}", file=sys.stderr)
        entry, kept[run.name] = run_one(run, budget, args.data, work, items)
        entries.append(entry)
        m = entry["metrics"]
        print(f"  PSNR {m['psnr']:.2f} dB (grey {m['grey_psnr']:.2f}), SSIM {m['ssim']:.3f}, "
              f"colourfulness {m['colourfulness']:.1f} (truth {m['colourfulness_truth']:.1f}); "
              f"{entry['train_seconds']:.0f} s", file=sys.stderr)
        spent = time.perf_counter() - t0
        if i + 1 < len(runs):
            print(f"  {spent / 60:.1f} min so far, about {spent / (i + 1) * (len(runs) - i - 1) / 60:.0f}"
                  " min to go", file=sys.stderr)
        meta.update(seconds=time.perf_counter() - t0,
                    date=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
        # written after every run: a long job shows its progress so far
        (out / "results.json").write_text(json.dumps(clean_json(entries), indent=1,
                                                     allow_nan=False))
        (out / "meta.json").write_text(json.dumps(clean_json(meta), indent=1, allow_nan=False))
    write_csv(entries, out / "results.csv")
    preview_grid(entries, kept).save(out / "preview.png", optimize=True)
    curves_chart(entries).save(out / "curves.png", optimize=True)
    md = out.parent / f"{out.name}.md"
    md.write_text(render_markdown(entries, meta, out.name))
    print(f"wrote {out}/results.json, meta.json, results.csv, preview.png, curves.png and {md}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
