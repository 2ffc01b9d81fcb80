"""How much do colour hints help? The hint model against three fills that learn nothing.

    python -m core.evaluate --weights weights/hints --hints 0 1 3 10 30 --out weights/hints_eval

For every validation photo and every number of hints N, N hints are drawn from the true
photo (uniform random points seeded by the file name, each the mean colour of the 5 x 5
patch around it; the 3 hints are the first 3 of the 10) and four colorizations are scored
against the truth with the common metrics (PSNR, SSIM, colourfulness on 256 x 256 RGB):

* the hint model (the U-Net with the hint planes as extra inputs);
* *one global colour*: the hints' mean chroma everywhere, the grey photo's L*;
* *nearest hint* (a Voronoi fill): each pixel takes the chroma of its nearest hint;
* *edge-aware fill*: each pixel takes the chroma of the hint whose region it falls in, the
  regions cut along the grey image's edges at the working size (a watershed,
  :func:`core.hints.edge_regions`). It is what a hint model with ``hint_fill: "edges"``
  receives as input: the U-Net against it is what learning adds.

The fills are the floor: a learned model must beat them, by stopping colour at edges and
knowing that sky and grass differ.

Does a hint stay on its object? Two more numbers for the hint model, each against the same
model given no hint (with a locality gate that falls back to the automatic model,
``hint_locality.fallback``, that is the automatic model's colorization), on the a, b of the
RGB images the metrics compare (256 x 256):

* **reach**: the share of pixels whose (a, b) moves by more than :data:`REACH_AB` units
  when the hints are added (one hint on a cup should move the cup, not the whole photo);
* **leak**: the change of the ab error, 10 log10(MSE_ab without hints / MSE_ab with hints)
  in dB, on the pixels whose true colour is more than :data:`LEAK_AB` units from every given
  hint's colour: the hints say nothing about those pixels, so a negative leak means that
  their colour spread onto other objects;
* **below automatic**: the share of photos where the model with the hints scores a lower
  PSNR than the same model without any (and, with a baseline, than the shipped automatic
  model; the two are the same when the gate falls back to it): true hints should never make
  a photo worse.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch.nn.functional as F
from PIL import Image, ImageDraw
from skimage.color import rgb2lab

from core.color import AB_SCALE, gray_lightness, grey_rgb, lab_to_rgb_clipped, ntsc_gray
from core.colorizer import downscale_gray, working_shape
from core.hints.planes import Hint, hint_input, true_hints
from core.metrics import EVAL_SIZE, colourfulness, psnr, ssim

#: The numbers of hints of the evaluation table.
HINT_COUNTS = (0, 1, 3, 10, 30)
#: The colorizations compared at each number of hints.
METHODS = ("model", "nearest", "global", "edges")
#: Short side at which the edge-aware fill cuts the photo (the hint model's working size).
EDGE_FILL_SIZE = 96
#: Reach: a pixel counts as reached when its (a, b) moves by more than this (ab units).
REACH_AB = 10.0
#: Leak: the pixels whose true (a, b) is farther than this from every hint's (ab units).
LEAK_AB = 25.0


def photo_seed(name: str) -> int:
    """The seed of a photo's hints: a stable function of its file name."""
    return int(hashlib.sha1(Path(name).name.encode()).hexdigest()[:8], 16)


def fill_rgb(gray: np.ndarray, hints: Sequence[Hint], kind: str,
             work_shape: tuple[int, int] | None = None) -> np.ndarray:
    """A non-learned colorization from hints, at the photo's resolution (uint8 RGB).

    ``kind`` is ``"nearest"`` (each pixel takes the chroma of its nearest hint),
    ``"global"`` (the hints' mean chroma everywhere) or ``"edges"`` (the chroma of the hint
    whose region the pixel is in, regions cut along edges at short side
    :data:`EDGE_FILL_SIZE` or ``work_shape``, then enlarged bilinearly like the model's
    output). L* comes from the grey photo; with no hint every fill gives the grey photo.
    """
    H, W = gray.shape
    lab = np.zeros((H, W, 3), np.float32)
    lab[..., 0] = gray_lightness(gray)
    if hints:
        if kind == "nearest":
            ab = hint_input(hints, (H, W), (H, W))[0, 3:5].numpy().transpose(1, 2, 0)
            lab[..., 1:] = ab * AB_SCALE
        elif kind == "edges":
            h, w = work_shape or working_shape(H, W, EDGE_FILL_SIZE)
            small = hint_input(hints, (H, W), (h, w), gray=downscale_gray(gray, (h, w)))
            ab = F.interpolate(small[:, 3:5], size=(H, W), mode="bilinear", align_corners=False)
            lab[..., 1:] = ab[0].numpy().transpose(1, 2, 0) * AB_SCALE
        elif kind == "global":
            lab[..., 1:] = np.mean([h.unit_ab() for h in hints], axis=0) * AB_SCALE
        else:
            raise ValueError(f"unknown fill {kind!r}")
    rgb = lab_to_rgb_clipped(lab)
    return np.clip(np.round(rgb * 255.0), 0, 255).astype(np.uint8)


