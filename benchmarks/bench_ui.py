"""How fast the screens answer in a real browser: open, one control step, ten quick steps, cold start.

    python benchmarks/bench_ui.py [--repeats 3] [--steps 8] [--screens ntsc lab ...]
        [--viewport desktop|phone] [--label after] [--note "..."] [--no-write]
    python benchmarks/bench_ui.py --shots DIR    # screenshots of every screen instead

Starts the app (``streamlit run streamlit_app.py`` on a free loopback port) and drives Debian's
Chromium through Playwright, one user, server and browser on the same machine. Measured in the
page's own clock (``performance.now()``), so Python's polling adds nothing:

- **cold start**: from launching the server process to a complete home page in a fresh
  browser (also: when the server answered its health check, when the title showed);
- **open**: a warm server (every screen visited once first), time from the click on the
  sidebar link to the complete screen; and from typing the screen's address (a new session:
  the page, its scripts from the browser cache, the websocket, the first run);
- **step**: one keypress on a slider (or a click on a radio / toggle) to the updated view;
- **ten quick steps**: ten keypresses 100 ms apart (turning back at the slider's ends, so
  every press moves it); time from the last one to the settled view.

"Complete" means (``view_complete.py``, which the browser tests wait for too): the app is
connected and no script (or fragment) runs, no element is stale (Streamlit greys what the
current run has not redrawn yet), no skeleton placeholder, every image decoded, every plotly
chart drawn, and the title is shown; then it must stay so for
``QUIET_MS`` (the time reported is when it first became so). A step counts only once a run
it caused has started (the page showed "running", or the server sent a message after the
input): a control that triggers no run is reported as an error.

Writes ``## UI responsiveness (LABEL)`` in benchmarks/RESULTS.md (other sections are left
alone) and the raw figures in benchmarks/out/bench_ui_LABEL.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from machine_ref import reference_seconds  # noqa: E402 (benchmarks/ is on the path)
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright
from results_md import cpu_name, write_section  # noqa: E402 (benchmarks/ is on the path)
from view_complete import VIEW_BUSY_JS  # noqa: E402 (benchmarks/ is on the path)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
VIEWPORTS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
QUIET_MS = 700
#: Targets in units of this machine's reference (machine_ref: ECCV16 256², 2 threads, median,
#: measured in the same run; issue 21): a screen's open (also its very first, on a fresh
#: page), a step's p95, ten quick steps' settle, the cold start.
TARGETS = {"open": 3.0, "step_p95": 1.0, "settle": 2.0, "cold": 6.0}

#: Screen -> controls, by widget key (Streamlit puts ``st-key-KEY`` on a keyed widget).
#: kind "slider": arrow keys on its thumb (st.slider and st.select_slider); "radio": click the
#: next option; "toggle": click it; "select": open the list, arrow down, Enter. Missing
#: controls are reported, not fatal.
SCREENS: dict[str, list[tuple[str, str]]] = {
    "home": [],
    "ntsc": [("ntsc_wR", "slider"), ("ntsc_norm", "toggle")],
    "lab": [("lab_gamut_L", "slider"), ("lab_sat", "slider"), ("lab_scaled", "toggle")],
    "pipeline": [("pipeline_scaling", "radio")],
    "sigmoid": [("sigmoid_x", "slider"), ("sigmoid_lr", "slider"), ("sigmoid_channel", "radio")],
    "unet": [("unet_block", "select")],
    "autoencoder": [("ae_t", "slider"), ("ae_mode", "radio")],
    "upsampling": [("up_kernel", "slider"), ("up_factor", "radio")],
    "experiments": [],
    "colorize": [("cz_sat", "slider"), ("cz_model_l", "toggle")],
    "hints": [],
    "train": [("tr_size", "slider")],
}

#: Installed in every document before the app's own scripts: script-state transitions, the
#: time of the last user input (both in performance.now() ms).
INIT_JS = """
window.__bench = {runs: [], input: 0};
new MutationObserver(ms => { for (const m of ms)
  window.__bench.runs.push([performance.now(), m.target.getAttribute(m.attributeName)]);
}).observe(document, {subtree: true, attributes: true,
                      attributeFilter: ['data-test-script-state']});
