"""Save and load models as ``NAME.safetensors`` (tensors) + ``NAME.json`` (config, metadata).

No pickle anywhere: safetensors holds only raw tensors and JSON holds the rest, so a
weights file from a stranger (a student's upload) cannot run code when loaded.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load, save

from core.unet import UNet, UNetConfig


class WeightsError(ValueError):
    """A weights file is missing, corrupt, or does not match its config."""


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
