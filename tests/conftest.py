"""Shared test helpers: AppTest of the app's screens, and (browser tests only) a real
Streamlit server and a real Chromium.

Page tests import the AppTest helpers (``from conftest import open_page, metric``). Nothing
is started unless a test asks for it, so the plain unit tests stay fast.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

# ui/errors.py turns an unexpected error into a short message for students; in the suite it
# is raised again afterwards, so every "no exception" assertion (AppTest's ``at.exception``,
# the browser's exception box) still sees it. Tests of the student's path unset it.
os.environ["COLORISATION_STRICT_ERRORS"] = "1"

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "streamlit_app.py")
#: pytest-xdist's worker number (gw0, gw1, ...; 0 without xdist).
WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
#: Loopback ports tried first for this worker's test servers, its own ten (any free port after
#: that): two workers never pick the same free port at the same moment.
PORT_RANGE = range(8640 + 10 * (WORKER % 30), 8650 + 10 * (WORKER % 30))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking"]


# ---- AppTest: the app's screens without a browser -------------------------------------------

def _apptest_like_a_warm_server() -> None:
    """AppTest starts every run as a fresh server would: in Streamlit's old "pages folder"
    mode (it resets ``PagesManager.uses_pages_directory``), so every run would first run the
    screen alone and rerun it through streamlit_app.py (ui.lang), losing a button's click.
    A real server leaves that mode once, at its first run: let AppTest reset a subclass'
    attribute instead, and the mode stays as the app left it, as on a server."""
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import app_test

    if app_test.PagesManager is PagesManager:
        app_test.PagesManager = type("AppTestPagesManager", (PagesManager,), {})


_apptest_like_a_warm_server()


def app_pages() -> list[str]:
    """Every screen of the navigation (``ui.nav.PAGES``), in menu order; "home" first."""
    from ui.nav import NAMES

    return list(NAMES)


def open_page(page: str, lang: str = "fr", timeout: float = 120, **params: str):
    """An AppTest of the whole app showing ``page`` (a name of :func:`app_pages`), as a
    student arriving from the home screen: the entry point runs (navigation, language),
    then the screen. ``params`` are URL parameters (``x="3"``). Fails on an exception."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=timeout)
    at.query_params["lang"] = lang
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    if page != "home":
        at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, (page, lang, at.exception)
    return at


def metric(at, label: str) -> str:
    """The value of the metric labelled ``label`` (fails listing the labels shown)."""
    values = {m.label: m.value for m in at.metric}
    assert label in values, f"no metric {label!r}; shown: {sorted(values)}"
    return values[label]


def numbers(text: str, lang: str) -> list[float]:
    """The numbers of ``text`` as the page wrote them in ``lang``: "[0,12\u202f; 1\u202f234,5]"
    in French, "[0.12, 1,234.5]" in English, both [0.12, 1234.5]."""
    import re

    out = []
    for raw in re.findall(r"[-+\u2212]?\d[\d\u202f,.]*", text):
        raw = raw.replace("\u2212", "-").rstrip(",.\u202f")
        raw = raw.replace("\u202f", "").replace(",", ".") if lang == "fr" else raw.replace(",", "")
        out.append(float(raw))
    return out


def number(text: str, lang: str) -> float:
    """The first number of ``text`` as the page wrote it in ``lang`` (see :func:`numbers`)."""
    found = numbers(text, lang)
    assert found, f"no number in {text!r}"
    return found[0]


def bounds(text: str, lang: str) -> tuple[float, float]:
    """The two ends of a range as the page wrote it: "[0,12\u202f; 0,45]" in French (the comma
    is the decimal mark), "[0.12, 0.45]" in English."""
    assert text.startswith("[") and ("\u202f; " if lang == "fr" else ", ") in text, text
    lo, hi = numbers(text, lang)
    return lo, hi


def chart_figures(at) -> list[dict]:
    """The plotly figures the run drew, decoded. Search these, never the JSON text: plotly
    writes non-ASCII characters as ``\\uXXXX`` escapes unless orjson is installed."""
    import json

    return [json.loads(e.proto.spec) for e in at.get("plotly_chart")]


