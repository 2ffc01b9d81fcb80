"""Colorize many photos from the command line.

    python -m core.colorize photo.jpg old_scans/ --out colorized/ [--weights weights/NAME]
        [--size 256] [--device cpu|cuda]

Every input, colour or grey, is first made grey with the NTSC formula (the model never
sees its colours), then colorized at full resolution by :class:`core.colorizer.Colorizer`
and written as ``OUT/<same stem>.png``, at the size of the input (photos longer than
``core.images.MAX_SIDE`` = 4096 px are first reduced to it). Folders are searched recursively
for images.
A file that cannot be read is named on stderr and skipped; the others are still done.

Exit codes: 0 all done, 1 some inputs failed, 2 nothing could start (no usable weights or
device, no image in the inputs, no output folder).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from core.colorizer import DEFAULT_WEIGHTS, Colorizer
from core.images import ImageError, load_image

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".gif"}
EXIT_OK, EXIT_FAILED, EXIT_NO_WEIGHTS = 0, 1, 2


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


def colorize_file(colorizer: Colorizer, src: Path, dst: Path) -> tuple[int, int]:
    """Colorize one file into ``dst`` (PNG); returns the (height, width) written.

    Raises :class:`core.images.ImageError` (unreadable image) or ``OSError`` (I/O).
    """
    rgb = load_image(src)
    result = colorizer.colorize(rgb)
    Image.fromarray(np.ascontiguousarray(result.rgb)).save(dst, format="PNG")
    return result.rgb.shape[:2]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m core.colorize",
        description="Colorize photos (colour or grey) at full resolution with a trained U-Net.")
    p.add_argument("inputs", nargs="+", help="image files and/or folders (searched recursively)")
    p.add_argument("--out", required=True, help="output folder (created if needed)")
    p.add_argument("--weights", default=str(DEFAULT_WEIGHTS),
                   help="weights/NAME (NAME.safetensors + NAME.json); default: the shipped model")
    p.add_argument("--size", type=int, default=None,
                   help="working size: short side at which the model runs (default: the "
                        "weights' calibrated one, else 256)")
    p.add_argument("--device", default=None, help="cpu, cuda, cuda:1 ... (default: cuda if present)")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (see the module docstring)."""
    from tqdm import tqdm

    from core.weights import WeightsError

    args = parse_args(argv)
    if args.size is not None and args.size < 8:
        print(f"error: --size must be at least 8, got {args.size}", file=sys.stderr)
        return EXIT_NO_WEIGHTS
    try:
        sized = {"working_size": args.size} if args.size is not None else {}
        colorizer = Colorizer.from_weights(args.weights, device=args.device, **sized)
    except WeightsError as e:
        print(f"error: cannot load the weights {args.weights!r}: {e}\n"
              "Train a model first (python -m core.train --data DIR --out weights/NAME) "
              "or pass --weights weights/NAME.", file=sys.stderr)
        return EXIT_NO_WEIGHTS
    except (RuntimeError, AssertionError) as e:  # e.g. --device cuda without a GPU
        print(f"error: cannot use the device {args.device!r}: {e}", file=sys.stderr)
        return EXIT_NO_WEIGHTS
    files = expand_inputs(args.inputs)
    if not files:
        print("error: no image found in the inputs", file=sys.stderr)
        return EXIT_NO_WEIGHTS
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:  # --out names a file, or no permission
        print(f"error: cannot create the output folder {out}: {e}", file=sys.stderr)
        return EXIT_NO_WEIGHTS
    failed: list[tuple[Path, str]] = []
    bar = tqdm(list(zip(files, output_names(files), strict=True)), unit="photo",
               disable=len(files) < 3, file=sys.stderr, dynamic_ncols=True)
    for src, name in bar:
        try:
            colorize_file(colorizer, src, out / name)
        except ImageError as e:
            reason = e.key + (f" ({e.detail})" if e.detail else "")
            failed.append((src, reason))
            tqdm.write(f"skipped {src}: {reason}", file=sys.stderr)
        except OSError as e:  # missing file, unreadable folder, full disk...
            failed.append((src, str(e)))
            tqdm.write(f"skipped {src}: {e}", file=sys.stderr)
    done = len(files) - len(failed)
    print(f"{done} of {len(files)} photo(s) colorized into {out}"
          + (f"; {len(failed)} failed: " + ", ".join(str(p) for p, _ in failed) if failed else ""),
          file=sys.stderr)
    return EXIT_FAILED if failed else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
