"""The batch colorize command line: python -m core.colorize IN ... --out DIR."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from core.colorize import EXIT_FAILED, EXIT_NO_WEIGHTS, EXIT_OK, expand_inputs, main, output_names
from core.unet import UNet, UNetConfig
from core.weights import save_model


@pytest.fixture(scope="module")
def weights(tmp_path_factory) -> Path:
    torch.manual_seed(0)
    name = tmp_path_factory.mktemp("w") / "tiny"
    save_model(UNet(UNetConfig(width=4, depth=2)), name)
    return name


def _photo(path: Path, h: int, w: int, mode: str = "RGB", seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    arr = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    im = Image.fromarray(arr)
    if mode == "L":
        im = im.convert("L")
    path.parent.mkdir(parents=True, exist_ok=True)
    im.save(path)
    return path


def test_colour_grey_corrupt_and_folder(tmp_path, weights, capsys):
    colour = _photo(tmp_path / "in" / "colour.png", 30, 41)
    grey = _photo(tmp_path / "in" / "grey.jpg", 37, 23, mode="L", seed=1)
    bad = tmp_path / "in" / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 definitely not a JPEG")
    folder = tmp_path / "album"
    nested = _photo(folder / "2024" / "beach.webp", 20, 26, seed=2)
    top = _photo(folder / "street.bmp", 24, 18, seed=3)
    (folder / "notes.txt").write_text("not an image, not picked up from a folder")
    out = tmp_path / "out"

    code = main([str(colour), str(grey), str(bad), str(folder), "--out", str(out),
                 "--weights", str(weights), "--device", "cpu"])

    assert code == EXIT_FAILED  # because of the corrupt file, although the others worked
    err = capsys.readouterr().err
    assert "broken.jpg" in err and "corrupt" in err
    written = sorted(p.name for p in out.iterdir())
    assert written == ["beach.png", "colour.png", "grey.png", "street.png"]
    for src, name in ((colour, "colour"), (grey, "grey"), (nested, "beach"), (top, "street")):
        with Image.open(out / f"{name}.png") as res, Image.open(src) as orig:
            assert res.size == orig.size  # full resolution
            assert res.mode == "RGB"


def test_all_good_exit_zero_and_model_never_sees_colours(tmp_path, weights):
    # the same picture in colour and as its grey version must give the same result
    rgb = np.random.default_rng(4).integers(0, 256, (16, 20, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(tmp_path / "a.png")
    y = np.round(rgb @ np.array([0.299, 0.587, 0.114])).astype(np.uint8)
    Image.fromarray(np.repeat(y[..., None], 3, axis=2)).save(tmp_path / "b.png")
    out = tmp_path / "o"
    assert main([str(tmp_path / "a.png"), str(tmp_path / "b.png"), "--out", str(out),
                 "--weights", str(weights), "--size", "16"]) == EXIT_OK
    a = np.asarray(Image.open(out / "a.png"), dtype=int)
    b = np.asarray(Image.open(out / "b.png"), dtype=int)
    assert np.abs(a - b).max() <= 3  # only the rounding of the grey differs


def test_missing_weights_exit_2(tmp_path, capsys):
    img = _photo(tmp_path / "x.png", 12, 12)
    code = main([str(img), "--out", str(tmp_path / "o"),
                 "--weights", str(tmp_path / "nowhere" / "model")])
    assert code == EXIT_NO_WEIGHTS
    err = capsys.readouterr().err
    assert "cannot load the weights" in err and "missing file" in err
    assert not (tmp_path / "o").exists()


def test_expand_inputs_and_clashing_names(tmp_path):
    a = _photo(tmp_path / "d" / "cat.png", 10, 10)
    b = _photo(tmp_path / "d" / "sub" / "cat.jpg", 10, 10)
    files = expand_inputs([tmp_path / "d", a])  # a given twice: kept once
    assert files == [tmp_path / "d" / "cat.png", tmp_path / "d" / "sub" / "cat.jpg"]
    assert output_names(files) == ["cat.png", "cat_2.png"]
    assert b in files
