"""Same-budget experiments (--quick): runs per seed, resume, intervals, data files, report."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import core.experiments as ex
from core.experiment_report import verdict_line
from core.experiments import QUICK, RUNS, load_record, main, record_path, save_photos


def synthetic_photos(root: Path, train: int = 8, val: int = 3, size: tuple = (40, 36),
                     seed: int = 3) -> Path:
    """A photo folder of smooth random colour images (train/ and val/), for quick runs."""
    rng = np.random.default_rng(seed)
    for split, n in (("train", train), ("val", val)):
        d = root / "synthetic" / split
        d.mkdir(parents=True)
        for i in range(n):
            small = rng.integers(0, 256, (4, 4, 3), dtype=np.uint8)
            Image.fromarray(small).resize(size, Image.BILINEAR).save(d / f"{split}{i}.png")
    return root


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """One --quick run of every variant with 2 seeds (a few seconds)."""
    tmp = tmp_path_factory.mktemp("exp")
    data = synthetic_photos(tmp / "photos")
    mp = pytest.MonkeyPatch()
    mp.setenv("XDG_CACHE_HOME", str(tmp / "cache"))
    threads = torch.get_num_threads()
    out = tmp / "docs" / "experiments"
    args = ["--data", str(data), "--out", str(out), "--work", str(tmp / "work"), "--quick"]
    try:
        assert main(args) == 0
    finally:
        torch.set_num_threads(threads)
        mp.undo()
    return tmp, out, args


def test_every_variant_and_seed_is_saved_with_per_photo_metrics(quick_run):
    _, out, _ = quick_run
    seeds = [QUICK.seed + k for k in range(QUICK.seeds)]
    assert len(seeds) >= 2
    recs = {(r.name, s): json.loads(record_path(out, r.name, s).read_text())
            for r in RUNS for s in seeds}
    for (_, seed), rec in recs.items():
        assert rec["settings"]["seed"] == seed
        assert [p["photo"] for p in rec["photos"]] == \
            [p["photo"] for p in recs[("reference", seeds[0])]["photos"]]
        assert len(rec["photos"]) == 2 and np.isfinite(rec["photos"][0]["psnr"])
        assert rec["curve"] and any(c["val_loss"] is not None for c in rec["curve"])
    # one change per variant, everything else equal: the same budget
    by = {n: recs[(n, seeds[0])] for n, _ in recs}
    assert by["ab"]["settings"]["output"] == "ab" and by["rgb"]["settings"]["output"] == "rgb"
    assert by["no_bound"]["settings"]["bound"] == "none"
    assert {by[n]["settings"]["loss"] for n in ("reference", "l2", "huber")} == \
        {"l1", "l2", "huber"}
    assert by["bilinear"]["settings"]["upsampling"] == "bilinear"
    assert by["no_skips"]["settings"]["skips"] is False
    # another seed is another training: other weights, other scores
    assert recs[("reference", seeds[0])]["photos"] != recs[("reference", seeds[1])]["photos"]


def test_results_carry_intervals_and_paired_differences(quick_run):
    _, out, _ = quick_run
    res = json.loads((out / "results.json").read_text())
    assert res["reference"] == "reference" and len(res["seeds"]) == QUICK.seeds
    assert [v["name"] for v in res["variants"]] == [r.name for r in RUNS]
    for v in res["variants"]:
        for m in ("psnr", "ssim", "colourfulness"):
            i = v["metrics"][m]
            assert i["lo"] <= i["mean"] <= i["hi"]
            assert len(v["per_seed"][m]) == QUICK.seeds
            assert np.isclose(np.mean(v["per_seed"][m]), i["mean"])
        assert ("difference" in v) == (v["name"] != "reference")
        if "difference" in v:
            ref = res["variants"][0]["metrics"]["psnr"]["mean"]
            d = v["difference"]["psnr"]
            assert np.isclose(d["mean"], v["metrics"]["psnr"]["mean"] - ref)
            assert d["real"] == (d["lo"] > 0 or d["hi"] < 0)
            assert verdict_line(v, "the reference").startswith(f"**{v['label']}**")
        for c in ("curve", "train_curve"):
            assert v[c] and {"step", "mean", "min", "max"} <= set(v[c][0])
            assert all(p["min"] <= p["mean"] <= p["max"] for p in v[c])

    rows = list(csv.DictReader((out / "results.csv").open()))
    assert [r["name"] for r in rows] == [r.name for r in RUNS]
    assert rows[0]["psnr_diff"] == "" and rows[1]["psnr_diff_real"] in ("True", "False")
    for f in ("preview.png", "curves.png", "differences.png"):
        with Image.open(out / f) as im:
            assert im.width >= 600
    with Image.open(out / "preview.png") as im:
        assert im.width >= 10 * 176  # grey + 8 variants + truth
    # the same photos colorized by every variant, for the screen
    for r in RUNS:
        assert (out / "photos" / f"{r.name}-0.jpg").is_file()
    md = (out.parent / "experiments.md").read_text()
    assert "## Which differences are real" in md and "](experiments/differences.png)" in md
    assert f"**{QUICK.seeds} seeds**" in md


def test_resume_skips_saved_runs(quick_run, monkeypatch):
    tmp, out, args = quick_run

    def no_training(*a, **k):
        raise AssertionError("a saved run was trained again")

    monkeypatch.setattr(ex, "run_one", no_training)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp / "cache"))
    before = (out / "results.json").read_text()
    assert main([*args, "--resume"]) == 0
    assert (out / "results.json").read_text() == before


def test_a_saved_run_of_another_budget_is_not_reused(quick_run):
    _, out, _ = quick_run
    path = record_path(out, "reference", QUICK.seed)
    photos = [p["photo"] for p in json.loads(path.read_text())["photos"]]
    assert load_record(path, QUICK, photos) is not None
    assert load_record(path, ex.replace(QUICK, steps=QUICK.steps + 1), photos) is None
    assert load_record(path, QUICK, photos[:1]) is None
    # workers and threads change the speed, not the result: the run is reused
    assert load_record(path, ex.replace(QUICK, workers=2, threads=2), photos) is not None


def test_photos_come_from_the_lowest_seed(tmp_path):
    def kept(v: int) -> list[dict]:
        img = np.full((8, 8, 3), v, np.uint8)
        return [{"model": img, "grey": img, "truth": img}]

    out = tmp_path / "exp"
    assert save_photos(out, "rgb", kept(200), seed=2)  # a later seed stands in...
    assert save_photos(out, "rgb", kept(10), seed=0)  # ...until the first seed comes
    assert not save_photos(out, "rgb", kept(250), seed=1)  # and is never replaced
    with Image.open(out / "photos" / "rgb-0.jpg") as im:
        assert abs(int(np.asarray(im).mean()) - 10) <= 2
    assert json.loads((out / "photos" / "seeds.json").read_text()) == {"rgb": 0}
