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
