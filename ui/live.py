"""The live view's browser component (ui/live_view/): the camera, onnxruntime-web and the
exported model run in the student's browser; this module only passes it the controls and
returns a frozen frame.

A plain-JavaScript Streamlit component (no build step): ``index.html`` and ``live.js``
speak Streamlit's component messages themselves.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import streamlit.components.v1 as components

from core.images import ImageError, load_image

FOLDER = Path(__file__).resolve().parent / "live_view"
MODEL = FOLDER / "model" / "live.onnx"
_component = components.declare_component("live_view", path=str(FOLDER))


def model_info() -> dict | None:
    """What the exported model says about itself (working size, weights' digest), or None
    when the file is missing."""
    meta = MODEL.with_suffix(".json")
    if not (MODEL.is_file() and meta.is_file()):
        return None
    return json.loads(meta.read_text())


def live_view(texts: dict[str, str], hint: tuple[float, float, float], saturation: float,
              model_l: bool, info: dict, key: str) -> dict | None:
    """Draw the live view; returns {"frame": data URL, "at": ms} after a freeze, else None."""
    return _component(texts=texts, hint=[float(v) for v in hint], saturation=float(saturation),
                      model_l=bool(model_l), working_size=int(info["working_size"]),
                      multiple=int(info["multiple"]), autostart=False, key=key, default=None)


def frozen_frame(value: dict | None) -> tuple[object, object]:
    """The frozen frame of a component value as an RGB array: (rgb, None), or (None, the
    ImageError) when it cannot be read, or (None, None) when there is none."""
    if not value or not isinstance(value, dict) or not isinstance(value.get("frame"), str):
        return None, None
    data = value["frame"].split(",", 1)[-1]
    try:
        return load_image(base64.b64decode(data, validate=True)), None
    except ImageError as error:
        return None, error
    except ValueError:  # not base64
        return None, ImageError("corrupt")
