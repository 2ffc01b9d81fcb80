"""Load test: a class of students on one server (loopback only; stops by itself).

    python benchmarks/load_test.py                       # starts its own server
    python benchmarks/load_test.py --url http://127.0.0.1:8501 --pid 1234
    python benchmarks/load_test.py --students 30 --concurrent 10 --trainers 5

Each simulated student is a Chromium browser context (one Chromium, Playwright): it opens
the colorize screen, uploads its own photo (a different one each), waits for the colorized
result, then moves the saturation control a few times. ``--trainers`` of them then open the
live-training screen and train for ``--train-seconds``. At most ``--concurrent`` students
are active at once (the total stays ``--students``). Measured: latency of the colorize
(upload -> result on screen) and of a control change (key press -> screen updated), errors
(exception boxes, timeouts), the server's peak resident memory (/proc/PID/status). The
summary is printed as JSON and written under "## Load test (30 students)" in
benchmarks/RESULTS.md (only that section is replaced).
"""

from __future__ import annotations

import argparse
import asyncio
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
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from PIL import Image

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


def start_server(port: int) -> subprocess.Popen:
    log = open(Path(tempfile.gettempdir()) / f"load_test_streamlit_{port}.log", "wb")  # noqa: SIM115
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


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


class MemoryWatch(threading.Thread):
    """Peak VmRSS (MiB) of a process and its children, sampled every 0.25 s."""

    def __init__(self, pid: int | None):
        super().__init__(daemon=True)
        self.pid, self.peak, self.samples, self.stop_flag = pid, 0.0, [], False

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
        while not self.stop_flag and self.pid:
            m = self.rss_mib(self.pid)
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


# ---- one student ------------------------------------------------------------------------

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


async def run_class(url: str, args) -> dict:
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
        "students": args.students, "concurrent": args.concurrent, "trainers": args.trainers,
        "completed": stats["done"], "errors": len(stats["errors"]),
        "error_messages": stats["errors"][:10],
        "colorize_p50_s": pct(stats["colorize"], 50), "colorize_p95_s": pct(stats["colorize"], 95),
        "control_p50_s": pct(stats["control"], 50), "control_p95_s": pct(stats["control"], 95),
        "n_colorize": len(stats["colorize"]), "n_control": len(stats["control"]),
        "train_steps_mean": statistics.mean(stats["train_steps"]) if stats["train_steps"] else None,
        "server_rss_start_mib": round(base), "server_rss_peak_mib": round(peak),
        "wall_s": round(wall, 1),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU, "
                   f"{round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB",
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def write_results(s: dict, path: Path, note: str) -> None:
    def f(x):
        return "—" if x is None else f"{x:.2f}"

    body = (
        f"{SECTION}\n\n"
        f"Machine: {s['machine']}; {s['date']}; "
        f"`python benchmarks/load_test.py --students {s['students']} --concurrent "
        f"{s['concurrent']} --trainers {s['trainers']}`.\n\n"
        f"Each student: open the colorize screen, upload its own photo, wait for the result, "
        f"move the saturation slider a few times; {s['trainers']} of them then "
        f"train live at the same time. At most {s['concurrent']} students active at once "
        f"(one Chromium, one browser context each).\n\n"
        "| measure | p50 | p95 | n |\n|---|---|---|---|\n"
        f"| colorize (upload → result on screen), s | {f(s['colorize_p50_s'])} | "
        f"{f(s['colorize_p95_s'])} | {s['n_colorize']} |\n"
        f"| control change (key → screen updated), s | {f(s['control_p50_s'])} | "
        f"{f(s['control_p95_s'])} | {s['n_control']} |\n\n"
        f"Completed students: {s['completed']} / {s['students']}; errors: {s['errors']}"
        + (f" ({'; '.join(s['error_messages'])})" if s["errors"] else "") + ". "
        f"Live-training steps per trainer in the window: "
        f"{'—' if s['train_steps_mean'] is None else round(s['train_steps_mean'])}. "
        f"Server memory (RSS): {s['server_rss_start_mib']} MiB at start, peak "
        f"{s['server_rss_peak_mib']} MiB. Wall time {s['wall_s']} s.\n"
        + (f"\n{note}\n" if note else "")
    )
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if SECTION in text:
        start = text.index(SECTION)
        nxt = text.find("\n## ", start + len(SECTION))
        text = text[:start] + body + (text[nxt + 1:] if nxt != -1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + body
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--url", help="an app already running (else one is started on loopback)")
    p.add_argument("--pid", type=int, help="the server's pid, for its memory (with --url)")
    p.add_argument("--students", type=int, default=30)
    p.add_argument("--concurrent", type=int, default=10, help="students active at once")
    p.add_argument("--trainers", type=int, default=5)
    p.add_argument("--controls", type=int, default=3, help="control changes per student")
    p.add_argument("--train-seconds", type=float, default=20.0)
    p.add_argument("--max-seconds", type=float, default=480.0, help="hard stop")
    p.add_argument("--results", default=str(ROOT / "benchmarks" / "RESULTS.md"))
    p.add_argument("--note", default="", help="a sentence added to the results section")
    p.add_argument("--no-write", action="store_true")
    args = p.parse_args(argv)
    if args.url and not args.url.startswith(("http://127.", "http://localhost")):
        raise SystemExit("loopback URLs only")

    proc = None
    url, pid = args.url, args.pid
    if url is None:
        port = free_port()
        proc = start_server(port)
        url, pid = f"http://127.0.0.1:{port}", proc.pid
    watch = MemoryWatch(pid)
    try:
        wait_healthy(url)
        # Warm the server (imports, model) with one visit, like the teacher's screen.
        urllib.request.urlopen(url, timeout=30).read()
        base = MemoryWatch.rss_mib(pid) if pid else 0.0
        watch.start()
        t0 = time.monotonic()
        stats = asyncio.run(run_class(url, args))
        wall = time.monotonic() - t0
    finally:
        watch.stop_flag = True
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    s = summary(stats, args, watch.peak, base, wall)
    print(json.dumps(s, indent=1))
    if not args.no_write:
        write_results(s, Path(args.results), args.note)
    return s


if __name__ == "__main__":
    main()
