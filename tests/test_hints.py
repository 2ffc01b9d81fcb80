"""Colour hints: the planes given to the U-Net, simulated hints, zero-initialised inputs."""

import numpy as np
import pytest
import torch

from core.hints import (
    HINT_CHANNELS,
    Hint,
    edge_regions,
    extend_input_weights,
    hint_input,
    hint_planes,
    simulate_hints,
    true_hints,
)
from core.train import init_model
from core.unet import UNet, UNetConfig
from core.weights import save_model


def test_planes_mark_hints_and_fill_by_nearest():
    pts = torch.tensor([[2.0, 2.0], [2.0, 17.0]])
    ab = torch.tensor([[0.5, -0.2], [-0.3, 0.4]])
    p = hint_planes([pts], [ab], (10, 20))[0]
    assert p.shape == (HINT_CHANNELS, 10, 20)
    assert p[2].sum() == 2 and p[2, 2, 2] == 1 and p[2, 2, 17] == 1
    assert torch.allclose(p[0:2, 2, 2], ab[0]) and torch.allclose(p[0:2, 2, 17], ab[1])
    # Voronoi: left half takes the first hint's colour, right half the second's
    assert torch.allclose(p[3:5, 9, 0], ab[0]) and torch.allclose(p[3:5, 0, 19], ab[1])
    assert p[5, 2, 2] == 0 and p[5, 9, 9] > 0 and p[5].max() <= 1


def two_regions(h: int = 48, w: int = 96, edge: int = 64) -> np.ndarray:
    """A dark left part and a light right part, the edge at column ``edge`` (not halfway)."""
    gray = np.full((h, w), 0.1, np.float32)
    gray[:, edge:] = 0.9
    return gray


def test_edge_fill_stops_at_the_edge_where_voronoi_crosses_it():
    """Hints at columns 16 and 80: the Voronoi boundary is at column 48, the image's edge at
    64. The edge-aware fill gives columns 48-63 the left hint's colour, Voronoi the right's."""
    gray = two_regions()
    pts = torch.tensor([[24.0, 16.0], [24.0, 80.0]])
    ab = torch.tensor([[0.5, -0.2], [-0.3, 0.4]])
    voronoi = hint_planes([pts], [ab], gray.shape)[0]
    edges = hint_planes([pts], [ab], gray.shape, grays=torch.from_numpy(gray)[None])[0]
    assert torch.allclose(voronoi[3:5, 24, 56], ab[1])  # Voronoi crosses the edge
    for col in range(0, 63):  # column 63 is on the edge itself: either side will do
        assert torch.allclose(edges[3:5, :, col], ab[0].view(2, 1)), col
    for col in range(65, 96):
        assert torch.allclose(edges[3:5, :, col], ab[1].view(2, 1)), col
    # the other planes do not depend on the fill
    assert torch.equal(voronoi[[0, 1, 2, 5]], edges[[0, 1, 2, 5]])


def test_edge_regions_one_hint_per_region_and_shared_pixels():
    gray = two_regions()
    labels = edge_regions(gray, np.array([3, 40]), np.array([2, 90]))
    assert set(np.unique(labels[:, :63])) == {0} and set(np.unique(labels[:, 65:])) == {1}
    # two hints on one pixel: the first one wins, as in the nearest-hint fill
    labels = edge_regions(gray, np.array([3, 3]), np.array([2, 2]))
    assert np.all(labels == 0)