for (const ev of ['keydown', 'pointerdown'])
  document.addEventListener(ev, () => { window.__bench.input = performance.now(); }, true);
// The server's messages, timed: a section rerun that hits its caches can start and end
// between two paints, and the page's script-state attribute then never shows "running".
window.__bench.msgs = [];
const NativeWebSocket = window.WebSocket;
window.WebSocket = class extends NativeWebSocket {
  constructor(...args) {
    super(...args);
    this.addEventListener('message', () => window.__bench.msgs.push(performance.now()));
  }
};
"""

#: Resolves when the view is complete (see the module docstring) after time t0.
WAIT_JS = """
async ({t0, tRun, expectRun, quietMs, timeoutMs}) => {
  const busy = """ + VIEW_BUSY_JS + """;
  // A run counts if it starts after t0, or if one is going on now: a widget change during a
  // run restarts that run, and the page stays "running" without a new transition.
  const app0 = document.querySelector('[data-testid=stApp]');
  const going = app0 && app0.getAttribute('data-test-script-state') === 'running';
  let clearSince = null, reason = 'start';
  while (true) {
    const now = performance.now();
    const started = !expectRun || going
      || window.__bench.runs.some(r => r[0] >= tRun && r[1] === 'running')
      || window.__bench.msgs.some(t => t >= tRun);
    const b = started ? busy() : 'waiting for a run';
    if (b) { clearSince = null; reason = b; }
    else if (clearSince === null) clearSince = now;
    else if (now - clearSince >= quietMs) return {ms: clearSince - t0, ok: true};
    if (now - t0 > timeoutMs) return {ms: now - t0, ok: false, reason};
    await new Promise(r => setTimeout(r, 10));
  }
}
"""


# ---- server -----------------------------------------------------------------------------

def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(port: int, log: Path, app_dir: Path = ROOT) -> subprocess.Popen:
    """The app as ``bash scripts/run_app.sh`` serves it (without the pip install)."""
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port",
         str(port), "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=app_dir, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as r:
            return r.status == 200
    except OSError:
        return False


def wait_started(proc: subprocess.Popen, url: str, log: Path, since: float,
                 timeout: float = 120, poll: float = 0.05) -> None:
    """Until the app at ``url`` answers its health check; the log's tail if it dies or has
    not answered ``timeout`` seconds after ``since``."""
    while not healthy(url):
        if proc.poll() is not None or time.monotonic() - since > timeout:
            raise RuntimeError("server did not start:\n" + log.read_text()[-2000:])
        time.sleep(poll)


@contextmanager
def served(app_dir: Path = ROOT, tag: str = "bench_ui") -> Iterator[str]:
    """The app running on a free port for the ``with`` block: yields its base URL."""
    port = _port()
    url = f"http://127.0.0.1:{port}"
    log = Path(tempfile.gettempdir()) / f"{tag}_{port}.log"
    proc = launch(port, log, app_dir)
    try:
        wait_started(proc, url, log, time.monotonic(), poll=0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


# ---- browser ----------------------------------------------------------------------------

def wait_complete(pg, t0: float, expect_run: bool = True, timeout: float = 90,
                  run_after: float | None = None) -> float:
    """Seconds from ``t0`` (page clock, ms) to the complete view; raises if never complete.

    A run must have started after ``run_after`` (default ``t0``): in a burst of steps, the
    last step's change may join a run already going, with no new start of its own.
    """
    r = pg.evaluate(WAIT_JS, {"t0": t0, "tRun": t0 if run_after is None else run_after,
                              "expectRun": expect_run, "quietMs": QUIET_MS,
                              "timeoutMs": timeout * 1000})
    if not r["ok"]:
        raise TimeoutError(f"not complete after {r['ms'] / 1000:.0f} s ({r['reason']})")
    return r["ms"] / 1000


def url_of(base: str, screen: str) -> str:
    return f"{base}/" if screen == "home" else f"{base}/{screen}"


def open_by_link(pg, base: str, screen: str) -> float:
    """Type the address: a new document, so navigation start is performance.now() = 0."""
    pg.goto(url_of(base, screen), wait_until="commit")
    pg.wait_for_function("window.__bench !== undefined")
    return wait_complete(pg, 0.0)


def open_by_sidebar(pg, screen: str) -> float:
    tail = "/" if screen == "home" else f"/{screen}"
    pg.locator(f'[data-testid="stSidebarNav"] a[href$="{tail}"]').first.click()
    return wait_complete(pg, pg.evaluate("window.__bench.input"))


def control(pg, key: str):
    box = pg.locator(f'[data-testid="stMain"] .st-key-{key}')
    return box.first if box.count() else None


def slider_direction(thumb, previous: str | None = None) -> str:
    """Keep ``previous`` until the slider's end, else the arrow with more room left."""
    now, lo, hi = (float(thumb.get_attribute(a) or 0) for a in ("value", "min", "max"))
    if previous == "ArrowRight" and now < hi or previous == "ArrowLeft" and now > lo:
        return previous
    return "ArrowRight" if hi - now >= now - lo else "ArrowLeft"


