import itertools

import pytest
import torch

from core.unet import UNet, UNetConfig, count_parameters


@pytest.mark.parametrize("h,w", [(37, 53), (300, 451), (1, 1), (64, 64), (17, 200)])
def test_output_shape_equals_input_shape(h, w):
    torch.manual_seed(0)
    model = UNet(UNetConfig(width=4, depth=3)).eval()
    with torch.no_grad():
        y = model(torch.rand(1, 1, h, w))
    assert y.shape == (1, 3, h, w)


def test_default_follows_the_course():
    m = UNet()
    assert m.config.output == "lab" and m.config.bound == "scaled_sigmoid"
    assert m.config.out_channels == 3
    with torch.no_grad():
        y = m.eval()(torch.rand(2, 1, 40, 40))
    assert y.shape == (2, 3, 40, 40)


def test_every_config_combination_builds_runs_and_bounds():
    for up, skips, out, bound in itertools.product(
        ("transposed", "bilinear", "nearest"), (True, False), ("lab", "ab", "rgb"),
        ("scaled_sigmoid", "none"),
    ):
        cfg = UNetConfig(width=4, depth=2, upsampling=up, skips=skips, output=out, bound=bound)
        m = UNet(cfg)
        # Large weights push raw outputs far outside [-1, 1]: only the bound keeps them in.
        with torch.no_grad():
            m.outc.conv.weight.mul_(100.0)
            y = m(torch.rand(2, 1, 23, 19))
        assert y.shape == (2, cfg.out_channels, 23, 19)
        if bound == "scaled_sigmoid":
            assert y.abs().max() <= 1.0
        else:
            assert y.abs().max() > 1.0


def test_bad_config_is_refused():
    with pytest.raises(ValueError):
        UNetConfig(upsampling="pixelshuffle")
    with pytest.raises(ValueError):
        UNetConfig(output="hsv")


def test_gradients_reach_every_parameter():
    m = UNet(UNetConfig(width=4, depth=3))
    m(torch.rand(2, 1, 32, 32)).pow(2).mean().backward()
    for name, p in m.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_features_and_summary_agree():
    m = UNet(UNetConfig(width=4, depth=3)).eval()
    with torch.no_grad():
        _, feats = m(torch.rand(1, 1, 50, 70), return_features=True)
    rows = m.summary(50, 70)
    assert [r["name"] for r in rows] == ["inc", "down1", "down2", "down3", "up1", "up2", "up3",
                                         "outc", "bound"]
    assert set(feats) == {r["name"] for r in rows}
    for r in rows:
        assert tuple(feats[r["name"]].shape[1:]) == r["out_shape"]
    assert sum(r["params"] for r in rows) == count_parameters(m)
    assert rows[3]["role"] == "bottleneck" and rows[3]["out_shape"][1:] == (7, 9)  # 56x72 / 8


def test_cut_skips_changes_the_output_and_encode_decode_match_forward():
    torch.manual_seed(0)
    m = UNet(UNetConfig(width=4, depth=2)).eval()
    x = torch.rand(1, 1, 32, 32)
    with torch.no_grad():
        y = m(x)
        assert not torch.allclose(y, m(x, cut_skips=True))
        torch.testing.assert_close(m.bound(m.decode(m.encode(x))), y)