def test_hint_input_and_simulated_hints_follow_the_grey_edges():
    gray = two_regions()
    hints = [Hint(16, 24, (200, 30, 30)), Hint(80, 24, (30, 30, 200))]
    p = hint_input(hints, full_shape=gray.shape, work_shape=gray.shape, gray=gray)[0]
    assert torch.allclose(p[3:5, 24, 56], p[0:2, 24, 16])  # left of the edge: the red hint
    # Simulated hints on 16 such photos (a = 0.5 left of the edge, -0.5 right of it): the
    # edge-aware fill is right more often than the Voronoi fill, with the same hints.
    lab = torch.zeros(16, 3, *gray.shape)
    lab[:, 1, :, :64], lab[:, 1, :, 64:] = 0.5, -0.5
    grays = torch.from_numpy(gray).expand(16, 1, *gray.shape)
    edges = simulate_hints(lab, torch.Generator().manual_seed(0), grays)
    voronoi = simulate_hints(lab, torch.Generator().manual_seed(0))
    assert torch.equal(edges[:, :3], voronoi[:, :3])  # the same hints
    err_edges = (edges[:, 3] - lab[:, 1]).abs().mean()
    err_voronoi = (voronoi[:, 3] - lab[:, 1]).abs().mean()
    # (both are wrong where all of a photo's hints fell on one side, or where there is none)
    assert err_edges < 0.95 * err_voronoi, (err_edges, err_voronoi)


def test_no_hint_planes_are_empty_with_far_distance():
    p = hint_planes([torch.zeros(0, 2)], [torch.zeros(0, 2)], (8, 8))[0]
    assert p[:5].abs().sum() == 0 and torch.all(p[5] == 1)


def test_hint_input_maps_photo_pixels_to_working_pixels():
    hints = [Hint(399, 0, (255, 0, 0))]  # top-right corner of a 200 x 400 photo
    p = hint_input(hints, full_shape=(200, 400), work_shape=(50, 100))[0]
    r, c = np.unravel_index(int(p[2].argmax()), (50, 100))
    assert (r, c) == (0, 99)
    a, b = hints[0].unit_ab()
    assert a > 0.5 and b > 0.3  # red: strongly positive a, positive b
    assert torch.allclose(p[0:2, 0, 99], torch.tensor([a, b]))


def test_hex_colours_parse_and_reject():
    assert Hint.from_hex(1, 2, "#FF8000").rgb == (255, 128, 0)
    assert Hint.from_hex(1, 2, "00ff00").hex == "#00ff00"
    for bad in ("red", "#12345", "#gg0000", 3):
        with pytest.raises(ValueError):
            Hint.from_hex(0, 0, bad)


def test_simulated_hints_are_reproducible_and_sometimes_absent():
    lab = torch.rand(40, 3, 24, 24) * 2 - 1
    a = simulate_hints(lab, torch.Generator().manual_seed(3))
    b = simulate_hints(lab, torch.Generator().manual_seed(3))
    assert torch.equal(a, b)
    counts = a[:, 2].sum(dim=(1, 2))
    assert (counts == 0).any() and (counts > 0).sum() >= 20
    # a hint's colour is the mean of the true chroma around it: within the photo's range
    assert a[:, 0:2].abs().max() <= 1.0


def test_true_hints_take_the_photos_colours():
    rgb = np.zeros((30, 40, 3), np.uint8)
    rgb[:, :20] = (200, 30, 30)
    rgb[:, 20:] = (30, 30, 200)
    hints = true_hints(rgb, 12, seed=5)
    assert len(hints) == 12 and hints == true_hints(rgb, 12, seed=5)
    for h in hints:
        if h.x < 18:
            assert h.rgb == (200, 30, 30)
        elif h.x > 21:
            assert h.rgb == (30, 30, 200)


def test_a_grey_model_starts_a_hint_model_that_computes_the_same(tmp_path):
    torch.manual_seed(0)
    base = UNet(UNetConfig(width=4, depth=2)).eval()
    save_model(base, tmp_path / "base")
    cfg = UNetConfig(width=4, depth=2, in_channels=1 + HINT_CHANNELS)
    model = init_model(cfg, str(tmp_path / "base")).eval()
    x = torch.rand(1, 1, 16, 24)
    no_hints = hint_input([], (16, 24), (16, 24))
    with torch.no_grad():
        assert torch.allclose(model(torch.cat([x, no_hints], 1)), base(x), atol=1e-6)
    ext = extend_input_weights(base.state_dict(), 7)
    assert ext["inc.block.0.weight"].shape[1] == 7
    assert ext["inc.block.0.weight"][:, 1:].abs().sum() == 0


