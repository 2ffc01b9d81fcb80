"""benchmarks/load_test.py in small: websocket students through the shipped nginx config."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_students_through_two_replicas_behind_the_shipped_nginx_config():
    """deploy/nginx.conf really carries a class: page, websocket, uploads, live training."""
    assert shutil.which("nginx") or Path("/usr/sbin/nginx").exists(), "scripts/test.sh installs nginx"
    # Its own process: the script runs its own asyncio loop and servers.
    out = subprocess.run(
        [sys.executable, "benchmarks/load_test.py", "--client", "ws", "--students", "3",
         "--concurrent", "3", "--trainers", "1", "--train-seconds", "4", "--controls", "1",
         "--replicas", "2", "--max-seconds", "240", "--no-write"],
        cwd=ROOT, capture_output=True, text=True, timeout=400)
    assert out.returncode == 0, out.stderr[-2000:]
    s = json.loads(out.stdout[out.stdout.index("{"):])
    assert s["errors"] == 0, s["error_messages"]
    assert s["completed"] == 3 and s["n_colorize"] == 3 and s["n_control"] == 3
    assert s["train_steps_mean"] and s["train_steps_mean"] > 0
    assert len(s["replica_cpu_s"]) == 2 and s["server_rss_peak_mib"] > 100
