"""Live video (core.live_video, ui/live_view): the exported computation is the app's own
(the one inference path, the same hint planes), the shipped files match the weights, and
the frozen frame becomes the student's photo."""

from __future__ import annotations

import base64
import hashlib
import io
import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from core.colorizer import DEFAULT_WEIGHTS, Colorizer
from core.hints.planes import Hint, hint_input
from core.live_video.export import live_module, weights_digest
from core.live_video.graph import centre_hint_planes, live_shape
from core.samples import load_sample
from core.weights import load_model
from ui.live import FOLDER, MODEL, frozen_frame, model_info

HINTS = DEFAULT_WEIGHTS.with_name("hints")


def frame(h: int = 240, w: int = 320) -> np.ndarray:
    return np.asarray(Image.fromarray(load_sample("astronaut")).resize((w, h)))


def as_input(rgb: np.ndarray, shape: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor]:
    t = torch.from_numpy(np.ascontiguousarray(rgb).copy()).permute(2, 0, 1)[None].float() / 255.0
    return t, F.interpolate(t, size=shape, mode="area")


def test_live_shape_keeps_the_short_side_and_the_multiple():
    assert live_shape(240, 320, 96, 32) == (96, 128)
    assert live_shape(320, 240, 96, 32) == (128, 96)
    h, w = live_shape(180, 320, 96, 32)  # 16:9
    assert h % 32 == 0 and w % 32 == 0 and abs(w / h - 16 / 9) < 0.2


def test_the_centre_hint_planes_are_the_apps_hint_planes():
    h, w = 96, 128
    hint = Hint(160.75, 120.75, (200, 40, 30))  # the centre of a 320 x 240 frame
    ours = centre_hint_planes(h, w, torch.tensor([[*hint.unit_ab(), 1.0]]), torch.zeros(1))
    theirs = hint_input([hint], (240, 320), (h, w))
    assert torch.allclose(ours, theirs, atol=1e-6)
    none = centre_hint_planes(h, w, torch.tensor([[0.3, 0.3, 0.0]]), torch.zeros(1))
    assert torch.allclose(none, hint_input([], (240, 320), (h, w)))


@pytest.mark.parametrize("with_hint", [False, True])
def test_a_live_frame_is_what_the_colorizer_gives(with_hint):
    """The browser's computation equals Colorizer.predict + render on the same frame."""
    live, info = live_module(HINTS)
    rgb = frame()
    big, small = as_input(rgb, live_shape(240, 320, info["working_size"], info["multiple"]))
    hint = Hint(160.75, 120.75, (40, 90, 200))
    switch = torch.tensor([[*hint.unit_ab(), 1.0 if with_hint else 0.0]])
    with torch.no_grad():
        colour, grey = live(big, small, switch, torch.tensor([[1.3, 0.0]]))
    unet, meta = load_model(HINTS)
    # the app's path, without any post-processing the live graph does not have
    app = Colorizer(unet, device="cpu", working_size=info["working_size"],
                    hint_fill=meta.get("hint_fill", "nearest"))
    ref = app.render(app.predict(rgb, hints=[hint] if with_hint else []), saturation=1.3)
    ours = np.round(colour[0].permute(1, 2, 0).numpy() * 255)
    assert np.abs(ours - ref.rgb.astype(float)).max() <= 2
    assert np.abs(grey[0, 0].numpy() - ref.gray).max() < 1e-5
    if with_hint:  # and the hint did something: bluer around the centre than without it
        with torch.no_grad():
            plain, _ = live(big, small, switch * torch.tensor([[1.0, 1.0, 0.0]]),
                            torch.tensor([[1.3, 0.0]]))
        centre = (slice(None), slice(100, 140), slice(140, 180))
        assert (colour[0, 2][centre[1:]] - plain[0, 2][centre[1:]]).mean() > 0.02


def test_the_shipped_onnx_file_matches_the_shipped_weights():
    info = model_info()
    assert info is not None and MODEL.is_file()
    assert info["weights_sha256"] == weights_digest(HINTS), (
        "weights/hints changed: export the live model again "
        "(python -m core.live_video.export --out ui/live_view/model/live.onnx)")
    assert MODEL.stat().st_size == info["bytes"]


def test_the_shipped_onnx_file_computes_what_torch_computes():
    import onnxruntime as ort  # requirements-dev.txt

    live, info = live_module(HINTS)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    session = ort.InferenceSession(str(MODEL), opts)
    for h, w in ((240, 320), (320, 240)):
        big, small = as_input(frame(h, w), live_shape(h, w, info["working_size"], info["multiple"]))
        hint = torch.tensor([[0.2, -0.3, 1.0]])
        controls = torch.tensor([[1.0, 1.0]])
        got = session.run(None, {"rgb": big.numpy(), "small": small.numpy(),
                                 "hint": hint.numpy(), "controls": controls.numpy()})
        with torch.no_grad():
            want = live(big, small, hint, controls)
        # float16 storage of the weights: the colours agree to about one level in 255
        assert np.abs(got[0] - want[0].numpy()).max() < 4 / 255
        assert np.abs(got[1] - want[1].numpy()).max() < 1e-6


def test_the_vendored_runtime_is_the_one_its_readme_names():
    readme = (FOLDER / "vendor" / "README.md").read_text()
    for name in ("ort.wasm.min.js", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm"):
        digest = hashlib.sha256((FOLDER / "vendor" / name).read_bytes()).hexdigest()
        assert f"| {name} |" in readme and digest in readme, name


def test_a_frozen_frame_becomes_a_photo_and_bad_data_a_message():
    buf = io.BytesIO()
    Image.fromarray(frame()).save(buf, "JPEG")
    url = "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode()
    rgb, error = frozen_frame({"frame": url, "at": 1})
    assert error is None and rgb.shape == (240, 320, 3)
    for bad, key in (({"frame": "data:image/jpeg;base64,@@@"}, "corrupt"),
                     ({"frame": "data:image/jpeg;base64," + base64.b64encode(b"GIF89a").decode()},
                      "not_an_image")):
        rgb, error = frozen_frame(bad)
        assert rgb is None and error.key in (key, "corrupt", "not_an_image")
    assert frozen_frame(None) == (None, None)
    assert frozen_frame({"at": 3}) == (None, None)
    assert json.loads(MODEL.with_suffix(".json").read_text())["working_size"] == 96