# -- the locality gate (core.hints.locality) ------------------------------------------------
def test_geodesic_distance_is_euclidean_on_a_flat_image_and_grows_across_an_edge():
    from core.hints.locality import geodesic_distance

    flat = np.full((48, 96), 0.5, np.float32)
    d = geodesic_distance(flat, np.array([24]), np.array([16]), edge=1.0)
    assert d[24, 16] == 0
    assert abs(d[24, 56] - 40 / 48) < 1e-9  # 40 px to the right, in short sides
    rr, cc = np.mgrid[:48, :96]
    euclid = np.hypot(rr - 24, cc - 16) / 48
    assert np.all(d >= euclid - 1e-9) and np.all(d <= 1.09 * euclid + 1e-9)  # 8-connected
    # an edge at column 64: the far side costs more than the same walk on the near side
    gray = two_regions()
    d = geodesic_distance(gray, np.array([24]), np.array([48]), edge=1.0)
    near, far = d[24, 48 - 20], d[24, 48 + 20]  # 20 px left / right of the hint
    assert abs(near - 20 / 48) < 1e-9 and far > near + 0.3
    assert np.allclose(geodesic_distance(gray, np.array([24]), np.array([48]), edge=0.0)[24, 68],
                       20 / 48)
    # all hints at once: the distance to the nearest
    two = geodesic_distance(flat, np.array([24, 24]), np.array([16, 80]), edge=1.0)
    assert two[24, 80] == 0 and abs(two[24, 70] - 10 / 48) < 1e-9


def test_gate_is_one_on_the_hint_round_in_flat_areas_and_stops_at_edges():
    from core.hints.locality import HintLocality, gate

    loc = HintLocality(radius=0.25, edge=2.0)
    flat = np.full((48, 96), 0.5, np.float32)
    w = gate(flat, np.array([24]), np.array([48]), loc)
    assert w[24, 48] == 1 and np.all((w >= 0) & (w <= 1))
    # a round patch, no straight boundary: the same weight at the same distance each way
    assert abs(w[24, 60] - w[12, 48]) < 1e-9 and abs(w[24, 60] - np.exp(-0.5)) < 1e-9
    gray = two_regions()
    w = gate(gray, np.array([24]), np.array([56]), loc)
    assert w[24, 48] > 0.5 and w[24, 70] < 0.05  # 8 px each way; an edge between at 64
    # the radius grows with the number of hints when asked
    assert HintLocality(0.2, 1.0, growth=0.5).reach(4) == 0.4
    assert HintLocality(0.2, 1.0).reach(4) == 0.2


def test_hint_locality_metadata_round_trip_and_checks():
    from core.hints.locality import HintLocality

    loc = HintLocality(radius=0.3, edge=1.0, smooth=1.5, growth=0.5)
    assert HintLocality.from_metadata(loc.to_metadata()) == loc
    assert HintLocality.from_metadata(None) is None and HintLocality.from_metadata({}) is None
    assert HintLocality.from_metadata({"radius": 0.2, "edge": 0}) == HintLocality(0.2, 0.0)
    for bad in ({"radius": 0, "edge": 1}, {"radius": 0.2, "edge": -1}):
        with pytest.raises(ValueError):
            HintLocality.from_metadata(bad)


def test_hint_pixels_land_where_the_planes_put_the_hints():
    from core.hints.locality import hint_pixels

    hints = [Hint(399, 0, (255, 0, 0)), Hint(0, 199, (0, 0, 255)), Hint(150, 75, (9, 9, 9))]
    p = hint_input(hints, full_shape=(200, 400), work_shape=(50, 100))[0]
    rows, cols = hint_pixels(hints, (200, 400), (50, 100))
    assert set(zip(rows.tolist(), cols.tolist())) == set(zip(*np.nonzero(p[2].numpy())))


def _gated_pair(tmp_path, locality):
    from core.colorizer import Colorizer

    torch.manual_seed(0)
    model = UNet(UNetConfig(width=4, depth=2, in_channels=1 + HINT_CHANNELS)).eval()
    with torch.no_grad():  # make the hint planes matter
        model.inc.block[0].weight[:, 1:] += 0.5
    save_model(model, tmp_path / "h", metadata={"working_size": 48, "hint_locality": locality})
    save_model(model, tmp_path / "plain", metadata={"working_size": 48})
    return (Colorizer.from_weights(tmp_path / "h", device="cpu"),
            Colorizer.from_weights(tmp_path / "plain", device="cpu"))