def colorize_with_hints(colorizer, image: np.ndarray, hints: Sequence[Hint]) -> np.ndarray:
    """The hint model's colorization (uint8 RGB), through the one inference path."""
    return colorizer.render(colorizer.predict(image, hints=list(hints))).rgb


def eval_ab(rgb: np.ndarray, eval_size: int | None = EVAL_SIZE) -> np.ndarray:
    """The (a, b) of an RGB uint8 image, (h, w, 2) in ab units, at the metrics' size.

    The image is first resized as :func:`core.metrics.psnr` resizes it (256 x 256, bicubic),
    so reach and leak count the same pixels as the PSNR; ``eval_size=None`` keeps it as is.
    """
    from core.metrics import at_eval_size

    img = np.asarray(rgb if eval_size is None else at_eval_size(np.asarray(rgb), eval_size))
    return rgb2lab(img[..., :3].astype(np.float64) / 255.0)[..., 1:]


def reach(ab_with: np.ndarray, ab_without: np.ndarray, threshold: float = REACH_AB) -> float:
    """Share of pixels whose (a, b) moves by more than ``threshold`` ab units.

    Parameters
    ----------
    ab_with, ab_without : (h, w, 2) a, b of the same model's colorization with and without
        the hints (:func:`eval_ab`).
    threshold : ab units (Euclidean distance in the (a, b) plane).

    Returns
    -------
    float in [0, 1]: 0 when the hints changed nothing visible, 1 when they moved every pixel.
    """
    move = np.hypot(*np.moveaxis(np.asarray(ab_with, np.float64)
                                 - np.asarray(ab_without, np.float64), -1, 0))
    return float((move > threshold).mean())


def far_from_hints(ab_true: np.ndarray, hints_ab: np.ndarray, far: float = LEAK_AB
                   ) -> np.ndarray:
    """(h, w) bool: pixels whose true (a, b) is more than ``far`` units from every hint's."""
    ab_true = np.asarray(ab_true, np.float64)
    hints_ab = np.asarray(hints_ab, np.float64).reshape(-1, 2)
    d = np.hypot(ab_true[..., None, 0] - hints_ab[:, 0], ab_true[..., None, 1] - hints_ab[:, 1])
    return d.min(axis=-1) > far


def leak(ab_with: np.ndarray, ab_without: np.ndarray, ab_true: np.ndarray,
         hints_ab: np.ndarray, far: float = LEAK_AB) -> float:
    """Change of the ab error where the hints say nothing, in dB (negative: colour leaked).

    Parameters
    ----------
    ab_with, ab_without : (h, w, 2) a, b of the model's colorization with and without the
        hints.
    ab_true : (h, w, 2) a, b of the true photo.
    hints_ab : (K, 2) the hints' (a, b) in ab units (``Hint.unit_ab()`` x 110), K >= 1.
    far : only pixels whose true colour is more than ``far`` ab units from every hint's.

    Returns
    -------
    float: 10 log10(MSE_ab without / MSE_ab with) on those pixels; 0 when the hints left
    them alone, negative when they made them worse. NaN without such pixels or without
    hints; +inf if the hints made them exact.
    """
    hints_ab = np.asarray(hints_ab, np.float64).reshape(-1, 2)
    if len(hints_ab) == 0:
        return float("nan")
    return error_change(ab_with, ab_without, ab_true, far_from_hints(ab_true, hints_ab, far))


def error_change(ab_with: np.ndarray, ab_without: np.ndarray, ab_true: np.ndarray,
                 mask: np.ndarray) -> float:
    """10 log10(MSE_ab without / MSE_ab with) on the pixels of ``mask`` (:func:`leak`)."""
    if not mask.any():
        return float("nan")
    t = np.asarray(ab_true, np.float64)[mask]
    before = np.mean((np.asarray(ab_without, np.float64)[mask] - t) ** 2)
    after = np.mean((np.asarray(ab_with, np.float64)[mask] - t) ** 2)
    if after == 0:
        return float("inf") if before > 0 else 0.0
    return float(10.0 * np.log10(max(before, 1e-12) / after))


