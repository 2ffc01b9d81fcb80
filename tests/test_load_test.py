"""benchmarks/load_test.py in small: websocket students through the shipped nginx config."""

import importlib.util
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _load_test():
    spec = importlib.util.spec_from_file_location("load_test", ROOT / "benchmarks" / "load_test.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_students_through_two_replicas_behind_the_shipped_nginx_config():
    """deploy/nginx.conf really carries a class: page, websocket, uploads, live training."""
    assert shutil.which("nginx") or Path("/usr/sbin/nginx").exists(), "scripts/test.sh installs nginx"
    s = _load_test().main(["--client", "ws", "--students", "3", "--concurrent", "3",
                           "--trainers", "1", "--train-seconds", "4", "--controls", "1",
                           "--replicas", "2", "--max-seconds", "240", "--no-write"])
    assert s["errors"] == 0, s["error_messages"]
    assert s["completed"] == 3 and s["n_colorize"] == 3 and s["n_control"] == 3
    assert s["train_steps_mean"] and s["train_steps_mean"] > 0
    assert len(s["replica_cpu_s"]) == 2 and s["server_rss_peak_mib"] > 100
