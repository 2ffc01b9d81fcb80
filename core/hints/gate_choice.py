"""Choosing the locality gate (and its correction) on training photos.

``python -m core.hints.gate_choice`` (or, as the model card's commands say, ``python -m
core.hints.locality``) scores a grid of gate settings (:class:`core.hints.locality.
HintLocality`) and corrections (:class:`core.hints.correction.HintCorrection`) with true
hints, as ``core.evaluate --hints`` draws them, on **training** photos (never the validation
split), and applies a rule written before the grid: leak >= 0 dB at one hint; at most 5 % of
photos below the automatic model at three (with ``--margin`` by the upper end of the share's
95 % interval); optionally a floor on the PSNR at ten hints and on the patch one hint colours;
then the best PSNR averaged over 1, 3 and 10 hints. ``--write`` stores the choice in the
weights' metadata ``"hint_locality"``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from core.color import AB_SCALE
from core.hints.correction import HintCorrection, corrected_unit
from core.hints.locality import (
    agreement,
    blend,
    fallback_unit,
    gate_distances,
    hint_pixels,
    hint_weights,
    other_weight,
    shown_ab,
    strongest,
)

#: The grid of :func:`choose`: radii (short sides), edge costs, blurs (pixels at 96).
RADII = (0.1, 0.15, 0.2, 0.3, 0.5, 0.8)
EDGES = (0.0, 0.3, 1.0, 3.0)
SMOOTHS = (0.0, 1.5)
GROWTHS = (0.0, 0.5, 1.0)
#: Range terms of the grid (grey units; 0: off).
TONES = (0.0,)
#: Agreement terms of the grid (ab units; 0: off).
AGREES = (0.0,)
#: Texture quantiles of the grid (0: off).
TEXTURES = (0.0,)
#: The counts of true hints scored, and the targets of the rule.
COUNTS = (1, 3, 10)
MAX_BELOW = 0.05
MIN_LEAK = 0.0
#: The rule reads "below" by the upper end of its 95 % interval (Wilson score), not its
#: share: the grid picks among many settings on a sample, so the best-looking share is
#: biased low (the shipped gate of 2026-12-02 had 5.0 % on its choice set, 8.2 % on the
#: validation photos).
Z95 = 1.959964


def wilson_upper(k: int, n: int, z: float = Z95) -> float:
    """Upper end of the Wilson score interval of a share k / n (1.0 when n = 0)."""
    if n == 0:
        return 1.0
    p = k / n
    centre = p + z * z / (2 * n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return float(min(1.0, (centre + half) / (1 + z * z / n)))


def _photo_runs(colorizer, truth: np.ndarray, name: str, counts: Sequence[int],
                fallback=None) -> dict:
    """One training photo: the network's answers with and without the hints (no gate),
    what the scores compare against (the network without hints, or the ``fallback``
    automatic model), and the hints' working pixels."""
    from dataclasses import replace

    from core.hints.evaluate import eval_ab, far_from_hints, photo_seed
    from core.hints.planes import true_hints
    from core.metrics import at_eval_size

    all_hints = true_hints(truth, max(counts), seed=photo_seed(name))
    truth_small = at_eval_size(truth)
    true_ab = eval_ab(truth_small, None)
    auto = colorizer.predict(truth)
    auto_unit = auto.unit_lab
    if fallback is not None:
        auto_unit = fallback_unit(fallback, auto.gray_small, colorizer)[1][0].permute(
            1, 2, 0).cpu().numpy()
    photo = {"prediction": replace(auto, hints=()), "auto_unit": auto_unit,
             "truth": truth_small, "true_ab": true_ab, "runs": {}}
    photo["auto_psnr"], photo["auto_ab"] = _rgb_scores(colorizer, photo, auto_unit)
    for n in counts:
        hints = all_hints[:n]
        pred = colorizer.predict(truth, hints=hints)
        rows, cols = hint_pixels(hints, truth.shape[:2], auto.gray_small.shape)
        hints_ab = np.array([h.unit_ab() for h in hints]) * AB_SCALE
        auto_ab = shown_ab(auto_unit, rows, cols, colorizer.chroma_gain)
        photo["runs"][n] = {"unit": pred.unit_lab, "rows": rows, "cols": cols,
                            "hints_ab": hints_ab, "auto_ab": auto_ab,
                            "far": far_from_hints(true_ab, hints_ab)}
    return photo


