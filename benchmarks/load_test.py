"""Load test: a class of students on one server (loopback only; stops by itself).

    python benchmarks/load_test.py                       # starts its own server
    python benchmarks/load_test.py --url http://127.0.0.1:8501 --pid 1234
    python benchmarks/load_test.py --students 30 --concurrent 10 --trainers 5
    python benchmarks/load_test.py --client browser      # real Chromium pages instead

Each simulated student opens the colorize screen, uploads its own photo (a different one
each), waits for the colorized result, then moves the saturation control a few times.
``--trainers`` of them then open the live-training screen and train for
``--train-seconds``. At most ``--concurrent`` students are active at once (the total stays
``--students``). Measured: latency of the colorize (upload -> result) and of a control
change, errors (exception elements, timeouts, HTTP errors), the server's peak resident
memory (/proc/PID/status). The summary is printed as JSON and written under
"## Load test (30 students)" in benchmarks/RESULTS.md (only that section is replaced).

Two kinds of simulated student (``--client``):

* ``ws`` (default): a protocol-level client, one websocket per student speaking
  Streamlit's own protocol (BackMsg / ForwardMsg protobufs on ``/_stcore/stream``), like
  the browser's JavaScript does, without rendering anything: so the measured latency is
  the server's, not that of browsers sharing its CPU (in a classroom the browsers run on
  the students' own devices). It does what the page does in a browser: takes the XSRF
  cookie from ``/_stcore/health`` (XSRF protection stays on), sends all its widget states
  on every rerun, uploads with ``file_urls_request`` + HTTP PUT (multipart, with the
  ``X-Xsrftoken`` header), GETs the ``/media/...`` images each run shows (their download
  counts in the latency), and sends the ``run_every`` fragment reruns of the training
  screen every interval. A latency runs from the request (upload start, or widget change)
  to the ``script_finished`` of the rerun it caused plus the images' download.
* ``browser``: a Chromium browser context per student (one Chromium, Playwright). Its
  latency (upload -> result on screen) includes Chromium rendering the page on the same
  cores as the server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from PIL import Image
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.i18n import t  # noqa: E402

SECTION = "## Load test (30 students)"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking"]
MAIN = '[data-testid="stMain"]'
PHOTO_DIRS = [ROOT.parent / "shared" / "data" / "bsds500" / "val",
              ROOT.parent / "shared" / "data" / "imagenet-sample"]


# ---- server -----------------------------------------------------------------------------

def free_port(first: int = 8640, last: int = 8699) -> int:
    for port in range(first, last + 1):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


def start_server(port: int, env: dict | None = None) -> subprocess.Popen:
    log = open(Path(tempfile.gettempdir()) / f"load_test_streamlit_{port}.log", "wb")  # noqa: SIM115
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        env={**os.environ, **(env or {})})


def start_nginx(front: int, backends: list[int], workdir: Path) -> subprocess.Popen:
    """nginx in front of the replicas, with the shipped ``deploy/nginx.conf`` (sticky by the
    browser's XSRF cookie, websocket headers): only the ports and paths are changed."""
    import re

    exe = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(exe).exists():
        raise SystemExit("nginx is missing (apt-get install nginx) for --replicas > 1")
    conf = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    servers = "".join(f"        server 127.0.0.1:{p} max_fails=3 fail_timeout=10s;\n"
                      for p in backends)
    conf = re.sub(r"(?:^\s*server 127\.0\.0\.1:\d+[^\n]*\n)+", servers, conf, flags=re.M)
    conf = re.sub(r"^\s*listen \d+;", f"        listen 127.0.0.1:{front};", conf, flags=re.M)
    conf = conf.replace("worker_processes auto;", "worker_processes 1;")
    conf = re.sub(r"/tmp/nginx-colorisation([-.\w]*)", lambda m: f"{workdir}/nginx{m.group(1)}",
                  conf)
    path = workdir / "nginx.conf"
    path.write_text(conf, encoding="utf-8")
    log = open(workdir / "nginx.log", "wb")  # noqa: SIM115
    return subprocess.Popen([exe, "-c", str(path), "-g", "daemon off;"], stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)


def wait_healthy(url: str, timeout: float = 90) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(url)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/PID/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class MemoryWatch(threading.Thread):
    """Peak VmRSS (MiB) of processes (the replicas) and their children, every 0.25 s."""

    def __init__(self, pids: list[int]):
        super().__init__(daemon=True)
        self.pids, self.peak, self.samples, self.stop_flag = pids, 0.0, [], False

    @classmethod
    def total_mib(cls, pids: list[int]) -> float:
        return sum(cls.rss_mib(p) for p in pids)

    @staticmethod
    def rss_mib(pid: int) -> float:
        total = 0.0
        pids = [pid]
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            pids += [int(c) for c in children]
        except OSError:
            pass
        for p in pids:
            try:
                for line in Path(f"/proc/{p}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) / 1024
            except OSError:
                continue
        return total

    def run(self) -> None:
        while not self.stop_flag and self.pids:
            m = self.total_mib(self.pids)
            self.samples.append(m)
            self.peak = max(self.peak, m)
            time.sleep(0.25)


# ---- photos -----------------------------------------------------------------------------

def student_photos(n: int) -> list[tuple[str, bytes]]:
    """n different JPEG photos: the shared data sets when present, else varied samples."""
    files = []
    for d in PHOTO_DIRS:
        if d.is_dir():
            files = sorted(p for p in d.iterdir() if p.suffix.lower() in (".jpg", ".jpeg"))
            if len(files) >= n:
                break
    if len(files) >= n:
        return [(p.name, p.read_bytes()) for p in files[:n]]
    from core.samples import COLOUR_SAMPLES, load_sample

    names = list(COLOUR_SAMPLES)
    out = []
    rng = np.random.default_rng(0)
    for i in range(n):
        rgb = load_sample(names[i % len(names)]).astype(np.int16)
        rgb = np.clip(rgb + rng.integers(-20, 20, 3), 0, 255).astype(np.uint8)  # all differ
        buf = io.BytesIO()
        Image.fromarray(rgb).save(buf, format="JPEG", quality=88)
        out.append((f"student{i}.jpg", buf.getvalue()))
    return out


# ---- one student, in Chromium (--client browser) -----------------------------------------

async def script_state(pg) -> tuple:
    return tuple(await pg.evaluate(
        "(() => { const a = document.querySelector('[data-testid=stApp]');"
        " return a ? [a.getAttribute('data-test-script-state'),"
        " a.getAttribute('data-test-connection-state')] : [null, null]; })()"))


async def wait_idle(pg, timeout: float = 120, expect_run: float = 2.0) -> float:
    """Wait for the run to end (then 0.3 s of calm); returns when it ended (monotonic)."""
    start = time.monotonic()
    while time.monotonic() - start < expect_run and (await script_state(pg))[0] != "running":
        await asyncio.sleep(0.03)
    quiet = None
    while True:
        state, conn = await script_state(pg)
        now = time.monotonic()
        if state == "notRunning" and conn == "CONNECTED":
            quiet = quiet or now
            if now - quiet >= 0.3:
                return quiet
        else:
            quiet = None
        if now - start > timeout:
            raise TimeoutError(f"still {state}/{conn} after {timeout} s")
        await asyncio.sleep(0.05)


async def check_no_exception(pg, where: str) -> None:
    if await pg.locator('[data-testid="stException"]').count():
        raise RuntimeError(f"{where}: exception box on screen")


async def student(i: int, browser, url: str, photo: tuple[str, bytes], train: bool,
                  args, stats: dict) -> None:
    ctx = await browser.new_context(viewport={"width": 1280, "height": 800})
    pg = await ctx.new_page()
    pg.set_default_timeout(120_000)
    try:
        await pg.goto(f"{url}/colorize?lang=fr")
        await wait_idle(pg)
        await check_no_exception(pg, "open")
        await pg.locator(f'{MAIN} [data-testid="stRadio"] label').filter(
            has_text=t("colorize.source_upload", "fr")).first.click()
        await wait_idle(pg)
        name, data = photo
        t0 = time.monotonic()
        await pg.locator(f'{MAIN} [data-testid="stFileUploaderDropzoneInput"]').first \
            .set_input_files({"name": name, "mimeType": "image/jpeg", "buffer": data})
        stats["colorize"].append(await wait_idle(pg, expect_run=5) - t0)
        await check_no_exception(pg, "colorize")
        sliders = pg.locator(f'{MAIN} [data-testid="stSlider"] input[type="range"]')
        control = sliders.nth(1) if await sliders.count() > 1 else sliders.first
        for k in range(args.controls):
            await control.focus()
            t0 = time.monotonic()
            await control.press("ArrowLeft" if k % 2 else "ArrowRight")
            stats["control"].append(await wait_idle(pg, expect_run=3) - t0)
            await check_no_exception(pg, "control")
        if train:
            await pg.goto(f"{url}/train?lang=fr")
            await wait_idle(pg)
            await pg.locator(f"{MAIN} button").filter(
                has_text=t("train.start", "fr")).first.click()
            await asyncio.sleep(args.train_seconds)
            await check_no_exception(pg, "train")
            metric = pg.locator(f'{MAIN} [data-testid="stMetric"]').filter(
                has_text=t("train.m_steps", "fr")).first
            steps = int((await metric.locator('[data-testid="stMetricValue"]')
                         .inner_text()).strip())
            stats["train_steps"].append(steps)
            await pg.locator(f"{MAIN} button").filter(
                has_text=t("train.pause", "fr")).first.click()
            await wait_idle(pg, expect_run=3)
        stats["done"] += 1
    except Exception as e:  # counted, reported: the load test itself never crashes
        stats["errors"].append(f"student {i}: {type(e).__name__}: {str(e)[:160]}")
    finally:
        await ctx.close()


# ---- one student, protocol level (--client ws) -------------------------------------------

RUN_TIMEOUT = 120.0  # seconds a run may take before it counts as a timeout (as in Chromium)
#: Widgets whose value the browser holds (and sends on every rerun) from their first render.
VALUE_WIDGETS = ("radio", "selectbox", "slider", "checkbox", "file_uploader")


async def http(method: str, url: str, headers: dict | None = None, body: bytes = b"",
               timeout: float = 60.0) -> tuple[int, dict[str, list[str]], bytes]:
    """One HTTP/1.1 request on its own connection (asyncio, no thread, no dependency)."""
    u = urllib.parse.urlsplit(url)
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(u.hostname, u.port or 80), timeout)
    try:
        path = (u.path or "/") + (f"?{u.query}" if u.query else "")
        lines = [f"{method} {path} HTTP/1.1", f"Host: {u.netloc}", "Connection: close",
                 "Accept-Encoding: gzip", f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    head, _, data = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    hdrs: dict[str, list[str]] = {}
    for line in header_lines:
        k, _, v = line.partition(":")
        hdrs.setdefault(k.strip().lower(), []).append(v.strip())
    if "chunked" in hdrs.get("transfer-encoding", [""])[0]:
        out, rest = b"", data
        while rest:
            size, _, rest = rest.partition(b"\r\n")
            n = int(size.split(b";")[0] or b"0", 16)
            if n == 0:
                break
            out, rest = out + rest[:n], rest[n + 2:]
        data = out
    return int(status_line.split()[1]), hdrs, data


class WsStudent:
    """A Streamlit client without a browser: one session on /_stcore/stream.

    Mirrors what the web app's JavaScript does: keeps the value of every widget it was
    shown and sends them all with each rerun (button triggers only once), follows the
    server's ``auto_rerun`` timers (fragment ``run_every``) until the next full run, and
    fetches the images of each run. Errors seen in the stream (exception elements,
    compile errors, missing page, failed image) are kept in ``self.problems``.
    """

    def __init__(self, url: str):
        self.url = url.rstrip("/")
        self.origin = self.url
        self.xsrf = ""
        self.ws = None
        self.reader_task: asyncio.Task | None = None
        self.session_id = ""
        self.page_hash = ""
        self.query = ""
        self.pages: dict[str, str] = {}  # url path -> page script hash (st.navigation's)
        self.states: dict[str, WidgetState] = {}  # widget id -> value sent on reruns
        self.widgets: dict[str, tuple[str, object, int]] = {}  # id -> (kind, proto, root)
        self.run_widgets: set[str] = set()  # ids rendered since the last full run started
        self.buttons: dict[str, str] = {}  # label -> id (the latest run's)
        self.metrics: dict[str, str] = {}  # label -> value shown
        self.problems: list[str] = []
        self.media: list[asyncio.Task] = []
        self.seen_media: set[str] = set()
        self.timers: dict[str, tuple[float, asyncio.Task]] = {}  # fragment id -> auto rerun
        self.full_started = 0  # full (not fragment) runs started, by new_session
        self.idle = asyncio.Event()
        self.changed = asyncio.Event()  # any full-run start or end
        self.file_urls: dict[str, asyncio.Future] = {}
        self.closed_reason = ""

    # -- connection -----------------------------------------------------------------------
    async def connect(self) -> None:
        from websockets.asyncio.client import connect
        from websockets.typing import Origin, Subprotocol

        status, hdrs, _ = await http("GET", f"{self.url}/_stcore/health")
        if status != 200:
            raise RuntimeError(f"health: HTTP {status}")
        for cookie in hdrs.get("set-cookie", []):  # XSRF on (the default): double submit
            name, _, value = cookie.split(";")[0].partition("=")
            if name.strip() == "_streamlit_xsrf":
                self.xsrf = value.strip()
        protocols = [Subprotocol("streamlit")] + ([Subprotocol(self.xsrf)] if self.xsrf else [])
        ws_url = "ws" + self.url[len("http"):] + "/_stcore/stream"
        self.ws = await connect(
            ws_url, origin=Origin(self.origin), subprotocols=protocols,
            additional_headers=self.cookie_header(), max_size=None, max_queue=256,
            proxy=None, open_timeout=30, user_agent_header="load_test (websocket client)")
        self.reader_task = asyncio.create_task(self.read_loop())

    def cookie_header(self) -> dict[str, str]:
        return {"Cookie": f"_streamlit_xsrf={self.xsrf}"} if self.xsrf else {}

    async def close(self) -> None:
        for _, task in self.timers.values():
            task.cancel()
        self.timers.clear()
        for task in self.media:
            task.cancel()
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), 5)
        if self.reader_task is not None:
            self.reader_task.cancel()
            with contextlib.suppress(BaseException):
                await self.reader_task

    async def read_loop(self) -> None:
        try:
            async for raw in self.ws:
                msg = ForwardMsg()
                msg.ParseFromString(raw)
                self.handle(msg)
        except Exception as e:  # reported by the next wait
            self.closed_reason = f"{type(e).__name__}: {str(e)[:100]}"
        self.closed_reason = self.closed_reason or "websocket closed by the server"
        self.changed.set()

    async def send(self, back: BackMsg) -> None:
        await self.ws.send(back.SerializeToString())

    # -- incoming ForwardMsgs ---------------------------------------------------------------
    def handle(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            ns = msg.new_session
            if ns.initialize.session_id:
                self.session_id = ns.initialize.session_id
            if not msg.metadata.run.fragment_ids:  # a full run: the browser drops its timers
                self.page_hash = ns.page_script_hash or self.page_hash
                self.stop_timers(list(self.timers))
                self.full_started += 1
                self.run_widgets = set()
                self.idle.clear()
                self.changed.set()
        elif kind == "navigation":
            self.note_pages(msg.navigation.app_pages)
            self.page_hash = msg.navigation.page_script_hash or self.page_hash
        elif kind == "page_info_changed":
            self.query = msg.page_info_changed.query_string
        elif kind == "delta":
            self.handle_delta(msg)
        elif kind == "script_finished":
            if msg.script_finished in (ForwardMsg.FINISHED_SUCCESSFULLY,
                                       ForwardMsg.FINISHED_WITH_COMPILE_ERROR):
                self.idle.set()
                self.changed.set()
        elif kind == "auto_rerun":
            self.start_timer(msg.auto_rerun.fragment_id, msg.auto_rerun.interval)
        elif kind == "stop_auto_rerun":
            self.stop_timers(list(msg.stop_auto_rerun.fragment_ids))
        elif kind == "file_urls_response":
            fut = self.file_urls.pop(msg.file_urls_response.response_id, None)
            if fut is not None and not fut.done():
                fut.set_result(msg.file_urls_response)
        elif kind == "session_event":
            if msg.session_event.HasField("script_compilation_exception"):
                e = msg.session_event.script_compilation_exception
                self.problems.append(f"compile error {e.type}: {e.message[:120]}")
        elif kind == "page_not_found":
            self.problems.append(f"page not found: {msg.page_not_found.page_name}")
        elif kind == "ref_hash":  # only sent for hashes we advertise; we advertise none
            self.problems.append("unexpected cached message reference")

    def note_pages(self, app_pages) -> None:
        # Not new_session.app_pages: before the first st.navigation call of a fresh server
        # those list the pages/ folder (Streamlit's old mode), with other hashes.
        for p in app_pages:
            if p.url_pathname:
                self.pages[p.url_pathname] = p.page_script_hash

    def handle_delta(self, msg: ForwardMsg) -> None:
        delta = msg.delta
        if delta.WhichOneof("type") != "new_element":
            return
        el = delta.new_element
        kind = el.WhichOneof("type")
        if kind is None:
            return
        proto = getattr(el, kind)
        root = msg.metadata.delta_path[0] if msg.metadata.delta_path else 0
        if kind == "exception":
            warn = " (warning)" if proto.is_warning else ""
            self.problems.append(f"exception{warn} {proto.type}: {proto.message[:120]}")
        elif kind == "imgs":
            for img in proto.imgs:
                self.fetch(img.url)
        elif kind == "iframe" and proto.src.startswith("/"):
            self.fetch(proto.src)
        elif kind == "metric":
            self.metrics[proto.label] = proto.body
        if kind in ("button", "download_button") and proto.id:
            self.buttons[proto.label] = proto.id
        if kind in VALUE_WIDGETS and getattr(proto, "id", ""):
            self.widgets[proto.id] = (kind, proto, root)
            self.run_widgets.add(proto.id)
            state = widget_value(kind, proto, force=proto.id not in self.states)
            if state is not None:
                self.states[proto.id] = state

    def fetch(self, url: str) -> None:
        """Download an image the page shows, as the browser does (each URL once)."""
        if not url.startswith("/") or url in self.seen_media:
            return
        self.seen_media.add(url)

        async def get() -> str | None:
            status, _, _ = await http("GET", self.url + url, self.cookie_header())
            return None if status == 200 else f"GET {url[:40]}: HTTP {status}"

        self.media.append(asyncio.create_task(get()))

    async def media_done(self) -> list[str]:
        """Wait for the pending image downloads; their failures."""
        tasks, self.media = self.media, []
        results = await asyncio.wait_for(
            asyncio.gather(*tasks, return_exceptions=True), RUN_TIMEOUT)
        return [r if isinstance(r, str) else f"GET: {type(r).__name__}: {r}"
                for r in results if r is not None]

    # -- fragment timers (st.fragment(run_every=...)) ---------------------------------------
    def start_timer(self, fragment_id: str, interval: float) -> None:
        if fragment_id in self.timers and self.timers[fragment_id][0] == interval:
            return  # re-registered with the same interval: the countdown goes on
        self.stop_timers([fragment_id])

        async def tick() -> None:
            while True:
                await asyncio.sleep(interval)
                with contextlib.suppress(Exception):
                    await self.send(self.rerun_msg(fragment_id=fragment_id, auto=True))

        self.timers[fragment_id] = (interval, asyncio.create_task(tick()))

    def stop_timers(self, fragment_ids: list[str]) -> None:
        for fid in fragment_ids:
            entry = self.timers.pop(fid, None)
            if entry is not None:
                entry[1].cancel()

    # -- outgoing ---------------------------------------------------------------------------
    def rerun_msg(self, *, page_hash: str | None = None, page_name: str = "",
                  fragment_id: str = "", auto: bool = False) -> BackMsg:
        back = BackMsg()
        cs = back.rerun_script
        cs.query_string = self.query
        cs.page_script_hash = self.page_hash if page_hash is None else page_hash
        cs.page_name = page_name
        cs.fragment_id = fragment_id
        cs.is_auto_rerun = auto
        cs.widget_states.widgets.extend(self.states.values())
        ci = cs.context_info
        ci.timezone, ci.timezone_offset, ci.locale = "Europe/Paris", -60, "fr-FR"
        ci.url, ci.is_embedded, ci.color_scheme = self.url + "/", False, "light"
        return back

    async def rerun(self, *, page_hash: str | None = None, page_name: str = "") -> None:
        """A full rerun with the current widget states; returns when it has finished."""
        started = self.full_started
        msg = self.rerun_msg(page_hash=page_hash, page_name=page_name)
        for wid in [w for w, st in self.states.items() if st.HasField("trigger_value")]:
            del self.states[wid]  # a click is sent once (not again by a fragment timer)
        await self.send(msg)
        await self.wait_run(started)

    async def wait_run(self, started: int) -> None:
        end = time.monotonic() + RUN_TIMEOUT
        while not (self.full_started > started and self.idle.is_set()):
            if self.closed_reason:
                raise ConnectionError(self.closed_reason)
            self.changed.clear()
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"run not finished after {RUN_TIMEOUT:.0f} s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), left)
        # Keep only the widgets of this run (the browser forgets the others' states).
        self.widgets = {w: v for w, v in self.widgets.items() if w in self.run_widgets}
        self.states = {w: st for w, st in self.states.items() if w in self.run_widgets}

    async def open_page(self, name: str, query: str) -> None:
        """Go to a screen of the navigation, as a click in the sidebar does."""
        self.query = query
        if not self.page_hash:  # first visit: the page is named by the URL path
            await self.rerun(page_hash="", page_name=name)
            return
        if name not in self.pages:
            raise RuntimeError(f"no page {name!r} in the navigation ({sorted(self.pages)})")
        self.stop_timers(list(self.timers))
        for wid, (_, _, root) in list(self.widgets.items()):  # keep the sidebar's widgets
            if root == 0:
                self.states.pop(wid, None)
        self.widgets, self.buttons, self.metrics = {}, {}, {}
        await self.rerun(page_hash=self.pages[name])

    def widget_id(self, key: str) -> str:
        for wid in self.widgets:
            if wid.endswith(f"-{key}"):
                return wid
        raise RuntimeError(f"no widget with key {key!r} on screen")

    async def click(self, label: str) -> None:
        if label not in self.buttons:
            raise RuntimeError(f"no button {label!r} on screen")
        state = WidgetState(id=self.buttons[label])
        state.trigger_value = True
        self.states[state.id] = state
        await self.rerun()

    async def upload(self, uploader_id: str, name: str, data: bytes,
                     mime: str = "image/jpeg") -> None:
        """The file uploader's flow: ask for URLs, PUT the file, then set the widget."""
        request_id = os.urandom(8).hex()
        fut = asyncio.get_running_loop().create_future()
        self.file_urls[request_id] = fut
        back = BackMsg()
        back.file_urls_request.request_id = request_id
        back.file_urls_request.session_id = self.session_id
        back.file_urls_request.file_names.append(name)
        await self.send(back)
        resp = await asyncio.wait_for(fut, RUN_TIMEOUT)
        if resp.error_msg or not resp.file_urls:
            raise RuntimeError(f"file_urls_request: {resp.error_msg or 'no URL'}")
        urls = resp.file_urls[0]
        boundary = os.urandom(12).hex()
        body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="{name}"\r\nContent-Type: {mime}\r\n\r\n').encode() + data \
            + f"\r\n--{boundary}--\r\n".encode()
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}",
                   "Origin": self.origin, **self.cookie_header()}
        if self.xsrf:
            headers["X-Xsrftoken"] = self.xsrf
        status, _, text = await http("PUT", urllib.parse.urljoin(self.url + "/", urls.upload_url),
                                     headers, body, timeout=RUN_TIMEOUT)
        if status not in (200, 204):
            raise RuntimeError(f"upload PUT: HTTP {status} {text[:80]!r}")
        state = WidgetState(id=uploader_id)
        info = state.file_uploader_state_value.uploaded_file_info.add()
        info.file_id, info.name, info.size = urls.file_id, name, len(data)
        info.file_urls.CopyFrom(urls)
        self.states[uploader_id] = state

    def check(self, where: str) -> None:
        if self.problems:
            raise RuntimeError(f"{where}: {self.problems[0]}")


