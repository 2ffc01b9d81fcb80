"""Colorize many photos from the command line.

    python -m core.colorize photo.jpg old_scans/ --out colorized/ [--weights weights/NAME]
        [--size 256] [--device cpu|cuda] [--hints hints.json]

Every input, colour or grey, is first made grey with the NTSC formula (the model never
sees its colours), then colorized at full resolution by :class:`core.colorizer.Colorizer`
and written as ``OUT/<same stem>.png``, at the size of the input (photos longer than
``core.images.MAX_SIDE`` = 4096 px are first reduced to it). Folders are searched recursively
for images.
A file that cannot be read is named on stderr with the reason and skipped; the others are
still done.

``--hints FILE.json`` gives colour hints (:mod:`core.hints.file`: a photo's file name ->
``[[x, y, "#rrggbb"], ...]`` in pixels of the original photo, origin top-left); photos not in
the file get none. The default weights are then the hints model ``weights/hints`` (the
shipped automatic model, without hints, when it is missing). A photo with a bad point is
skipped with a message naming the file and the point; the others are still done.

Exit codes: 0 all done, 1 some inputs failed, 2 nothing could start (no usable weights,
device or hint file, no image in the inputs, no output folder).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from core.colorizer import DEFAULT_WEIGHTS, Colorizer
from core.hints.file import HintFileError, photo_hints, read_hint_file, unused_names
from core.hints.planes import scale_hints
from core.i18n import t
from core.images import ImageError, load_image, oriented_size

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".gif"}
#: The hints model, default weights with --hints.
HINTS_WEIGHTS = DEFAULT_WEIGHTS.with_name("hints")
EXIT_OK, EXIT_FAILED, EXIT_CANNOT_START = 0, 1, 2


def expand_inputs(inputs: Iterable[str | Path]) -> list[Path]:
    """Files as given (any suffix: a bad one is reported later) and images inside folders.

    Folders are walked recursively, in sorted order, keeping files with an image suffix.
    Duplicates are dropped, the order of first appearance is kept.
    """
    out: list[Path] = []
    seen: set[Path] = set()
    for item in map(Path, inputs):
        if item.is_dir():
            found = sorted(p for p in item.rglob("*")
                           if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
        else:
            found = [item]
        for p in found:
            key = p.resolve()
            if key not in seen:
                seen.add(key)
                out.append(p)
    return out


def output_names(paths: Sequence[Path]) -> list[str]:
    """``<stem>.png`` for each input; clashing stems (a.jpg and b/a.png) get ``_2``, ``_3``."""
    used: dict[str, int] = {}
    names = []
    for p in paths:
        stem = p.stem or "image"
        n = used.get(stem.lower(), 0) + 1
        used[stem.lower()] = n
        names.append(f"{stem}.png" if n == 1 else f"{stem}_{n}.png")
    return names


def colorize_file(colorizer: Colorizer, src: Path, dst: Path,
                  hints: dict[str, list] | None = None, hints_name: str = "hints"
                  ) -> tuple[int, int]:
    """Colorize one file into ``dst`` (PNG); returns the (height, width) written.

    ``hints``: :func:`core.hints.file.read_hint_file`'s entries (this photo's are used).
    Raises :class:`core.images.ImageError` (unreadable image), :class:`HintFileError`
    (a bad point for this photo) or ``OSError`` (I/O).
    """
    rgb = load_image(src)
    points: tuple = ()
    if hints:
        # checked against the original photo (what the user pointed at), then moved onto
        # the loaded one (photos over MAX_SIDE are reduced)
        original = oriented_size(src)
        points = scale_hints(photo_hints(hints, src, original, hints_name), original,
                             rgb.shape[:2])
    result = colorizer.colorize(rgb, hints=points)
    Image.fromarray(np.ascontiguousarray(result.rgb)).save(dst, format="PNG")
    return result.rgb.shape[:2]


def image_error_sentence(err: ImageError) -> str:
    """The English sentence of an unreadable image, its key kept for scripts."""
    detail = f" ({err.detail})" if err.detail else ""
    return f"{t(f'errors.{err.key}', 'en', detail=err.detail)}{detail} [{err.key}]"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m core.colorize",
        description="Colorize photos (colour or grey) at full resolution with a trained U-Net.")
    p.add_argument("inputs", nargs="+", help="image files and/or folders (searched recursively)")
    p.add_argument("--out", required=True, help="output folder (created if needed)")
    p.add_argument("--weights", default=None,
                   help="weights/NAME (NAME.safetensors + NAME.json); default: the shipped "
                        "model, or weights/hints with --hints")
    p.add_argument("--size", type=int, default=None,
                   help="working size: short side at which the model runs (default: the "
                        "weights' calibrated one, else 256)")
    p.add_argument("--device", default=None, help="cpu, cuda, cuda:1 ... (default: cuda if present)")
    p.add_argument("--hints", default=None, metavar="FILE.json",
                   help='colour hints: {"photo.jpg": [[x, y, "#rrggbb"], ...]}, x and y in '
                        "pixels of the original photo, origin top-left")
    return p.parse_args(argv)


def pick_weights(args: argparse.Namespace) -> tuple[str, str | None]:
    """(weights, note): --weights, else weights/hints with --hints when it exists, else the
    shipped model (with a note saying the hints will not be used)."""
    if args.weights:
        return args.weights, None
    if args.hints is None:
        return str(DEFAULT_WEIGHTS), None
    if HINTS_WEIGHTS.with_suffix(".safetensors").is_file():
        return str(HINTS_WEIGHTS), None
    return str(DEFAULT_WEIGHTS), (
        f"note: no hints model ({HINTS_WEIGHTS}.safetensors is missing): colorizing with "
        "the shipped automatic model, WITHOUT the hints. Pass --weights weights/NAME of a "
        "hints model to use them.")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (see the module docstring)."""
    from tqdm import tqdm

    from core.weights import WeightsError

    args = parse_args(argv)
    if args.size is not None and args.size < 8:
        print(f"error: --size must be at least 8, got {args.size}", file=sys.stderr)
        return EXIT_CANNOT_START
    hints = None
    if args.hints is not None:
        try:
            hints = read_hint_file(args.hints)
        except HintFileError as e:
            print(f"error: {e}", file=sys.stderr)
            return EXIT_CANNOT_START
    weights, note = pick_weights(args)
    if note:
        print(note, file=sys.stderr)
    try:
        sized = {"working_size": args.size} if args.size is not None else {}
        colorizer = Colorizer.from_weights(weights, device=args.device, **sized)
    except WeightsError as e:
        print(f"error: cannot load the weights {weights!r}: {e}\n"
              "Train a model first (python -m core.train --data DIR --out weights/NAME) "
              "or pass --weights weights/NAME.", file=sys.stderr)
        return EXIT_CANNOT_START
    except (RuntimeError, AssertionError) as e:  # e.g. --device cuda without a GPU
        print(f"error: cannot use the device {args.device!r}: {e}", file=sys.stderr)
        return EXIT_CANNOT_START
    if hints is not None and colorizer.in_channels == 1:
        if not note:  # the user chose these weights: they cannot take hints
            print(f"error: the model {weights!r} takes no colour hints; use a hints model "
                  f"(e.g. --weights {HINTS_WEIGHTS}) or drop --hints", file=sys.stderr)
            return EXIT_CANNOT_START
        hints = None
    files = expand_inputs(args.inputs)
    if not files:
        print("error: no image found in the inputs", file=sys.stderr)
        return EXIT_CANNOT_START
    for name in unused_names(hints or {}, files):
        print(f"warning: {args.hints}: no photo named {name!r} among the inputs",
              file=sys.stderr)
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:  # --out names a file, or no permission
        print(f"error: cannot create the output folder {out}: {e}", file=sys.stderr)
        return EXIT_CANNOT_START
    failed: list[tuple[Path, str]] = []
    bar = tqdm(list(zip(files, output_names(files), strict=True)), unit="photo",
               disable=len(files) < 3, file=sys.stderr, dynamic_ncols=True)
    for src, name in bar:
        try:
            colorize_file(colorizer, src, out / name, hints, str(args.hints))
        except ImageError as e:
            failed.append((src, image_error_sentence(e)))
        except HintFileError as e:
            failed.append((src, str(e)))
        except OSError as e:  # missing file, unreadable folder, full disk...
            failed.append((src, e.strerror or str(e)))
        else:
            continue
        tqdm.write(f"skipped {src}: {failed[-1][1]}", file=sys.stderr)
    done = len(files) - len(failed)
    print(f"{done} of {len(files)} photo(s) colorized into {out}"
          + (f"; {len(failed)} failed: " + ", ".join(str(p) for p, _ in failed) if failed else ""),
          file=sys.stderr)
    return EXIT_FAILED if failed else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
