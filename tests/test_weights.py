import json

import pytest
import torch

from core.unet import UNet, UNetConfig
from core.weights import WeightsError, load_model, model_from_bytes, model_to_bytes, save_model


def _model(**kw):
    torch.manual_seed(0)
    m = UNet(UNetConfig(width=4, depth=2, **kw))
    m.train()
    m(torch.rand(4, 1, 16, 16))  # move the BatchNorm running statistics away from init
    return m.eval()


def test_save_load_gives_identical_outputs(tmp_path):
    m = _model(output="ab", upsampling="bilinear")
    st, js = save_model(m, tmp_path / "net", metadata={"note": "été"})
    assert st.name == "net.safetensors" and js.name == "net.json"
    assert json.loads(js.read_text())["metadata"]["note"] == "été"
    m2, meta = load_model(tmp_path / "net")
    assert m2.config == m.config and meta["note"] == "été"
    x = torch.rand(1, 1, 33, 21)
    with torch.no_grad():
        assert torch.equal(m(x), m2(x))


def test_half_storage_is_close(tmp_path):
    m = _model()
    save_model(m, tmp_path / "h", half=True)
    assert (tmp_path / "h.safetensors").stat().st_size < 0.6 * len(model_to_bytes(m)[0])
    m2, _ = load_model(tmp_path / "h")
    x = torch.rand(1, 1, 16, 16)
    with torch.no_grad():
        torch.testing.assert_close(m(x), m2(x), atol=2e-2, rtol=0)


def test_corrupt_or_mismatched_files_raise_clear_errors(tmp_path):
    tensors, config = model_to_bytes(_model())
    with pytest.raises(WeightsError, match="corrupt"):
        model_from_bytes(tensors[: len(tensors) // 2], config)
    with pytest.raises(WeightsError, match="corrupt"):
        model_from_bytes(b"\x00" * 100, config)
    with pytest.raises(WeightsError, match="JSON"):
        model_from_bytes(tensors, b"{not json")
    other = json.loads(config)
    other["config"]["width"] = 8
    with pytest.raises(WeightsError, match="do not match"):
        model_from_bytes(tensors, json.dumps(other))
    with pytest.raises(WeightsError, match="missing file"):
        load_model(tmp_path / "nothing")


def test_model_zip_round_trip_and_upload_forms():
    """The download archive, or its two parts uploaded separately, give the same model."""
    from core.weights import model_from_files, model_zip

    m = _model()
    archive, tensors, config = model_zip(m, {"steps": 7})
    x = torch.rand(1, 1, 16, 16)
    for files in ([("run.zip", archive)],
                  [("a.SAFETENSORS", tensors), ("b.json", config)]):
        m2, meta = model_from_files(files)
        assert meta["steps"] == 7
        with torch.no_grad():
            assert torch.equal(m(x), m2(x))


@pytest.mark.parametrize("files, reason", [
    ([("run.zip", b"PK\x03\x04 not really a zip")], "bad_zip"),
    ([("a.json", b"{}")], "need_both"),
    ([("notes.txt", b"hello")], "need_both"),
    ([("a.safetensors", b"\x00" * 16), ("a.json", b'{"config": {}}')], "mismatch"),
])
def test_bad_model_uploads_say_why(files, reason):
    from core.weights import model_from_files

    with pytest.raises(WeightsError) as err:
        model_from_files(files)
    assert err.value.reason == reason
