"""The experiments' results, from the saved runs: statistics, data files, charts, report.

:func:`write_report` turns the (variant, seed) records of :mod:`core.experiments` into
``results.json`` (what the screen and the report read), ``results.csv``, ``meta.json``,
``preview.png``, ``curves.png``, ``differences.png`` and the generated ``OUT.md``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from core.evaluate import _font, clean_json, image_grid
from core.experiment_stats import (
    finite_columns,
    interval,
    metric_array,
    paired_difference,
    resample_indices,
)

#: Metrics with intervals: (key, unit, higher is better).
METRICS = (("psnr", "dB", True), ("ssim", "", True), ("colourfulness", "", None))
#: Column headers of the preview grid (a cell is 176 px wide).
SHORT = {"reference": "course recipe", "ab": "ab only", "rgb": "RGB", "no_bound": "no bound",
         "l2": "L2 loss", "huber": "Huber loss", "bilinear": "bilinear upsampling",
         "no_skips": "no skips"}
PALETTE = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
           (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]


def complete_seeds(records: Sequence[dict], names: Sequence[str]) -> list[int]:
    """Seeds for which every variant has a run (the pairs the statistics need)."""
    have: dict[int, set] = {}
    for r in records:
        have.setdefault(r["seed"], set()).add(r["name"])
    return sorted(s for s, n in have.items() if set(names) <= n)


def curve_ratio(curve: Sequence[dict]) -> list[tuple[int, float]]:
    """(step, validation loss / grey baseline's loss) points of one run's curve."""
    return [(c["step"], c["val_loss"] / c["grey_loss"]) for c in curve
            if c.get("val_loss") is not None and c.get("grey_loss")]


def mean_curve(curves: Sequence[Sequence[dict]], key: str | None = None) -> list[dict]:
    """Steps where every seed has a point: mean, min and max over seeds of the validation
    loss / grey's ratio (``key`` None) or of the logged value ``key`` ("train_loss")."""
    series = [dict(curve_ratio(c)) if key is None else
              {p["step"]: p[key] for p in c if p.get(key) is not None} for c in curves]
    steps = sorted(set.intersection(*(set(s) for s in series))) if series else []
    return [{"step": s, "mean": float(np.mean([x[s] for x in series])),
             "min": float(min(x[s] for x in series)), "max": float(max(x[s] for x in series))}
            for s in steps]


def summarise(records: Sequence[dict], photos: Sequence[str], reference: str,
              order: Sequence[str]) -> dict:
    """results.json: per variant, each metric's mean and interval and the paired
    difference to ``reference`` (same photos, same seeds), with its verdict."""
    names = [n for n in order if any(r["name"] == n for r in records)]
    seeds = complete_seeds(records, names)
    if reference not in names or not seeds:
        raise ValueError("no complete seed: every variant, the reference included, needs a run")
    by_name = {n: [r for r in records if r["name"] == n and r["seed"] in seeds] for n in names}
    arrays = {n: {m: metric_array(by_name[n], m, seeds, list(photos))
                  for m in ("psnr", "ssim", "colourfulness", "grey_psnr", "grey_ssim",
                            "colourfulness_truth")} for n in names}
    # a photo colorized exactly (PSNR = inf) or unreadable in any run is left out of all
    keep = finite_columns(*(a[m] for a in arrays.values() for m in ("psnr", "ssim")))
    idx = resample_indices(len(seeds), int(keep.sum()))
    ref = arrays[reference]
    variants = []
    for n in names:
        recs, a = by_name[n], arrays[n]
        first = recs[0]
        v = {"name": n, "question": first["question"], "label": first["label"],
             "settings": {k: val for k, val in first["settings"].items() if k != "seed"},
             "seeds": seeds, "params": first["params"],
             "train_seconds": float(np.mean([r["train_seconds"] for r in recs])),
             "beats_grey": float(np.mean(a["psnr"][:, keep] > a["grey_psnr"][:, keep])),
             "per_seed": {m: [float(np.mean(row[keep])) for row in a[m]]
                          for m, _, _ in METRICS},
             "metrics": {m: interval(a[m][:, keep], idx) for m, _, _ in METRICS},
             "gain_db": interval(a["psnr"][:, keep] - a["grey_psnr"][:, keep], idx),
             "curve": mean_curve([r["curve"] for r in recs]),
             "train_curve": mean_curve([r["curve"] for r in recs], "train_loss")}
        if n != reference:
            v["difference"] = {m: paired_difference(a[m][:, keep], ref[m][:, keep], idx)
                               for m, _, _ in METRICS}
        variants.append(v)
    return {
        "reference": reference, "seeds": seeds, "photos": int(keep.sum()),
        "photos_left_out": [p for p, k in zip(photos, keep, strict=True) if not k],
        # the grey photo does not depend on the seed: its interval is over photos only
        "grey": {"psnr": interval(ref["grey_psnr"][:1, keep]),
                 "ssim": float(ref["grey_ssim"][0, keep].mean())},
        "truth_colourfulness": float(ref["colourfulness_truth"][0, keep].mean()),
        "variants": variants,
    }


# -- data files ------------------------------------------------------------------------------
def write_csv(summary: dict, path: Path) -> None:
    """One row per variant: each metric's mean and interval, the difference and its verdict."""
    fields = ["name", "question", "label", "output", "bound", "loss", "upsampling", "skips",
              "seeds", "photos"]
    for m, _, _ in METRICS:
        fields += [m, f"{m}_lo", f"{m}_hi", f"{m}_diff", f"{m}_diff_lo", f"{m}_diff_hi",
                   f"{m}_diff_real"]
    fields += ["beats_grey", "params", "train_seconds"]
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        for v in summary["variants"]:
            row = {**v["settings"], "name": v["name"], "question": v["question"],
                   "label": v["label"], "seeds": len(v["seeds"]), "photos": summary["photos"],
                   "beats_grey": v["beats_grey"], "params": v["params"],
                   "train_seconds": v["train_seconds"]}
            for m, _, _ in METRICS:
                i = v["metrics"][m]
                row.update({m: i["mean"], f"{m}_lo": i["lo"], f"{m}_hi": i["hi"]})
                d = v.get("difference", {}).get(m)
                if d:
                    row.update({f"{m}_diff": d["mean"], f"{m}_diff_lo": d["lo"],
                                f"{m}_diff_hi": d["hi"], f"{m}_diff_real": d["real"]})
            w.writerow({k: (f"{x:.5g}" if isinstance(x, float) else x)
                        for k, x in row.items() if k in fields})


# -- pictures (PIL: core never imports plotly) -------------------------------------------------
def differences_chart(summary: dict, metric: str = "psnr",
                      size: tuple[int, int] = (900, 380)) -> Image.Image:
    """Each variant's paired difference to the reference: a dot and its 95 % interval."""
    W, H = size
    rows = [v for v in summary["variants"] if "difference" in v]
    left, right, top, bottom = 300, 30, 40, 40
    img = Image.new("RGB", size, (255, 255, 255))
    d = ImageDraw.Draw(img)
    font, small = _font(14), _font(12)
    unit = dict((m, u) for m, u, _ in METRICS)[metric]
    d.text((10, 10), f"{metric.upper()} difference to the reference ({unit or 'no unit'}), "
           "mean and 95 % interval over photos and seeds", fill=(30, 30, 30), font=font)
    if not rows:
        return img
    lo = min(min(v["difference"][metric]["lo"] for v in rows), 0.0)
    hi = max(max(v["difference"][metric]["hi"] for v in rows), 0.0)
    pad = 0.08 * (hi - lo or 1.0)
    lo, hi = lo - pad, hi + pad

    def x(val: float) -> float:
        return left + (W - left - right) * (val - lo) / (hi - lo)

    for t in np.linspace(lo, hi, 6):
        d.line([x(t), top, x(t), H - bottom], fill=(235, 235, 235))
        d.text((x(t), H - bottom + 6), f"{t:+.2f}", fill=(80, 80, 80), font=small, anchor="mt")
    d.line([x(0), top, x(0), H - bottom], fill=(90, 90, 90), width=2)
    step = (H - top - bottom) / len(rows)
    for i, v in enumerate(rows):
        y = top + step * (i + 0.5)
        diff = v["difference"][metric]
        col = (200, 60, 40) if diff["real"] else (140, 140, 140)
        d.text((left - 10, y), v["label"][:40], fill=(30, 30, 30), font=small, anchor="rm")
        d.line([x(diff["lo"]), y, x(diff["hi"]), y], fill=col, width=3)
        for e in (diff["lo"], diff["hi"]):
            d.line([x(e), y - 6, x(e), y + 6], fill=col, width=2)
        d.ellipse([x(diff["mean"]) - 5, y - 5, x(diff["mean"]) + 5, y + 5], fill=col)
    return img


def curves_chart(summary: dict, size: tuple[int, int] = (1000, 420)) -> Image.Image:
    """Validation loss / grey baseline's loss against steps: mean over seeds, min-max band."""
    W, H = size
    left, right, top, bottom = 60, 320, 30, 40
    img = Image.new("RGB", size, (255, 255, 255))
    d = ImageDraw.Draw(img, "RGBA")
    font, small = _font(14), _font(12)
    d.text((left, 8), "validation loss / grey baseline's loss (own output space, log scale; "
           "< 1 = better than grey)", fill=(30, 30, 30), font=font)
    series = [(v["label"], v["curve"]) for v in summary["variants"] if v["curve"]]
    pts = [p for _, c in series for p in c]
    if not pts:
        return img
    xmax = max(p["step"] for p in pts) or 1
    ylo = np.log10(min(min(p["min"] for p in pts), 1.0)) - 0.02
    yhi = np.log10(max(max(p["max"] for p in pts), 1.0)) + 0.02

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
        x0, y0 = xy(s, 10 ** ylo)
        d.text((x0, y0 + 6), f"{int(s)}", fill=(80, 80, 80), font=small, anchor="mt")
    for i, (label, c) in enumerate(series):
        col = PALETTE[i % len(PALETTE)]
        if len(c) > 1:
            band = [xy(p["step"], p["max"]) for p in c] + [xy(p["step"], p["min"])
                                                         for p in reversed(c)]
            d.polygon(band, fill=(*col, 40))
            d.line([xy(p["step"], p["mean"]) for p in c], fill=col, width=2)
        ly = top + 10 + 20 * i
        d.line([W - right + 12, ly, W - right + 34, ly], fill=col, width=3)
        d.text((W - right + 40, ly), label[:44], fill=(30, 30, 30), font=small, anchor="lm")
    return img


def preview_grid(summary: dict, photos_dir: Path) -> Image.Image | None:
    """Rows: the same validation photos; columns: grey | every variant | truth (seed 1)."""
    names = [v["name"] for v in summary["variants"]]
    n = len(list(photos_dir.glob("grey-*.jpg")))
    if not n or not all((photos_dir / f"{m}-0.jpg").is_file() for m in names):
        return None

    def im(stem: str) -> np.ndarray:
        with Image.open(photos_dir / f"{stem}.jpg") as f:
            return np.asarray(f.convert("RGB"))

    rows = [[im(f"grey-{i}")] + [im(f"{m}-{i}") for m in names] + [im(f"truth-{i}")]
            for i in range(n)]
    return image_grid(rows, ["grey input"] + [SHORT.get(m, m) for m in names] + ["truth"],
                      cell=(176, 132))


# -- the report ------------------------------------------------------------------------------
def _iv(i: dict, fmt: str = ".2f") -> str:
    return f"{i['mean']:{fmt}} [{i['lo']:{fmt}}, {i['hi']:{fmt}}]"


def verdict_line(v: dict, reference_label: str, ref: dict | None = None) -> str:
    """One plain sentence per variant: is its PSNR difference to the reference real?
    With the reference's entry ``ref``, the difference of each seed's mean is added."""
    d = v["difference"]["psnr"]
    side = "better" if d["mean"] > 0 else "worse"
    if d["real"]:
        head = f"**{v['label']}** is {side} than {reference_label} by {abs(d['mean']):.2f} dB"
    else:
        head = (f"**{v['label']}** vs {reference_label}: {d['mean']:+.2f} dB, within noise "
                "(the interval crosses 0)")
    c = v["difference"]["colourfulness"]
    colour = (f"; colourfulness {c['mean']:+.1f} [{c['lo']:+.1f}, {c['hi']:+.1f}]"
              + (" (real)" if c["real"] else " (within noise)"))
    seeds = ""
    if ref is not None:
        per = [a - b for a, b in zip(v["per_seed"]["psnr"], ref["per_seed"]["psnr"],
                                     strict=True)]
        seeds = "; per seed " + ", ".join(f"{x:+.2f}" for x in per) + " dB"
    return f"{head} (95 % interval [{d['lo']:+.2f}, {d['hi']:+.2f}] dB{seeds}){colour}."


def render_markdown(summary: dict, meta: dict, out_dir_rel: str,
                    reference_label: str) -> str:
    """docs/experiments.md, generated from results.json and meta.json."""
    b = meta["budget"]
    vs = summary["variants"]
    seeds = summary["seeds"]
    real = [v for v in vs if "difference" in v and v["difference"]["psnr"]["real"]]
    lines = [
        "# Experiments: which parametrization colorizes best?",
        "",
        "*Generated by `python -m core.experiments` from "
        f"`{out_dir_rel}/runs/*.json`; do not edit by hand.*",
        "",
        "The course leaves the question open: « Il est possible d'utiliser n'importe quel "
        "espace de couleur [...] Il est impossible de savoir à l'avance ce qui fonctionnera le "
        "mieux » (any colour space may be used; what works best cannot be known in advance). "
        "Each variant changes **one** choice of the reference (the course's Lab output on 3 "
        "channels bounded by the scaled sigmoid 2/(1+e^-x) - 1, with an L1 loss, transposed "
        "convolutions and skip connections) and gets **the same budget**: "
        f"{b['steps']} steps of {b['batch']} random {b['size']}x{b['size']} crops, U-Net width "
        f"{b['width']} depth {b['depth']}, learning rate {b['lr']}, on "
        f"`{', '.join(meta['data'])}`, **{len(seeds)} seed{'s' if len(seeds) > 1 else ''}** "
        f"(seed{'s' if len(seeds) > 1 else ''} {', '.join(map(str, seeds))}"
        "; seed k gives every variant the same initial random state and the same batches). "
        f"Each model is scored on the same {summary['photos']} validation photos (the "
        "training's held-out split, sources mixed), colorized from their NTSC grey at full "
        f"resolution (model at short side {b['working_size']} px). Metrics are computed on final "
        "RGB images, so they compare variants whose losses live in different spaces.",
        "",
        "## Results: mean [95 % interval] over photos and seeds",
        "",
        "| variant | PSNR (dB) | PSNR vs reference (dB) | SSIM | colourfulness "
        "| beats grey | params | train (s) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for v in vs:
        m = v["metrics"]
        diff = v.get("difference", {}).get("psnr")
        dtxt = "—" if diff is None else (
            f"{diff['mean']:+.2f} [{diff['lo']:+.2f}, {diff['hi']:+.2f}]"
            + (" **real**" if diff["real"] else " noise"))
        lines.append(
            f"| {v['label']} | {_iv(m['psnr'])} | {dtxt} | {_iv(m['ssim'], '.3f')} "
            f"| {_iv(m['colourfulness'], '.1f')} | {100 * v['beats_grey']:.0f} % "
            f"| {v['params']:,} | {v['train_seconds']:.0f} |")
    g = summary["grey"]
    lines += [
        f"| *the grey photo itself* | *{_iv(g['psnr'])}* | | *{g['ssim']:.3f}* | *0* | | | |",
        f"| *the true photo* | | | | *{summary['truth_colourfulness']:.1f}* | | | |",
        "",
        "PSNR and SSIM (Gaussian window, sigma 1.5) on RGB resized to 256x256; colourfulness "
        "of Hasler and Suesstrunk (0 = grey). *beats grey*: share of (photo, seed) pairs where "
        "the colorization's PSNR is above the grey photo's. Intervals: percentile bootstrap "
        "(2000 draws) resampling seeds and photos together; a difference is taken pair by pair "
        "(same photo, same seed) before averaging, so what photos have in common cancels.",
        "",
        "## Which differences are real",
        "",
        f"A difference is *real* when its 95 % interval excludes 0. Of {len(vs) - 1} "
        f"variants, {len(real)} differ{'s' if len(real) == 1 else ''} from the reference on "
        "PSNR by more than the noise.",
        "",
        *[f"- {verdict_line(v, reference_label, vs[0])}" for v in vs if "difference" in v],
        "",
        f"With {len(seeds)} seeds, resampling seeds says little about seed-to-seed luck "
        "beyond what the seeds show; the per-seed differences show it directly: a real "
        "difference has the same sign for every seed.",
        "",
        f"![differences]({out_dir_rel}/differences.png)",
        "",
        "## The same photos, one column per variant (first seed)",
        "",
        f"![preview]({out_dir_rel}/preview.png)",
        "",
        "## Learning curves (mean over seeds, band: lowest to highest seed)",
        "",
        f"![curves]({out_dir_rel}/curves.png)",
        "",
        f"Machine: {meta['machine']} ({meta.get('cpus', '?')} CPUs, 1 torch thread per run, "
        f"shared with other jobs); torch {meta['torch']}; {meta['date']}; "
        f"{meta['train_minutes']:.0f} min of training and scoring in all.",
        "",
        "Reproduce: `" + meta["command"] + "`",
        "",
    ]
    return "\n".join(lines)


def write_report(records: Sequence[dict], meta: dict, out: Path,
                 reference: str = "reference") -> list[Path]:
    """Every output of the experiments from the saved runs; returns the paths written."""
    from core.experiments import RUNS

    summary = summarise(records, meta["eval_photos"], reference, [r.name for r in RUNS])
    ref_label = "the reference"
    paths = {k: out / f for k, f in (("json", "results.json"), ("meta", "meta.json"),
                                     ("csv", "results.csv"), ("diff", "differences.png"),
                                     ("curves", "curves.png"), ("preview", "preview.png"))}
    paths["json"].write_text(json.dumps(clean_json(summary), indent=1, allow_nan=False))
    paths["meta"].write_text(json.dumps(clean_json(meta), indent=1, allow_nan=False))
    write_csv(summary, paths["csv"])
    differences_chart(summary).save(paths["diff"], optimize=True)
    curves_chart(summary).save(paths["curves"], optimize=True)
    grid = preview_grid(summary, out / "photos")
    if grid is not None:
        grid.save(paths["preview"], optimize=True)
    else:
        paths.pop("preview")
    md = out.parent / f"{out.name}.md"
    md.write_text(render_markdown(summary, meta, out.name, ref_label))
    return [*paths.values(), md]
