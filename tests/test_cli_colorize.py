"""The batch colorize command line: python -m core.colorize IN ... --out DIR."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from core.colorize import EXIT_CANNOT_START, EXIT_FAILED, EXIT_OK, expand_inputs, main, output_names
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
    # the reason as a sentence (issue 13), the key kept at the end for scripts
    assert "broken.jpg" in err and "damaged or truncated" in err and "[corrupt]" in err
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
    assert code == EXIT_CANNOT_START
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


@pytest.fixture(scope="module")
def hints_weights(tmp_path_factory) -> Path:
    torch.manual_seed(0)
    name = tmp_path_factory.mktemp("wh") / "hints"
    save_model(UNet(UNetConfig(width=4, depth=2, in_channels=7)), name)
    return name


def test_hints_reach_the_model_and_a_bad_point_skips_only_its_photo(tmp_path, hints_weights,
                                                                      capsys):
    a = _photo(tmp_path / "a.png", 30, 40)
    b = _photo(tmp_path / "b.png", 30, 40, seed=1)
    c = _photo(tmp_path / "c.png", 30, 40, seed=2)
    hints = tmp_path / "h.json"
    hints.write_text(json.dumps({"a.png": [[5, 6, "#ff0000"], [39, 29, "#0000ff"]],
                                 "b.png": [[5, 6, "#00ff00"], [40, 3, "#ff0000"]],
                                 "typo.png": []}))
    out, plain = tmp_path / "out", tmp_path / "plain"
    code = main([str(a), str(b), str(c), "--out", str(out), "--weights", str(hints_weights),
                 "--hints", str(hints)])
    err = capsys.readouterr().err
    assert code == EXIT_FAILED
    assert sorted(p.name for p in out.iterdir()) == ["a.png", "c.png"]  # b skipped, c done
    # the message names the file, the photo and the point
    assert 'h.json: "b.png", point 2 [40, 3, "#ff0000"]: outside the photo (40 x 30' in err
    assert "no photo named 'typo.png'" in err
    assert main([str(a), str(c), "--out", str(plain), "--weights", str(hints_weights)]) == 0
    read = lambda p: np.asarray(Image.open(p), dtype=int)  # noqa: E731
    assert np.abs(read(out / "a.png") - read(plain / "a.png")).max() > 0  # hints used
    assert np.array_equal(read(out / "c.png"), read(plain / "c.png"))  # no hints: as without


def test_bad_hint_files_and_models_without_hints(tmp_path, weights, hints_weights, capsys):
    img = _photo(tmp_path / "x.png", 12, 12)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code = main([str(img), "--out", str(tmp_path / "o"), "--weights", str(hints_weights),
                 "--hints", str(bad)])
    assert code == EXIT_CANNOT_START and "bad.json: not a JSON file" in capsys.readouterr().err
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"x.png": [[1, 1, "#123456"]]}))
    code = main([str(img), "--out", str(tmp_path / "o"), "--weights", str(weights),
                 "--hints", str(good)])
    assert code == EXIT_CANNOT_START and "takes no colour hints" in capsys.readouterr().err


def test_hints_default_to_the_hints_model_and_fall_back_with_a_message(tmp_path, monkeypatch,
                                                                       hints_weights, capsys):
    import core.colorize as cli

    img = _photo(tmp_path / "x.png", 12, 12)
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"x.png": [[1, 1, "#123456"]]}))
    monkeypatch.setattr(cli, "HINTS_WEIGHTS", hints_weights)
    assert cli.pick_weights(cli.parse_args([str(img), "--out", "o", "--hints", str(good)])) == (
        str(hints_weights), None)
    monkeypatch.setattr(cli, "HINTS_WEIGHTS", tmp_path / "missing")
    monkeypatch.setattr(cli, "DEFAULT_WEIGHTS", hints_weights.parent / "none")
    weights, note = cli.pick_weights(cli.parse_args([str(img), "--out", "o", "--hints",
                                                     str(good)]))
    assert weights == str(hints_weights.parent / "none") and "WITHOUT the hints" in note