def strings_in(obj) -> Iterator[str]:
    """Every string inside a decoded JSON value (dict keys included), depth first."""
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield k
            yield from strings_in(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from strings_in(v)


def current_page(at) -> str:
    """URL path of the screen that ran last ("" for home)."""
    return at._registered_pages[at._finished_page_script_hash]["url_pathname"]

# ---- small shared inputs of the lesson tests -----------------------------------------------

@pytest.fixture(scope="module")
def smooth_photo():
    """A 40 x 56 colour photo with smooth gradients and a little noise (seeded)."""
    import numpy as np

    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:40, 0:56]
    img = np.stack([x * 4, y * 5, (x + y) * 2], axis=2) + rng.integers(0, 20, (40, 56, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def small_unet():
    """A tiny untrained U-Net (width 4, depth 3), seeded, in eval mode."""
    import torch

    from core.unet import UNet

    torch.manual_seed(0)
    return UNet(width=4, depth=3).eval()


# ---- parallel runs: pytest-xdist, as scripts/test.sh runs the suite ---------------------------
#
# ``-n 3 --no-loadscope-reorder`` with the scheduler below: all the tests of a file run in one
# worker (its module fixtures are made once), except the browser files' tests, handed out one by
# one (they only share their worker's one server and Chromium, and a browser file alone can take
# minutes); the workers take the files longest first (the last run's seconds, kept in pytest's
# cache; a file never timed is estimated), so that no long file starts last while the others idle.

FILE_SECONDS = "colorisation/file_seconds"
_file_seconds: dict[str, float] = {}


def _file_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def _browser_file(path: str) -> bool:
    return Path(path).name.startswith("test_browser")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class FilesAndBrowserTests(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = _file_of(nodeid)
            return nodeid if _browser_file(path) else path

    return FilesAndBrowserTests(config, log)


def pytest_collection_modifyitems(config, items):
    """Under xdist, the files longest first (every worker sorts alike: the scheduler reads the
    order of their collections). The order of the tests in a file is kept."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    cache = getattr(config, "cache", None)
    known = cache.get(FILE_SECONDS, {}) if cache is not None else {}
    counts: dict[str, int] = {}
    for item in items:
        counts[_file_of(item.nodeid)] = counts.get(_file_of(item.nodeid), 0) + 1

    def seconds(path: str) -> float:
        if path in known:
            return float(known[path])
        return counts[path] * (25.0 if _browser_file(path) else 4.0)

    items.sort(key=lambda item: (-seconds(_file_of(item.nodeid)), _file_of(item.nodeid)))


def pytest_runtest_logreport(report):
    _file_seconds[_file_of(report.nodeid)] = (_file_seconds.get(_file_of(report.nodeid), 0.0)
                                              + report.duration)


def pytest_sessionfinish(session):
    """The controller (or a run without xdist) keeps each file's seconds for the next run."""
    cache = getattr(session.config, "cache", None)
    if os.environ.get("PYTEST_XDIST_WORKER") or cache is None or not _file_seconds:
        return
    cache.set(FILE_SECONDS, {**cache.get(FILE_SECONDS, {}),
                             **{k: round(v, 1) for k, v in _file_seconds.items()}})


# ---- a real server and a real browser (browser tests) ----------------------------------------

def free_port(candidates=PORT_RANGE) -> int:
    """A free TCP port on 127.0.0.1, from ``candidates`` when one is free."""
    for port in candidates:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_streamlit(port: int, log_path: Path, extra_env: dict | None = None) -> subprocess.Popen:
    """``streamlit run streamlit_app.py`` on 127.0.0.1:port, its output in ``log_path``."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(extra_env or {})}
    log = open(log_path, "wb")  # noqa: SIM115 (kept open for the server's lifetime)
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )


def wait_healthy(url: str, proc: subprocess.Popen, log_path: Path, timeout: float = 90,
                 ready: bool = True) -> None:
    """Wait for ``url/_stcore/health`` to answer ok, then (``ready``) for the readiness check
    the deploy files use (the server opens every screen itself first, ui/warm.py), so that
    a test meets the server a class would; fail with the server's log otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited ({proc.returncode}):\n"
                               + log_path.read_text(errors="replace")[-3000:])
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    if ready:
                        with urllib.request.urlopen(f"{url}/_stcore/script-health-check",
                                                    timeout=180) as rr:
                            assert rr.status == 200, rr.status
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"streamlit not healthy after {timeout}s:\n"
                       + log_path.read_text(errors="replace")[-3000:])


def stop(proc: subprocess.Popen) -> None:
    """Terminate the server we started (its own process group), then kill if it lingers."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _serve() -> Iterator[str]:
    port = free_port()
    log_path = Path(tempfile.gettempdir()) / f"colorisation_streamlit_{port}.log"
    proc = start_streamlit(port, log_path)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, log_path)
        yield url
    finally:
        stop(proc)


@pytest.fixture(scope="session")
def streamlit_url(chromium) -> Iterator[str]:
    """Base URL of a Streamlit server running the app for this test session (of this xdist
    worker), already visited once at its home page as a server in class is: whichever browser
    test a worker runs first meets the same server. First-visit behaviour:
    :func:`fresh_streamlit_url`."""
    for url in _serve():
        page = chromium.new_page()
        try:
            page.goto(url)
            page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]'
                                   ' [data-testid="stSidebarNav"]', timeout=120_000)
        finally:
            page.close()
        yield url


@pytest.fixture
def fresh_streamlit_url() -> Iterator[str]:
    """A server of its own that no browser has visited yet (first-visit behaviour; ready, as
    a deployed server is: it has opened its screens itself, ui/warm.py)."""
    yield from _serve()


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """Debian's Chromium driven by Playwright. Missing Chromium is a failure, never a skip."""
    from playwright.sync_api import sync_playwright

    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    assert exe, "chromium is not installed (scripts/test.sh installs it: apt-get install chromium)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    """Where browser tests save screenshots: $SCREENSHOT_DIR, else ./screenshots/."""
    d = Path(os.environ.get("SCREENSHOT_DIR", "screenshots")).resolve()
    d.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {d}")
    return d