def widget_value(kind: str, p, force: bool) -> WidgetState | None:
    """The state the browser holds for a widget just rendered: its value when the server
    sets one (``set_value``), else its default for a widget not seen before."""
    if not (force or getattr(p, "set_value", False)):
        return None
    s = WidgetState(id=p.id)
    if kind in ("radio", "selectbox"):
        if p.set_value:
            if p.HasField("raw_value"):
                s.string_value = p.raw_value  # else: no value (set to None)
        elif p.HasField("default") and 0 <= p.default < len(p.options):
            s.string_value = p.options[p.default]
        else:
            return None
    elif kind == "slider":
        if p.type == p.SELECT_SLIDER:
            values = list(p.raw_value) if p.set_value else [p.options[int(i)]
                                                            for i in p.default]
            s.string_array_value.data.extend(values)
        else:
            s.double_array_value.data.extend(p.value if p.set_value else p.default)
    elif kind == "checkbox":
        s.bool_value = p.value if p.set_value else p.default
    elif kind == "file_uploader":
        s.file_uploader_state_value.SetInParent()
    return s


async def ws_student(i: int, url: str, photo: tuple[str, bytes], train: bool, args,
                     stats: dict) -> None:
    c = WsStudent(url)
    try:
        await c.connect()
        await c.open_page("colorize", "lang=fr")
        c.problems += await c.media_done()  # the sample photo's images (not measured)
        c.check("open")
        source = c.widget_id("cz_source")
        upload_label = t("colorize.source_upload", "fr")
        c.states[source] = WidgetState(id=source, string_value=upload_label)
        await c.rerun()
        c.problems += await c.media_done()
        c.check("source")
        name, data = photo
        t0 = time.monotonic()
        await c.upload(c.widget_id("cz_upload"), name, data)
        await c.rerun()
        failed = await c.media_done()
        stats["colorize"].append(time.monotonic() - t0)
        c.problems += failed
        c.check("colorize")
        sat = c.widget_id("cz_sat")
        for k in range(args.controls):
            value = c.states[sat].double_array_value.data[0]
            state = WidgetState(id=sat)
            state.double_array_value.data.append(round(value + (-0.1 if k % 2 else 0.1), 1))
            t0 = time.monotonic()
            c.states[sat] = state
            await c.rerun()
            failed = await c.media_done()
            stats["control"].append(time.monotonic() - t0)
            c.problems += failed
            c.check("control")
        if train:
            await c.open_page("train", "lang=fr")
            c.check("train page")
            await c.click(t("train.start", "fr"))
            await asyncio.sleep(args.train_seconds)
            c.check("train")
            steps = c.metrics.get(t("train.m_steps", "fr"))
            if steps is None:
                raise RuntimeError("train: no steps metric on screen")
            stats["train_steps"].append(int(steps.strip()))
            await c.click(t("train.pause", "fr"))
            await c.media_done()  # the live previews (not measured)
            c.check("pause")
        stats["done"] += 1
    except Exception as e:  # counted, reported: the load test itself never crashes
        stats["errors"].append(f"student {i}: {type(e).__name__}: {str(e)[:160]}")
    finally:
        await c.close()


