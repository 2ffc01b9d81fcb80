"""Tiny hint models saved as weights, with a tiny automatic model beside them (tests of the
gate's terms through :class:`core.colorizer.Colorizer`)."""

from __future__ import annotations

from pathlib import Path

import torch

from core.hints import HINT_CHANNELS
from core.unet import UNet, UNetConfig
from core.weights import save_model

#: The gate every toy hint model gets, falling back to the toy automatic model "auto".
GATE = {"radius": 0.02, "edge": 3.0, "fallback": "auto"}


def save_toy_hint_models(folder: Path, **variants: dict) -> None:
    """Save ``folder/auto`` (a tiny automatic model), ``folder/plain`` (a tiny hint model with
    :data:`GATE`) and, for each ``name=extra``, the same hint model as ``folder/name`` with
    ``GATE`` updated by ``extra`` (working size 48 for all; seeded, so the same each call)."""
    torch.manual_seed(1)
    auto = UNet(UNetConfig(width=4, depth=2)).eval()
    save_model(auto, folder / "auto", metadata={"working_size": 48})
    torch.manual_seed(0)
    model = UNet(UNetConfig(width=4, depth=2, in_channels=1 + HINT_CHANNELS)).eval()
    for name, extra in {"plain": {}, **variants}.items():
        save_model(model, folder / name,
                   metadata={"working_size": 48, "hint_locality": {**GATE, **extra}})
