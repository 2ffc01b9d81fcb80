"""Export the live view's computation to ONNX, for the browser (onnxruntime-web).

    python -m core.live_video.export --weights weights/hints --out ui/live_view/model/live.onnx

The file holds :class:`core.live_video.graph.LiveColorizer` for the given weights, its
float weights stored as float16 (half the download for every phone; each is cast back to
float32 once when the browser loads the file, so the computation is float32 as on the
server). Its metadata records the weights' SHA-256, working size and the multiple the
working sides must be (also written beside it as ``live.json``): a test refuses a file that
no longer matches the shipped weights.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from core.live_video.graph import LiveColorizer, live_shape

INPUTS = ("rgb", "small", "hint", "controls")
OUTPUTS = ("colour", "grey")


def weights_digest(weights: str | Path) -> str:
    """SHA-256 of the weights' safetensors file (what the ONNX file was made from)."""
    return hashlib.sha256(Path(weights).with_suffix(".safetensors").read_bytes()).hexdigest()


def live_module(weights: str | Path) -> tuple[LiveColorizer, dict]:
    """The live computation of ``weights`` (float32, eval mode) and its metadata."""
    from core.weights import load_model

    unet, meta = load_model(weights)
    live = LiveColorizer(unet.float(), chroma_gain=float(meta.get("chroma_gain", 1.0)))
    info = {"weights": Path(weights).name, "weights_sha256": weights_digest(weights),
            "working_size": int(meta.get("working_size", 96)),
            "multiple": 2 ** unet.config.depth}
    return live, info


def _half_storage(model) -> None:
    """Store every float32 initializer as float16 followed by a Cast to float32."""
    from onnx import TensorProto, helper, numpy_helper

    graph = model.graph
    casts = []
    for init in list(graph.initializer):
        if init.data_type != TensorProto.FLOAT or np.prod(init.dims) < 64:
            continue  # small constants (shapes, scales) stay exact
        arr = numpy_helper.to_array(init).astype(np.float16)
        name = init.name
        half = numpy_helper.from_array(arr, name + "_f16")
        graph.initializer.remove(init)
        graph.initializer.append(half)
        casts.append(helper.make_node("Cast", [half.name], [name], to=TensorProto.FLOAT,
                                      name=name + "_cast"))
    for node in reversed(casts):
        graph.node.insert(0, node)


def export(weights: str | Path, out: str | Path) -> dict:
    """Write the ONNX file; returns its metadata."""
    import onnx

    live, info = live_module(weights)
    h, w = live_shape(240, 320, info["working_size"], info["multiple"])
    args = (torch.rand(1, 3, 240, 320), torch.rand(1, 3, h, w),
            torch.tensor([[0.2, -0.1, 1.0]]), torch.tensor([[1.0, 0.0]]))
    buf = io.BytesIO()
    torch.onnx.export(live, args, buf, dynamo=False, input_names=list(INPUTS),
                      output_names=list(OUTPUTS), opset_version=17,
                      dynamic_axes={"rgb": {2: "H", 3: "W"}, "small": {2: "h", 3: "w"},
                                    "colour": {2: "H", 3: "W"}, "grey": {2: "H", 3: "W"}})
    model = onnx.load_from_string(buf.getvalue())
    _half_storage(model)
    for k, v in info.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = k, str(v)
    onnx.checker.check_model(model)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(model.SerializeToString())
    info = {**info, "bytes": out.stat().st_size}
    # The same facts beside it, readable without the onnx package (the page reads them).
    out.with_suffix(".json").write_text(json.dumps(info, indent=1) + "\n")
    return info


def read_metadata(path: str | Path) -> dict[str, str]:
    """The metadata an exported file carries (weights, weights_sha256, working_size...)."""
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    return {p.key: p.value for p in model.metadata_props}


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m core.live_video.export",
                                description=__doc__.split("\n")[0])
    p.add_argument("--weights", default="weights/hints", help="a hint model (7 inputs, Lab out)")
    p.add_argument("--out", required=True, help="the .onnx file to write")
    a = p.parse_args(argv)
    print(json.dumps(export(a.weights, a.out)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
