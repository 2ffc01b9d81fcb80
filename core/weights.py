"""Save and load models as ``NAME.safetensors`` (tensors) + ``NAME.json`` (config, metadata).

No pickle anywhere: safetensors holds only raw tensors and JSON holds the rest, so a
weights file from a stranger (a student's upload) cannot run code when loaded.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterable
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load, save

from core.unet import UNet, UNetConfig


class WeightsError(ValueError):
    """A weights file is missing, corrupt, or does not match its config.

    ``reason`` says which, for a translated message: ``"bad_zip"`` (an unreadable archive),
    ``"need_both"`` (the .safetensors or the .json is missing), ``"mismatch"`` (corrupt, or
    the tensors do not match the config).
    """

    def __init__(self, message: str, reason: str = "mismatch"):
        super().__init__(message)
        self.reason = reason


#: Names of the two parts inside a model archive (what :func:`model_zip` writes).
ZIP_NAMES = ("colorizer.safetensors", "colorizer.json")
#: A part bigger than this inside an uploaded archive is ignored (a zip bomb stays closed).
MAX_PART_BYTES = 2**26


def _paths(name: str | Path) -> tuple[Path, Path]:
    p = Path(name)
    if p.suffix in (".safetensors", ".json"):
        p = p.with_suffix("")
    return p.with_suffix(".safetensors"), p.with_suffix(".json")


def model_to_bytes(
    model: UNet, metadata: dict | None = None, half: bool = False
) -> tuple[bytes, bytes]:
    """Serialize a model to (safetensors bytes, JSON bytes), in memory (for downloads)."""
    state = {
        k: (v.detach().half() if half and v.is_floating_point() else v.detach()).cpu().contiguous()
        for k, v in model.state_dict().items()
    }
    config = {"format": "colorisation-unet/1", "config": model.config.to_dict(),
              "metadata": metadata or {}}
    return save(state), json.dumps(config, indent=2, ensure_ascii=False).encode()


def model_from_bytes(tensors: bytes, config_json: bytes | str) -> tuple[UNet, dict]:
    """Rebuild a model from safetensors bytes and its JSON config. Returns (model, metadata).

    Raises :class:`WeightsError` with a clear message when either part is corrupt or they
    do not match (missing, unexpected or wrongly shaped tensors).
    """
    try:
        meta = json.loads(config_json)
        config = UNetConfig.from_dict(meta["config"])
    except (ValueError, KeyError, TypeError) as e:
        raise WeightsError(f"invalid JSON config: {e}") from e
    try:
        state = load(bytes(tensors))
    except (SafetensorError, ValueError, Exception) as e:  # noqa: BLE001 - any decode error
        raise WeightsError(f"corrupt safetensors file: {e}") from e
    model = UNet(config)
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong = sorted(k for k in set(expected) & set(state) if expected[k].shape != state[k].shape)
    if missing or unexpected or wrong:
        raise WeightsError(
            "weights do not match the config: "
            f"{len(missing)} missing (e.g. {missing[:2]}), {len(unexpected)} unexpected "
            f"(e.g. {unexpected[:2]}), {len(wrong)} with another shape (e.g. {wrong[:2]})"
        )
    model.load_state_dict({k: v.to(expected[k].dtype) for k, v in state.items()})
    model.eval()
    return model, meta.get("metadata", {})


def save_model(model: UNet, name: str | Path, metadata: dict | None = None,
               half: bool = False) -> tuple[Path, Path]:
    """Write ``name.safetensors`` and ``name.json``; ``half`` stores float16 (half the size)."""
    st_path, js_path = _paths(name)
    st_path.parent.mkdir(parents=True, exist_ok=True)
    tensors, config = model_to_bytes(model, metadata, half=half)
    st_path.write_bytes(tensors)
    js_path.write_bytes(config)
    return st_path, js_path


def load_model(name: str | Path, device: str | torch.device = "cpu") -> tuple[UNet, dict]:
    """Load ``name.safetensors`` + ``name.json``; returns (model in eval mode, metadata)."""
    st_path, js_path = _paths(name)
    for p in (st_path, js_path):
        if not p.is_file():
            raise WeightsError(f"missing file: {p}")
    model, meta = model_from_bytes(st_path.read_bytes(), js_path.read_bytes())
    return model.to(device), meta


def model_zip(model: UNet, metadata: dict | None = None) -> tuple[bytes, bytes, bytes]:
    """A model as one .zip archive (for a download), plus its two parts.

    Returns ``(zip, safetensors, json)``: the archive holds the two files named
    :data:`ZIP_NAMES`, which :func:`model_from_files` reads back.
    """
    tensors, config = model_to_bytes(model, metadata)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(ZIP_NAMES[0], tensors)
        z.writestr(ZIP_NAMES[1], config)
    return buf.getvalue(), tensors, config


def model_from_files(files: Iterable[tuple[str, bytes]]) -> tuple[UNet, dict]:
    """Rebuild a model from uploaded files: a .zip, or a .safetensors and a .json.

    ``files`` are ``(file name, content)``. Raises :class:`WeightsError` (with its
    ``reason``) for an unreadable archive, a missing part, or parts that do not match.
    """
    parts: dict[str, bytes] = {}
    try:
        for name, data in files:
            lower = name.lower()
            if lower.endswith(".zip"):
                with zipfile.ZipFile(io.BytesIO(data)) as z:
                    for info in z.infolist():
                        ext = info.filename.rsplit(".", 1)[-1].lower()
                        if ext in ("safetensors", "json") and info.file_size < MAX_PART_BYTES:
                            parts[ext] = z.read(info)
            elif lower.endswith((".safetensors", ".json")):
                parts[lower.rsplit(".", 1)[1]] = data
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
        raise WeightsError(f"unreadable archive: {e}", "bad_zip") from e
    if set(parts) != {"safetensors", "json"}:
        raise WeightsError("both a .safetensors and a .json are needed", "need_both")
    return model_from_bytes(parts["safetensors"], parts["json"])
