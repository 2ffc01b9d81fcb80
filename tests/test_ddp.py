"""Distributed training: torchrun with 2 CPU processes (gloo) keeps the replicas identical."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from core.weights import load_model

ROOT = Path(__file__).resolve().parent.parent


def _photos(root: Path) -> Path:
    rng = np.random.default_rng(1)
    for split, n in (("train", 10), ("val", 2)):
        d = root / "synthetic" / split
        d.mkdir(parents=True)
        for i in range(n):
            small = rng.integers(0, 256, (4, 4, 3), dtype=np.uint8)
            Image.fromarray(small).resize((40, 40), Image.BILINEAR).save(d / f"{i}.png")
    return root


def test_two_replicas_end_identical(tmp_path):
    data = _photos(tmp_path / "photos")
    out = tmp_path / "w" / "ddp"
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "OMP_NUM_THREADS": "1",
           "CUDA_VISIBLE_DEVICES": ""}  # gloo on CPU, even on a GPU machine
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node",
           "2", "-m", "core.train", "--data", str(data), "--out", str(out), "--steps", "4",
           "--size", "32", "--width", "4", "--depth", "2", "--batch", "4", "--workers", "0",
           "--log-every", "1", "--val-per-source", "2", "--save-every-rank"]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]

    rank0, meta = load_model(out)
    rank1, _ = load_model(out.with_name("ddp-rank1"))
    assert meta["world"] == 2 and meta["steps"] == 4
    s0, s1 = rank0.state_dict(), rank1.state_dict()
    assert s0.keys() == s1.keys()
    for k in s0:  # parameters (averaged gradients) and BatchNorm statistics (synced at the end)
        assert torch.equal(s0[k], s1[k]), k
    # and they did learn something: not the initial weights
    torch.manual_seed(0)
    from core.unet import UNet

    init = UNet(rank0.config).state_dict()
    assert not torch.equal(init["inc.block.0.weight"], s0["inc.block.0.weight"])
    # each step's images/s counts both replicas' batches
    rows = [json.loads(x) for x in out.with_suffix(".log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows if "train_loss" in r] == [1, 2, 3, 4]
