"""A freshly started server opens every screen once, before it says it is ready.

The first visit of a screen in a server process pays for what every later visit finds
ready: the screen's imports, its cached computations at their default settings, the models
(measured by ``benchmarks/bench_actions.py``: 0.1-0.8 CPU-s more than a later visit, 2.5 s
for the first page while torch loads). Without this the first student of the lesson pays
it, on every screen. So the server's one-time warm-up (:mod:`ui.model`) ends by visiting
each screen itself, in its default state, through its own websocket, exactly as a browser
would (the same script runs, the same caches fill), and only then sets :data:`WARMED`.

Readiness: Streamlit's ``/_stcore/script-health-check`` (``server.scriptHealthCheckEnabled``
in .streamlit/config.toml) runs the app's script in a session of its own; that run waits
here for the warm-up (:func:`wait_if_probe`), so the check answers 200 only once every
screen is warm. The deploy files use it as the readiness check; ``/_stcore/health`` still
answers at once (liveness).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

#: Set when every screen has been visited once (or the warm-up gave up: never blocks forever).
WARMED = threading.Event()
#: Seconds a readiness probe waits for the warm-up before it answers anyway.
PROBE_WAIT = 50.0
#: Seconds one screen's visit may take.
VISIT_TIMEOUT = 60.0
#: The warm-up's websocket says who it is (``User-Agent``): :func:`is_warm_up_visit`.
USER_AGENT = "colorisation warm-up"
#: Seconds the warm-up waits for people's script runs to end before each of its steps (it
#: goes on after that: in a busy class it still ends).
YIELD_MAX = 5.0

#: Script runs of people (not the warm-up's visits, not a readiness probe) going on now.
_people_runs = 0
_people_idle = threading.Condition()


@contextmanager
def person_run() -> Iterator[None]:
    """Around the entry point's run: the warm-up gives way while someone's screen runs.

    The warm-up shares the GIL with the sessions: the teacher who opens the app while it
    warms waited for both (cold start: the home page complete 3.5 s after launch, 1.1 s of
    its run's CPU spread over 2.5 s beside the warm-up's visits; bench_ui).
    """
    global _people_runs
    person = not (is_warm_up_visit() or is_readiness_probe())
    if person:
        with _people_idle:
            _people_runs += 1
    try:
        yield
    finally:
        if person:
            with _people_idle:
                _people_runs -= 1
                _people_idle.notify_all()


def give_way(timeout: float = YIELD_MAX) -> bool:
    """Wait (at most ``timeout`` s) until no person's script run is going on; True if none."""
    with _people_idle:
        return _people_idle.wait_for(lambda: _people_runs == 0, timeout)

LOG = logging.getLogger("colorisation.warm")


def server_address() -> str | None:
    """``http://127.0.0.1:PORT/BASE`` of this process's own Streamlit server, or None when
    no server runs here (AppTest, a command line)."""
    try:
        from streamlit import config
        from streamlit.runtime import Runtime

        # AppTest installs a MagicMock(spec=Runtime) as the runtime: not a server
        if not Runtime.exists() or type(Runtime.instance()) is not Runtime:
            return None
        port = int(config.get_option("server.port"))
        base = (config.get_option("server.baseUrlPath") or "").strip("/")
    except Exception:  # noqa: BLE001 (no server: nothing to warm)
        return None
    return f"http://127.0.0.1:{port}" + (f"/{base}" if base else "")


def visit(url: str, screen: str, query: str = "lang=fr") -> str:
    """Open one screen in a new session, as a browser does, and wait for its run to end.

    Returns how the run ended ("ok", "error", "timeout"). The protocol is Streamlit's own:
    the XSRF cookie from the health check (sent back as the websocket's second subprotocol
    and as a cookie), then one ``rerun_script`` naming the page by its URL path; every
    widget keeps its default (no widget state sent).
    """
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.sync.client import connect

    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=10) as r:
        cookies = r.headers.get_all("Set-Cookie") or []
    xsrf = next((c.split(";")[0].split("=", 1)[1] for c in cookies
                 if c.startswith("_streamlit_xsrf=")), "")
    protocols = ["streamlit"] + ([xsrf] if xsrf else [])
    headers = {"Cookie": f"_streamlit_xsrf={xsrf}"} if xsrf else {}
    ws_url = "ws" + url[len("http"):] + "/_stcore/stream"
    with connect(ws_url, subprotocols=protocols, additional_headers=headers,
                 origin="{0.scheme}://{0.netloc}".format(urllib.parse.urlsplit(url)),
                 open_timeout=10, max_size=None, user_agent_header=USER_AGENT) as ws:
        back = BackMsg()
        run = back.rerun_script
        run.query_string, run.page_name = query, "" if screen == "home" else screen
        run.context_info.url = f"{url}/{'' if screen == 'home' else screen}"
        ws.send(back.SerializeToString())
        end = time.monotonic() + VISIT_TIMEOUT
        while time.monotonic() < end:
            try:
                raw = ws.recv(timeout=max(0.1, end - time.monotonic()))
            except TimeoutError:
                break
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "delta" and msg.delta.new_element.WhichOneof("type") == "exception":
                return "error"
            if kind == "script_finished" and not msg.metadata.run.fragment_ids:
                return "ok"
    return "timeout"


