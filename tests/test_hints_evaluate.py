"""Hint evaluation: the two fills, the table, and ``python -m core.evaluate --hints``."""

import json

import numpy as np
import torch
from PIL import Image

from core.colorizer import Colorizer
from core.evaluate import main as evaluate_main
from core.hints import Hint
from core.hints.evaluate import (
    error_change,
    eval_ab,
    evaluate_hints,
    far_from_hints,
    fill_rgb,
    hints_markdown,
    leak,
    mean_ci,
    photo_seed,
    reach,
    summarise_hints,
)
from core.unet import UNet, UNetConfig
from core.weights import save_model


def two_colour_photo() -> np.ndarray:
    rgb = np.zeros((40, 60, 3), np.uint8)
    rgb[:, :30] = (200, 40, 40)
    rgb[:, 30:] = (40, 60, 200)
    return rgb


def test_fills_nearest_global_and_edges():
    rgb = two_colour_photo()
    gray = rgb.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32) / 255
    hints = [Hint(5, 20, (200, 40, 40)), Hint(55, 20, (40, 60, 200))]
    near = fill_rgb(gray, hints, "nearest")
    assert near[20, 2, 0] > near[20, 2, 2] and near[20, 58, 2] > near[20, 58, 0]
    glob = fill_rgb(gray, hints, "global")
    assert np.abs(glob[:, :, 0].astype(int) - glob[:, :, 2].astype(int)).std() < 30
    none = fill_rgb(gray, [], "nearest")
    assert np.ptp(none.astype(int), axis=2).max() <= 1  # no hint: the grey photo


def test_edge_aware_fill_stops_where_the_grey_photo_has_an_edge():
    """A yellow hint at x = 5 and a blue one at x = 40, the edge at x = 30 (yellow is light,
    blue dark: the grey photo shows it). Nearest spills blue over the yellow region past
    halfway (x = 23-29); the edge-aware fill keeps it yellow."""
    rgb = np.zeros((40, 60, 3), np.uint8)
    rgb[:, :30], rgb[:, 30:] = (230, 200, 40), (40, 60, 200)
    gray = rgb.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32) / 255
    hints = [Hint(5, 20, (230, 200, 40)), Hint(40, 20, (40, 60, 200))]
    near, edges = fill_rgb(gray, hints, "nearest"), fill_rgb(gray, hints, "edges")
    assert edges.shape == rgb.shape
    band = (slice(None), slice(24, 29))
    assert (near[band][..., 2] > near[band][..., 0]).mean() > 0.9  # blue
    assert (edges[band][..., 0] > edges[band][..., 2]).mean() > 0.9  # yellow


def test_mean_ci_brackets_the_mean():
    m, lo, hi = mean_ci([1.0, 2.0, 3.0, 4.0])
    assert lo < m == 2.5 < hi
    assert photo_seed("a/b.jpg") == photo_seed("b.jpg") != photo_seed("c.jpg")


def test_reach_is_the_share_of_pixels_moved_by_more_than_10_ab():
    without = np.zeros((10, 20, 2))
    moved = without.copy()
    moved[:, :5] = (8.0, 8.0)  # 11.3 ab units: counted (a quarter of the pixels)
    moved[:, 5:10] = (6.0, -6.0)  # 8.5 ab units: not counted
    assert reach(moved, without) == 0.25
    assert reach(without, without) == 0.0
    assert reach(without + (0, 30), without) == 1.0
    assert reach(moved, without, threshold=5.0) == 0.5


def test_leak_counts_only_pixels_far_from_every_hint_and_its_sign():
    """True colours: a = +50 on the left half, -50 on the right; one hint of colour
    (a, b) = (50, 0). Only the right half is far (100 > 25 ab units) from the hint."""
    truth = np.zeros((8, 10, 2))
    truth[:, :5, 0], truth[:, 5:, 0] = 50.0, -50.0
    hint = np.array([[50.0, 0.0]])
    far = far_from_hints(truth, hint)
    assert far[:, 5:].all() and not far[:, :5].any()
    without = np.zeros_like(truth)  # error 50 on the far half
    better = without.copy()
    better[:, 5:, 0] = -25.0  # error 25: MSE / 4, +6.02 dB
    assert abs(leak(better, without, truth, hint) - 10 * np.log10(4)) < 1e-9
    spread = without.copy()
    spread[..., 0] = 10.0  # the hint's colour spread everywhere: error 60 on the far half
    assert abs(leak(spread, without, truth, hint) - 10 * np.log10(2500 / 3600)) < 1e-9
    assert leak(spread, without, truth, hint) < 0
    # the pixels near the hint's colour do not count, whatever happens to them
    near_only = without.copy()
    near_only[:, :5] = (90.0, 90.0)
    assert leak(near_only, without, truth, hint) == 0.0
    # a second hint of the far half's colour: no far pixel left, no leak to measure
    assert np.isnan(leak(spread, without, truth, np.array([[50.0, 0], [-50, 0]])))
    assert np.isnan(leak(spread, without, truth, np.zeros((0, 2))))
    assert error_change(without, without, truth, far) == 0.0