async def teacher_visit(url: str, settle: float = 5.0) -> None:
    """The teacher opens the app before the class (a real script run, so the server's
    once-per-server work happens now: imports, the model, the background warm-up)."""
    c = WsStudent(url)
    try:
        await c.connect()
        await c.open_page("home", "lang=fr")
        await c.media_done()
    finally:
        await c.close()
    await asyncio.sleep(settle)


async def run_class_ws(url: str, args) -> dict:
    photos = student_photos(args.students)
    stats = {"colorize": [], "control": [], "train_steps": [], "errors": [], "done": 0}
    sem = asyncio.Semaphore(args.concurrent)

    async def one(i: int) -> None:
        async with sem:
            await ws_student(i, url, photos[i], i < args.trainers, args, stats)

    # Trainers first, so that they train at the same time as the others colorize.
    try:
        await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(args.students))),
                               timeout=args.max_seconds)
    except TimeoutError:
        stats["errors"].append(f"load test stopped after {args.max_seconds} s")
    return stats


async def run_class_browser(url: str, args) -> dict:
    from playwright.async_api import async_playwright

    photos = student_photos(args.students)
    stats = {"colorize": [], "control": [], "train_steps": [], "errors": [], "done": 0}
    sem = asyncio.Semaphore(args.concurrent)
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        raise SystemExit("chromium is missing (apt-get install chromium)")
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)

        async def one(i: int) -> None:
            async with sem:
                await student(i, browser, url, photos[i], i < args.trainers, args, stats)

        # Trainers first, so that they train at the same time as the others colorize.
        try:
            await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(args.students))),
                                   timeout=args.max_seconds)
        except TimeoutError:
            stats["errors"].append(f"load test stopped after {args.max_seconds} s")
        await browser.close()
    return stats


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    return float(np.percentile(values, q))


