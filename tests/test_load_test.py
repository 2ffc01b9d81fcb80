"""benchmarks/load_test.py in small: websocket students through the shipped nginx config."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

from benchmarks.load import report

ROOT = Path(__file__).resolve().parent.parent


def test_a_class_and_a_reload_through_two_replicas_behind_the_shipped_nginx_config():
    """deploy/nginx.conf really carries a class: page, websocket, uploads, live training,
    and a trainer who reloads the page finds the same run on the same replica."""
    assert shutil.which("nginx") or Path("/usr/sbin/nginx").exists(), "scripts/test.sh installs nginx"
    # Its own process: the script runs its own asyncio loop and servers.
    out = subprocess.run(
        [sys.executable, "benchmarks/load_test.py", "--client", "ws", "--mode", "burst",
         "--students", "3", "--trainers", "1", "--reloaders", "1", "--arrival", "2",
         "--train-seconds", "8", "--controls", "1", "--replicas", "2",
         "--max-seconds", "240", "--no-write"],
        cwd=ROOT, capture_output=True, text=True, timeout=400)
    assert out.returncode == 0, out.stderr[-2000:]
    s = json.loads(out.stdout[out.stdout.index("{"):])
    assert s["errors"] == 0, s["error_messages"]
    assert s["completed"] == 3 and s["n_colorize"] == 2 and s["n_control"] >= 2
    assert s["reloads"] == 1 and s["recovered"] == 1
    assert s["train_steps_mean"] and s["train_steps_mean"] > 0
    assert len(s["replica_cpu_s"]) == 2 and s["server_rss_peak_mib"] > 100


def test_results_section_is_replaced_not_duplicated(tmp_path):
    path = tmp_path / "RESULTS.md"
    path.write_text("# Benchmarks\n\n## Other\n\nkept\n", encoding="utf-8")
    s = {"client": "ws", "mode": "burst", "replicas": 2, "students": 30, "concurrent": 10,
         "trainers": 10, "reloaders": 10, "arrival_s": 10.0, "think_s": 3.0,
         "train_seconds": 40.0, "completed": 30, "errors": 0, "error_messages": [],
         "colorize_p50_s": 0.5, "colorize_p95_s": 1.0, "control_p50_s": 0.2,
         "control_p95_s": 0.4, "n_colorize": 20, "n_control": 100, "train_steps_mean": 50,
         "reloads": 10, "recovered": 10, "continued": 9, "reload_p95_s": 1.2,
         "server_rss_start_mib": 900, "server_rss_peak_mib": 1500, "server_rss_end_mib": 1400,
         "wall_s": 60.0, "replica_cpu_s": [50, 50], "client_cpu_s": 3.0, "machine": "m",
         "date": "d"}
    report.write_results(s, path, "first")
    report.write_results(s, path, "second")
    text = path.read_text(encoding="utf-8")
    title = "## Load test, trainers reload mid-run (30 students, 2 replicas)"
    assert text.count(title) == 1 and "second" in text and "first" not in text
    assert "Runs recovered after a reload: 10 / 10" in text and "kept" in text
    assert "--reloaders 10 --train-seconds 40 --replicas 2" in text
