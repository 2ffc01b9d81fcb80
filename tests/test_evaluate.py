"""Evaluation on the validation split: metrics JSON, grid, markdown table."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from core.color import grey_rgb
from core.data import split_train_val
from core.evaluate import (
    interleave_sources,
    main,
    metrics_markdown,
    validation_items,
)
from core.metrics import colourfulness, psnr
from core.unet import UNet, UNetConfig
from core.weights import save_model


def _photos(root: Path) -> Path:
    rng = np.random.default_rng(2)
    for source, split, n in (("alpha", "train", 4), ("alpha", "val", 3), ("beta", "val", 2),
                             ("beta", "train", 3)):
        d = root / source / split
        d.mkdir(parents=True, exist_ok=True)
        for i in range(n):
            small = rng.integers(0, 256, (3, 3, 3), dtype=np.uint8)
            Image.fromarray(small).resize((36 + 4 * i, 30), Image.BILINEAR).save(
                d / f"{source}_{split}{i}.png")
    return root


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = _photos(tmp_path_factory.mktemp("photos"))
    torch.manual_seed(0)
    w = tmp_path_factory.mktemp("w") / "tiny"
    save_model(UNet(UNetConfig(width=4, depth=2)), w)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
        yield root, w


def test_validation_split_is_trainings(setup):
    root, _ = setup
    val = validation_items([root])
    names = sorted(p.name for p, _ in val)
    assert names == sorted(p.name for p in root.glob("*/val/*.png"))  # the val folders
    from core.data import list_images

    assert sorted(p.name for p, _ in split_train_val(list_images([root]))[1]) == names


def test_interleave_mixes_sources():
    items = [(Path("a1"), "A"), (Path("a2"), "A"), (Path("a3"), "A"), (Path("b1"), "B")]
    assert [p.name for p, _ in interleave_sources(items)] == ["a1", "b1", "a2", "a3"]


def test_grey_baseline():
    rgb = np.random.default_rng(0).integers(0, 256, (20, 20, 3), dtype=np.uint8)
    g = grey_rgb(rgb)
    assert g.shape == rgb.shape and (g[..., 0] == g[..., 2]).all()
    assert colourfulness(g) == pytest.approx(0.0, abs=1e-9)
    assert np.array_equal(grey_rgb(g), g)  # a grey photo is its own baseline
    assert psnr(g, rgb) < 40


def test_cli_json_grid_markdown(setup, tmp_path, capsys):
    root, w = setup
    out = tmp_path / "docs" / "eval"
    assert main(["--weights", str(w), "--data", str(root), "--out", str(out), "--limit", "4",
                 "--markdown", "--device", "cpu"]) == 0
    result = json.loads(out.with_suffix(".json").read_text())
    o = result["overall"]
    assert o["photos"] == 4 and set(result["per_source"]) == {"alpha", "beta"}
    assert [r["source"] for r in result["photos"]] == ["alpha", "beta", "alpha", "beta"]
    assert o["grey"]["colourfulness"] == pytest.approx(0.0, abs=1e-6)
    assert o["truth"]["colourfulness"] > 5
    assert 0 < o["model"]["ssim"] <= 1 and 0 < o["model"]["psnr"] < 60
    assert 0.0 <= o["beats_grey"] <= 1.0
    assert result["model"]["width"] == 4 and result["working_size"] == 256
    assert len(result["grid"]) == 4
    with Image.open(out.with_suffix(".png")) as grid:
        assert grid.width > 3 * 200 and grid.height > 4 * 150  # 3 columns, 4 rows
    md = capsys.readouterr().out
    assert "| **all** | 4 |" in md and "| alpha | 2 |" in md
    assert md == metrics_markdown(result) + "\n"
    # the card's table can be re-rendered from the JSON alone
    assert main(["--from-json", str(out.with_suffix(".json"))]) == 0
    assert capsys.readouterr().out == md


def test_missing_weights(setup, tmp_path):
    root, _ = setup
    assert main(["--weights", str(tmp_path / "none"), "--data", str(root)]) == 2


def test_calibrate_grid_rule_and_write(setup, tmp_path, capsys):
    """``python -m core.evaluate calibrate``: the grid over sizes x gains on training
    photos, the rule, and --write storing it in the weights' JSON (the shipped calibration
    was made by this command: see weights/MODEL_CARD.md)."""
    import shutil

    from core.calibrate import calibration_grid, choose

    root, w = setup
    mine = tmp_path / "tiny"
    for suffix in (".safetensors", ".json"):
        shutil.copy(w.with_suffix(suffix), mine.with_suffix(suffix))
    args = ["calibrate", "--weights", str(mine), "--data", str(root), "--photos", "3",
            "--sizes", "8", "16", "--gains", "0.5", "1.0", "--min-ratio", "0.0", "--device", "cpu"]
    assert main(args + ["--write"]) == 0
    printed = json.loads(capsys.readouterr().out)
    meta = json.loads(mine.with_suffix(".json").read_text())["metadata"]
    assert meta["calibration"] == printed
    assert set(printed["grid"]) == {"8/0.5", "8/1.0", "16/0.5", "16/1.0"}
    assert printed["photos"] == 3 and "training photos" in printed["rule"]
    best = max(printed["grid"], key=lambda k: printed["grid"][k]["psnr"])
    assert (meta["working_size"], meta["chroma_gain"]) == tuple(
        t(v) for t, v in zip((int, float), best.split("/"), strict=True))
    # more gain = more colour; a ratio nobody reaches is refused
    g = printed["grid"]
    assert g["16/1.0"]["colourfulness_ratio"] > g["16/0.5"]["colourfulness_ratio"]
    with pytest.raises(ValueError, match="reaches"):
        choose({"grid": {"8/0.5": {"psnr": 20.0, "colourfulness_ratio": 0.1}}}, 0.5)
    # the gain is rendered on the model's raw output: a colorizer's own gain is ignored
    from core.colorizer import Colorizer
    from core.weights import load_model

    model, _ = load_model(mine)
    rgb = [np.asarray(Image.open(p).convert("RGB")) for p in sorted(root.glob("alpha/train/*"))]
    a = calibration_grid(Colorizer(model, device="cpu", chroma_gain=0.3), rgb, [8], [1.0])
    b = calibration_grid(Colorizer(model, device="cpu"), rgb, [8], [1.0])
    assert a == b
