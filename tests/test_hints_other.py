"""The hint network's answer where it paints another colour than every hint's
(core.hints.locality ``other``)."""

import numpy as np
import pytest
from toy_hint_models import save_toy_hint_models

from core.color import AB_SCALE
from core.hints import Hint
from core.hints.locality import OTHER_RAMP, HintLocality, other_weight


def test_other_weight_ramps_up_away_from_every_hint_s_colour():
    # a row of network colours at 0, 20, 30, 40 and 60 ab from the first hint, along b
    net = np.zeros((1, 5, 2))
    net[0, :, 1] = [0.0, 20.0, 30.0, 40.0, 60.0]
    hint = np.array([[0.0, 0.0]])
    w = other_weight(net, hint, 0.5, 25.0)[0]
    # nothing where the network paints the hint's colour, half a share 5 ab past the
    # threshold, the full share from OTHER_RAMP ab past it
    assert w[0] == w[1] == 0.0
    assert w[2] == pytest.approx(0.5 * 5.0 / OTHER_RAMP)
    assert w[3] == w[4] == pytest.approx(0.5)
    # a second hint of the colour at 60 ab: that pixel is now the hint's colour, no share
    two = other_weight(net, np.array([[0.0, 0.0], [0.0, 60.0]]), 0.5, 25.0)[0]
    assert two[4] == 0.0 and two[2] == w[2]
    assert not other_weight(net, hint, 0.0, 25.0).any()  # off


def test_other_is_read_from_the_metadata_and_checked():
    meta = {"radius": 0.01, "edge": 3.0, "other": 0.5, "other_ab": 15.0}
    loc = HintLocality.from_metadata(meta)
    assert (loc.other, loc.other_ab) == (0.5, 15.0)
    assert HintLocality.from_metadata(loc.to_metadata()) == loc
    old = HintLocality.from_metadata({"radius": 0.01, "edge": 3.0})  # weights before it
    assert old.other == 0.0
    for bad in ({"other": 1.5}, {"other": -0.1}, {"other_ab": 0.0}):
        with pytest.raises(ValueError):
            HintLocality(0.01, 3.0, **bad)


def test_colorizer_shows_the_network_where_it_paints_other_colours_than_the_hint(tmp_path):
    """Far from the hint, outside the gate, the answer is the automatic one without the
    term; with it, a share of the network's answer where that answer is another colour than
    the hint's, and the automatic one where the network paints the hint's colour."""
    from core.colorizer import Colorizer

    save_toy_hint_models(tmp_path, other={"other": 0.5, "other_ab": 1.0})
    plain = Colorizer.from_weights(tmp_path / "plain", device="cpu")
    other = Colorizer.from_weights(tmp_path / "other", device="cpu")
    bare = Colorizer.from_weights(tmp_path / "plain", device="cpu", hint_locality=None)
    img = np.zeros((96, 192, 3), np.uint8)
    img[:, 128:] = 220
    hint = Hint(40, 48, (200, 30, 30))
    base = plain.predict(img)
    assert np.array_equal(other.predict(img).unit_lab, base.unit_lab)  # no hint: untouched
    p, q = other.predict(img, hints=[hint]), plain.predict(img, hints=[hint])
    net = bare.predict(img, hints=[hint]).unit_lab
    far = (slice(None), slice(70, None))  # past the edge, outside the gate
    assert np.abs(q.unit_lab[far] - base.unit_lab[far]).max() < 1e-3
    net_ab = net[..., 1:] * AB_SCALE * other.chroma_gain
    share = other_weight(net_ab, np.array([hint.unit_ab()]) * AB_SCALE, 0.5, 1.0)
    want = base.unit_lab + share[..., None] * (net - base.unit_lab)
    np.testing.assert_allclose(p.unit_lab[far][..., 1:], want[far][..., 1:], atol=1e-4)
    assert share[far].max() > 0.4  # the term did act there
    # the hint's own patch (what the screen outlines) is the gate's, not the share
    np.testing.assert_allclose(p.hint_weight, q.hint_weight)
