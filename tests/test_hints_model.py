"""The shipped hint model (weights/hints) on a synthetic photo with one strong edge."""

import numpy as np

from core.colorizer import DEFAULT_WEIGHTS, Colorizer
from core.hints import Hint

HINTS = DEFAULT_WEIGHTS.with_name("hints")
BLUE, RED, GREEN = (40, 80, 220), (220, 40, 40), (40, 160, 60)


def two_regions() -> np.ndarray:
    """A dark left half and a light right half: one strong vertical edge at x = 96."""
    img = np.full((128, 192, 3), 200, np.uint8)
    img[:, :96] = 60
    return img


def lab(model: Colorizer, img: np.ndarray, hints: list[Hint]) -> np.ndarray:
    return model.render(model.predict(img, hints=hints)).lab


def test_a_hint_on_one_side_changes_that_side_much_more_than_the_other():
    model = Colorizer.from_weights(HINTS, device="cpu")
    assert model.in_channels == 7
    img = two_regions()
    anchor = Hint(20, 64, BLUE)  # the left region's colour
    a = lab(model, img, [anchor, Hint(150, 64, RED)])
    b = lab(model, img, [anchor, Hint(150, 64, GREEN)])
    d = np.hypot(a[..., 1] - b[..., 1], a[..., 2] - b[..., 2])
    right, left = d[:, 102:].mean(), d[:, :90].mean()
    # the right hint's colour covers a patch around it (20 px each way) ...
    around = d[44:85, 130:171].mean()
    assert around > 20, around
    # ... and stays on its side of the edge
    assert right > 2 * left and left < 2, (right, left)


def test_the_hint_colour_reaches_its_point():
    model = Colorizer.from_weights(HINTS, device="cpu")
    img = two_regions()
    hint = Hint(150, 64, GREEN)
    before, after = lab(model, img, []), lab(model, img, [hint])
    target = np.array(hint.unit_ab()) * 110
    d_before = np.hypot(*(before[64, 150, 1:] - target))
    d_after = np.hypot(*(after[64, 150, 1:] - target))
    assert d_after < 0.6 * d_before, (d_after, d_before)


def test_between_two_hints_the_colour_changes_at_the_edge_not_halfway():
    """Blue at x = 10 (left region), red at x = 120 (right region): halfway between them is
    x = 65, inside the left region. Colour must follow the edge at x = 96: the band
    x = 70-90 stays with the blue hint (the weakness of the first hint model, whose fill was
    the nearest hint's colour)."""
    model = Colorizer.from_weights(HINTS, device="cpu")
    assert model.hint_fill == "edges"
    img = two_regions()
    out = lab(model, img, [Hint(10, 64, BLUE), Hint(120, 64, RED)])
    blue = lab(model, img, [Hint(10, 64, BLUE), Hint(120, 64, BLUE)])
    red = lab(model, img, [Hint(10, 64, RED), Hint(120, 64, RED)])
    def dist(x, y, cols):  # mean ab distance over columns ``cols``
        return np.hypot(x[:, cols, 1] - y[:, cols, 1], x[:, cols, 2] - y[:, cols, 2]).mean()

    band, right = slice(70, 91), slice(104, None)
    assert dist(out, blue, band) < 0.5 * dist(out, red, band), (dist(out, blue, band),
                                                               dist(out, red, band))
    assert dist(out, red, right) < 0.5 * dist(out, blue, right)


def moved(model: Colorizer, img: np.ndarray, hints: list[Hint]) -> np.ndarray:
    """(H, W) how far the hints move each pixel's (a, b) from the model's answer without."""
    a, b = lab(model, img, hints), lab(model, img, [])
    return np.hypot(a[..., 1] - b[..., 1], a[..., 2] - b[..., 2])


def test_one_hint_stays_on_its_side_of_the_edge():
    """One blue hint in the dark left region: the shipped model's locality gate keeps the
    light right region as it was without hints; the network alone spreads the blue there."""
    model = Colorizer.from_weights(HINTS, device="cpu")
    assert model.hint_locality is not None
    raw = Colorizer.from_weights(HINTS, device="cpu", hint_locality=None)
    img, hint = two_regions(), [Hint(40, 64, BLUE)]
    gated, spread = moved(model, img, hint), moved(raw, img, hint)
    assert gated[:, 104:].mean() < 1.0 < 10.0 < spread[:, 104:].mean()
    assert gated[64, 40] > 30  # the hint's own place takes its colour
    # no straight boundary across the flat region: the weight falls the same way
    # 20 px above, below and to the left of the hint (it does not stop on a line)
    w = model.predict(img, hints=hint).hint_weight
    r, c = 48, 30  # the hint at (40, 64) of the 128 x 192 photo, on the 96 x 144 grid
    assert abs(w[r - 15, c] - w[r + 15, c]) < 0.05 and abs(w[r - 15, c] - w[r, c - 15]) < 0.05
    assert 0.05 < w[r - 15, c] < 0.95
