"""The course's open question, answered with the same budget for every choice and several seeds.

    python -m core.experiments --data ../shared/data --out docs/experiments --seeds 3 --resume
    python -m core.experiments --data DIR --out /tmp/x --quick        # seconds (tests)

The course says any colour space may be used and that "it is impossible to know in advance
what will work best". Each variant below changes ONE choice of the reference (the course's
parametrisation: Lab on 3 channels bounded by the scaled sigmoid, with the project's L1
loss, transposed convolutions and skip connections) and trains with the same budget: same
steps, batch, crops, data. Every variant is trained once per seed; seed k of every variant
uses the same initial random state and the same batches, so variants are compared pair by
pair on the same photos and seeds (:mod:`core.experiment_stats`). Each model is scored on
the same validation photos with the common metrics on final RGB images (PSNR, SSIM,
colourfulness): each run's loss lives in its own output space and cannot be compared.

Each (variant, seed) is saved as it finishes in ``OUT/runs/NAME-seedK.json`` (settings,
curve, per-photo metrics); ``--resume`` skips the runs already saved with the same budget.
Then :mod:`core.experiment_report` writes ``OUT/results.json`` (per variant: means with
intervals, paired differences to the reference, verdicts), ``OUT/results.csv``,
``OUT/meta.json``, ``OUT/photos/`` (the same validation photos colorized by each variant),
``OUT/preview.png``, ``OUT/curves.png``, ``OUT/differences.png`` and ``OUT.md``.
"""

from __future__ import annotations

import argparse
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
from PIL import Image

from core.evaluate import (
    clean_json,
    evaluate_colorizer,
    flat_metrics,
    interleave_sources,
    validation_items,
)


@dataclass(frozen=True)
class Run:
    """One variant: a name, the question it answers and its changes to the reference."""

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
#: Per-photo fields kept in each run's record (enough for paired statistics).
PHOTO_FIELDS = ("psnr", "ssim", "colourfulness", "grey_psnr", "grey_ssim",
                "colourfulness_truth")


@dataclass
class Budget:
    """What every run shares."""

    steps: int = 600
    size: int = 64
    batch: int = 16
    width: int = 16
    depth: int = 4
    lr: float = 2e-3
    seed: int = 0  # the first seed; the others follow (seed, seed + 1, ...)
    seeds: int = 3
    eval_photos: int = 60
    working_size: int = 96  # ~ the scale of the 64 px training crops (crops of 55-100 % sides)
    val_per_source: int = 100
    workers: int = 0  # data-loader processes (0: in the training process, a shared machine)
    threads: int = 1  # torch threads (1: a shared machine; runs are compared, not timed)
    preview_photos: int = 4


QUICK = Budget(steps=4, size=32, batch=4, width=4, depth=2, eval_photos=3, working_size=48,
               val_per_source=2, workers=0, preview_photos=2, seeds=2)
#: Budget fields that do not change a run's result (a saved run is reused across them).
NOT_RESULT = ("seed", "seeds", "workers", "threads", "preview_photos")


def seeds_of(budget: Budget) -> list[int]:
    """The seeds every variant is trained with."""
    return [budget.seed + k for k in range(budget.seeds)]


def result_budget(budget: Budget) -> dict:
    """The budget fields a run's result depends on (resume: saved runs must match them)."""
    return {k: v for k, v in asdict(budget).items() if k not in NOT_RESULT}