def act(pg, box, kind: str, i: int) -> None:
    """One step of a control: a keypress, or a click on the next radio option / the toggle."""
    if kind == "slider":
        thumb = box.locator('input[type="range"]').first
        thumb.focus()
        pg.keyboard.press(slider_direction(thumb))
    elif kind == "select":
        box.locator("input").first.click()
        pg.keyboard.press("ArrowDown")
        pg.keyboard.press("Enter")
    elif kind == "radio":
        options = box.locator('[data-testid="stRadioOption"]')
        n = options.count()
        checked = next((j for j in range(n)
                        if options.nth(j).get_attribute("data-selected") == "true"), 0)
        options.nth((checked + 1) % n).click()
    else:
        box.locator('[data-testid="stCheckbox"] label').first.click()


def steps(pg, key: str, kind: str, n: int) -> list[float]:
    box = control(pg, key)
    if box is None:
        raise LookupError(f"control {key} not on the screen")
    times = []
    for i in range(n):
        act(pg, box, kind, i)
        times.append(wait_complete(pg, pg.evaluate("window.__bench.input")))
    return times


def quick_steps(pg, key: str, kind: str, n: int = 10, gap_ms: int = 100) -> float:
    """``n`` steps ``gap_ms`` apart; seconds from the last one to a settled view."""
    box = control(pg, key)
    if box is None:
        raise LookupError(f"control {key} not on the screen")
    first = pg.evaluate("performance.now()")
    if kind == "slider":
        thumb = box.locator('input[type="range"]').first
        thumb.focus()
        arrow = None
        for _ in range(n):
            arrow = slider_direction(thumb, arrow)
            pg.keyboard.press(arrow)
            pg.wait_for_timeout(gap_ms)
    else:
        for i in range(n):
            act(pg, box, kind, i)
            pg.wait_for_timeout(gap_ms)
    return wait_complete(pg, pg.evaluate("window.__bench.input"), run_after=first)


# ---- the run ----------------------------------------------------------------------------

