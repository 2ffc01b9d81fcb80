"""A Streamlit client without a browser: one student speaking Streamlit's own protocol.

One websocket per student on ``/_stcore/stream`` (BackMsg / ForwardMsg protobufs), like the
browser's JavaScript, without rendering anything: so the measured latency is the server's,
not that of browsers sharing its CPU (in a classroom the browsers run on the students' own
devices). It takes the XSRF cookie from ``/_stcore/health`` (XSRF protection stays on; a
"reload" keeps the cookie, as a browser does, so a sticky balancer brings it back to the
same replica), sends all its widget states on every rerun, uploads with
``file_urls_request`` + HTTP PUT (multipart, with the ``X-Xsrftoken`` header), GETs the
``/media/...`` images each run shows, and sends the ``run_every`` fragment reruns of the
training screen every interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import urllib.parse

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

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

    def __init__(self, url: str, xsrf: str = ""):
        self.url = url.rstrip("/")
        self.origin = self.url
        self.xsrf = xsrf  # a reload keeps the browser's cookie
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
        self.alerts: list[str] = []  # texts of st.info / warning / error / success shown
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

        status, hdrs, _ = await http("GET", f"{self.url}/_stcore/health", self.cookie_header())
        if status != 200:
            raise RuntimeError(f"health: HTTP {status}")
        for cookie in hdrs.get("set-cookie", []):  # XSRF on (the default): double submit
            name, _, value = cookie.split(";")[0].partition("=")
            if name.strip() == "_streamlit_xsrf" and not self.xsrf:
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
        elif kind == "alert":
            self.alerts.append(proto.body)
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
        self.widgets, self.buttons, self.metrics, self.alerts = {}, {}, {}, []
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

    def query_param(self, name: str) -> str | None:
        """A parameter of the page's URL as the browser has it now (the server sets them)."""
        values = urllib.parse.parse_qs(self.query).get(name)
        return values[0] if values else None

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
