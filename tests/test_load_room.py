"""benchmarks/load_test.py --mode room in small: a teacher's board and three phones through a
room (join by the QR link, a vote round, the class experiment) on two replicas behind the
shipped nginx config, the rooms in a real redis-server. Counts only: speed is the
benchmark's (benchmarks/RESULTS.md)."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

from benchmarks.load import room

ROOT = Path(__file__).resolve().parent.parent


def test_a_room_of_three_phones_through_two_replicas_and_redis():
    assert shutil.which("nginx") or Path("/usr/sbin/nginx").exists(), "scripts/test.sh installs nginx"
    assert shutil.which("redis-server"), "scripts/test.sh installs redis-server"
    out = subprocess.run(
        [sys.executable, "benchmarks/load_test.py", "--mode", "room", "--students", "3",
         "--trainers", "1", "--photos", "3", "--arrival", "2", "--think", "0.5",
         "--max-seconds", "300", "--no-write"],
        cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-2000:]
    s = json.loads(out.stdout[out.stdout.index("{"):])
    assert s["errors"] == 0, s["error_messages"]
    assert s["replicas"] == 2 and s["store"] == "redis"
    assert s["joined"] == 3 and s["join"]["n"] == 3
    # every vote sent is in the store, each phone voted on every photo
    assert s["votes_sent"] == 9 and s["votes_stored"] == 9 and s["lost_votes"] == 0
    assert s["voted_all"] == 3 and s["vote"]["n"] == 9
    assert s["trained"] == 1 and s["scores_stored"] == 1
    # the teacher's board counted each join and each first vote
    assert s["teacher_behind"]["n"] == 6 and s["board_refreshes"] >= 2
    assert s["push"]["n"] == 3  # every phone followed the round's push
    assert s["ref_s"] > 0 and s["join"]["p95_ref"] is not None


def test_room_section_is_replaced_not_duplicated(tmp_path):
    path = tmp_path / "RESULTS.md"
    path.write_text("# Benchmarks\n\n## Other\n\nkept\n", encoding="utf-8")
    timing = {"n": 30, "p50_s": 0.5, "p95_s": 1.0, "max_s": 1.2, "p95_ref": 2.0}
    s = {"store": "redis", "replicas": 2, "students": 30, "arrival_s": 10.0, "photos": 10,
         "think_s": 1.5, "trainers": 10, "budget_steps": 20, "ref_s": 0.5, "join": timing,
         "vote": {**timing, "p95_ref": 0.6}, "teacher_behind": timing, "train": timing,
         "push": timing,
         "joined": 30, "voted_all": 30, "trained": 10, "scores_stored": 10,
         "votes_sent": 300, "votes_stored": 300, "lost_votes": 0, "errors": 0,
         "error_messages": [], "board_refreshes": 40, "wall_s": 100.0,
         "replica_cpu_s": [50, 50], "machine": "m", "date": "d",
         "targets_met": {"join_p95": True, "vote_p95": False, "teacher_behind_p95": True,
                         "lost_votes": True, "errors": True}}
    room.write_results(s, path, "note one")
    room.write_results(s, path, "note two")
    text = path.read_text(encoding="utf-8")
    title = "## Load test, a class room (30 students, 2 replicas, Redis)"
    assert text.count(title) == 1 and "note two" in text and "note one" not in text
    assert "kept" in text
    assert "| vote | 0.50 | 1.00 | 0.60 ref | ≤ 0.5 ref: missed | 30 |" in text
    assert "**lost votes 0**" in text and "--mode room --students 30" in text