def test_colorizer_gate_falls_back_to_the_answer_without_hints_far_from_them(tmp_path):
    from core.hints.locality import HintLocality, blend

    gated, plain = _gated_pair(tmp_path, {"radius": 0.2, "edge": 1.0})
    assert gated.hint_locality == HintLocality(0.2, 1.0) and plain.hint_locality is None
    img = np.zeros((96, 192, 3), np.uint8)
    img[:, 128:] = 220  # an edge at x = 128 of the photo (64 at the working size)
    hints = [Hint(40, 48, (200, 30, 30))]
    # no hint: exactly the network without hints, with or without a gate
    assert np.array_equal(gated.predict(img).unit_lab, plain.predict(img).unit_lab)
    assert gated.predict(img).hint_weight is None
    p, raw, auto = gated.predict(img, hints=hints), plain.predict(img, hints=hints), \
        plain.predict(img)
    w = p.hint_weight
    assert w.shape == p.gray_small.shape == (48, 96) and w[24, 20] == 1
    np.testing.assert_allclose(p.unit_lab, blend(auto.unit_lab, raw.unit_lab, w), atol=1e-5)
    np.testing.assert_allclose(p.bounded, blend(auto.bounded, raw.bounded, w, 0), atol=1e-5)
    change = np.abs(p.unit_lab - auto.unit_lab).max(axis=-1)
    raw_change = np.abs(raw.unit_lab - auto.unit_lab).max(axis=-1)
    assert change[:, 70:].max() < 1e-3 < raw_change[:, 70:].max()  # past the edge: as before
    assert p.gray.shape == (96, 192) and p.hints == tuple(hints)
    # the answer without hints is cached: the same numbers on the next tap
    assert len(gated._answers) == 1
    again = gated.predict(img, hints=hints)
    assert np.array_equal(again.unit_lab, p.unit_lab) and len(gated._answers) == 1
    gated.forget_answers()  # a first tap again: computed anew, the same numbers
    assert len(gated._answers) == 0
    assert np.allclose(gated.predict(img, hints=hints).unit_lab, p.unit_lab, atol=1e-6)


def test_range_term_stops_a_hint_on_another_brightness_without_an_edge():
    """A smooth left-to-right ramp (no edge for the geodesic cost to see): the range term
    lowers the weight where the grey differs from the hint's; off (tone 0) it is the gate
    of before, and with several hints each pixel keeps the largest hint's weight."""
    from core.hints.locality import HintLocality, gate, geodesic_distance, hint_distances

    ramp = np.tile(np.linspace(0.0, 1.0, 96, dtype=np.float32), (48, 1))
    rows, cols = np.array([24]), np.array([20])
    plain = gate(ramp, rows, cols, HintLocality(1.0, edge=0.0))
    toned = gate(ramp, rows, cols, HintLocality(1.0, edge=0.0, tone=0.1))
    assert toned[24, 20] == pytest.approx(1.0) and plain[24, 20] == 1
    # 40 px right of the hint the grey is 0.42 brighter: the range term cuts it down
    assert toned[24, 60] < 0.01 * plain[24, 60] and plain[24, 60] > 0.5
    # same grey (a column above the hint): the range term changes nothing
    assert toned[4, 20] == pytest.approx(plain[4, 20], abs=1e-6)
    # per-hint distances: their minimum is the all-hints geodesic distance
    two_r, two_c = np.array([24, 10]), np.array([20, 80])
    d = hint_distances(ramp, two_r, two_c, 1.0)
    assert d.shape == (2, 48, 96)
    np.testing.assert_allclose(d.min(axis=0), geodesic_distance(ramp, two_r, two_c, 1.0),
                               atol=1e-12)
    both = gate(ramp, two_r, two_c, HintLocality(1.0, edge=0.0, tone=0.1))
    assert both[10, 80] == pytest.approx(1.0) and both[24, 20] == pytest.approx(1.0)


