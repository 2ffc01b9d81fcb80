"""Same-budget experiments (--quick): results.json, CSV, preview, generated report."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from core.experiments import RUNS, main, reading


def _photos(root: Path) -> Path:
    rng = np.random.default_rng(3)
    for split, n in (("train", 8), ("val", 3)):
        d = root / "synthetic" / split
        d.mkdir(parents=True)
        for i in range(n):
            small = rng.integers(0, 256, (4, 4, 3), dtype=np.uint8)
            Image.fromarray(small).resize((40, 36), Image.BILINEAR).save(d / f"{split}{i}.png")
    return root


def test_quick_experiments(tmp_path, monkeypatch):
    data = _photos(tmp_path / "photos")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        out = tmp_path / "docs" / "experiments"
        assert main(["--data", str(data), "--out", str(out), "--work", str(tmp_path / "work"),
                     "--quick"]) == 0
    finally:
        torch.set_num_threads(threads)

    runs = json.loads((out / "results.json").read_text())
    meta = json.loads((out / "meta.json").read_text())
    assert meta["budget"]["steps"] == 4 and len(meta["eval_photos"]) == 2
    assert [r["name"] for r in runs] == [r.name for r in RUNS]
    by = {r["name"]: r for r in runs}
    # one change per run, everything else equal: the same budget
    assert by["ab"]["settings"]["output"] == "ab" and by["rgb"]["settings"]["output"] == "rgb"
    assert by["no_bound"]["settings"]["bound"] == "none"
    assert {by[n]["settings"]["loss"] for n in ("reference", "l2", "huber")} == {"l1", "l2",
                                                                              "huber"}
    assert by["bilinear"]["settings"]["upsampling"] == "bilinear"
    assert by["no_skips"]["settings"]["skips"] is False
    for r in runs:
        assert {r["settings"][k] for k in ("steps", "size", "seed", "width")} == \
            {runs[0]["settings"][k] for k in ("steps", "size", "seed", "width")}
        assert r["curve"] and {"step", "train_loss", "val_loss"} <= set(r["curve"][0])
        assert any(c["val_loss"] is not None for c in r["curve"])
        m = r["metrics"]
        assert {"psnr", "ssim", "colourfulness", "colourfulness_truth", "grey_psnr"} <= set(m)
        assert m["photos"] == 2 and np.isfinite(m["psnr"])
        assert m["colourfulness_truth"] == runs[0]["metrics"]["colourfulness_truth"]
    # models with the same architecture but another loss really differ
    assert by["l2"]["metrics"]["psnr"] != by["no_skips"]["metrics"]["psnr"]

    rows = list(csv.DictReader((out / "results.csv").open()))
    assert [r["name"] for r in rows] == [r.name for r in RUNS]
    with Image.open(out / "preview.png") as im:
        assert im.width >= 10 * 176  # grey + 8 runs + truth
    assert (out / "curves.png").is_file()
    md = (out.parent / "experiments.md").read_text()
    assert "| reference |" in md and "](experiments/preview.png)" in md
    for q in ("output space", "output bound", "loss", "upsampling", "skip connections"):
        assert f"**{q}**" in md
    assert reading(runs)[-1].startswith("**Overall**")


def test_reading_names_the_winner():
    def run(name, question, label, psnr):
        return {"name": name, "question": question, "label": label,
                "metrics": {"psnr": psnr, "ssim": psnr / 100, "colourfulness": psnr,
                            "colourfulness_truth": 30.0, "grey_psnr": 22.0}}

    lines = reading([run("reference", "all", "ref", 23.0),
                     run("ab", "output space", "ab only", 24.0),
                     run("rgb", "output space", "RGB", 21.0)])
    assert lines[0].startswith("**output space**: ab only wins on PSNR with 24.00 dB")
    assert "clear margin" in lines[0]
    assert "beat grey on average" in lines[-1]