def score_photo_hints(colorizer, truth: np.ndarray, name: str,
                      counts: Sequence[int] = HINT_COUNTS, baseline=None) -> list[dict]:
    """One row per (number of hints, method) for one true colour photo; with ``baseline``
    (the automatic colorizer) also its score, method "automatic", at 0 hints.

    The model's rows also hold ``psnr_no_hints`` (the same model without hints) and, with
    hints, ``reach`` and ``leak`` (see the module) against that colorization."""
    gray = ntsc_gray(truth)
    all_hints = true_hints(truth, max(counts), seed=photo_seed(name))
    rows = []
    if baseline is not None:
        rgb = baseline.render(baseline.predict(truth)).rgb
        rows.append({"name": name, "hints": 0, "method": "automatic", "psnr": psnr(rgb, truth),
                     "ssim": ssim(rgb, truth), "colourfulness": colourfulness(rgb)})
    alone = colorize_with_hints(colorizer, truth, [])
    alone_psnr, alone_ab, true_ab = psnr(alone, truth), eval_ab(alone), eval_ab(truth)
    for n in counts:
        hints = all_hints[:n]
        results = {"model": colorize_with_hints(colorizer, truth, hints) if n else alone,
                   **{kind: fill_rgb(gray, hints, kind) for kind in METHODS[1:]}}
        for method, rgb in results.items():
            row = {"name": name, "hints": n, "method": method, "psnr": psnr(rgb, truth),
                   "ssim": ssim(rgb, truth), "colourfulness": colourfulness(rgb)}
            if method == "model":
                row["psnr_no_hints"] = alone_psnr
                if n:
                    ab = eval_ab(rgb)
                    hints_ab = np.array([h.unit_ab() for h in hints]) * AB_SCALE
                    row["reach"] = reach(ab, alone_ab)
                    row["leak"] = leak(ab, alone_ab, true_ab, hints_ab)
            rows.append(row)
    return rows


def mean_ci(values: Sequence[float], level: float = 0.95, resamples: int = 2000,
            seed: int = 0) -> tuple[float, float, float]:
    """Mean and a bootstrap confidence interval over photos: (mean, low, high)."""
    v = np.asarray([x for x in values if np.isfinite(x)], dtype=np.float64)
    if len(v) == 0:
        return float("nan"), float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    means = v[rng.integers(0, len(v), size=(resamples, len(v)))].mean(axis=1)
    lo, hi = np.quantile(means, [(1 - level) / 2, 1 - (1 - level) / 2])
    return float(v.mean()), float(lo), float(hi)


def summarise_hints(rows: Sequence[dict], grey: dict[str, dict]) -> dict:
    """The table: for each N and method, each metric's mean and 95 % interval, and the
    paired PSNR gain over the grey photo and over the nearest-hint and edge-aware fills
    (same photos, same hints).

    The model's entries also hold ``reach`` and ``leak`` (mean and 95 % interval; NaN
    leaks, photos with no pixel far from the hints, are left out), ``reach_median`` (over
    photos) and ``below_automatic``:
    the share of photos where its PSNR is lower than the same model's without hints
    (``below_automatic_ci``: with its interval); with the automatic model scored,
    ``below_shipped`` is the share below that model (``below_shipped_ci``: with its
    interval)."""
    table: dict = {}
    by = {(r["hints"], r["method"], r["name"]): r for r in rows}
    names = sorted({r["name"] for r in rows})
    for n in sorted({r["hints"] for r in rows}):
        table[str(n)] = {}
        for m in sorted({r["method"] for r in rows if r["hints"] == n}):
            rs = [by[(n, m, x)] for x in names if (n, m, x) in by]
            entry = {k: mean_ci([r[k] for r in rs]) for k in ("psnr", "ssim", "colourfulness")}
            entry["gain_over_grey"] = mean_ci([r["psnr"] - grey[r["name"]]["psnr"] for r in rs])
            for fill in ("nearest", "edges"):
                if any((n, fill, r["name"]) in by for r in rs):
                    entry[f"gain_over_{fill}"] = mean_ci(
                        [r["psnr"] - by[(n, fill, r["name"])]["psnr"] for r in rs])
            for k in ("reach", "leak"):
                if any(k in r for r in rs):
                    entry[k] = mean_ci([r[k] for r in rs if k in r])
            if "reach" in entry:
                entry["reach_median"] = float(np.median([r["reach"] for r in rs if "reach" in r]))
            if any("psnr_no_hints" in r for r in rs):
                below = [float(r["psnr"] < r["psnr_no_hints"]) for r in rs
                         if "psnr_no_hints" in r]
                entry["below_automatic"] = float(np.mean(below))
                entry["below_automatic_ci"] = mean_ci(below)
                shipped = [float(r["psnr"] < by[(0, "automatic", r["name"])]["psnr"])
                           for r in rs if (0, "automatic", r["name"]) in by]
                if shipped:
                    entry["below_shipped"] = float(np.mean(shipped))
                    entry["below_shipped_ci"] = mean_ci(shipped)
            table[str(n)][m] = entry
    return table