def test_locality_metadata_reads_tone_and_fallback_and_older_entries():
    from core.hints.locality import HintLocality

    loc = HintLocality(0.15, 3.0, smooth=1.5, growth=1.5, tone=0.1, fallback="colorizer")
    assert HintLocality.from_metadata(loc.to_metadata()) == loc
    old = HintLocality.from_metadata({"radius": 0.3, "edge": 3, "smooth": 1.5, "growth": 1})
    assert old.tone == 0 and old.fallback == ""
    with pytest.raises(ValueError):
        HintLocality(0.2, 1.0, tone=-0.1)


def test_wilson_upper_end_gives_the_rule_a_margin():
    from core.hints.gate_choice import wilson_upper

    assert wilson_upper(0, 80) == pytest.approx(0.0458, abs=5e-4)
    # 16 of 320 (5.0 %) no longer passes; 8 of 320 (2.5 %) does, 9 does not
    assert wilson_upper(16, 320) > 0.075
    assert wilson_upper(8, 320) < 0.05 < wilson_upper(9, 320)
    assert wilson_upper(0, 0) == 1.0


def test_gate_falls_back_to_the_automatic_model_in_its_own_colours(tmp_path):
    """With ``fallback`` the gate returns to another (automatic) model: no hint gives exactly
    that model's rendering (its chroma gain included), far from a hint too; on the hint the
    hint network's answer."""
    from core.colorizer import Colorizer

    torch.manual_seed(1)
    auto = UNet(UNetConfig(width=4, depth=2)).eval()
    save_model(auto, tmp_path / "auto", metadata={"working_size": 48, "chroma_gain": 0.6})
    _gated_pair(tmp_path, {"radius": 0.2, "edge": 1.0, "fallback": "auto"})
    gated = Colorizer.from_weights(tmp_path / "h", device="cpu")
    raw = Colorizer.from_weights(tmp_path / "h", device="cpu", hint_locality=None)
    shipped = Colorizer.from_weights(tmp_path / "auto", device="cpu")
    assert gated.hint_fallback is not None and gated.hint_locality.fallback == "auto"
    img = np.zeros((96, 192, 3), np.uint8)
    img[:, 128:] = 220
    want = shipped.render(shipped.predict(img)).rgb
    alone = gated.predict(img)
    assert np.abs(gated.render(alone).rgb.astype(int) - want).max() <= 1
    assert alone.hint_weight is not None and alone.hint_weight.max() == 0
    hints = [Hint(40, 48, (200, 30, 30))]
    p = gated.predict(img, hints=hints)
    out = gated.render(p).rgb.astype(int)
    assert np.abs(out[:, 150:] - want[:, 150:]).max() <= 1  # past the edge: automatic
    np.testing.assert_allclose(p.unit_lab[24, 20], raw.predict(img, hints=hints).unit_lab[24, 20],
                               atol=1e-5)  # on the hint: the hint network's answer
    # without the gate there is no fallback: the network's own answer without hints
    assert raw.hint_fallback is None
    assert not np.array_equal(raw.render(raw.predict(img)).rgb, want)


def test_agreement_term_scales_each_hint_by_its_gap_to_the_automatic_colour():
    """A hint of the colour the automatic model already shows changes nothing; one farther
    than ``agree`` counts fully; a weaker hint keeps its own, lower weight around it."""
    from core.hints.locality import HintLocality, agreement, gate

    s = agreement([[0, 0], [10, 0], [60, 80]], [[0, 0], [0, 0], [0, 0]], 20.0)
    np.testing.assert_allclose(s, [0.0, 0.5, 1.0])
    assert np.array_equal(agreement([[5, 5]], [[0, 0]], 0.0), [1.0])  # off: full strength
    flat = np.full((48, 96), 0.5, np.float32)
    rows, cols = np.array([24, 24, 24]), np.array([10, 48, 86])
    loc = HintLocality(0.1, edge=0.0, agree=20.0)
    full = gate(flat, rows, cols, loc)
    w = gate(flat, rows, cols, loc, strengths=s)
    assert w[24, 10] < 1e-9 and full[24, 10] == 1.0  # agrees: no weight of its own
    assert w[24, 48] == pytest.approx(0.5) and w[24, 86] == pytest.approx(1.0)
    assert np.all(w <= full + 1e-12)
    assert np.array_equal(gate(flat, rows, cols, loc, strengths=np.ones(3)), full)