def train_config(run: Run, budget: Budget, data: Sequence[str], out: Path, seed: int):
    """The core.train configuration of one run."""
    from core.train import TrainConfig

    cfg = TrainConfig(
        data=[str(d) for d in data], out=str(out), steps=budget.steps, size=budget.size,
        batch=budget.batch, lr=budget.lr, width=budget.width, depth=budget.depth,
        seed=seed, val_per_source=budget.val_per_source, workers=budget.workers,
        threads=budget.threads, val_every=max(1, budget.steps // 6),
        log_every=max(1, budget.steps // 60),
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


def record_path(out: Path, name: str, seed: int) -> Path:
    """Where one (variant, seed) run is saved."""
    return out / "runs" / f"{name}-seed{seed}.json"


def _round(x, digits: int = 5):
    return float(f"{x:.{digits}g}") if isinstance(x, float) and np.isfinite(x) else x


def run_one(run: Run, budget: Budget, data: Sequence[str], work: Path,
            items: Sequence[tuple[Path, str]], seed: int) -> tuple[dict, list[dict]]:
    """Train one (variant, seed), then score it on ``items``; returns (record, kept images)."""
    from core.colorizer import Colorizer
    from core.train import train
    from core.unet import count_parameters
    from core.weights import load_model

    cfg = train_config(run, budget, data, work / f"{run.name}-seed{seed}", seed)
    t0 = time.perf_counter()
    train(cfg)
    train_s = time.perf_counter() - t0
    model, _ = load_model(cfg.out)
    colorizer = Colorizer(model, device="cpu", working_size=budget.working_size)
    t1 = time.perf_counter()
    summary, kept = evaluate_colorizer(colorizer, items, keep=budget.preview_photos)
    curve = read_curve(Path(cfg.out).with_suffix(".log.jsonl"))
    last_val = next((c for c in reversed(curve) if c["val_loss"] is not None), None)
    record = {
        "name": run.name, "seed": seed, "question": run.question, "label": run.label,
        "budget": result_budget(budget),
        "settings": {k: getattr(cfg, k) for k in ("output", "bound", "loss", "upsampling",
                                                  "skips", "width", "depth", "size", "batch",
                                                  "steps", "lr", "seed")},
        "curve": curve,
        "metrics": flat_metrics(summary),
        "photos": [{"photo": f"{r['source']}/{r['name']}",
                    **{k: _round(r[k]) for k in PHOTO_FIELDS}} for r in summary["photos"]],
        "val_loss": last_val["val_loss"] if last_val else None,
        "grey_loss": last_val["grey_loss"] if last_val else None,
        "params": count_parameters(model),
        "train_seconds": round(train_s, 1),
        "eval_seconds": round(time.perf_counter() - t1, 1),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }
    return record, kept


def load_record(path: Path, budget: Budget, photos: Sequence[str]) -> dict | None:
    """A saved run if it was made with this budget on these photos, else None."""
    try:
        rec = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if rec.get("budget") != result_budget(budget):
        return None
    if [p["photo"] for p in rec.get("photos", [])] != list(photos):
        return None
    return rec


#: Longest side of the photos kept for the screen (the same photos, one per variant).
THUMB = 320


def save_photos(out: Path, name: str, kept: Sequence[dict], seed: int) -> bool:
    """The kept photos colorized by variant ``name`` (and grey, truth) as small JPEGs.

    The screen shows one seed per variant, the lowest: ``photos/seeds.json`` records which
    seed each variant's photos come from, so a process running a later seed (in parallel)
    never replaces them. Returns whether the photos were written.
    """
    d = out / "photos"
    d.mkdir(parents=True, exist_ok=True)
    seeds_file = d / "seeds.json"
    try:
        seeds = json.loads(seeds_file.read_text())
    except (OSError, ValueError):
        seeds = {}
    if name in seeds and seeds[name] <= seed:
        return False
    for i, k in enumerate(kept):
        for key, fname in (("model", f"{name}-{i}.jpg"), ("grey", f"grey-{i}.jpg"),
                           ("truth", f"truth-{i}.jpg")):
            im = Image.fromarray(k[key])
            im.thumbnail((THUMB, THUMB), Image.LANCZOS)
            im.save(d / fname, quality=88)
    seeds[name] = seed
    seeds_file.write_text(json.dumps(seeds, indent=1, sort_keys=True))
    return True


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m core.experiments",
                                description="Same-budget comparison of parametrisations.")
    d = Budget()
    p.add_argument("--data", nargs="+", required=True)
    p.add_argument("--out", required=True, help="the report's folder (docs/experiments is the "
                                                "repository's)")
    p.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "colorisation-experiments"),
                   help="where the runs' weights and logs go (not the repository)")
    for name in ("steps", "size", "batch", "width", "depth", "seed", "seeds", "eval_photos",
                 "working_size", "val_per_source", "workers", "threads"):
        p.add_argument(f"--{name.replace('_', '-')}", type=int, default=None,
                       help=f"default {getattr(d, name)}")
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--runs", nargs="+", choices=[r.name for r in RUNS],
                   help="only these variants (default: all)")
    p.add_argument("--resume", action="store_true",
                   help="skip the (variant, seed) runs already saved in OUT/runs with this budget")
    p.add_argument("--quick", action="store_true", help="tiny budget: seconds (tests)")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    import torch

    args = parse_args(argv)
    budget = QUICK if args.quick else Budget()
    overrides = {k: getattr(args, k) for k in asdict(budget) if getattr(args, k, None) is not None}
    budget = replace(budget, **overrides)
    if budget.threads > 0:
        torch.set_num_threads(budget.threads)
    runs = [r for r in RUNS if not args.runs or r.name in args.runs]
    out, work = Path(args.out), Path(args.work)
    out.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    items = interleave_sources(validation_items(args.data, val_per_source=budget.val_per_source))
    items = items[: budget.eval_photos]
    if not items:
        print(f"error: no validation photo in {args.data}", file=sys.stderr)
        return 2
    photos = [f"{s}/{Path(p).name}" for p, s in items]
    todo = [(r, s) for s in seeds_of(budget) for r in runs]  # seed by seed: early full sets
    t0, trained, records = time.perf_counter(), 0, []
    for i, (run, seed) in enumerate(todo):
        path = record_path(out, run.name, seed)
        rec = load_record(path, budget, photos) if args.resume else None
        if rec is not None:
            print(f"[{i + 1}/{len(todo)}] {run.name} seed {seed}: saved, skipped", file=sys.stderr)
            records.append(rec)
            continue
        print(f"[{i + 1}/{len(todo)}] {run.name} seed {seed}: {run.label}", file=sys.stderr)
        rec, kept = run_one(run, budget, args.data, work, items, seed)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(clean_json(rec), allow_nan=False))
        save_photos(out, run.name, kept, seed)
        records.append(rec)
        trained += 1
        m = rec["metrics"]
        spent = time.perf_counter() - t0
        print(f"  PSNR {m['psnr']:.2f} dB (grey {m['grey_psnr']:.2f}), SSIM {m['ssim']:.3f}, "
              f"colourfulness {m['colourfulness']:.1f} (truth {m['colourfulness_truth']:.1f}); "
              f"{rec['train_seconds']:.0f} s train; {spent / 60:.1f} min so far, about "
              f"{spent / trained * (len(todo) - i - 1) / 60:.0f} min to go", file=sys.stderr)
    meta = {
        "budget": asdict(budget), "data": [str(d) for d in args.data], "eval_photos": photos,
        "seeds": seeds_of(budget), "torch": torch.__version__, "machine": platform.platform(),
        "cpus": __import__("os").cpu_count(),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "train_minutes": round(sum(r["train_seconds"] + r["eval_seconds"]
                                   for r in records) / 60, 1),
        "command": "python -m core.experiments " + " ".join(
            argv if argv is not None else sys.argv[1:]),
    }
    from core.experiment_report import write_report  # late: a long run uses the latest

    try:
        written = write_report(records, meta, out, reference=REFERENCE)
    except ValueError as e:  # e.g. a process that ran only some variants of a later seed
        print(f"runs saved in {out / 'runs'}; no report yet: {e}", file=sys.stderr)
        return 0
    print("wrote " + ", ".join(str(p) for p in written), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