def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile (p95 of 8 values is the largest: no flattering interpolation)."""
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(-(-q * len(s) // 100)) - 1))]


def cold_start(browser, viewport: dict, app_dir: Path) -> dict:
    port = _port()
    url = f"http://127.0.0.1:{port}"
    log = Path(tempfile.gettempdir()) / f"bench_ui_{port}.log"
    t_launch = time.monotonic()
    proc = launch(port, log, app_dir)
    try:
        wait_started(proc, url, log, t_launch)
        t_health = time.monotonic()
        ctx = browser.new_context(viewport=viewport)
        ctx.add_init_script(INIT_JS)
        pg = ctx.new_page()
        t_goto = time.monotonic()
        pg.goto(url, wait_until="commit")
        pg.wait_for_function("window.__bench !== undefined")
        pg.wait_for_selector('[data-testid="stMain"] h1', timeout=120_000)
        title = pg.evaluate("performance.now()") / 1000
        complete = wait_complete(pg, 0.0)
        ctx.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    before = t_goto - t_launch
    return {"health_s": t_health - t_launch, "title_s": before + title,
            "complete_s": before + complete}


def wait_ready(base: str, timeout: float = 180) -> float:
    """Wait for the readiness check the deploy files use (every screen warmed by the server
    itself, ui/warm.py); seconds waited."""
    from load.server import wait_ready as ready  # benchmarks/ is on the path

    t0 = time.monotonic()
    if not ready(base, timeout):
        raise RuntimeError("this app has no readiness check (/_stcore/script-health-check)")
    return time.monotonic() - t0


def measure_fresh(browser, base: str, viewport: dict, screens: list[str]) -> dict:
    """The first student's first open of each screen: a new browser context per screen (no
    cache, no cookie, no earlier visit), on a server that has said it is ready."""
    out = {}
    for screen in screens:
        ctx = browser.new_context(viewport=viewport)
        ctx.add_init_script(INIT_JS)
        pg = ctx.new_page()
        pg.set_default_timeout(60_000)
        try:
            out[screen] = open_by_link(pg, base, screen)
        except (TimeoutError, PlaywrightError) as e:
            out[screen] = f"error: {str(e).splitlines()[0]}"
        ctx.close()
        print(f"{screen:12s} fresh page, first open {out[screen]}", flush=True)
    return out


#: Streamlit's own floor on this machine and browser (``--floor``): the same measures on apps
#: that show nothing of ours, in the same run.
FLOOR_APPS = {
    "a title": 'import streamlit as st\nst.title("Floor")\n',
    "a title and one plotly chart": (
        'import plotly.graph_objects as go\nimport streamlit as st\nst.title("Floor")\n'
        '@st.fragment\n'
        'def chart():\n'
        '    n = st.slider("n", 1, 40, 20, key="floor_n")\n'
        '    st.plotly_chart(go.Figure(go.Scatter(x=list(range(50)), y=[i % n for i in range(50)])))\n'
        'chart()\n'),
}


def floor_steps(browser, base: str, viewport: dict, n: int = 8) -> list[float]:
    """Single steps of the floor app's slider (a section with one chart), warm page."""
    ctx = browser.new_context(viewport=viewport)
    ctx.add_init_script(INIT_JS)
    pg = ctx.new_page()
    pg.set_default_timeout(60_000)
    try:
        open_by_link(pg, base, "home")
        return steps(pg, "floor_n", "slider", n)
    finally:
        ctx.close()


def measure_floor(browser, viewport: dict, repeats: int = 3) -> dict:
    """Cold start and first open on a fresh page of :data:`FLOOR_APPS` (the app's own
    ``.streamlit/config.toml``, without its readiness check): what no cut in this app can
    go below, with Streamlit, this Chromium and these cores. Median of ``repeats``."""
    out = {}
    for what, source in FLOOR_APPS.items():
        with tempfile.TemporaryDirectory() as tmp:
            app = Path(tmp)
            (app / "streamlit_app.py").write_text(source)
            (app / ".streamlit").mkdir()
            config = (ROOT / ".streamlit" / "config.toml").read_text()
            (app / ".streamlit" / "config.toml").write_text(
                config.replace("scriptHealthCheckEnabled = true", ""))
            cold = [cold_start(browser, viewport, app)["complete_s"] for _ in range(repeats)]
            with served(app, tag="bench_ui_floor") as base:
                fresh = [measure_fresh(browser, base, viewport, ["home"])["home"]
                         for _ in range(repeats)]
                step = floor_steps(browser, base, viewport) if "floor_n" in source else []
        fresh = [v for v in fresh if isinstance(v, float)]
        out[what] = {"cold_s": statistics.median(cold),
                     "fresh_s": statistics.median(fresh) if fresh else None,
                     "step_p50": pct(step, 50) if step else None,
                     "step_p95": pct(step, 95) if step else None}
        print(f"floor, {what}: {out[what]}", flush=True)
    return out