def psnr_vs_hints_chart(table: dict, grey_psnr: float, labels: dict[str, str],
                        size: tuple[int, int] = (760, 420)) -> Image.Image:
    """PSNR against the number of hints, one line per method, with 95 % intervals (PIL)."""
    W, H = size
    img = Image.new("RGB", size, "white")
    d = ImageDraw.Draw(img)
    left, right, top, bottom = 60, 190, 20, 50
    counts = sorted(int(n) for n in table)
    xs = {n: left + (W - left - right) * i / max(1, len(counts) - 1) for i, n in enumerate(counts)}
    vals = [table[str(n)][m]["psnr"][k] for n in counts for m in table[str(n)] for k in (1, 2)]
    lo, hi = min(vals + [grey_psnr]) - 0.5, max(vals) + 0.5

    def y(v: float) -> float:
        return top + (H - top - bottom) * (hi - v) / (hi - lo)

    d.rectangle([left, top, W - right, H - bottom], outline="#888")
    for t in np.arange(np.ceil(lo), hi, 1.0):
        d.line([left, y(t), W - right, y(t)], fill="#eee")
        d.text((left - 35, y(t) - 6), f"{t:.0f}", fill="#333")
    for n in counts:
        d.text((xs[n] - 4, H - bottom + 6), str(n), fill="#333")
    d.text(((W - right + left) / 2 - 60, H - 22), "hints per photo", fill="#333")
    d.text((4, top), "PSNR (dB)", fill="#333")
    d.line([left, y(grey_psnr), W - right, y(grey_psnr)], fill="#999", width=1)
    colours = {"model": "#1f77b4", "nearest": "#ff7f0e", "global": "#2ca02c",
               "edges": "#9467bd"}
    colours = {m: c for m, c in colours.items() if m in table[str(counts[-1])]}
    if "automatic" in table[str(counts[0])]:
        v = table[str(counts[0])]["automatic"]["psnr"][0]
        d.rectangle([xs[counts[0]] - 5, y(v) - 5, xs[counts[0]] + 5, y(v) + 5], fill="#d62728")
        d.text((xs[counts[0]] + 8, y(v) - 14), labels.get("automatic", "automatic"),
               fill="#d62728")
    for i, m in enumerate(colours):
        pts = [(xs[n], y(table[str(n)][m]["psnr"][0])) for n in counts if m in table[str(n)]]
        d.line(pts, fill=colours[m], width=3)
        for n in counts:
            _, a, b = table[str(n)][m]["psnr"]
            d.line([xs[n], y(a), xs[n], y(b)], fill=colours[m], width=2)
        d.line([W - right + 12, top + 12 + 20 * i, W - right + 32, top + 12 + 20 * i],
               fill=colours[m], width=3)
        d.text((W - right + 38, top + 6 + 20 * i), labels.get(m, m), fill="#333")
    gy = top + 6 + 20 * len(colours)
    d.text((W - right + 38, gy), labels.get("grey", "grey photo"), fill="#666")
    d.line([W - right + 12, gy + 6, W - right + 32, gy + 6], fill="#999")
    return img