def is_warm_up_visit() -> bool:
    """True in a run of the server's own warm-up visit (:func:`visit`), False otherwise."""
    try:
        import streamlit as st

        return st.context.headers.get("User-Agent") == USER_AGENT
    except Exception:  # noqa: BLE001 (no script run: not a visit)
        return False


#: What :func:`also_warm` computed during the warm-up: {what: how many settings}.
ALSO_WARMED: dict[str, int] = {}


def also_warm(what: str, compute, settings) -> None:
    """On the warm-up visit only: ``compute(s)`` for each of a control's other ``settings``
    (``what`` names them in the warm-up's log line).

    A screen's default state is warmed by the visit itself; a control with a few settings
    (the sigmoid screen's learning rates, the upsampling factor) would still make the first
    student who moves it wait for a computation every later student finds cached (0.2-0.5 s
    on the first step, bench_ui). Shared caches (``st.cache_data``) fill here instead.
    """
    if is_warm_up_visit():
        for setting in settings:
            compute(setting)
        ALSO_WARMED[what] = len(settings)


#: The large libraries the screens import (some lazily, through Streamlit: pandas and
#: pyarrow for tables), imported one after the other by the warm-up before any screen runs.
LIBRARIES = ("pandas", "pyarrow", "plotly.graph_objects", "plotly.io", "scipy.ndimage",
             "skimage.color", "skimage.metrics", "skimage.graph", "skimage.transform",
             "segno")


def import_libraries() -> None:
    """Import :data:`LIBRARIES` in this (the warm-up's) thread, one at a time.

    Two threads importing the same large package at once can meet CPython's import
    deadlock detection and see a partially initialised module ("partially initialized
    module 'pandas'", seen once when the warm-up's visit of the U-Net screen ran beside a
    student's first screen): imported here first, every screen then finds them loaded.
    Only on a real server, before its readiness check answers (students come after it):
    without one (AppTest, command lines) nothing is imported here, since a script thread
    of the same process may be importing the same package at that moment.
    """
    import importlib

    for name in LIBRARIES:
        try:
            importlib.import_module(name)
        except ImportError:  # an optional one missing: the screen that needs it says so
            LOG.warning("warm-up: %s could not be imported", name)


def warm_screens(screens: list[str] | tuple[str, ...]) -> dict[str, str]:
    """Visit each screen once through this server's own websocket; sets :data:`WARMED`.

    Returns {screen: "ok" | "error" | "timeout" | "failed: ..."} (also logged). Without a
    server in this process (tests, command lines) nothing is visited.
    """
    results: dict[str, str] = {}
    try:
        url = server_address()
        if url is None:
            return results
        t0 = time.perf_counter()
        give_way()
        import_libraries()
        for screen in screens:
            give_way()  # a person's screen first: the warm-up is for them
            try:
                results[screen] = visit(url, screen)
            except Exception as e:  # noqa: BLE001 (a screen that fails warms the others)
                results[screen] = f"failed: {type(e).__name__}: {e}"[:200]
        LOG.warning("warm-up: every screen visited once in %.1f s: %s; also: %s",
                    time.perf_counter() - t0, json.dumps(results), json.dumps(ALSO_WARMED))
        return results
    finally:
        WARMED.set()


def is_readiness_probe() -> bool:
    """True in the run of Streamlit's script health check (a session with no browser: it
    is not in the runtime's session manager)."""
    try:
        from streamlit.runtime import Runtime
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        if ctx is None or not Runtime.exists() or type(Runtime.instance()) is not Runtime:
            return False
        return Runtime.instance()._session_mgr.get_session_info(ctx.session_id) is None
    except Exception:  # noqa: BLE001 (private API moved: behave as an ordinary run)
        return False


def wait_if_probe(timeout: float = PROBE_WAIT) -> None:
    """In the readiness probe's run only: wait until every screen is warm."""
    if is_readiness_probe():
        WARMED.wait(timeout)


def main(argv: list[str] | None = None) -> int:
    """``python -m ui.warm [--url http://127.0.0.1:8501]``: wait for a starting server,
    then for its readiness check (which makes it warm every screen); prints when ready.
    ``scripts/run_app.sh`` runs it beside the server, so a teacher's server is warm before
    the first student arrives, without anyone opening it first."""
    import argparse
    import sys

    p = argparse.ArgumentParser(prog="python -m ui.warm", description=main.__doc__)
    p.add_argument("--url", default="http://127.0.0.1:8501")
    p.add_argument("--timeout", type=float, default=300.0)
    a = p.parse_args(argv)
    end = time.monotonic() + a.timeout
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(f"{a.url}/_stcore/script-health-check",
                                        timeout=max(1.0, end - time.monotonic())) as r:
                if r.status == 200:
                    print(f"Colorisation: ready, every screen warmed ({a.url})", flush=True)
                    return 0
        except OSError:  # not listening yet, or still starting
            time.sleep(0.5)
    print(f"Colorisation: {a.url} not ready after {a.timeout:.0f} s", file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