def _rgb_scores(colorizer, photo: dict, unit: np.ndarray) -> tuple[float, np.ndarray]:
    """PSNR and (a, b) at the metrics' size of the photo rendered from ``unit``."""
    from dataclasses import replace

    from core.hints.evaluate import eval_ab
    from core.metrics import at_eval_size, psnr

    rgb = at_eval_size(colorizer.render(replace(photo["prediction"], unit_lab=unit)).rgb)
    return psnr(rgb, photo["truth"]), eval_ab(rgb, None)


def _score(colorizer, photo: dict, n: int, weight: np.ndarray | None,
           base: np.ndarray | None = None) -> dict:
    """Scores of the network's answer gated by ``weight`` over ``base`` (default: the
    automatic answer; with a correction, the corrected one)."""
    from core.hints.evaluate import error_change, reach

    run = photo["runs"][n]
    base = photo["auto_unit"] if base is None else base
    unit = run["unit"] if weight is None else blend(base, run["unit"], weight)
    p, ab = _rgb_scores(colorizer, photo, unit)
    return {"psnr": p, "below": float(p < photo["auto_psnr"]), "loss": photo["auto_psnr"] - p,
            "reach": reach(ab, photo["auto_ab"]),
            "leak": error_change(ab, photo["auto_ab"], photo["true_ab"], run["far"])}