def measure_screen(pg, base: str, screen: str, other: str, repeats: int,
                   n_steps: int) -> dict:
    """Opens (address, sidebar from ``other``) and the controls of one screen."""
    r: dict = {"link": [], "sidebar": [], "controls": {}, "errors": []}
    for _ in range(repeats):
        r["link"].append(open_by_link(pg, base, screen))
        open_by_sidebar(pg, other)
        r["sidebar"].append(open_by_sidebar(pg, screen))
    for key, kind in SCREENS.get(screen, []):
        try:
            c = {"kind": kind, "steps": steps(pg, key, kind, n_steps)}
            r["controls"][key] = c
            c["settle"] = quick_steps(pg, key, kind)
        except (LookupError, TimeoutError, PlaywrightError) as e:
            what = "ten quick steps" if key in r["controls"] else "steps"
            r["errors"].append(f"{key}, {what}: {str(e).splitlines()[0]}")
            r["controls"].pop(key, None)
            open_by_link(pg, base, screen)  # a clean page for the next control
    return r


def measure(browser, base: str, viewport: dict, screens: list[str], repeats: int,
            n_steps: int, partial: Path | None = None, warm_visit: bool = True) -> dict:
    ctx = browser.new_context(viewport=viewport)
    ctx.add_init_script(INIT_JS)
    pg = ctx.new_page()
    pg.set_default_timeout(60_000)
    out: dict = {}
    missing = []
    for screen in screens if warm_visit else []:  # the teacher's visit: every screen once
        try:
            open_by_link(pg, base, screen)
        except (TimeoutError, PlaywrightError) as e:  # not in this version of the app
            missing.append(screen)
            out[screen] = {"link": [], "sidebar": [], "controls": {},
                           "errors": [f"not available: {str(e).splitlines()[0]}"]}
    screens = [s for s in screens if s not in missing]
    for i, screen in enumerate(screens):
        other = screens[i - 1] if i else screens[-1]
        if other == screen:  # one screen measured: come back to it from another one
            other = "ntsc" if screen == "home" else "home"
        try:
            r = measure_screen(pg, base, screen, other, repeats, n_steps)
        except (TimeoutError, PlaywrightError) as e:
            out[screen] = {"link": [], "sidebar": [], "controls": {},
                           "errors": [str(e).splitlines()[0]]}
            print(f"{screen:12s} error: {out[screen]['errors'][0]}", flush=True)
            continue
        out[screen] = r
        if partial is not None:  # a crash later loses nothing measured so far
            partial.write_text(json.dumps(out, indent=1))
        print(f"{screen:12s} sidebar {statistics.median(r['sidebar']):5.2f} s, link "
              f"{statistics.median(r['link']):5.2f} s, "
              + ", ".join(f"{k} p95 {pct(c['steps'], 95):.2f} s settle {c['settle']:.2f} s"
                          for k, c in r["controls"].items())
              + ("; " + "; ".join(r["errors"]) if r["errors"] else ""), flush=True)
    ctx.close()
    return out


