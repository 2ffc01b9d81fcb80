"""Live video: frames per second, glass-to-glass latency and server CPU, 1, 2 and 5 streams.

    python benchmarks/bench_live.py [--streams 1 2 5] [--seconds 15] [--no-write]

Starts the app, then Chromium with a fake camera: a 30 fps clip made from a shipped photo
with its frame number burnt in (tests/fake_camera.py). Each stream is one page of the live
screen with its camera started. For each number of streams at once, over ``--seconds``:

- **fps**: colorized frames drawn per second, per stream;
- **latency** (glass to glass): at sample instants, the frame number the camera shows now
  (the video element, drawn to a canvas) minus the one on the colorized canvas, in frames
  of 1/30 s, plus the age of that clip frame: read back from the pixels, not from the code;
  the page's own figure (camera frame's timestamp to colour canvas drawn) is reported beside;
- **model ms**: onnxruntime-web's time per frame in the page;
- **server CPU**: CPU-seconds per second used by the Streamlit server process while the
  streams run (the frames never reach it: this should stay near its idle value), and the
  browser's (the phones' side, here on the same 2 cores).

The ECCV16 reference is measured in the same run (benchmarks/machine_ref.py); times are also
given in its units. Writes ``## Live video (in the browser)`` in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests"))
from bench_ui import CHROMIUM_FLAGS, RESULTS, served  # noqa: E402
from fake_camera import frames, read_tag, write_y4m  # noqa: E402
from machine_ref import in_ref, reference_seconds  # noqa: E402
from results_md import cpu_name, write_section  # noqa: E402

TITLE = "## Live video (in the browser)"
CLIP_FPS = 30
IFRAME = 'iframe[title*="live_view"]'
#: In the live frame: the clip frame the camera shows now and the one on the colour canvas.
TAGS_JS = """() => { const v = document.getElementById('video');
  const c = document.createElement('canvas'); c.width = 320; c.height = 240;
  const x = c.getContext('2d'); x.drawImage(v, 0, 0, 320, 240);
  const now = Array.from(x.getImageData(0, 0, 320, 8).data);
  const k = document.getElementById('colour');
  const out = Array.from(k.getContext('2d').getImageData(0, 0, k.width, 8).data);
  return [now, out, k.width]; }"""


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its children so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def server_pid(url: str) -> int:
    """The Streamlit process serving ``url`` (its command line names the port)."""
    port = url.rsplit(":", 1)[1]
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                args = (p / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if any(b"streamlit" in x for x in args) and port.encode() in args:
                return int(p.name)
    raise RuntimeError(f"no streamlit process for {url}")


def live_frame(pg):
    return next(f for f in pg.frames if "live_view" in f.url)


def tag_of(rows: list[int], width: int, mirrored: bool) -> int:
    rgb = np.asarray(rows, dtype=np.uint8).reshape(8, width, 4)[..., :3]
    return read_tag(rgb, mirrored=mirrored)


def run_streams(browser, url: str, n: int, seconds: float, pid: int) -> dict:
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    pages = []
    try:
        for _ in range(n):
            pg = ctx.new_page()
            pg.goto(f"{url}/live?lang=en")
            pg.wait_for_selector(IFRAME, timeout=120_000)
            pg.frame_locator(IFRAME).locator("#start").click()
            pages.append(pg)
        for pg in pages:
            live_frame(pg).wait_for_function("window.__live.frames >= 3", timeout=180_000)
        time.sleep(3)  # past the first frames (model compilation)
        start = [live_frame(pg).evaluate("window.__live.frames") for pg in pages]
        cpu0 = cpu_seconds(pid)
        t0 = time.monotonic()
        lat_frames, model_ms, page_lat = [], [], []
        while time.monotonic() - t0 < seconds:
            for pg in pages:
                f = live_frame(pg)
                now, out, width = f.evaluate(TAGS_JS)
                a, b = tag_of(now, 320, False), tag_of(out, width, True)
                lat_frames.append((a - b) % len(CLIP))
                stats = f.evaluate("window.__live")
                model_ms.append(stats["modelMs"])
                page_lat.append(stats["latencyMs"])
            time.sleep(0.25)
        elapsed = time.monotonic() - t0
        cpu = (cpu_seconds(pid) - cpu0) / elapsed
        end = [live_frame(pg).evaluate("window.__live.frames") for pg in pages]
        fps = [(e - s) / elapsed for s, e in zip(start, end, strict=True)]
        # a frame's age when drawn: frames behind, plus half a frame on average
        lat_ms = [1000 * (k + 0.5) / CLIP_FPS for k in lat_frames]
        return {"streams": n, "fps_min": min(fps), "fps_mean": statistics.mean(fps),
                "latency_median_ms": statistics.median(lat_ms),
                "latency_p95_ms": float(np.percentile(lat_ms, 95)),
                "page_latency_median_ms": statistics.median(page_lat),
                "model_median_ms": statistics.median(model_ms), "server_cpu": cpu}
    finally:
        ctx.close()


CLIP: list = []


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--streams", type=int, nargs="+", default=[1, 2, 5])
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--no-write", action="store_true")
    a = ap.parse_args(argv)
    ref0 = reference_seconds()
    CLIP[:] = frames(90)
    clip = write_y4m(Path(tempfile.mkdtemp()) / "clip.y4m", CLIP, fps=CLIP_FPS)
    rows = []
    with served(tag="bench_live") as url:
        pid = server_pid(url)
        idle0 = cpu_seconds(pid)
        time.sleep(5)
        idle = (cpu_seconds(pid) - idle0) / 5
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=shutil.which("chromium"),
                args=[*CHROMIUM_FLAGS, "--use-fake-device-for-media-stream",
                      "--use-fake-ui-for-media-stream",
                      f"--use-file-for-fake-video-capture={clip}"])
            for n in a.streams:
                r = run_streams(browser, url, n, a.seconds, pid)
                rows.append(r)
                print(r, flush=True)
            browser.close()
    ref = statistics.median([ref0, reference_seconds()])
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [TITLE, "",
             f"{when}; {cpu_name()}, {os.cpu_count()} cores; server and Chromium (all the "
             f"streams) on this same machine. ref = ECCV16 256², 2 threads, median, measured "
             f"in this run: **{ref:.3f} s**. Server idle CPU before the streams: "
             f"{idle:.3f} CPU-s/s. Camera: a 320 x 240, 30 fps clip (fake device).", "",
             "| streams at once | fps per stream (min / mean) | glass-to-glass latency "
             "median / p95 | in ref | page's own latency | model per frame | server CPU |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r['streams']} | {r['fps_min']:.1f} / {r['fps_mean']:.1f} "
            f"| {r['latency_median_ms']:.0f} / {r['latency_p95_ms']:.0f} ms "
            f"| {in_ref(r['latency_median_ms'] / 1000, ref)} "
            f"| {r['page_latency_median_ms']:.0f} ms | {r['model_median_ms']:.0f} ms "
            f"({in_ref(r['model_median_ms'] / 1000, ref)}) | {r['server_cpu']:.3f} CPU-s/s |")
    lines += ["", "Targets (issue 23): one stream >= 10 fps at 320 px wide with latency <= 300 "
              "ms; 5 streams >= 4 fps each, or, in the browser, the server's CPU unchanged by "
              "the streams. Here every stream's model runs in the same Chromium on the same 2 "
              "cores as the server: in a class each phone or laptop computes its own stream."]
    text = "\n".join(lines) + "\n"
    print(text)
    if not a.no_write:
        write_section(RESULTS, TITLE, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