def test_eval_ab_measures_what_the_metrics_compare():
    rgb = two_colour_photo()
    ab = eval_ab(rgb)
    assert ab.shape == (256, 256, 2)
    assert ab[128, 10, 0] > 40 and ab[128, 250, 1] < -40  # red left, blue right
    assert eval_ab(rgb, None).shape == (40, 60, 2)
    assert np.abs(eval_ab(np.full((5, 5, 3), 128, np.uint8))).max() < 0.01  # grey: a = b = 0


def test_below_automatic_is_the_share_of_photos_worse_with_hints():
    rows = []
    for i, (alone, with3, shipped) in enumerate([(20, 21, 19), (20, 19, 19), (20, 20, 21),
                                                (25, 26, 27)]):
        name = f"p{i}"
        rows += [{"name": name, "hints": 0, "method": "automatic", "psnr": shipped,
                  "ssim": 0.9, "colourfulness": 1.0},
                 {"name": name, "hints": 3, "method": "model", "psnr": with3, "ssim": 0.9,
                  "colourfulness": 1.0, "psnr_no_hints": alone, "reach": 0.1 * i,
                  "leak": [-1.0, 1.0, float("nan"), 0.5][i]}]
    grey = {f"p{i}": {"psnr": 18.0, "ssim": 0.8} for i in range(4)}
    m = summarise_hints(rows, grey)["3"]["model"]
    assert m["below_automatic"] == 0.25  # only p1 (19 < 20); p2's tie is not below
    assert m["below_shipped"] == 0.5  # p2 (20 < 21) and p3 (26 < 27)
    lo, hi = m["below_shipped_ci"][1:]
    assert m["below_shipped_ci"][0] == 0.5 and lo < 0.5 < hi
    assert abs(m["reach"][0] - 0.15) < 1e-12 and m["reach"][1] <= 0.15 <= m["reach"][2]
    assert abs(m["leak"][0] - 1 / 6) < 1e-12  # the NaN (no far pixel) left out


def tiny(in_channels: int) -> UNet:
    torch.manual_seed(0)
    return UNet(UNetConfig(width=4, depth=2, in_channels=in_channels)).eval()


def test_evaluate_hints_table_and_cli(tmp_path):
    photos = tmp_path / "data" / "set" / "val"  # a folder named val: the validation split
    photos.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(3):
        rgb = two_colour_photo()
        rgb = np.clip(rgb + rng.integers(-20, 20, rgb.shape), 0, 255).astype(np.uint8)
        Image.fromarray(rgb).save(photos / f"p{i}.png")
    model = Colorizer(tiny(7), device="cpu", working_size=32)
    items = [(p, "set") for p in sorted(photos.iterdir())]
    res = evaluate_hints(model, items, (0, 3), out=tmp_path / "ev",
                         baseline=Colorizer(tiny(1), device="cpu", working_size=32))
    assert res["photos"] == 3
    t = res["table"]
    assert set(t["3"]) == {"model", "nearest", "global", "edges"} and "automatic" in t["0"]
    assert t["3"]["nearest"]["gain_over_nearest"][0] == 0
    assert t["3"]["edges"]["gain_over_edges"][0] == 0
    # three true hints of a two-colour photo: the fill is better than grey
    assert t["3"]["nearest"]["psnr"][0] > res["grey"]["psnr"][0] + 0.5
    assert (tmp_path / "ev.png").is_file() and (tmp_path / "ev.json").is_file()
    m = t["3"]["model"]
    assert 0 <= m["reach"][1] <= m["reach"][0] <= m["reach"][2] <= 1
    assert np.isfinite(m["leak"][0]) and 0 <= m["below_automatic"] <= 1
    assert "reach" not in t["0"]["model"] and t["0"]["model"]["below_automatic"] == 0
    md = hints_markdown(res)
    assert "reach" in md and "leak" in md and "\n| 3 | " in md
    saved = json.loads((tmp_path / "ev.json").read_text())
    assert saved["settings"]["hint_locality"] is None and "date" in saved
    save_model(tiny(7), tmp_path / "hints", metadata={"working_size": 32})
    save_model(tiny(1), tmp_path / "auto", metadata={"working_size": 32})
    code = evaluate_main(["--weights", str(tmp_path / "hints"), "--data", str(tmp_path / "data"),
                          "--hints", "0", "1", "--out", str(tmp_path / "cli"),
                          "--baseline", str(tmp_path / "auto"), "--val-per-source", "3"])
    assert code == 0
    out = json.loads((tmp_path / "cli.json").read_text())
    assert out["counts"] == [0, 1] and out["photos"] >= 1
    # a gate that falls back to the automatic model: without hints the hint model *is* it,
    # so "below the model without hints" and "below the automatic model" agree
    save_model(tiny(7), tmp_path / "gated", metadata={
        "working_size": 32, "hint_locality": {"radius": 0.2, "edge": 1.0, "fallback": "auto"}})
    code = evaluate_main(["--weights", str(tmp_path / "gated"), "--data",
                          str(tmp_path / "data"), "--hints", "0", "1", "--out",
                          str(tmp_path / "gated_ev"), "--baseline", str(tmp_path / "auto"),
                          "--val-per-source", "3"])
    assert code == 0
    out = json.loads((tmp_path / "gated_ev.json").read_text())
    assert out["settings"]["hint_locality"]["fallback"] == "auto"
    t0 = out["table"]["0"]
    assert abs(t0["model"]["psnr"][0] - t0["automatic"]["psnr"][0]) < 0.05
    assert out["table"]["1"]["model"]["below_automatic"] == \
        out["table"]["1"]["model"]["below_shipped"]


