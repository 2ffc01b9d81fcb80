"""core/data.py: photo folders, the fixed validation split, the grey filter, source balance,
augmented pairs and the reproducible batch sampler."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from skimage.color import rgb2lab

from core import data as D
from core.color import lab_to_unit, ntsc_gray


def _save(path: Path, rgb: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rgb).save(path)
    return path


def _colourful(seed: int = 0, shape=(48, 64)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (*shape, 3), dtype=np.uint8)


def test_list_images_names_the_source_by_first_folder(tmp_path):
    _save(tmp_path / "coco" / "a.jpg", _colourful())
    _save(tmp_path / "coco" / "sub" / "b.PNG", _colourful())
    _save(tmp_path / "top.png", _colourful())
    (tmp_path / "coco" / "notes.txt").write_text("not an image")
    single = _save(tmp_path / "other" / "c.png", _colourful())
    items = D.list_images([tmp_path, single])
    got = {(p.relative_to(tmp_path).as_posix(), s) for p, s in items}
    assert got == {("coco/a.jpg", "coco"), ("coco/sub/b.PNG", "coco"),
                   ("other/c.png", "other"), ("top.png", tmp_path.name),
                   ("other/c.png", "other")}
    assert len(items) == 5  # the file given directly is listed again, as given


def test_split_uses_val_folders_else_a_stable_hash():
    named = [(Path(f"/d/flickr/{'val' if i < 3 else 'train'}/{i}.jpg"), "flickr")
             for i in range(10)]
    hashed = [(Path(f"/d/coco/{i}.jpg"), "coco") for i in range(400)]
    train, val = D.split_train_val(named + hashed, val_fraction=0.05, val_per_source=100)
    val_flickr = [p for p, s in val if s == "flickr"]
    assert sorted(p.name for p in val_flickr) == ["0.jpg", "1.jpg", "2.jpg"]
    n_coco = sum(s == "coco" for _, s in val)
    assert 5 <= n_coco <= 40  # about 5 % of 400, by hash
    assert not {p for p, _ in train} & {p for p, _ in val}
    assert len(train) + len(val) == len(named) + len(hashed)
    # Same input, same split (no randomness), and the cap per source holds.
    assert D.split_train_val(named + hashed) == (train, val)
    _, capped = D.split_train_val(hashed, val_fraction=0.5, val_per_source=7)
    assert len(capped) == 7


def test_filter_colourful_drops_grey_and_unreadable_and_caches(tmp_path):
    colour = _save(tmp_path / "s" / "colour.png", _colourful())
    grey = _save(tmp_path / "s" / "grey.png", np.repeat(_colourful()[..., :1], 3, axis=2))
    broken = tmp_path / "s" / "broken.jpg"
    broken.write_bytes(b"not a jpeg")
    items = [(colour, "s"), (grey, "s"), (broken, "s")]
    cache = tmp_path / "cache" / "chroma.json"
    kept, report = D.filter_colourful(items, cache=cache, workers=1)
    assert kept == [(colour, "s")]
    assert report == {"threshold": D.CHROMA_THRESHOLD, "seen": 3, "kept": 1,
                      "grey_dropped": 1, "unreadable": 1}
    known = json.loads(cache.read_text())
    assert known[str(broken)] == -1.0 and known[str(grey)] < 1.0 < known[str(colour)]
    # A second run reads the cache: a value planted there wins over the file's content.
    cache.write_text(json.dumps({**known, str(grey): 50.0}))
    kept2, _ = D.filter_colourful(items, cache=cache, workers=1)
    assert (grey, "s") in kept2


def test_source_weights_cap_the_largest_source():
    sources = ["big"] * 80 + ["mid"] * 15 + ["small"] * 5
    w = D.source_weights(sources, max_share=0.4)
    share = {s: float(w[[x == s for x in sources]].sum()) for s in ("big", "mid", "small")}
    assert sum(share.values()) == pytest.approx(1.0)
    assert share["big"] == pytest.approx(0.4)
    # The excess goes to the others in proportion (15 : 5), which pushes "mid" over the cap
    # in turn: capped again, its excess goes to "small".
    assert share["mid"] == pytest.approx(0.4) and share["small"] == pytest.approx(0.2)
    # Within a source, every photo weighs the same.
    assert np.allclose(w[:80], w[0])
    # Two sources cannot both stay under 40 %: shares stay proportional.
    two = D.source_weights(["a"] * 3 + ["b"], max_share=0.4)
    assert two[:3].sum() == pytest.approx(0.75)


def test_crops_have_the_asked_size():
    img = Image.fromarray(_colourful(shape=(60, 90)))
    rng = np.random.default_rng(0)
    assert D.random_resized_crop(img, 32, rng).size == (32, 32)
    centre = np.asarray(D.center_crop(img, 60))
    np.testing.assert_array_equal(centre, np.asarray(img)[:, 15:75])


def test_make_pair_is_the_course_input_and_target():
    rgb = _colourful(shape=(40, 40))
    gray, lab, rgb01 = D.make_pair(rgb, 40)  # validation: centre crop, here the whole photo
    assert gray.shape == (1, 40, 40) and lab.shape == (3, 40, 40) and rgb01.shape == (3, 40, 40)
    assert gray.dtype == lab.dtype == rgb01.dtype == np.float32
    np.testing.assert_allclose(rgb01.transpose(1, 2, 0) * 255, rgb, atol=1e-4)
    np.testing.assert_allclose(gray[0], ntsc_gray(rgb), atol=1e-6)
    np.testing.assert_allclose(lab.transpose(1, 2, 0), lab_to_unit(rgb2lab(rgb)), atol=1e-5)
    assert lab.min() >= -1 and lab.max() <= 1


def test_make_pair_augmentation_is_reproducible_and_varies():
    rgb = _colourful(shape=(64, 96))
    a = D.make_pair(rgb, 32, np.random.default_rng(7))
    b = D.make_pair(rgb, 32, np.random.default_rng(7))
    c = D.make_pair(rgb, 32, np.random.default_rng(8))
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert not np.array_equal(a[0], c[0])


def test_photo_folder_and_arrays_give_the_same_pairs(tmp_path):
    rgbs = [_colourful(i) for i in range(3)]
    paths = [_save(tmp_path / f"{i}.png", x) for i, x in enumerate(rgbs)]
    folder, arrays = D.PhotoFolder(paths, 24), D.PhotoArrays(rgbs, 24)
    assert len(folder) == len(arrays) == 3
    for key in [(0, 11), (2, 5), 1]:
        for x, y in zip(folder[key], arrays[key], strict=True):
            assert isinstance(x, torch.Tensor) and torch.equal(x, y)
    val = D.PhotoArrays(rgbs, 24, train=False)
    assert torch.equal(val[(0, 1)][0], val[(0, 2)][0])  # no augmentation: seed ignored


def test_open_photo_applies_exif_orientation(tmp_path):
    rgb = _colourful(shape=(20, 40))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90 degrees: the photo is really 40 high, 20 wide
    path = tmp_path / "rot.jpg"
    Image.fromarray(rgb).save(path, exif=exif)
    assert D.open_photo(path, 64).size == (20, 40)


def test_step_batches_are_a_function_of_seed_step_and_rank():
    w = np.full(10, 0.1)
    s = D.StepBatches(w, batch_size=4, seed=3)
    assert s.batch(5) == D.StepBatches(w, 4, seed=3).batch(5)
    assert s.batch(5) != s.batch(6)
    assert s.batch(5) != D.StepBatches(w, 4, seed=3, rank=1).batch(5)
    it = iter(D.StepBatches(w, 4, seed=3, start_step=5))
    assert next(it) == s.batch(5) and next(it) == s.batch(6)  # --resume continues exactly
    assert all(0 <= i < 10 for i, _ in s.batch(0)) and len({k for _, k in s.batch(0)}) == 4
    only = D.StepBatches(np.array([0.0, 1.0, 0.0]), 8, seed=0)
    assert {i for i, _ in only.batch(0)} == {1}
