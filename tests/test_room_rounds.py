""""Real or colorized?" rounds, the class experiment and the room's report (core/room)."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from core.room import experiment as cx
from core.room import photos as rp
from core.room import report, stats
from core.room.room import Rooms
from core.room.store import SQLiteStore


def test_a_round_is_balanced_distinct_and_reproducible():
    r = rp.make_round(9, seed=4)
    assert [p["id"] for p in r] == [f"p{i}" for i in range(1, 10)]
    assert sorted(p["method"] for p in r) == ["hints"] * 3 + ["real"] * 3 + ["shipped"] * 3
    assert len({(p["sample"], p["crop"]) for p in r}) == 9
    assert rp.make_round(9, seed=4) == r and rp.make_round(9, seed=5) != r
    assert {p["method"] for p in rp.make_round(6, 1, ["real"])} == {"real"}
    with pytest.raises(ValueError):
        rp.make_round(99, 1)


def test_round_pictures_real_and_colorized():
    from core.colorizer import Colorizer

    shipped = Colorizer.from_weights("weights/colorizer", device="cpu")
    hints = Colorizer.from_weights("weights/hints", device="cpu")
    item = {"sample": "coffee", "crop": 1, "seed": 3}
    truth = rp.render({**item, "method": "real"}, shipped, hints)
    assert truth.shape == (rp.SIDE, rp.SIDE, 3) and truth.dtype == np.uint8
    assert np.array_equal(truth, rp.crop("coffee", 1))
    auto = rp.render({**item, "method": "shipped"}, shipped, hints)
    helped = rp.render({**item, "method": "hints"}, shipped, hints)
    assert auto.shape == helped.shape == truth.shape
    assert not np.array_equal(auto, truth) and not np.array_equal(auto, helped)
    # with true hints, the colours come closer to the truth than without
    err = lambda x: np.abs(x.astype(float) - truth).mean()  # noqa: E731
    assert err(helped) < err(auto)
    assert rp.available_methods(shipped, None) == ["real", "shipped"]


def test_fool_rates_with_student_bootstrap():
    photos = [{"id": "a", "method": "real"}, {"id": "b", "method": "shipped"},
              {"id": "c", "method": "shipped"}]
    votes = {}
    for s in range(10):
        votes[(f"s{s}", "a")] = "real"
        votes[(f"s{s}", "b")] = "real" if s < 3 else "colorized"
        votes[(f"s{s}", "c")] = "colorized"
    votes[("s0", "zz")] = "real"  # a photo not in the round: ignored
    r = stats.fool_rates(photos, votes)
    assert r["real"]["rate"] == 1.0 and r["real"]["votes"] == 10
    s = r["shipped"]
    assert s["rate"] == pytest.approx(3 / 20) and s["students"] == 10 and s["votes"] == 20
    assert 0.0 <= s["lo"] < s["rate"] < s["hi"] <= 0.5
    assert stats.fool_rates([{"id": "x", "method": "hints"}], {}) == {"hints": None}
    one = stats.ratio_interval([1], [2])
    assert one["lo"] == one["hi"] == 0.5
    per = stats.per_photo(photos, votes)
    assert [p["real"] for p in per] == [10, 3, 0]


def test_variants_match_the_experiments_screen():
    from core.experiments import RUNS

    runs = {r.name: r.changes for r in RUNS}
    for name, changes in cx.VARIANTS.items():
        assert runs[name] == changes, name
    for name in cx.VARIANTS:
        cfg = cx.settings_for(name, 1).model_config()
        for k, v in cx.VARIANTS[name].items():
            assert getattr(cx.settings_for(name, 1), k) == v
        assert cfg.upsampling == cx.VARIANTS[name].get("upsampling", "transposed")
        assert cfg.skips == cx.VARIANTS[name].get("skips", True)
    with pytest.raises(ValueError):
        cx.settings_for("huber", 0)


def test_a_tiny_class_run_is_scored_in_rgb():
    from dataclasses import replace

    from core.live import LiveRun
    from core.samples import load_sample

    photos = [load_sample("coffee"), load_sample("chelsea")]
    for name in ("no_skips", "ab"):
        s = replace(cx.settings_for(name, 2), size=32, width=4, depth=2, batch=4)
        run = LiveRun(s, photos)
        run.tick(budget=600, max_steps=2)
        got = cx.score(run)
        assert run.steps == 2 and np.isfinite(got["psnr"]) and got["grey_psnr"] > 5
        assert getattr(run.model, "config", s.model_config()).skips == (name != "no_skips")


def test_board_and_csv(tmp_path):
    rooms = Rooms(SQLiteStore(tmp_path / "r.sqlite3"))
    room, teacher = rooms.open("en")
    toks = [rooms.join(room.code, {"session": str(i)}, "en")[1] for i in range(4)]
    rnd = rooms.start_round(teacher, rp.make_round(3, 2)).round
    for t in toks:
        for p in rnd["photos"]:
            rooms.vote(t, rnd["id"], p["id"], "real")
    exp = rooms.start_experiment(teacher, ["reference", "ab"], {"steps": 5}).experiment
    for i, t in enumerate(toks):
        rooms.submit(t, exp["id"], {"psnr": 20.0 + i, "grey_psnr": 18.0, "steps": 5})
    room = rooms.get(room.id)
    s = report.round_summary(rooms, room, room.round)
    assert s["votes"] == 12 and s["voters"] == 4 and s["rates"]["real"]["rate"] == 1.0
    live = report.round_summary(rooms, room, room.round, rates=False)  # the board while voting
    assert live == {"votes": 12, "voters": 4, "expected": 3}
    e = report.experiment_summary(rooms, room, room.experiment)
    board = {b["variant"]: b for b in e["board"]}
    assert board["reference"]["students"] == 2 and board["ab"]["students"] == 2
    assert board["reference"]["vs_reference"] is None
    assert board["ab"]["vs_reference"] == pytest.approx(
        board["ab"]["psnr"]["mean"] - board["reference"]["psnr"]["mean"])
    text = report.csv_text(rooms, room)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sum(r["record"] == "vote" for r in rows) == 12
    assert sum(r["record"] == "training" for r in rows) == 4
    assert teacher not in text and not any(t in text for t in toks)
    assert {r["pseudonym"] for r in rows} == {m.name for m in rooms.members(room)}
