"""A freshly started server opens every screen once before its readiness check answers
(ui/warm.py): the first student of the lesson pays no first-visit cost."""

from __future__ import annotations

import json
import re
import tempfile
import time
import urllib.request
from pathlib import Path

from tests.conftest import free_port, start_streamlit, stop, wait_healthy
from ui.nav import NAMES
from ui.warm import WARMED, is_readiness_probe, server_address, warm_screens

WARM_LINE = re.compile(r"warm-up: every screen visited once in [\d.]+ s: (\{.*\}); also: (\{.*\})")


def test_without_a_server_nothing_is_visited_and_nobody_waits():
    from streamlit.testing.v1 import AppTest

    def script():
        import streamlit as st

        from ui.warm import is_readiness_probe, server_address

        st.write(f"{server_address()} {is_readiness_probe()}")

    # during an AppTest run (the app's warm-up thread starts in one) the runtime is a
    # stand-in: not a server to visit, nor a probe to hold
    at = AppTest.from_function(script).run()
    assert [m.value for m in at.markdown] == ["None False"]
    assert server_address() is None  # no Streamlit server in the test process
    assert not is_readiness_probe()
    assert warm_screens(NAMES) == {}
    assert WARMED.is_set()  # a probe never waits for a warm-up that cannot happen


def test_a_controls_other_settings_are_computed_on_the_warm_up_visit_only():
    from streamlit.testing.v1 import AppTest

    def script():
        import streamlit as st

        from ui.warm import also_warm, is_warm_up_visit

        def compute(setting):
            raise AssertionError(f"computed {setting} outside the warm-up")

        also_warm("a test control", compute, (1, 2))
        st.write(f"{is_warm_up_visit()}")

    at = AppTest.from_function(script).run()
    assert not at.exception and [m.value for m in at.markdown] == ["False"]


def test_readiness_answers_once_every_screen_is_warm():
    port = free_port()
    log = Path(tempfile.gettempdir()) / f"colorisation_warm_{port}.log"
    proc = start_streamlit(port, log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, log, ready=False)
        # Liveness answers at once; readiness only after the server opened every screen.
        assert WARM_LINE.search(log.read_text(errors="replace")) is None
        t0 = time.monotonic()
        with urllib.request.urlopen(f"{url}/_stcore/script-health-check", timeout=170) as r:
            status, body = r.status, r.read().decode()
        waited = time.monotonic() - t0
        text = log.read_text(errors="replace")  # read as soon as readiness answered
        assert (status, body) == (200, "ok"), text[-2000:]
        found = WARM_LINE.search(text)
        assert found, f"readiness answered after {waited:.1f} s before the warm-up ended:\n" \
            + text[-2000:]
        results = json.loads(found.group(1))
        assert list(results) == list(NAMES)
        assert all(v == "ok" for v in results.values()), results  # no screen failed
        # the few settings of some controls were computed during the same visits
        assert json.loads(found.group(2)) == {"sigmoid: learning rates": 5,
                                              "upsampling: factors": 2}, found.group(0)
        assert "Traceback" not in text, text[-3000:]
        # A second probe does not warm again (once per server)
        with urllib.request.urlopen(f"{url}/_stcore/script-health-check", timeout=60) as r:
            assert r.status == 200
        assert len(WARM_LINE.findall(log.read_text(errors="replace"))) == 1
    finally:
        stop(proc)


def test_the_entry_point_paints_before_torch_is_imported():
    """Cold start: everything streamlit_app.py imports before the first page paints must
    leave torch (1.3 s to import) to the background warm-up (ui/model.py)."""
    import ast
    import subprocess
    import sys

    tree = ast.parse((Path(__file__).resolve().parent.parent / "streamlit_app.py").read_text())
    modules = sorted({n.module for n in tree.body if isinstance(n, ast.ImportFrom) and n.module}
                     | {a.name for n in tree.body if isinstance(n, ast.Import) for a in n.names})
    assert "ui.room" in modules and "ui.model" in modules  # the list is read, not guessed
    code = ("import importlib, sys\n"
            f"for m in {modules!r}: importlib.import_module(m)\n"
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parent.parent, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "False", "an entry-point import pulls torch in"