def test_choose_scores_tones_against_the_fallback_and_the_margin_needs_photos():
    """The grid of core.hints.gate_choice with a range term and an automatic fallback: every
    setting is scored against the fallback; with the margin rule two photos can never be
    enough (the Wilson upper end of 0 of 2 is far above 5 %), without it they can."""
    from core.hints.gate_choice import choice_markdown, choose

    photos = [(f"p{i}.png", two_colour_photo()) for i in range(2)]
    hint_model = Colorizer(tiny(7), device="cpu", working_size=32)
    auto = Colorizer(tiny(1), device="cpu", working_size=32, chroma_gain=0.7)
    kw = dict(counts=(1, 3), radii=(0.1,), edges=(1.0,), smooths=(0.0,), growths=(0.0,),
              tones=(0.0, 0.1), fallback=auto, fallback_name="auto")
    strict = choose(hint_model, photos, margin=True, **kw)
    assert [g["tone"] for g in strict["grid"]] == [0.0, 0.1]
    for g in strict["grid"]:
        assert g["3"]["below_upper"] >= g["3"]["below"] and g["3"]["below_upper"] > 0.5
    assert strict["chosen"] is None and strict["qualified"] == 0 and strict["margin"]
    assert "automatic model (auto)" in strict["rule"] and "Wilson" in strict["rule"]
    loose = choose(hint_model, photos, margin=False, **kw)
    ok = [g for g in loose["grid"] if g["1"]["leak"][0] >= 0 and g["3"]["below"] <= 0.05]
    assert loose["qualified"] == len(ok)
    if ok:
        assert loose["chosen"]["fallback"] == "auto"
    head = choice_markdown(strict).splitlines()[0]
    assert "| tone |" in head and "95 % upper" in head


def test_choose_grid_of_agreement_and_texture_and_the_visibility_rules():
    """Every (texture, agree) pair is a setting; the patch a hint would colour does not
    depend on the agreement term; a patch floor above the whole photo leaves nothing, and
    a PSNR-at-10 floor far below lets the same settings through as without it."""
    from core.hints.gate_choice import choice_markdown, choose

    photos = [(f"p{i}.png", two_colour_photo()) for i in range(2)]
    hint_model = Colorizer(tiny(7), device="cpu", working_size=32)
    auto = Colorizer(tiny(1), device="cpu", working_size=32, chroma_gain=0.7)
    kw = dict(counts=(1, 3), radii=(0.2,), edges=(3.0,), smooths=(0.0,), growths=(0.0,),
              fallback=auto, fallback_name="auto", agrees=(0.0, 20.0), textures=(0.0, 0.8))
    base = choose(hint_model, photos, **kw)
    keys = [(g["texture"], g["agree"]) for g in base["grid"]]
    assert keys == [(0.0, 0.0), (0.0, 20.0), (0.8, 0.0), (0.8, 20.0)]
    for t in (0.0, 0.8):
        pair = [g for g in base["grid"] if g["texture"] == t]
        assert pair[0]["1"]["patch"] == pair[1]["1"]["patch"] > 0
    hidden = choose(hint_model, photos, min_patch=1.01, **kw)
    assert hidden["qualified"] == 0 and hidden["chosen"] is None
    assert "at least 101 % of the photo" in hidden["rule"]
    assert choose(hint_model, photos, max_drop=1e9, **kw)["qualified"] == base["qualified"]
    head = choice_markdown(base).splitlines()[0]
    assert "| agree | texture |" in head and "patch 1" in head


