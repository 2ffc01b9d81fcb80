"""Training data for free: any colour photo becomes a pair (NTSC grey input, Lab target).

Reads folders of photos (the shared sets or a teacher's own), filters out grey and almost
grey photos by their chroma, keeps a fixed validation split that mixes the sources, and
makes augmented pairs (random resized crop, horizontal flip) in DataLoader worker
processes. Every random choice is derived from (seed, step, sample), so a run is
reproducible and ``--resume`` continues exactly.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps
from skimage.color import rgb2lab

from core.color import lab_to_unit, ntsc_gray

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}

#: Mean chroma sqrt(a^2 + b^2) (Lab units, on a 64 px thumbnail) under which a photo
#: counts as grey or almost grey (black-and-white scans, sepia-free grey scenes) and is
#: left out of training: it would teach the model that grey is a good answer.
CHROMA_THRESHOLD = 4.0


def chroma_cache_path() -> Path:
    """Where :func:`filter_colourful` caches chroma values (shared by training and evaluation)."""
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "colorisation" / "chroma.json"


def _hash01(text: str) -> float:
    """A stable pseudo-random number in [0, 1) from a string (for fixed splits)."""
    return int(hashlib.sha1(text.encode()).hexdigest()[:8], 16) / 16**8


def list_images(roots: Sequence[str | Path]) -> list[tuple[Path, str]]:
    """Every image under the roots, as (path, source); source = the first folder below root."""
    out = []
    for root in map(Path, roots):
        if root.is_file():
            out.append((root, root.parent.name))
            continue
        for p in sorted(root.rglob("*")):
            if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file():
                rel = p.relative_to(root)
                source = rel.parts[0] if len(rel.parts) > 1 else root.name
                out.append((p, source))
    return out


def split_train_val(
    items: list[tuple[Path, str]], val_fraction: float = 0.05, val_per_source: int = 100
) -> tuple[list[tuple[Path, str]], list[tuple[Path, str]]]:
    """Fixed validation split that mixes the sources.

    A photo is a validation candidate when a folder of its path is named ``val`` or
    ``validation`` or, in sources without such a folder, when the hash of its path falls
    in the first ``val_fraction``. Each source keeps at most ``val_per_source`` candidates
    (by hash order); the other candidates are used by neither split.
    """
    by_source: dict[str, list[tuple[Path, str]]] = {}
    for item in items:
        by_source.setdefault(item[1], []).append(item)
    train, val = [], []
    for source, group in by_source.items():
        has_val_dir = any({"val", "validation"} & set(p.parts) for p, _ in group)
        cands, rest = [], []
        for p, s in group:
            key = f"{source}/{p.name}"
            is_val = bool({"val", "validation"} & set(p.parts)) if has_val_dir \
                else _hash01(key) < val_fraction
            (cands if is_val else rest).append((p, s))
        cands.sort(key=lambda it: _hash01(f"{source}/{it[0].name}"))
        val += cands[:val_per_source]
        train += rest
    return train, val


def _chroma_of(path: str) -> float:
    try:
        with Image.open(path) as im:
            im.draft("RGB", (64, 64))
            im = im.convert("RGB")
            im.thumbnail((64, 64))
            lab = rgb2lab(np.asarray(im))
        return float(np.hypot(lab[..., 1], lab[..., 2]).mean())
    except Exception:  # noqa: BLE001 - an unreadable photo is simply left out
        return -1.0


def filter_colourful(
    items: list[tuple[Path, str]], threshold: float = CHROMA_THRESHOLD,
    cache: Path | None = None, workers: int | None = None,
) -> tuple[list[tuple[Path, str]], dict]:
    """Drop grey / almost grey (mean chroma < threshold) and unreadable photos.

    Chroma values are cached in a JSON file (path -> chroma) so that later runs start
    at once. Returns the kept items and a small report.
    """
    known: dict[str, float] = {}
    if cache and cache.is_file():
        known = json.loads(cache.read_text())
    todo = [str(p) for p, _ in items if str(p) not in known]
    if todo:
        with ProcessPoolExecutor(workers or os.cpu_count()) as ex:
            for p, c in zip(todo, ex.map(_chroma_of, todo, chunksize=64), strict=True):
                known[p] = c
        if cache:
            cache.parent.mkdir(parents=True, exist_ok=True)
            # Atomic replace: another run (a DDP replica, an evaluation) may read it now.
            tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(known))
            os.replace(tmp, cache)
    kept = [it for it in items if known[str(it[0])] >= threshold]
    report = {
        "threshold": threshold,
        "seen": len(items),
        "kept": len(kept),
        "grey_dropped": sum(0 <= known[str(p)] < threshold for p, _ in items),
        "unreadable": sum(known[str(p)] < 0 for p, _ in items),
    }
    return kept, report


def source_weights(sources: Sequence[str], max_share: float = 0.4) -> np.ndarray:
    """Per-photo sampling weights so that no source exceeds ``max_share`` of the samples.

    Shares start proportional to the number of photos; a source above the cap is cut to
    it and the excess is given to the others in proportion (repeated until stable).
    """
    counts = Counter(sources)
    names = sorted(counts)
    share = np.array([counts[n] for n in names], dtype=np.float64)
    share /= share.sum()
    if len(names) * max_share >= 1.0:
        for _ in range(len(names)):
            over = share > max_share + 1e-12
            if not over.any():
                break
            excess = (share[over] - max_share).sum()
            share[over] = max_share
            free = ~over & (share < max_share)
            share[free] += excess * share[free] / share[free].sum()
    per_photo = {n: share[i] / counts[n] for i, n in enumerate(names)}
    w = np.array([per_photo[s] for s in sources])
    return w / w.sum()


def random_resized_crop(
    img: Image.Image, size: int, rng: np.random.Generator, scale: tuple[float, float] = (0.3, 1.0)
) -> Image.Image:
    """Random crop of 30-100 % of the area, aspect 3/4-4/3, resized to size x size."""
    w, h = img.size
    area = w * h
    for _ in range(10):
        target = area * rng.uniform(*scale)
        aspect = np.exp(rng.uniform(np.log(3 / 4), np.log(4 / 3)))
        cw, ch = int(round(np.sqrt(target * aspect))), int(round(np.sqrt(target / aspect)))
        if 0 < cw <= w and 0 < ch <= h:
            x, y = rng.integers(0, w - cw + 1), rng.integers(0, h - ch + 1)
            return img.resize((size, size), Image.BILINEAR, box=(x, y, x + cw, y + ch),
                              reducing_gap=2.0)
    return center_crop(img, size)


def center_crop(img: Image.Image, size: int) -> Image.Image:
    """Largest centred square, resized to size x size (validation)."""
    w, h = img.size
    s = min(w, h)
    box = ((w - s) // 2, (h - s) // 2, (w - s) // 2 + s, (h - s) // 2 + s)
    return img.resize((size, size), Image.BILINEAR, box=box, reducing_gap=2.0)


def make_pair(
    img: Image.Image | np.ndarray, size: int, rng: np.random.Generator | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One training pair from one colour photo.

    With ``rng``: random resized crop + random horizontal flip (training); without:
    centre crop (validation). Returns (gray (1, S, S) in [0, 1], lab (3, S, S) in [-1, 1],
    rgb (3, S, S) in [0, 1]), all float32.
    """
    if isinstance(img, np.ndarray):
        img = Image.fromarray(img)
    img = img.convert("RGB")
    if rng is not None:
        img = random_resized_crop(img, size, rng)
        if rng.random() < 0.5:
            img = ImageOps.mirror(img)
    else:
        img = center_crop(img, size)
    rgb = np.asarray(img, dtype=np.uint8)
    gray = ntsc_gray(rgb)[None]
    lab = lab_to_unit(rgb2lab(rgb)).transpose(2, 0, 1)
    return gray, np.ascontiguousarray(lab), rgb.transpose(2, 0, 1).astype(np.float32) / 255.0