def choose(colorizer, photos: Iterable[tuple[str, np.ndarray]], counts: Sequence[int] = COUNTS,
           radii: Sequence[float] = RADII, edges: Sequence[float] = EDGES,
           smooths: Sequence[float] = SMOOTHS, growths: Sequence[float] = GROWTHS,
           tones: Sequence[float] = TONES, fallback=None, fallback_name: str = "",
           agrees: Sequence[float] = AGREES, textures: Sequence[float] = TEXTURES,
           margin: bool = False, max_drop: float | None = None, min_patch: float = 0.0,
           corrections: Sequence[HintCorrection | None] = (None,),
           progress: bool = False, min_leak: float = MIN_LEAK,
           others: Sequence[tuple[float, float]] = ((0.0, 25.0),)) -> dict:
    """Score every gate setting (and none) on ``photos`` with true hints; apply the rule.

    Parameters
    ----------
    colorizer : the hint model *without* a gate (its answers are gated here).
    photos : (name, true RGB) pairs: **training** photos, read one at a time (a generator
        will do). Hints as ``core.evaluate --hints`` draws them (seeded by the file name; the
        first n of the 10).
    counts : numbers of hints scored (1, 3, 10); the targets read the smallest and the
        middle one.
    tones : range terms (grey units, 0: none), see :class:`HintLocality`.
    agrees : agreement terms (ab units, 0: none), see :class:`HintLocality`.
    fallback : the automatic model (a :class:`core.colorizer.Colorizer`) the gate falls back
        to, named ``fallback_name`` in the metadata; None: the hint network without hints.
        "below" and "leak" compare with what the gate falls back to.
    margin : the rule reads "below" by the upper end of its 95 % interval (Wilson) instead
        of the share itself.
    textures : texture quantiles (0: none), see :class:`HintLocality`.
    min_patch : the rule also asks one hint at full strength to colour (gate weight > 0.5)
        at least this share of the photo, median over the photos (``"patch"``): a gate that
        keeps every hint to a few pixels hides the hints, whatever its scores. With a
        correction, a pixel counts where the gate's or the correction's weight is > 0.5.
    corrections : the corrections of the automatic answer tried with every gate
        (:class:`core.hints.correction.HintCorrection`; None: none).
    max_drop : when given, the rule also asks the mean PSNR at the largest count to be at
        most ``max_drop`` dB below the network's without a gate (many hints must keep what
        they bring).
    others : (share, ab units) pairs of the ``other`` term, see :class:`HintLocality`
        ((0, ...): off): the network's answer, outside the gate, where it paints another
        colour than every hint's.
    min_leak : the rule's floor on the mean leak at the smallest count, in dB (0: "a hint
        never makes other objects worse on average"; a small positive floor leaves a margin
        for picking the best of a grid on a sample).

    Returns
    -------
    {"grid": [{"radius", "growth", "edge", "smooth", "tone", "agree", "texture",
    "<n>": {"psnr", "reach", "leak": [mean, lo, hi], "below": share, "below_upper": Wilson
    95 % upper end, "below_01": share of photos more than 0.1 dB below, "patch": median
    share of the photo one hint of a new colour colours}}, ...], "none": the same without a
    gate, "chosen": the rule's setting (or None when no setting meets the targets), "rule":
    in words, "photos": how many}. PSNR, reach and leak as ``core.evaluate --hints``
    computes them.
    The rule: among the settings with a mean leak >= 0 dB at the smallest count and at most
    5 % of photos below the automatic model at the middle one (by the interval's upper end
    with ``margin``), the best PSNR averaged over the counts (a setting good at 10 hints
    only would leave one hint almost without effect).
    """
    from tqdm import tqdm

    from core.hints.evaluate import mean_ci

    def summary(scores: dict) -> dict:
        out = {}
        for n, v in scores.items():
            below = [s["below"] for s in v]
            out[str(n)] = {"psnr": mean_ci([s["psnr"] for s in v]),
                           "reach": mean_ci([s["reach"] for s in v]),
                           "leak": mean_ci([s["leak"] for s in v]),
                           "below": float(np.mean(below)),
                           "below_upper": wilson_upper(int(np.sum(below)), len(below)),
                           "below_01": float(np.mean([s["loss"] > 0.1 for s in v]))}
            if v and "patch" in v[0]:
                out[str(n)]["patch"] = float(np.median([s["patch"] for s in v]))
        return out

    settings = [(e, s, x) for e in edges for s in (smooths if e > 0 else smooths[:1])
                for x in (textures if e > 0 else textures[:1])]

    def r_n(r: float, g: float, n: int) -> float:  # the radius with n hints, as a key
        return round(r * n ** g, 9)

    # (setting, r_n, tone, agree, correction, other, n) -> scores: settings with one r_n share
    # work. Photos outermost, one at a time: each photo's network answers and corrections are
    # computed once for every gate, and only its scores are kept, so a sample of thousands of
    # photos fits in memory (a leak of 0.002 dB needs about that many to be seen).
    scores: dict = {}
    ungated: dict = {n: [] for n in counts}
    per_hint = any(t > 0 for t in tones) or any(a > 0 for a in agrees)
    n_photos = 0
    for name, truth in tqdm(photos, desc="photos", disable=not progress):
        ph = _photo_runs(colorizer, truth, name, counts, fallback)
        n_photos += 1
        gray = ph["prediction"].gray_small
        for n in counts:
            run = ph["runs"][n]
            ungated[n].append(_score(colorizer, ph, n, None))
            net_ab = np.asarray(run["unit"], np.float64)[..., 1:] * (
                AB_SCALE * colorizer.chroma_gain)
            wos = [other_weight(net_ab, run["hints_ab"], o, t) for o, t in others]
            bases = [(None, 0.0) if c is None else corrected_unit(
                gray, ph["auto_unit"], run["rows"], run["cols"], run["hints_ab"], c,
                colorizer.chroma_gain, run["unit"]) for c in corrections]
            for si, (edge, smooth, texture) in enumerate(settings):
                # per-hint distances only when a range or agreement term needs them (K runs)
                d, dg = gate_distances(gray, run["rows"], run["cols"], edge, smooth, per_hint,
                                       texture)
                for rn in sorted({r_n(r, g, n) for r in radii for g in growths}):
                    for tone in tones:
                        wk = hint_weights(d, rn, dg, tone)
                        for ci, (base, moved) in enumerate(bases):
                            # the area a hint of another colour than the automatic one
                            # would take
                            patch = float((np.maximum(strongest(wk), moved) > 0.5).mean())
                            for agree in agrees:
                                w = strongest(wk, agreement(run["hints_ab"], run["auto_ab"],
                                                            agree))
                                for oi, wo in enumerate(wos):
                                    scores.setdefault((si, rn, tone, agree, ci, oi, n),
                                                      []).append(
                                        {**_score(colorizer, ph, n, np.maximum(w, wo), base),
                                         "patch": patch})
    none = summary(ungated)
    grid = [{"radius": r, "growth": g, "edge": edge, "smooth": smooth, "tone": t,
             "agree": a, "texture": texture, "other": o, "other_ab": oab,
             "correction": None if c is None else c.to_metadata(),
             **summary({n: scores[(si, r_n(r, g, n), t, a, ci, oi, n)] for n in counts})}
            for si, (edge, smooth, texture) in enumerate(settings)
            for r in radii for g in growths for t in tones for a in agrees
            for ci, c in enumerate(corrections) for oi, (o, oab) in enumerate(others)]
    lo, mid, hi = (str(min(counts)), str(sorted(counts)[len(counts) // 2]),
                   str(max(counts)))
    below_key = "below_upper" if margin else "below"
    floor = -np.inf if max_drop is None else none[hi]["psnr"][0] - max_drop
    ok = [g for g in grid if g[lo]["leak"][0] >= min_leak and g[mid][below_key] <= MAX_BELOW
          and g[hi]["psnr"][0] >= floor and g[lo].get("patch", 1.0) >= min_patch]
    chosen = max(ok, key=lambda g: np.mean([g[str(n)]["psnr"][0] for n in counts])) \
        if ok else None
    against = f"the automatic model ({fallback_name})" if fallback is not None \
        else "the model without hints"
    share = ("the 95 % interval's upper end (Wilson) of the share of photos" if margin
             else "the share of photos")
    keep = "" if max_drop is None else \
        f", PSNR at {hi} hints at most {max_drop:g} dB below the network without a gate"
    if min_patch > 0:
        keep += f", one hint colouring at least {100 * min_patch:g} % of the photo (median)"
    return {"photos": n_photos, "counts": list(counts), "none": none, "grid": grid,
            "qualified": len(ok), "margin": margin, "min_leak": min_leak,
            "max_drop": max_drop, "min_patch": min_patch,
            "fallback": fallback_name if fallback is not None else "",
            "chosen": None if chosen is None else
            {**{k: chosen[k] for k in KEYS},
             "fallback": fallback_name if fallback is not None else "",
             "correction": chosen["correction"]},
            "rule": f"among settings with mean leak >= {min_leak:g} dB at {lo} hint(s) and "
                    f"{share} below {against} at {mid} hints <= {100 * MAX_BELOW:g} %{keep}, the "
                    f"best PSNR averaged over {', '.join(map(str, counts))} hints"}


#: The settings' names, in the tables' order.
KEYS = ("radius", "growth", "edge", "smooth", "tone", "agree", "texture", "other", "other_ab")


def choice_markdown(result: dict) -> str:
    """The grid of :func:`choose` as a Markdown table (model card); the chosen row bold."""
    counts = [str(n) for n in result["counts"]]
    head = list(KEYS) + ["correction"] + [f"PSNR {n}" for n in counts] + [f"reach {n}" for n in counts] + \
        [f"leak {n}" for n in counts] + [f"below {n}" for n in counts] + \
        [f"below {counts[len(counts) // 2]}, 95 % upper", f"patch {counts[0]}"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---:|" * len(head)]

    def row(label: list[str], g: dict) -> str:
        cells = label + [f"{g[n]['psnr'][0]:.2f}" for n in counts] + \
            [f"{100 * g[n]['reach'][0]:.0f} %" for n in counts] + \
            [f"{g[n]['leak'][0]:+.2f}" for n in counts] + \
            [f"{100 * g[n]['below']:.1f} %" for n in counts] + \
            [f"{100 * g[counts[len(counts) // 2]]['below_upper']:.1f} %",
             f"{100 * g[counts[0]]['patch']:.2f} %" if "patch" in g[counts[0]] else ""]
        return "| " + " | ".join(cells) + " |"

    def correction(c: dict | None) -> str:
        return "" if not c else ", ".join(f"{k} {v:g}" for k, v in c.items() if v)

    lines.append(row(["no gate"] + [""] * len(KEYS), result["none"]))
    chosen = result.get("chosen") or {}
    for g in result["grid"]:
        same = chosen and all(g.get(k, 0.0) == chosen.get(k, 0.0) for k in KEYS) and \
            g.get("correction") == chosen.get("correction")
        mark = "**" if same else ""
        lines.append(row([f"{mark}{g.get(k, 0.0):g}{mark}" for k in KEYS] +
                         [correction(g.get("correction"))], g))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m core.hints.gate_choice``: choose the gate on training photos (module doc)."""
    import argparse
    import json
    import platform
    import sys
    from datetime import datetime, timezone
    from pathlib import Path

    from core.colorizer import Colorizer, configure_threads
    from core.evaluate import clean_json, interleave_sources, validation_items
    from core.images import ImageError, load_image

    p = argparse.ArgumentParser(prog="python -m core.hints.gate_choice",
                                description="Choose a hint model's locality gate on "
                                            "training photos.")
    p.add_argument("--weights", default="weights/hints", help="weights/NAME of a hint model")
    p.add_argument("--data", nargs="+", required=True, help="photo folder(s), as core.train")
    p.add_argument("--photos", type=int, default=240, help="training photos (sources mixed)")
    p.add_argument("--skip", type=int, default=0,
                   help="leave out the first N training photos (a second, fresh sample)")
    p.add_argument("--radii", type=float, nargs="+", default=list(RADII))
    p.add_argument("--edges", type=float, nargs="+", default=list(EDGES))
    p.add_argument("--smooths", type=float, nargs="+", default=list(SMOOTHS))
    p.add_argument("--growths", type=float, nargs="+", default=list(GROWTHS))
    p.add_argument("--tones", type=float, nargs="+", default=list(TONES),
                   help="range terms (grey units; 0: none)")
    p.add_argument("--agrees", type=float, nargs="+", default=list(AGREES),
                   help="agreement terms (ab units; 0: none)")
    p.add_argument("--fallback", default="",
                   help="weights NAME (beside --weights) of the automatic model the gate falls "
                        "back to, e.g. colorizer; default: the hint network without hints")
    p.add_argument("--margin", action="store_true",
                   help="the rule reads 'below' by its 95 %% interval's upper end (Wilson)")
    p.add_argument("--textures", type=float, nargs="+", default=list(TEXTURES),
                   help="texture quantiles in [0, 1) (0: none)")
    p.add_argument("--min-patch", type=float, default=0.0,
                   help="the rule also asks one hint to colour at least this share of the "
                        "photo (median)")
    p.add_argument("--min-leak", type=float, default=MIN_LEAK,
                   help="the rule's floor on the mean leak at the smallest count (dB)")
    p.add_argument("--max-drop", type=float, default=None,
                   help="the rule also keeps PSNR at the largest count at most this many dB "
                        "below the network without a gate")
    p.add_argument("--others", type=float, nargs="+", default=[0.0],
                   help="shares of the hint network's answer shown outside the gate where it "
                        "paints another colour than every hint's (0: off)")
    p.add_argument("--other-abs", type=float, nargs="+", default=[25.0],
                   help="how far (ab units) from every hint's colour that is")
    p.add_argument("--correct-radii", type=float, nargs="+", default=[],
                   help="also try correcting the automatic answer around the hints "
                        "(core.hints.correction) with these radii (short sides); with none "
                        "given, no correction")
    p.add_argument("--correct-edges", type=float, nargs="+", default=[3.0])
    p.add_argument("--correct-textures", type=float, nargs="+", default=[0.8])
    p.add_argument("--correct-tones", type=float, nargs="+", default=[0.0])
    p.add_argument("--correct-colours", type=float, nargs="+", default=[0.0],
                   help="colour terms of the correction (ab units; 0: none)")
    p.add_argument("--correct-agrees", type=float, nargs="+", default=[0.0],
                   help="agreement terms of the correction (ab units; 0: none)")
    p.add_argument("--correct-powers", type=float, nargs="+", default=[2.0],
                   help="exponents of the correction's distance term (2: Gaussian)")
    p.add_argument("--correct-networks", type=float, nargs="+", default=[0.0],
                   help="network terms of the correction (ab units of the hint network's "
                        "answer; 0: none)")
    p.add_argument("--correct-greys", type=float, nargs="+", default=[1.0],
                   help="share of the radius a hint of no colour reaches where the automatic "
                        "model shows some (1: as far as any hint)")
    p.add_argument("--correct-smooth", type=float, default=1.5)
    p.add_argument("--counts", type=int, nargs="+", default=list(COUNTS))
    p.add_argument("--out", default=None, help="writes OUT.json (the grid)")
    p.add_argument("--write", action="store_true",
                   help="store the chosen setting as metadata.hint_locality in the weights' "
                        "JSON (the safetensors are untouched)")
    a = p.parse_args(argv)
    configure_threads()  # one torch thread, as the app server
    colorizer = Colorizer.from_weights(a.weights, device="cpu", hint_locality=None)
    if colorizer.in_channels == 1:
        print(f"error: {a.weights} takes no hints", file=sys.stderr)
        return 2
    items = interleave_sources(validation_items(a.data, split="train"))[a.skip:]

    def photos():  # read one at a time: a sample of thousands stays small in memory
        taken = 0
        for path, _source in items:
            if taken == a.photos:
                return
            try:
                truth = load_image(path)
            except (ImageError, OSError):
                continue
            taken += 1
            yield Path(path).name, truth
    fallback = None
    if a.fallback:
        fallback = Colorizer.from_weights(Path(a.weights).parent / a.fallback, device="cpu")
    from core.hints.correction import HintCorrection

    corrections = [HintCorrection(r, e, a.correct_smooth, x, t, c, g, q, m, y)
                   for r in a.correct_radii for e in a.correct_edges
                   for x in a.correct_textures for t in a.correct_tones
                   for c in a.correct_colours for g in a.correct_agrees
                   for q in a.correct_powers for m in a.correct_networks
                   for y in a.correct_greys] or [None]
    result = choose(colorizer, photos(), a.counts, a.radii, a.edges, a.smooths, a.growths,
                    a.tones, fallback, a.fallback, margin=a.margin, agrees=a.agrees,
                    max_drop=a.max_drop, textures=a.textures, min_patch=a.min_patch,
                    corrections=corrections, progress=True, min_leak=a.min_leak,
                    others=[(o, t) for o in a.others for t in (a.other_abs if o > 0 else
                                                               a.other_abs[:1])])
    result.update({"weights": str(a.weights), "skip": a.skip,
                   "command": "python -m core.hints.gate_choice " + " ".join(
                       argv if argv is not None else sys.argv[1:]),
                   "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                   "machine": platform.platform()})
    print(choice_markdown(result))
    print(f"\nrule: {result['rule']}\nchosen: {result['chosen']}")
    if a.out:
        Path(a.out).with_suffix(".json").write_text(
            json.dumps(clean_json(result), indent=1, allow_nan=False))
    if a.write:
        if result["chosen"] is None:
            print("error: no setting meets the targets; nothing written", file=sys.stderr)
            return 1
        path = Path(a.weights).with_suffix(".json")
        doc = json.loads(path.read_text())
        doc["metadata"]["hint_locality"] = result["chosen"]
        path.write_text(json.dumps(doc, indent=2) + "\n")
        print(f"wrote metadata.hint_locality into {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
