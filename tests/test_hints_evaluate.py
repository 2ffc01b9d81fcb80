"""Hint evaluation: the two fills, the table, and ``python -m core.evaluate --hints``."""

import json

import numpy as np
import torch
from PIL import Image

from core.colorizer import Colorizer
from core.evaluate import main as evaluate_main
from core.hints import Hint
from core.hints.evaluate import evaluate_hints, fill_rgb, mean_ci, photo_seed
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
    save_model(tiny(7), tmp_path / "hints", metadata={"working_size": 32})
    save_model(tiny(1), tmp_path / "auto", metadata={"working_size": 32})
    code = evaluate_main(["--weights", str(tmp_path / "hints"), "--data", str(tmp_path / "data"),
                          "--hints", "0", "1", "--out", str(tmp_path / "cli"),
                          "--baseline", str(tmp_path / "auto"), "--val-per-source", "3"])
    assert code == 0
    out = json.loads((tmp_path / "cli.json").read_text())
    assert out["counts"] == [0, 1] and out["photos"] >= 1
