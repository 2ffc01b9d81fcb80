"""Colour hints from a JSON file, for the command line (``python -m core.colorize --hints``).

The file maps a photo's file name to its hints, each ``[x, y, "#rrggbb"]`` with x, y in
pixels of the original photo (origin top-left, x to the right, y down)::

    {"grandma.jpg": [[120, 80, "#c03020"], [40, 300, "#2050a0"]],
     "street.png": []}

Photos not in the file get no hints. Every problem is a :class:`HintFileError` whose
message names the file, and the photo and point when there is one, so a teacher can fix it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path


class HintFileError(ValueError):
    """A hint file that cannot be used; the message says where and why, in English."""


def read_hint_file(path: str | Path) -> dict[str, list]:
    """The file's raw entries, {photo file name: [point, ...]}.

    Raises :class:`HintFileError` when the file cannot be read, is not JSON, is not an
    object of lists. Points are checked per photo by :func:`photo_hints`.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise HintFileError(f"{path}: cannot read the hint file ({e.strerror or e})") from e
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise HintFileError(f"{path}: not a JSON file ({e})") from e
    if not isinstance(data, dict):
        raise HintFileError(f"{path}: expected an object mapping photo file names to lists "
                            'of [x, y, "#rrggbb"], got a JSON ' + type(data).__name__)
    for name, points in data.items():
        if not isinstance(points, list):
            raise HintFileError(f'{path}: the hints of "{name}" must be a list of '
                                f'[x, y, "#rrggbb"], got {json.dumps(points)[:60]}')
    return data


def photo_hints(entries: dict[str, list], photo: str | Path, size: tuple[int, int],
                source: str | Path = "hints") -> tuple:
    """The :class:`core.hints.Hint` of one photo, checked against its size.

    Parameters
    ----------
    entries : :func:`read_hint_file`'s result.
    photo : the photo's path; its file name is looked up (or the path as written).
    size : (height, width) of the original photo, in pixels.
    source : the hint file's name, for messages.

    Raises
    ------
    HintFileError : a malformed point, an unknown colour, a point outside the photo.
    """
    from core.hints.planes import Hint

    photo = Path(photo)
    points = entries.get(photo.name, entries.get(str(photo), []))
    H, W = size
    hints = []
    for i, point in enumerate(points, start=1):
        where = f'{source}: "{photo.name}", point {i} {json.dumps(point)[:60]}'
        if not (isinstance(point, list) and len(point) == 3):
            raise HintFileError(f'{where}: expected [x, y, "#rrggbb"]')
        x, y, colour = point
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                   and math.isfinite(v) for v in (x, y)):
            raise HintFileError(f"{where}: x and y must be numbers (pixels)")
        if not (0 <= x < W and 0 <= y < H):
            raise HintFileError(f"{where}: outside the photo ({W} x {H} pixels: x from 0 to "
                                f"{W - 1}, y from 0 to {H - 1}, origin top-left)")
        try:
            hints.append(Hint.from_hex(x, y, colour))
        except ValueError:
            raise HintFileError(f'{where}: unknown colour {json.dumps(colour)} (expected '
                                '"#rrggbb", e.g. "#c03020")') from None
    return tuple(hints)


def unused_names(entries: dict[str, list], photos: Sequence[str | Path]) -> list[str]:
    """Names in the file that match none of the photos (probably a typo: worth a warning)."""
    known = {Path(p).name for p in photos} | {str(p) for p in photos}
    return [name for name in entries if name not in known]