def test_a_hint_the_automatic_model_agrees_with_leaves_its_colours(tmp_path):
    """Through the colorizer: with the agreement term, a hint of exactly the automatic
    model's colour at that point gives the automatic rendering; a far colour changes it."""
    from core.colorizer import Colorizer
    from core.hints.planes import Hint

    torch.manual_seed(1)
    auto = UNet(UNetConfig(width=4, depth=2)).eval()
    save_model(auto, tmp_path / "auto", metadata={"working_size": 48})
    _gated_pair(tmp_path, {"radius": 0.3, "edge": 1.0, "fallback": "auto", "agree": 15.0})
    gated = Colorizer.from_weights(tmp_path / "h", device="cpu")
    assert gated.hint_locality.agree == 15.0
    img = np.full((96, 192, 3), 120, np.uint8)
    base = gated.render(gated.predict(img))
    same = tuple(int(v) for v in base.rgb[48, 40])  # the colour shown at the hint's pixel
    p = gated.predict(img, hints=[Hint(40, 48, same)])
    assert p.hint_weight.max() < 0.35  # rounding to 8-bit RGB leaves a small gap at most
    far = gated.predict(img, hints=[Hint(40, 48, (20, 200, 40))])
    assert far.hint_weight.max() == pytest.approx(1.0)
    assert np.abs(gated.render(far).rgb.astype(int) - base.rgb).max() > 10


def test_texture_term_lets_a_hint_cross_texture_but_not_an_object_outline():
    """Fine stripes (texture) on the left, a strong step to white on the right: with
    absolute gradients every stripe is a wall and one hint colours a few pixels; with the
    texture term the photo's weaker gradients cost nothing and the hint fills the striped
    area, and the outline (its strongest gradients) still stops it."""
    from core.hints.locality import HintLocality, gate, step_cost

    img = np.full((48, 96), 0.3, np.float32)
    img[:, :64:4] = 0.4  # stripes: a gradient of 0.1 every 4 px
    img[:, 64:] = 1.0  # the outline: a step of 0.7
    rows, cols = np.array([24]), np.array([30])
    walls = gate(img, rows, cols, HintLocality(1.0, edge=10.0, smooth=0.0))
    textured = gate(img, rows, cols, HintLocality(1.0, edge=10.0, smooth=0.0, texture=0.8))
    assert (walls[:, :60] > 0.5).mean() < 0.15
    assert (textured[:, 10:50] > 0.5).mean() > 0.9
    assert textured[:, 70:].max() < 0.01  # past the outline
    # the texture quantile only lowers costs; 0 is the plain cost
    assert np.all(step_cost(img, 10.0, 0.0, 0.8) <= step_cost(img, 10.0, 0.0) + 1e-12)
    with pytest.raises(ValueError):
        HintLocality(0.2, 1.0, texture=1.0)
    loc = HintLocality(0.2, 1.0, texture=0.8, agree=10.0, fallback="colorizer")
    assert HintLocality.from_metadata(loc.to_metadata()) == loc


# -- the automatic answer as an input (hint_auto, core.hints.planes.AUTO_CHANNELS) ----------
def test_simulated_hints_follow_their_geometric_law():
    lab = torch.rand(200, 3, 24, 24) * 2 - 1
    few = simulate_hints(lab, torch.Generator().manual_seed(0), p=0.5)[:, 2].sum(dim=(1, 2))
    many = simulate_hints(lab, torch.Generator().manual_seed(0), p=0.05)[:, 2].sum(dim=(1, 2))
    # masks count hint pixels (patches of 1 to 9 px a side): more hints, more pixels
    assert float(many.mean()) > 3 * float(few.mean())


