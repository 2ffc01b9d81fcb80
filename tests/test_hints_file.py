"""Hint files of the command line (core.hints.file): parsing and the messages of bad ones."""

from __future__ import annotations

import json

import pytest

from core.hints import Hint
from core.hints.file import HintFileError, photo_hints, read_hint_file, unused_names
from core.hints.planes import scale_hints


def _file(tmp_path, content) -> str:
    path = tmp_path / "hints.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(path)


def test_good_file_gives_hints_in_photo_pixels(tmp_path):
    entries = read_hint_file(_file(tmp_path, {"cat.jpg": [[0, 0, "#FF8000"], [99.5, 49, "#0a0b0c"]],
                                              "dog.png": []}))
    hints = photo_hints(entries, tmp_path / "album" / "cat.jpg", (50, 100))
    assert hints == (Hint(0.0, 0.0, (255, 128, 0)), Hint(99.5, 49.0, (10, 11, 12)))
    assert photo_hints(entries, "dog.png", (50, 100)) == ()
    assert photo_hints(entries, "bird.png", (50, 100)) == ()  # not in the file: no hints
    assert unused_names(entries, ["x/cat.jpg", "bird.png"]) == ["dog.png"]


@pytest.mark.parametrize("content, message", [
    ("{oops", "hints.json: not a JSON file"),
    ([[1, 2, "#ffffff"]], "expected an object mapping photo file names"),
    ({"a.jpg": "#ffffff"}, 'the hints of "a.jpg" must be a list'),
])
def test_malformed_files_name_the_file(tmp_path, content, message):
    with pytest.raises(HintFileError, match=message):
        read_hint_file(_file(tmp_path, content))
    with pytest.raises(HintFileError, match="cannot read the hint file"):
        read_hint_file(tmp_path / "missing.json")


@pytest.mark.parametrize("point, message", [
    ([3, 4], r'point 2 \[3, 4\]: expected \[x, y, "#rrggbb"\]'),
    (["3", 4, "#ffffff"], "x and y must be numbers"),
    ([True, 4, "#ffffff"], "x and y must be numbers"),
    ([100, 4, "#ffffff"], r"outside the photo \(100 x 50 pixels: x from 0 to 99, y from 0 to 49"),
    ([3, -1, "#ffffff"], "outside the photo"),
    ([3, 4, "red"], r'unknown colour "red" \(expected "#rrggbb"'),
    ([3, 4, "#12345"], "unknown colour"),
])
def test_bad_points_name_the_file_the_photo_and_the_point(tmp_path, point, message):
    entries = read_hint_file(_file(tmp_path, {"a.jpg": [[1, 1, "#000000"], point]}))
    with pytest.raises(HintFileError, match=message) as err:
        photo_hints(entries, "a.jpg", (50, 100), source="hints.json")
    assert str(err.value).startswith('hints.json: "a.jpg", point 2 ')


def test_scale_hints_keeps_the_same_point_of_the_picture():
    h = (Hint(0.0, 0.0, (1, 2, 3)), Hint(199.0, 99.0, (4, 5, 6)))
    moved = scale_hints(h, (100, 200), (50, 100))
    assert moved[0] == Hint(-0.25, -0.25, (1, 2, 3)) and moved[1] == Hint(99.25, 49.25, (4, 5, 6))
    assert scale_hints(h, (100, 200), (100, 200)) == h