def summary(stats: dict, args, peak: float, base: float, wall: float) -> dict:
    return {
        "client": args.client, "replicas": args.replicas,
        "students": args.students, "concurrent": args.concurrent, "trainers": args.trainers,
        "completed": stats["done"], "errors": len(stats["errors"]),
        "error_messages": stats["errors"][:10],
        "colorize_p50_s": pct(stats["colorize"], 50), "colorize_p95_s": pct(stats["colorize"], 95),
        "control_p50_s": pct(stats["control"], 50), "control_p95_s": pct(stats["control"], 95),
        "n_colorize": len(stats["colorize"]), "n_control": len(stats["control"]),
        "train_steps_mean": statistics.mean(stats["train_steps"]) if stats["train_steps"] else None,
        "server_rss_start_mib": round(base), "server_rss_peak_mib": round(peak),
        "wall_s": round(wall, 1),
        "replica_cpu_s": stats.get("replica_cpu_s"),
        "client_cpu_s": None if stats.get("client_cpu_s") is None
        else round(stats["client_cpu_s"], 1),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU, "
                   f"{round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB",
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def write_results(s: dict, path: Path, note: str) -> None:
    def f(x):
        return "—" if x is None else f"{x:.2f}"

    client = s.get("client", "browser")
    replicas = s.get("replicas", 1)
    section = SECTION if replicas == 1 else f"{SECTION[:-1]}, {replicas} replicas)"
    setup = ("one app process" if replicas == 1 else
             f"{replicas} app processes (one per core) behind nginx with the shipped "
             "`deploy/nginx.conf` (sticky by the browser's XSRF cookie)")
    if client == "ws":
        how = ("protocol-level clients: one websocket per student speaking Streamlit's "
               "protocol, no browser, so the clients take almost no CPU from the server; "
               "XSRF protection on")
        colorize = "colorize (upload → result received, images downloaded)"
        control = "control change (new value sent → rerun finished, images downloaded)"
    else:
        how = ("one Chromium, one browser context each, on the same cores as the server: "
               "the latency includes Chromium rendering the page")
        colorize = "colorize (upload → result on screen)"
        control = "control change (key → screen updated)"
    body = (
        f"{section}\n\n"
        f"Machine: {s['machine']}; {s['date']}; "
        f"`python benchmarks/load_test.py --client {client} --students {s['students']} "
        f"--concurrent {s['concurrent']} --trainers {s['trainers']}"
        + (f" --replicas {replicas}" if replicas > 1 else "") + f"`: {setup}.\n\n"
        f"Each student: open the colorize screen, upload its own photo, wait for the result, "
        f"move the saturation slider a few times; {s['trainers']} of them then "
        f"train live at the same time. At most {s['concurrent']} students active at once "
        f"(client mode `{client}`: {how}).\n\n"
        "| measure | p50 | p95 | n |\n|---|---|---|---|\n"
        f"| {colorize}, s | {f(s['colorize_p50_s'])} | "
        f"{f(s['colorize_p95_s'])} | {s['n_colorize']} |\n"
        f"| {control}, s | {f(s['control_p50_s'])} | "
        f"{f(s['control_p95_s'])} | {s['n_control']} |\n\n"
        f"Completed students: {s['completed']} / {s['students']}; errors: {s['errors']}"
        + (f" ({'; '.join(s['error_messages'])})" if s["errors"] else "") + ". "
        f"Live-training steps per trainer in the window: "
        f"{'—' if s['train_steps_mean'] is None else round(s['train_steps_mean'])}. "
        f"Server memory (RSS): {s['server_rss_start_mib']} MiB at start, peak "
        f"{s['server_rss_peak_mib']} MiB. Wall time {s['wall_s']} s; CPU time of the "
        f"app process{'es' if replicas > 1 else ''} {s.get('replica_cpu_s')} s"
        + (f"; CPU time of all the clients together {s['client_cpu_s']} s"
           if s.get("client_cpu_s") is not None else "") + ".\n"
        + (f"\n{note}\n" if note else "")
    )
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if section in text:
        start = text.index(section)
        nxt = text.find("\n## ", start + len(section))
        text = text[:start] + body + (text[nxt + 1:] if nxt != -1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + body
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--url", help="an app already running (else one is started on loopback)")
    p.add_argument("--pid", type=int, help="the server's pid, for its memory (with --url)")
    p.add_argument("--client", choices=("ws", "browser"), default="ws",
                   help="ws: protocol-level websocket clients (the server's latency); "
                        "browser: Chromium pages (includes rendering on the same CPU)")
    p.add_argument("--students", type=int, default=30)
    p.add_argument("--concurrent", type=int, default=10, help="students active at once")
    p.add_argument("--trainers", type=int, default=5)
    p.add_argument("--replicas", type=int, default=1,
                   help="app processes behind nginx (deploy/nginx.conf); one per core")
    p.add_argument("--controls", type=int, default=3, help="control changes per student")
    p.add_argument("--train-seconds", type=float, default=20.0)
    p.add_argument("--max-seconds", type=float, default=480.0, help="hard stop")
    p.add_argument("--results", default=str(ROOT / "benchmarks" / "RESULTS.md"))
    p.add_argument("--note", default="", help="a sentence added to the results section")
    p.add_argument("--no-write", action="store_true")
    args = p.parse_args(argv)
    if args.url and not args.url.startswith(("http://127.", "http://localhost")):
        raise SystemExit("loopback URLs only")

    procs: list[subprocess.Popen] = []
    url, pids, backends = args.url, [args.pid] if args.pid else [], [args.url]
    workdir = Path(tempfile.mkdtemp(prefix="load_test_"))
    workdir.chmod(0o755)  # nginx's workers (user nobody when started as root) use its temp dirs
    if url is None:
        ports: list[int] = []
        # Replicas of one machine share its training slots (core.live.MachineSlots), as
        # deploy/README.md says to configure them.
        env = {"COLORISATION_TRAIN_SLOT_DIR": str(workdir / "slots")} if args.replicas > 1 else {}
        for _ in range(args.replicas):
            ports.append(free_port(first=ports[-1] + 1 if ports else 8640))
            procs.append(start_server(ports[-1], env))
        pids = [p.pid for p in procs]
        backends = [f"http://127.0.0.1:{p}" for p in ports]
        url = backends[0]
        if args.replicas > 1:
            front = free_port(first=ports[-1] + 1)
            procs.append(start_nginx(front, ports, workdir))
            url = f"http://127.0.0.1:{front}"
    watch = MemoryWatch(pids)
    try:
        for b in backends:
            wait_healthy(b)
            # The teacher's visit before the class warms each replica (imports, model).
            asyncio.run(teacher_visit(b))
        wait_healthy(url)
        base = MemoryWatch.total_mib(pids)
        cpu_before = [cpu_seconds(p) for p in pids]
        watch.start()
        t0, cpu0 = time.monotonic(), time.process_time()
        run_class = run_class_ws if args.client == "ws" else run_class_browser
        stats = asyncio.run(run_class(url, args))
        wall = time.monotonic() - t0
        # CPU of this process: all the ws clients (Chromium runs in other processes).
        stats["client_cpu_s"] = time.process_time() - cpu0 if args.client == "ws" else None
        # Each replica's share of the work (a sticky balancer that sends everyone to one
        # replica would show here).
        stats["replica_cpu_s"] = [round(cpu_seconds(p) - c, 1)
                                  for p, c in zip(pids, cpu_before, strict=True)]
    finally:
        watch.stop_flag = True
        for proc in procs:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(workdir, ignore_errors=True)
    s = summary(stats, args, watch.peak, base, wall)
    print(json.dumps(s, indent=1))
    if not args.no_write:
        write_results(s, Path(args.results), args.note)
    return s


if __name__ == "__main__":
    main()
