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
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch.nn.functional as F
from PIL import Image, ImageDraw

from core.color import AB_SCALE, gray_lightness, grey_rgb, lab_to_rgb_clipped, ntsc_gray
from core.colorizer import downscale_gray, working_shape
from core.hints.planes import Hint, hint_input, true_hints
from core.metrics import colourfulness, psnr, ssim

#: The numbers of hints of the evaluation table.
HINT_COUNTS = (0, 1, 3, 10, 30)
#: The colorizations compared at each number of hints.
METHODS = ("model", "nearest", "global", "edges")
#: Short side at which the edge-aware fill cuts the photo (the hint model's working size).
EDGE_FILL_SIZE = 96


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


def score_photo_hints(colorizer, truth: np.ndarray, name: str,
                      counts: Sequence[int] = HINT_COUNTS, baseline=None) -> list[dict]:
    """One row per (number of hints, method) for one true colour photo; with ``baseline``
    (the automatic colorizer) also its score, method "automatic", at 0 hints."""
    gray = ntsc_gray(truth)
    all_hints = true_hints(truth, max(counts), seed=photo_seed(name))
    rows = []
    if baseline is not None:
        rgb = baseline.render(baseline.predict(truth)).rgb
        rows.append({"name": name, "hints": 0, "method": "automatic", "psnr": psnr(rgb, truth),
                     "ssim": ssim(rgb, truth), "colourfulness": colourfulness(rgb)})
    for n in counts:
        hints = all_hints[:n]
        results = {"model": colorize_with_hints(colorizer, truth, hints),
                   **{kind: fill_rgb(gray, hints, kind) for kind in METHODS[1:]}}
        for method, rgb in results.items():
            rows.append({"name": name, "hints": n, "method": method, "psnr": psnr(rgb, truth),
                         "ssim": ssim(rgb, truth), "colourfulness": colourfulness(rgb)})
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
    (same photos, same hints)."""
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
                   out: Path | None = None, progress: bool = False, baseline=None) -> dict:
    """Score the hint model and the fills on ``items`` (and the automatic ``baseline``
    model without hints); writes OUT.json and OUT.png."""
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
    result = {"photos": len(grey), "counts": list(counts), "table": table,
              "grey": {k: mean_ci([v[k] for v in grey.values()]) for k in ("psnr", "ssim")},
              "rows": rows}
    if out is not None:
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.with_suffix(".json").write_text(json.dumps(result, indent=1))
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
    if "automatic" in result["table"].get("0", {}):
        a = result["table"]["0"]["automatic"]
        lines.append(f"\nAutomatic model (weights/colorizer, no hints): PSNR {a['psnr'][0]:.2f} "
                     f"dB, SSIM {a['ssim'][0]:.3f}, colourfulness {a['colourfulness'][0]:.1f}.")
    lines.append(f"\nGrey photo: PSNR {result['grey']['psnr'][0]:.2f} dB, "
                 f"SSIM {result['grey']['ssim'][0]:.3f}; {result['photos']} validation photos.")
    return "\n".join(lines)