def _auto_and_hint_models(tmp_path, gain: float = 0.6):
    """A tiny automatic model (chroma gain ``gain``) and a hint model that also takes its
    answer, started from a 7-input hint model (saved as tmp_path/auto, tmp_path/h9)."""
    from core.hints.planes import AUTO_CHANNELS

    torch.manual_seed(2)
    auto = UNet(UNetConfig(width=4, depth=2)).eval()
    save_model(auto, tmp_path / "auto", metadata={"working_size": 48, "chroma_gain": gain})
    h7 = UNet(UNetConfig(width=4, depth=2, in_channels=1 + HINT_CHANNELS)).eval()
    save_model(h7, tmp_path / "h7", metadata={"working_size": 48})
    cfg = UNetConfig(width=4, depth=2, in_channels=1 + HINT_CHANNELS + AUTO_CHANNELS)
    h9 = init_model(cfg, str(tmp_path / "h7")).eval()
    return auto, h7, h9


def test_a_hint_model_extended_with_the_automatic_answer_starts_as_it_was(tmp_path):
    from core.hints.planes import automatic_answer, automatic_planes

    auto, h7, h9 = _auto_and_hint_models(tmp_path)
    gray = torch.rand(2, 1, 16, 24)
    hints = hint_input([Hint(5, 6, (200, 30, 30))], (16, 24), (16, 24)).expand(2, -1, -1, -1)
    planes = automatic_planes(automatic_answer(auto, gray)[1], 0.6)
    assert planes.shape == (2, 2, 16, 24) and planes.abs().max() > 0
    with torch.no_grad():
        assert torch.allclose(h9(torch.cat([gray, hints, planes], 1)),
                              h7(torch.cat([gray, hints], 1)), atol=1e-6)
        # the planes are what the automatic screen shows: its (a, b) times its gain
        assert torch.allclose(planes, auto(gray)[:, 1:3] * 0.6, atol=1e-6)
    with pytest.raises(ValueError, match="in_channels"):
        UNetConfig(in_channels=8)


def test_trainer_gives_a_hint_model_the_automatic_answer():
    from core.hints.planes import AUTO_CHANNELS, automatic_answer
    from core.train import Trainer

    torch.manual_seed(3)
    auto = UNet(UNetConfig(width=4, depth=2)).eval()
    model = UNet(UNetConfig(width=4, depth=2, in_channels=1 + HINT_CHANNELS + AUTO_CHANNELS))
    trainer = Trainer(model)
    gray, lab = torch.rand(3, 1, 16, 16), torch.rand(3, 3, 16, 16) * 2 - 1
    with pytest.raises(ValueError, match="automatic"):
        trainer.model_input(gray, lab, seed=0)
    trainer.auto = (auto, 0.5)
    x = trainer.model_input(gray, lab, seed=0)
    assert x.shape == (3, 1 + HINT_CHANNELS + AUTO_CHANNELS, 16, 16)
    assert torch.allclose(x[:, -2:], automatic_answer(auto, gray)[1][:, 1:3] * 0.5)
    loss = trainer.step(gray, lab, (lab + 1) / 2)
    assert np.isfinite(loss) and not any(p.grad is not None for p in auto.parameters())


def test_the_no_worse_term_counts_only_photos_below_the_automatic_answer():
    from core.losses import below_automatic_loss

    true = torch.zeros(3, 2, 8, 8)
    auto = torch.full_like(true, 0.1)
    pred = torch.stack([torch.full((2, 8, 8), v) for v in (0.05, 0.1, 0.2)])
    # photo 0 better than the automatic answer, photo 1 as good: no cost; photo 2 worse
    eps = 1e-4
    expected = float(np.log(0.04 + eps) - np.log(0.01 + eps)) / 3
    assert float(below_automatic_loss(pred, auto, true, eps)) == pytest.approx(expected, rel=1e-5)
    assert float(below_automatic_loss(pred[:2], auto[:2], true[:2])) == 0.0
    halved = below_automatic_loss(pred, auto, true, eps, weights=torch.tensor([1.0, 1.0, 0.5]))
    assert float(halved) == pytest.approx(expected / 2, rel=1e-5)


