"""Evaluate a colorizer on the fixed validation split, against the grey baseline.

    python -m core.evaluate --weights weights/NAME --data ../shared/data --out docs/evaluation
        [--limit N] [--markdown]
    python -m core.evaluate --from-json docs/evaluation.json --markdown
    python -m core.evaluate calibrate --weights weights/NAME --data ../shared/data [--write]

The validation photos are exactly those training held out: ``list_images`` ->
``filter_colourful`` (same chroma cache) -> ``split_train_val``. Each photo is made grey
(NTSC), colorized at full resolution by :class:`core.colorizer.Colorizer` (``predict`` then
``render``, at the working size and chroma gain calibrated with the weights) and compared
with the true photo (:mod:`core.metrics`: PSNR and SSIM on 256 x 256 RGB, Hasler-Suesstrunk
colourfulness). The *grey baseline* is the NTSC grey photo itself shown as
RGB: a model that does not beat it on PSNR has learnt nothing useful about colour, and its
colourfulness says how far from "sepia" the model is (truth's colourfulness as reference).

Writes ``OUT.json`` (overall, per-source and per-photo metrics) and ``OUT.png`` (a grid of
validation photos: grey | model | truth); :func:`metrics_markdown` renders the JSON as the
model card's table.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from core.color import grey_rgb
from core.colorizer import DEFAULT_WEIGHTS, WORKING_SIZE, Colorizer
from core.data import (
    CHROMA_THRESHOLD,
    chroma_cache_path,
    filter_colourful,
    list_images,
    split_train_val,
)
from core.images import ImageError, load_image
from core.metrics import EVAL_SIZE, colourfulness, psnr, ssim

#: Metrics averaged over photos, for the model and the grey baseline.
METRICS = ("psnr", "ssim", "colourfulness")
GRID_ROWS = 8


# -- which photos ------------------------------------------------------------------------
def validation_items(data: Sequence[str | Path], chroma_threshold: float = CHROMA_THRESHOLD,
                     val_per_source: int = 100, split: str = "val") -> list[tuple[Path, str]]:
    """The validation split of ``core.train`` (same filter, same cache, same split).

    ``split="train"`` gives training photos instead, in a fixed pseudo-random order: that is
    where a post-processing setting (the chroma gain) may be calibrated without looking at
    the validation photos.
    """
    items = list_images(data)
    items, _ = filter_colourful(items, chroma_threshold, cache=chroma_cache_path())
    train, val = split_train_val(items, val_per_source=val_per_source)
    if split == "train":
        import hashlib

        # keyed by the absolute path, so "../shared/data" and "/work/shared/data" give the
        # same photos (the shipped calibration was made with the absolute form)
        return sorted(train, key=lambda it: hashlib.sha1(
            str(Path(it[0]).resolve()).encode()).hexdigest())
    return val


def interleave_sources(items: Sequence[tuple[Path, str]]) -> list[tuple[Path, str]]:
    """Round-robin over sources (sorted by name), keeping each source's order.

    Any prefix of the result mixes the sources: ``--limit 60`` or the grid's first
    8 photos are not all from one folder.
    """
    groups: dict[str, list[tuple[Path, str]]] = {}
    for it in items:
        groups.setdefault(it[1], []).append(it)
    queues = [groups[s] for s in sorted(groups)]
    out = []
    for i in range(max((len(q) for q in queues), default=0)):
        out += [q[i] for q in queues if i < len(q)]
    return out


# -- scoring -----------------------------------------------------------------------------
def score_photo(colorizer: Colorizer, truth: np.ndarray) -> tuple[dict, np.ndarray, np.ndarray]:
    """Colorize one true colour photo from its grey version and score model and grey.

    Returns (scores, model RGB, grey RGB); scores has psnr, ssim, colourfulness (model),
    grey_psnr, grey_ssim, grey_colourfulness, colourfulness_truth and seconds.
    """
    t0 = time.perf_counter()
    pred = colorizer.colorize(truth).rgb
    seconds = time.perf_counter() - t0
    grey = grey_rgb(truth)
    scores = {
        "psnr": psnr(pred, truth), "ssim": ssim(pred, truth), "colourfulness": colourfulness(pred),
        "grey_psnr": psnr(grey, truth), "grey_ssim": ssim(grey, truth),
        "grey_colourfulness": colourfulness(grey), "colourfulness_truth": colourfulness(truth),
        "seconds": seconds,
    }
    return scores, pred, grey


def summarise(rows: Sequence[dict]) -> dict:
    """Means over photos: {"photos", "model": {...}, "grey": {...}, "truth": {...}, "beats_grey"}.

    ``beats_grey`` is the share of photos whose colorization has a higher PSNR than the
    grey photo: averaging losses make a model hedge towards grey, so this is not a given.
    """
    def mean(key: str) -> float:
        vals = [r[key] for r in rows if np.isfinite(r[key])]
        return float(np.mean(vals)) if vals else float("nan")

    return {
        "photos": len(rows),
        "model": {m: mean(m) for m in METRICS},
        "grey": {m: mean(f"grey_{m}") for m in METRICS},
        "truth": {"colourfulness": mean("colourfulness_truth")},
        "beats_grey": float(np.mean([r["psnr"] > r["grey_psnr"] for r in rows])) if rows else 0.0,
        "seconds_per_photo": mean("seconds"),
    }


def evaluate_colorizer(colorizer: Colorizer, items: Sequence[tuple[Path, str]],
                       keep: int = 0, progress: bool = False) -> tuple[dict, list[dict]]:
    """Score every (path, source); returns (summary, kept) where kept holds the first
    ``keep`` photos' images ({"name", "source", "truth", "grey", "model"}) for grids.

    Unreadable photos are counted under ``skipped``, not scored.
    """
    from tqdm import tqdm

    rows, kept, skipped = [], [], []
    for path, source in tqdm(items, unit="photo", disable=not progress, file=sys.stderr,
                             dynamic_ncols=True):
        try:
            truth = load_image(path)
        except (ImageError, OSError) as e:
            skipped.append({"path": str(path), "error": str(e)})
            continue
        scores, pred, grey = score_photo(colorizer, truth)
        rows.append({"name": Path(path).name, "source": source,
                     "height": truth.shape[0], "width": truth.shape[1], **scores})
        if len(kept) < keep:
            kept.append({"name": Path(path).name, "source": source, "truth": truth,
                         "grey": grey, "model": pred})
    by_source: dict[str, list[dict]] = {}
    for r in rows:
        by_source.setdefault(r["source"], []).append(r)
    summary = {
        "overall": summarise(rows),
        "per_source": {s: summarise(by_source[s]) for s in sorted(by_source)},
        "photos": rows,
        "skipped": skipped,
    }
    return summary, kept


def flat_metrics(summary: dict) -> dict[str, float]:
    """One flat dict of the overall means (experiments' results.json / CSV)."""
    o = summary["overall"]
    return {
        "psnr": o["model"]["psnr"], "ssim": o["model"]["ssim"],
        "colourfulness": o["model"]["colourfulness"],
        "colourfulness_truth": o["truth"]["colourfulness"],
        "grey_psnr": o["grey"]["psnr"], "grey_ssim": o["grey"]["ssim"],
        "beats_grey": o["beats_grey"], "photos": o["photos"],
    }


# -- pictures ----------------------------------------------------------------------------
def _font(size: int) -> ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow without FreeType: the small bitmap font
        return ImageFont.load_default()


def _fit(img: np.ndarray, w: int, h: int, bg: tuple[int, int, int]) -> Image.Image:
    """The whole photo scaled to fit a w x h cell, centred (letterbox)."""
    im = Image.fromarray(np.ascontiguousarray(img)).convert("RGB")
    im.thumbnail((w, h), Image.LANCZOS)
    cell = Image.new("RGB", (w, h), bg)
    cell.paste(im, ((w - im.width) // 2, (h - im.height) // 2))
    return cell


def image_grid(rows: Sequence[Sequence[np.ndarray]], headers: Sequence[str],
               row_labels: Sequence[str] | None = None, cell: tuple[int, int] = (240, 180),
               gap: int = 4) -> Image.Image:
    """A labelled grid: one row per photo, one column per header (whole photos, letterboxed)."""
    w, h = cell
    font = _font(16)
    head = 28
    label_h = 18 if row_labels else 0
    bg = (255, 255, 255)
    ncol = len(headers)
    width = ncol * w + (ncol + 1) * gap
    height = head + len(rows) * (h + label_h + gap) + gap
    grid = Image.new("RGB", (width, height), bg)
    draw = ImageDraw.Draw(grid)
    for j, text in enumerate(headers):
        x = gap + j * (w + gap)
        draw.text((x + w // 2, head // 2), text, fill=(20, 20, 20), font=font, anchor="mm")
    for i, row in enumerate(rows):
        y = head + i * (h + label_h + gap)
        for j, img in enumerate(row):
            grid.paste(_fit(img, w, h, (235, 235, 235)), (gap + j * (w + gap), y))
        if row_labels:
            draw.text((gap, y + h + 1), row_labels[i], fill=(90, 90, 90), font=_font(12))
    return grid


def evaluation_grid(kept: Sequence[dict]) -> Image.Image:
    """grey | model | truth for each kept photo."""
    return image_grid([[k["grey"], k["model"], k["truth"]] for k in kept],
                      ["grey (input)", "model", "truth"],
                      row_labels=[f"{k['source']}/{k['name']}" for k in kept])


# -- the report --------------------------------------------------------------------------
def metrics_markdown(result: dict) -> str:
    """The metrics as a markdown table (model vs grey baseline, per source and overall)."""
    lines = [
        "| photos | n | PSNR model (dB) | PSNR grey (dB) | SSIM model | SSIM grey "
        "| colourfulness model | colourfulness truth | beats grey (PSNR) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def row(name: str, s: dict) -> str:
        return (f"| {name} | {s['photos']} | {s['model']['psnr']:.2f} | {s['grey']['psnr']:.2f} "
                f"| {s['model']['ssim']:.3f} | {s['grey']['ssim']:.3f} "
                f"| {s['model']['colourfulness']:.1f} | {s['truth']['colourfulness']:.1f} "
                f"| {100 * s['beats_grey']:.0f} % |")

    for source, s in result["per_source"].items():
        lines.append(row(source, s))
    lines.append(row("**all**", result["overall"]))
    ws = result.get("working_size", WORKING_SIZE)
    lines.append("")
    lines.append(
        f"Validation split of `core.train` ({result['overall']['photos']} photos), each made "
        f"grey (NTSC) and colorized at full resolution (model at short side {ws} px). "
        f"PSNR and SSIM (Gaussian window, sigma 1.5) on RGB resized to {EVAL_SIZE}x{EVAL_SIZE}; "
        "colourfulness of Hasler and Suesstrunk (grey photo = 0). The grey baseline is the "
        "NTSC grey input itself.")
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m core.evaluate",
                                description="Evaluate a colorizer on the validation split.")
    p.add_argument("--weights", default=str(DEFAULT_WEIGHTS), help="weights/NAME")
    p.add_argument("--data", nargs="+", help="photo folder(s), as given to core.train")
    p.add_argument("--out", help="writes OUT.json and OUT.png (required to evaluate; "
                                 "docs/evaluation is the repository's)")
    p.add_argument("--limit", type=int, help="evaluate only the first N photos (sources mixed)")
    p.add_argument("--size", type=int, default=None,
                   help="working size (default: the weights' calibrated one, else 256)")
    p.add_argument("--grid-rows", type=int, default=GRID_ROWS)
    p.add_argument("--device", default=None)
    p.add_argument("--split", choices=["val", "train"], default="val",
                   help="val (default) or a fixed sample of training photos (calibration)")
    p.add_argument("--chroma-gain", type=float, default=None,
                   help="post-processing gain on a, b (default: the weights' calibrated one)")
    p.add_argument("--val-per-source", type=int, default=100, help="as in core.train")
    p.add_argument("--chroma-threshold", type=float, default=CHROMA_THRESHOLD,
                   help="as in core.train")
    p.add_argument("--markdown", action="store_true", help="print the markdown table")
    p.add_argument("--from-json", help="render the markdown of an existing OUT.json; no evaluation")
    p.add_argument("--hints", type=int, nargs="+", metavar="N",
                   help="colour hints: score a hint model with N true hints per photo against "
                        "the nearest-hint and global-colour fills (core.hints.evaluate)")
    p.add_argument("--baseline", default=str(DEFAULT_WEIGHTS),
                   help="with --hints: the automatic model also scored, without hints")
    p.add_argument("--no-hint-locality", action="store_true",
                   help="with --hints: the hint model's answer as is, without the locality "
                        "gate of its weights (core.hints.locality): the model before the gate")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    import torch

    from core.weights import WeightsError

    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["calibrate"]:  # working size x chroma gain (core.calibrate)
        from core.calibrate import main as calibrate

        return calibrate(argv[1:])
    args = parse_args(argv)
    if args.from_json:
        print(metrics_markdown(json.loads(Path(args.from_json).read_text())))
        return 0
    missing = [flag for flag, value in (("--data", args.data), ("--out", args.out)) if not value]
    if missing:
        print(f"error: required: {', '.join(missing)} (or --from-json)", file=sys.stderr)
        return 2
    try:
        # the hint fill, the automatic input and the locality gate of the weights' metadata,
        # as the screens load them
        overrides = {k: v for k, v in (("chroma_gain", args.chroma_gain),
                                       ("working_size", args.size)) if v is not None}
        if args.no_hint_locality:
            overrides["hint_locality"] = None
        colorizer = Colorizer.from_weights(args.weights, device=args.device, **overrides)
        meta = colorizer.metadata
    except WeightsError as e:
        print(f"error: cannot load {args.weights!r}: {e}", file=sys.stderr)
        return 2
    items = interleave_sources(validation_items(args.data, args.chroma_threshold,
                                                args.val_per_source, args.split))
    if args.limit:
        items = items[: args.limit]
    if not items:
        print(f"error: no validation photo in {args.data}", file=sys.stderr)
        return 2
    if args.hints:
        from core.hints.evaluate import evaluate_hints, hints_markdown

        baseline = Colorizer.from_weights(args.baseline, device=args.device)
        result = evaluate_hints(colorizer, items, args.hints, out=Path(args.out),
                                progress=True, baseline=baseline,
                                about={"weights": str(args.weights),
                                       "command": "python -m core.evaluate " + " ".join(argv)})
        print(hints_markdown(result))
        return 0
    t0 = time.perf_counter()
    summary, kept = evaluate_colorizer(colorizer, items, keep=args.grid_rows, progress=True)
    result = {
        "weights": str(args.weights),
        "model": colorizer.model.config.to_dict(),
        "training": {k: meta.get(k) for k in ("steps", "minutes", "train", "train_photos",
                                             "params") if k in meta},
        "data": [str(d) for d in args.data],
        "working_size": colorizer.working_size,
        "split": args.split,
        "chroma_gain": colorizer.chroma_gain,
        "eval_size": EVAL_SIZE,
        **summary,
        "grid": [f"{k['source']}/{k['name']}" for k in kept],
        "device": colorizer.device.type,
        "seconds": round(time.perf_counter() - t0, 1),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "torch": torch.__version__,
        "machine": platform.platform(),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    json_path, png_path = out.with_suffix(".json"), out.with_suffix(".png")
    json_path.write_text(json.dumps(clean_json(result), indent=1, allow_nan=False))
    evaluation_grid(kept).save(png_path, optimize=True)
    print(f"wrote {json_path} and {png_path}", file=sys.stderr)
    if args.markdown:
        print(metrics_markdown(result))
    return 0


def clean_json(x):
    """Numpy scalars -> Python, non-finite floats (an infinite PSNR) -> None: strict JSON."""
    if isinstance(x, dict):
        return {k: clean_json(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [clean_json(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not np.isfinite(x):
        return None
    return x


if __name__ == "__main__":
    sys.exit(main())