def test_choose_tries_each_correction_with_each_gate_and_keeps_it_in_the_choice():
    """Corrections of the automatic answer are one more axis of the grid: a correction row
    scores another answer than the uncorrected one, its patch counts the corrected area,
    and the chosen setting carries its correction (what ``--write`` stores)."""
    from core.hints.correction import HintCorrection
    from core.hints.gate_choice import choice_markdown, choose
    from core.hints.locality import HintLocality

    photos = [(f"p{i}.png", two_colour_photo()) for i in range(2)]
    hint_model = Colorizer(tiny(7), device="cpu", working_size=32)
    auto = Colorizer(tiny(1), device="cpu", working_size=32, chroma_gain=0.7)
    corr = HintCorrection(0.5, edge=1.0)
    res = choose(hint_model, photos, counts=(1, 3), radii=(0.02,), edges=(1.0,),
                 smooths=(0.0,), growths=(0.0,), fallback=auto, fallback_name="auto",
                 corrections=(None, corr))
    plain, fixed = res["grid"]
    assert plain["correction"] is None and fixed["correction"] == corr.to_metadata()
    assert fixed["1"]["patch"] > plain["1"]["patch"]
    assert fixed["3"]["psnr"][0] != plain["3"]["psnr"][0]
    # these toy networks leak: the rule's leak floor is an argument; the photos may come one
    # at a time (a generator), as the command reads thousands of them
    loose = choose(hint_model, (p for p in photos), counts=(1, 3), radii=(0.02,),
                   edges=(1.0,), smooths=(0.0,), growths=(0.0,), fallback=auto,
                   fallback_name="auto", corrections=(corr,), min_leak=-np.inf)
    assert loose["photos"] == 2 and loose["min_leak"] == -np.inf
    assert loose["grid"][0]["3"]["below"] == 0.0 and loose["chosen"] is not None
    assert "leak >= -inf dB" in loose["rule"]
    floor = loose["grid"][0]["1"]["leak"][0] + 1.0
    strict = choose(hint_model, photos, counts=(1, 3), radii=(0.02,), edges=(1.0,),
                    smooths=(0.0,), growths=(0.0,), fallback=auto, fallback_name="auto",
                    corrections=(corr,), min_leak=floor)
    assert strict["chosen"] is None and strict["qualified"] == 0
    loc = HintLocality.from_metadata(loose["chosen"])
    assert loc.correction == corr and loc.fallback == "auto"
    table = choice_markdown(res)
    assert "| correction |" in table.splitlines()[0] and "radius 0.5, edge 1" in table


def test_choose_tries_the_other_term_and_keeps_it_in_the_choice(monkeypatch):
    """The ``other`` term (the network's answer where it paints another colour than every
    hint's) is one more axis: its rows score another answer, the hint's own patch is the
    same, and the chosen setting carries it (what ``--write`` stores)."""
    from core.hints.gate_choice import choice_markdown, choose
    from core.hints.locality import HintLocality

    photos = [(f"p{i}.png", two_colour_photo()) for i in range(2)]
    hint_model = Colorizer(tiny(7), device="cpu", working_size=32)
    auto = Colorizer(tiny(1), device="cpu", working_size=32, chroma_gain=0.7)
    kw = dict(counts=(1, 3), radii=(0.02,), edges=(1.0,), smooths=(0.0,), growths=(0.0,),
              fallback=auto, fallback_name="auto", min_leak=-np.inf)
    res = choose(hint_model, photos, others=((0.0, 25.0), (1.0, 0.5)), **kw)
    off, on = res["grid"]
    assert (off["other"], on["other"], on["other_ab"]) == (0.0, 1.0, 0.5)
    assert on["1"]["patch"] == off["1"]["patch"]
    assert on["1"]["reach"][0] > off["1"]["reach"][0]  # the network shown far from the hint
    import core.hints.gate_choice as gate_choice

    monkeypatch.setattr(gate_choice, "MAX_BELOW", 1.0)  # toy networks: any share below
    only = choose(hint_model, photos, others=((1.0, 0.5),), **kw)
    assert HintLocality.from_metadata(only["chosen"]).other == 1.0
    assert "| other | other_ab |" in choice_markdown(res).splitlines()[0]