def evaluate_hints(colorizer, items: Sequence[tuple[Path, str]], counts: Sequence[int],
                   out: Path | None = None, progress: bool = False, baseline=None,
                   about: dict | None = None) -> dict:
    """Score the hint model and the fills on ``items`` (and the automatic ``baseline``
    model without hints); writes OUT.json and OUT.png.

    The result also records the model's settings (working size, hint fill, locality gate),
    the date, the machine and ``about`` (e.g. the weights and the command)."""
    import platform
    from datetime import datetime, timezone

    from tqdm import tqdm

    from core.images import ImageError, load_image

    rows, grey = [], {}
    for path, _source in tqdm(items, unit="photo", disable=not progress, dynamic_ncols=True):
        try:
            truth = load_image(path)
        except (ImageError, OSError):
            continue
        name = Path(path).name
        g = grey_rgb(truth)
        grey[name] = {"psnr": psnr(g, truth), "ssim": ssim(g, truth)}
        rows += score_photo_hints(colorizer, truth, name, counts, baseline)
    table = summarise_hints(rows, grey)
    locality = getattr(colorizer, "hint_locality", None)
    result = {"photos": len(grey), "counts": list(counts), "table": table,
              "grey": {k: mean_ci([v[k] for v in grey.values()]) for k in ("psnr", "ssim")},
              **(about or {}),
              "settings": {"working_size": getattr(colorizer, "working_size", None),
                           "hint_fill": getattr(colorizer, "hint_fill", None),
                           "hint_locality": None if locality is None
                           else locality.to_metadata()},
              "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
              "machine": platform.platform(), "rows": rows}
    if out is not None:
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        from core.evaluate import clean_json

        out.with_suffix(".json").write_text(json.dumps(clean_json(result), indent=1,
                                                       allow_nan=False))
        psnr_vs_hints_chart(table, result["grey"]["psnr"][0],
                            {"model": "hint U-Net", "nearest": "nearest hint",
                             "global": "one global colour", "edges": "edge-aware fill",
                             "grey": "grey photo",
                             "automatic": "automatic model"}
                            ).save(out.with_suffix(".png"))
    return result


def hints_markdown(result: dict) -> str:
    """The evaluation table in Markdown (model card)."""
    lines = ["| hints | hint U-Net PSNR | nearest-hint fill | edge-aware fill | one global "
             "colour | U-Net - nearest (95 % CI) | U-Net - edge-aware (95 % CI) | SSIM U-Net / "
             "nearest | colourfulness U-Net / nearest |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]

    def diff(g: list[float]) -> str:
        return f"{g[0]:+.2f} [{g[1]:+.2f}, {g[2]:+.2f}]"

    for n in result["counts"]:
        t = result["table"][str(n)]
        edges = f"{t['edges']['psnr'][0]:.2f}" if "edges" in t else "-"
        g_edges = diff(t["model"]["gain_over_edges"]) if "edges" in t else "-"
        lines.append(
            f"| {n} | {t['model']['psnr'][0]:.2f} | {t['nearest']['psnr'][0]:.2f} | {edges} | "
            f"{t['global']['psnr'][0]:.2f} | {diff(t['model']['gain_over_nearest'])} | "
            f"{g_edges} | "
            f"{t['model']['ssim'][0]:.3f} / {t['nearest']['ssim'][0]:.3f} | "
            f"{t['model']['colourfulness'][0]:.1f} / {t['nearest']['colourfulness'][0]:.1f} |")
    if any("reach" in result["table"][str(n)]["model"] for n in result["counts"]):
        lines += ["", "| hints | reach: pixels moved > 10 ab (95 % CI) | leak on pixels > 25 ab "
                  "from every hint, dB (95 % CI) | photos below the model without hints "
                  "(95 % CI) | below the automatic model (95 % CI) |", "|---:|---:|---:|---:|---:|"]
        for n in result["counts"]:
            m = result["table"][str(n)]["model"]
            if "reach" not in m:
                continue
            r, lk, b = m["reach"], m["leak"], m.get("below_automatic_ci")
            below = (f"{100 * b[0]:.1f} % [{100 * b[1]:.1f}, {100 * b[2]:.1f}]" if b else "-")
            bs = m.get("below_shipped_ci")
            shipped = (f"{100 * bs[0]:.1f} % [{100 * bs[1]:.1f}, {100 * bs[2]:.1f}]" if bs
                       else f"{100 * m['below_shipped']:.1f} %" if "below_shipped" in m
                       else "-")
            lines.append(f"| {n} | {100 * r[0]:.1f} % [{100 * r[1]:.1f}, {100 * r[2]:.1f}] | "
                         f"{diff(lk)} | {below} | {shipped} |")
    if "automatic" in result["table"].get("0", {}):
        a = result["table"]["0"]["automatic"]
        lines.append(f"\nAutomatic model (weights/colorizer, no hints): PSNR {a['psnr'][0]:.2f} "
                     f"dB, SSIM {a['ssim'][0]:.3f}, colourfulness {a['colourfulness'][0]:.1f}.")
    lines.append(f"\nGrey photo: PSNR {result['grey']['psnr'][0]:.2f} dB, "
                 f"SSIM {result['grey']['ssim'][0]:.3f}; {result['photos']} validation photos.")
    return "\n".join(lines)
