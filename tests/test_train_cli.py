"""The training command line: outputs, logs, exact --resume and reproducibility."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import core.train as train_mod
from core.weights import load_model


def make_photos(root: Path, n_train: int = 10, n_val: int = 3, side: int = 48) -> Path:
    """Smooth, colourful synthetic photos in root/synthetic/{train,val}/ (a val folder)."""
    rng = np.random.default_rng(0)
    for split, n in (("train", n_train), ("val", n_val)):
        d = root / "synthetic" / split
        d.mkdir(parents=True, exist_ok=True)
        for i in range(n):
            small = rng.integers(0, 256, (4, 4, 3), dtype=np.uint8)
            img = Image.fromarray(small).resize((side, side + 8 * (i % 3)), Image.BILINEAR)
            img.save(d / f"{split}{i:02d}.png")
    return root


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = make_photos(tmp_path_factory.mktemp("photos"))
    threads = torch.get_num_threads()
    with pytest.MonkeyPatch.context() as mp:
        # the chroma cache of these tmp photos must not go into the user's cache
        mp.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
        # tiny models: one thread is faster, and much faster on a busy machine
        mp.setenv("OMP_NUM_THREADS", "1")
        torch.set_num_threads(1)
        yield root
    torch.set_num_threads(threads)


def args(data: Path, out: Path, *extra: str) -> list[str]:
    return ["--data", str(data), "--out", str(out), "--steps", "6", "--size", "32",
            "--width", "4", "--depth", "2", "--batch", "4", "--workers", "0",
            "--log-every", "2", "--val-every", "3", "--ckpt-every", "3",
            "--val-per-source", "3", *extra]


def state(name: Path) -> dict[str, torch.Tensor]:
    model, _ = load_model(name)
    return model.state_dict()


def same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.fixture(scope="module")
def straight(data, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("a") / "model"
    train_mod.main(args(data, out))
    return out


def test_outputs_and_log(straight):
    for suffix in (".safetensors", ".json", ".ckpt.safetensors", ".ckpt.json", ".log.jsonl"):
        assert straight.with_suffix(suffix).is_file(), suffix
    rows = [json.loads(line) for line in straight.with_suffix(".log.jsonl").read_text().splitlines()]
    train_rows = [r for r in rows if "train_loss" in r]
    val_rows = [r for r in rows if "val_loss" in r]
    assert [r["step"] for r in train_rows] == [2, 4, 6]
    assert {3, 6} <= {r["step"] for r in val_rows}
    assert all(np.isfinite(r["val_loss"]) and r["grey_loss"] > 0 for r in val_rows)
    meta = json.loads(straight.with_suffix(".json").read_text())
    assert meta["config"]["width"] == 4 and meta["config"]["depth"] == 2
    assert meta["metadata"]["steps"] == 6 and meta["metadata"]["val_photos"] == 3
    assert json.loads(straight.with_suffix(".ckpt.json").read_text())["step"] == 6


def test_resume_continues_exactly(data, straight, tmp_path, monkeypatch):
    out = tmp_path / "model"
    real_step = train_mod.Trainer.step
    calls = {"n": 0}

    def interrupted(self, *a):
        calls["n"] += 1
        if calls["n"] == 4:  # after the checkpoint of step 3: as if Ctrl+C
            raise KeyboardInterrupt
        return real_step(self, *a)

    monkeypatch.setattr(train_mod.Trainer, "step", interrupted)
    with pytest.raises(KeyboardInterrupt):
        train_mod.main(args(data, out))
    assert json.loads(out.with_suffix(".ckpt.json").read_text())["step"] == 3
    assert not out.with_suffix(".safetensors").exists()
    monkeypatch.setattr(train_mod.Trainer, "step", real_step)

    train_mod.main(args(data, out, "--resume"))
    assert same(state(out), state(straight))  # 3 + 3 steps == 6 steps, bit for bit
    steps = [json.loads(line)["step"] for line in out.with_suffix(".log.jsonl").read_text()
             .splitlines() if "train_loss" in line]
    assert steps == [2, 4, 6]  # the log goes on where it stopped


def test_same_seed_same_weights(data, straight, tmp_path):
    again, other = tmp_path / "again", tmp_path / "other"
    train_mod.main(args(data, again))
    train_mod.main(args(data, other, "--seed", "1"))
    assert same(state(again), state(straight))
    assert not same(state(other), state(straight))


def test_a_hint_model_trains_with_the_automatic_answer_as_input(data, straight, tmp_path):
    from core.hints.planes import AUTO_CHANNELS, HINT_CHANNELS

    out = tmp_path / "guided"
    train_mod.main(args(data, out, "--hints", "--auto", str(straight), "--init", str(straight),
                        "--hint-p", "0.5", "--not-worse", "0.1", "--not-worse-per-hint"))
    model, meta = load_model(out)
    assert model.config.in_channels == 1 + HINT_CHANNELS + AUTO_CHANNELS
    assert meta["hint_auto"] == straight.name and meta["train"]["hint_p"] == 0.5
    assert meta["train"]["not_worse"] == 0.1 and meta["train"]["not_worse_per_hint"]
    with pytest.raises(SystemExit, match="auto"):  # nothing to compare with
        train_mod.main(args(data, tmp_path / "alone", "--hints", "--not-worse", "0.1"))
    with pytest.raises(SystemExit, match="automatic"):  # a hint model is no automatic answer
        train_mod.main(args(data, tmp_path / "bad", "--hints", "--auto", str(out)))