def open_photo(path: str | Path, size: int) -> Image.Image:
    """Open a training photo; JPEG draft mode decodes at about twice the crop size (fast)."""
    im = Image.open(path)
    im.draft("RGB", (2 * size, 2 * size))
    return ImageOps.exif_transpose(im.convert("RGB"))


class PhotoFolder(torch.utils.data.Dataset):
    """Photos on disk -> pairs. Indexed by (index, sample_seed) so augmentations are exact."""

    def __init__(self, paths: Sequence[str | Path], size: int, train: bool = True):
        self.paths = [str(p) for p in paths]
        self.size = size
        self.train = train

    def __len__(self) -> int:
        return len(self.paths)

    def photo(self, idx: int) -> Image.Image | np.ndarray:
        return open_photo(self.paths[idx], self.size)

    def __getitem__(self, key: int | tuple[int, int]):
        idx, seed = key if isinstance(key, tuple) else (key, 0)
        rng = np.random.default_rng(seed) if self.train else None
        gray, lab, rgb = make_pair(self.photo(idx), self.size, rng)
        return torch.from_numpy(gray), torch.from_numpy(lab), torch.from_numpy(rgb)


class PhotoArrays(PhotoFolder):
    """The same, from photos already in memory (the live-training screen: nothing on disk)."""

    def __init__(self, photos: Sequence[np.ndarray], size: int, train: bool = True):
        super().__init__([""] * len(photos), size, train)
        self.photos = list(photos)

    def photo(self, idx: int) -> Image.Image | np.ndarray:
        return self.photos[idx]


class StepBatches(torch.utils.data.Sampler):
    """Batch sampler: the batch of step k is a pure function of (seed, k, rank).

    Yields lists of (photo index, augmentation seed) for steps start, start+1, ...
    """

    def __init__(self, weights: np.ndarray, batch_size: int, seed: int, start_step: int = 0,
                 rank: int = 0):
        self.weights = torch.as_tensor(weights, dtype=torch.float64)
        self.batch_size = batch_size
        self.seed = seed
        self.start_step = start_step
        self.rank = rank

    def batch(self, step: int) -> list[tuple[int, int]]:
        key = (self.seed * 1_000_003 + step) * 101 + self.rank
        g = torch.Generator().manual_seed(key)
        idx = torch.multinomial(self.weights, self.batch_size, replacement=True, generator=g)
        return [(int(i), key * 1000 + j) for j, i in enumerate(idx)]

    def __iter__(self) -> Iterator[list[tuple[int, int]]]:
        step = self.start_step
        while True:
            yield self.batch(step)
            step += 1