def test_the_no_worse_term_pulls_a_worse_photo_towards_the_automatic_answer():
    from core.hints.planes import AUTO_CHANNELS
    from core.train import Trainer

    torch.manual_seed(4)
    auto = UNet(UNetConfig(width=4, depth=2)).eval()
    model = UNet(UNetConfig(width=4, depth=2, in_channels=1 + HINT_CHANNELS + AUTO_CHANNELS))
    trainer = Trainer(model)
    trainer.auto = (auto, 1.0)
    gray, lab = torch.rand(2, 1, 16, 16), torch.rand(2, 3, 16, 16) * 2 - 1
    x = trainer.model_input(gray, lab, seed=0)
    # a prediction far from every colour: worse than the automatic answer on both photos
    pred = torch.full((2, 3, 16, 16), 0.9, requires_grad=True)
    term = trainer.below_automatic(pred, x, lab)
    # per hint: each sample weighs 1 / max(1, its number of simulated hints)
    assert len(trainer._counts) == 2 and min(trainer._counts) > 1  # seed 0: 2 and 4 hints
    trainer.not_worse_per_hint = True
    per_hint = trainer.below_automatic(pred, x, lab)
    assert 0 < float(per_hint.detach()) < float(term.detach())
    term.backward()
    assert float(term.detach()) > 0 and float(pred.grad[:, 0].abs().sum()) == 0  # (a, b) only
    assert float(pred.grad[:, 1:].mean()) > 0  # lowering a, b towards the truth lowers it
    with pytest.raises(ValueError, match="automatic"):
        Trainer(UNet(UNetConfig(width=4, depth=2, in_channels=1 + HINT_CHANNELS))
                ).below_automatic(pred, x[:, :7], lab)


def test_colorizer_feeds_the_automatic_answer_it_loads_from_the_metadata(tmp_path):
    """``hint_auto`` in a hint model's metadata: from_weights loads that automatic model
    (once, when it is also the gate's fallback) and predict gives the network its answer."""
    from core.colorizer import Colorizer
    from core.hints.planes import AUTO_CHANNELS

    auto, _, h9 = _auto_and_hint_models(tmp_path, gain=0.6)
    # make the automatic planes matter: weight them in the first convolution
    with torch.no_grad():
        h9.inc.block[0].weight[:, -AUTO_CHANNELS:] = 0.5
    save_model(h9, tmp_path / "h9", metadata={
        "working_size": 48, "hint_auto": "auto",
        "hint_locality": {"radius": 0.2, "edge": 1.0, "fallback": "auto"}})
    c = Colorizer.from_weights(tmp_path / "h9", device="cpu", hint_locality=None)
    assert c.takes_automatic and c.hint_auto is not None and c.hint_auto.chroma_gain == 0.6
    gated = Colorizer.from_weights(tmp_path / "h9", device="cpu")
    assert gated.hint_fallback is gated.hint_auto
    img = (np.random.default_rng(0).random((48, 64, 3)) * 255).astype(np.uint8)
    hints = [Hint(20, 20, (200, 30, 30))]
    got = c.predict(img, hints=hints)
    # the same network given zero automatic planes answers otherwise: the planes are used
    x = torch.from_numpy(got.gray_small)[None, None]
    planes = hint_input(hints, (48, 64), got.gray_small.shape)
    with torch.no_grad():
        auto_ab = auto(x)[:, 1:3] * 0.6
        want = h9(torch.cat([x, planes, auto_ab], 1))[0].permute(1, 2, 0).numpy()
        blind = h9(torch.cat([x, planes, 0 * auto_ab], 1))[0].permute(1, 2, 0).numpy()
    np.testing.assert_allclose(got.unit_lab, want, atol=1e-5)
    assert np.abs(blind - want).max() > 1e-3
    with pytest.raises(ValueError, match="automatic"):
        Colorizer(h9, device="cpu", working_size=48).predict(img)