def screenshots(browser, base: str, screens: list[str], folder: Path) -> list[Path]:
    """Every screen, French and English, desktop and phone, whole page (to look at)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for vp_name, viewport in VIEWPORTS.items():
        ctx = browser.new_context(viewport=viewport)
        ctx.add_init_script(INIT_JS)
        pg = ctx.new_page()
        for lang in ("fr", "en"):
            for screen in screens:
                pg.set_viewport_size(viewport)
                pg.goto(f"{url_of(base, screen)}?lang={lang}", wait_until="commit")
                pg.wait_for_function("window.__bench !== undefined")
                wait_complete(pg, 0.0)
                # Streamlit scrolls inside its main block: a viewport as tall as the page.
                height = pg.evaluate("document.querySelector('[data-testid=stMain]')"
                                     ".scrollHeight")
                pg.set_viewport_size({"width": viewport["width"], "height": min(height, 12000)})
                pg.wait_for_timeout(1500)  # charts redraw at the new size
                path = folder / f"{screen}_{lang}_{vp_name}.png"
                pg.screenshot(path=str(path))
                paths.append(path)
                print(path, flush=True)
        ctx.close()
    return paths


def report(res: dict) -> str:
    """The RESULTS.md section, with each figure's verdict against the targets (in ref)."""
    ref = res["ref_s"]

    def mark(value: float, target: float) -> str:
        return f"{value:.2f} s = {value / ref:.1f} ref" + ("" if value <= target * ref else " ✗")

    m = res["machine"]
    lines = [
        f"## UI responsiveness ({res['label']})", "",
        f"*`python benchmarks/bench_ui.py` on {res['date']}: {m['cpu']}, {m['cores']} cores, "
        f"{m['system']}; Streamlit {m['streamlit']}, Chromium {m['chromium']}, viewport "
        f"{res['viewport']} {VIEWPORTS[res['viewport']]['width']}x"
        f"{VIEWPORTS[res['viewport']]['height']}; one user, server and browser on the same "
        f"cores. Load average {m['load_before']} at start, {m['load_after']} at the end; "
        f"{res['repeats']} opens and {res['steps']} steps per control.*", "",
    ]
    if res.get("note"):
        lines += [res["note"], ""]
    c = res["cold"]
    lines += [f"ref = ECCV16 256², 2 threads, median, measured in this run: **{ref:.3f} s**. "
              "Targets in ref (issue 21): cold start ≤ 6, open ≤ 3 (also a screen's very first "
              "open on a fresh page), step p95 ≤ 1, ten quick steps settle ≤ 2; ✗ marks a "
              "figure over its target.", "",
              "Cold start (server launch to a complete home page): "
              f"**{mark(c['complete_s'], TARGETS['cold'])}** (health check {c['health_s']:.1f} s, title "
              f"{c['title_s']:.1f} s).", ""]
    if res.get("floor"):
        lines += ["Streamlit's own floor, same run (`--floor`: apps with nothing of ours, the "
                  "same config, median of 3): "
                  + "; ".join(f"{what}: cold start {mark(v['cold_s'], TARGETS['cold'])}, first "
                              "open on a fresh page "
                              + (mark(v['fresh_s'], TARGETS['open']) if v['fresh_s'] else "error")
                              + (f", a slider step redrawing the chart p50 {v['step_p50']:.2f} s, "
                                 f"p95 {mark(v['step_p95'], TARGETS['step_p95'])}"
                                 if v.get("step_p95") else "")
                              for what, v in res["floor"].items()) + ".", ""]
    if res.get("fresh"):
        lines += [f"First open of each screen, a fresh browser page each (no cache, no earlier "
                  f"visit), once the server said it was ready ({res['ready_s']:.1f} s after "
                  "its health check; it opens every screen itself first, ui/warm.py):", "",
                  "| screen | first open |", "|---|---:|"]
        lines += [f"| {k} | {mark(v, TARGETS['open']) if isinstance(v, float) else v} |"
                  for k, v in res["fresh"].items()]
        lines.append("")
    if not res["screens"]:
        return "\n".join(lines) + "\n"
    lines += ["Open = median (max) of the repeats on a warm page; step = p50 / p95 of single "
              "steps; settle = after ten quick steps.", "",
              "| screen | open, sidebar | open, address | control | step p50 | step p95 "
              "| ten steps settle |", "|---|---:|---:|---|---:|---:|---:|"]
    for screen, r in res["screens"].items():
        side, link = r["sidebar"], r["link"]
        if not side:
            lines.append(f"| {screen} | error: {'; '.join(r['errors'])} | | | | | |")
            continue
        head = (f"| {screen} | {mark(statistics.median(side), TARGETS['open'])} "
                f"({max(side):.2f}) | {mark(statistics.median(link), TARGETS['open'])} "
                f"({max(link):.2f})")
        rows = [(k, c) for k, c in r["controls"].items()] or [("—", None)]
        for i, (key, ctl) in enumerate(rows):
            lead = head if i == 0 else "| | |"
            if ctl is None:
                lines.append(f"{lead} | — | | | |")
                continue
            lines.append(f"{lead} | `{key}` ({ctl['kind']}) | {pct(ctl['steps'], 50):.2f} s | "
                         f"{mark(pct(ctl['steps'], 95), TARGETS['step_p95'])} | "
                         f"{mark(ctl['settle'], TARGETS['settle'])} |")
        for err in r["errors"]:
            lines.append(f"| | | | error: {err} | | | |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--screens", nargs="+", default=list(SCREENS), choices=list(SCREENS))
    p.add_argument("--repeats", type=int, default=3, help="opens per screen and way")
    p.add_argument("--steps", type=int, default=8, help="single steps per control")
    p.add_argument("--viewport", choices=list(VIEWPORTS), default="desktop")
    p.add_argument("--label", default="latest", help="names the RESULTS.md section")
    p.add_argument("--note", default="", help="a sentence for RESULTS.md (machine load...)")
    p.add_argument("--app-dir", type=Path, default=ROOT,
                   help="run the app from another checkout (a baseline: git archive HEAD)")
    p.add_argument("--shots", type=Path, default=None,
                   help="instead of measuring: screenshots of every screen into this folder")
    p.add_argument("--no-write", action="store_true")
    p.add_argument("--fresh", action="store_true",
                   help="also: each screen's first open on a fresh page, no warm-up visit")
    p.add_argument("--floor", action="store_true",
                   help="also: Streamlit's own floor (a bare app, and one with a chart)")
    p.add_argument("--only-first", action="store_true",
                   help="cold start, --floor and --fresh only (no warm opens or steps)")
    p.add_argument("--no-warm-visit", action="store_true",
                   help="skip the teacher's warm-up visit of every screen (the server's own "
                        "warm-up, ui/warm.py, still runs)")
    args = p.parse_args(argv)

    import streamlit

    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        raise SystemExit("chromium is missing (apt-get install chromium)")
    load = " / ".join(f"{v:.1f}" for v in os.getloadavg())
    res = {"label": args.label, "viewport": args.viewport, "repeats": args.repeats,
           "steps": args.steps, "note": args.note,
           "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "machine": {"cpu": cpu_name(), "cores": os.cpu_count(), "system": platform.platform(),
                       "streamlit": streamlit.__version__, "load_before": load}}
    viewport = VIEWPORTS[args.viewport]
    res["ref_s"] = reference_seconds()  # before the browser and servers share the cores
    print(f"ref = {res['ref_s']:.3f} s", flush=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_FLAGS)
        res["machine"]["chromium"] = browser.version
        if args.shots is not None:
            with served(args.app_dir) as base:
                screenshots(browser, base, args.screens, args.shots)
            browser.close()
            return res
        res["cold"] = cold_start(browser, viewport, args.app_dir)
        print(f"cold start: complete {res['cold']['complete_s']:.1f} s", flush=True)
        out = ROOT / "benchmarks" / "out"
        out.mkdir(parents=True, exist_ok=True)
        slug = "".join(ch if ch.isalnum() else "_" for ch in args.label)
        if args.floor:
            res["floor"] = measure_floor(browser, viewport)
        if args.fresh:
            with served(args.app_dir) as base:
                res["ready_s"] = wait_ready(base)
                res["fresh"] = measure_fresh(browser, base, viewport, args.screens)
        res["screens"] = {}
        if not args.only_first:
            with served(args.app_dir) as base:
                res["screens"] = measure(browser, base, viewport, args.screens, args.repeats,
                                         args.steps, out / f"bench_ui_{slug}.partial.json",
                                         warm_visit=not args.no_warm_visit)
        browser.close()
    res["machine"]["load_after"] = " / ".join(f"{v:.1f}" for v in os.getloadavg())
    section = report(res)
    print(section)
    if not args.no_write:
        (out / f"bench_ui_{slug}.json").write_text(json.dumps(res, indent=1))
        write_section(RESULTS, section.splitlines()[0], section)
    return res


if __name__ == "__main__":
    main()
