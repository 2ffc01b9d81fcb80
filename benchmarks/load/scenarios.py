"""What the simulated students do (protocol clients, :mod:`.protocol`), class by class."""

from __future__ import annotations

import asyncio
import contextlib
import io
import time
from pathlib import Path

import numpy as np
from PIL import Image
from streamlit.proto.WidgetStates_pb2 import WidgetState

from core.i18n import t

from .protocol import WsStudent

ROOT = Path(__file__).resolve().parents[2]
PHOTO_DIRS = [ROOT.parent / "shared" / "data" / "bsds500" / "val",
              ROOT.parent / "shared" / "data" / "imagenet-sample"]


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


def new_stats() -> dict:
    return {"colorize": [], "control": [], "train_steps": [], "errors": [], "done": 0,
            "reloads": 0, "recovered": 0, "continued": 0, "reload_s": []}


# ---- what a student does ------------------------------------------------------------------

async def colorize_photo(c: WsStudent, photo: tuple[str, bytes], stats: dict) -> None:
    """Open the colorize screen, choose "upload", upload the photo: measured until the
    colorized result has arrived (run finished, images downloaded)."""
    await c.open_page("colorize", "lang=fr")
    c.problems += await c.media_done()  # the sample photo's images (not measured)
    c.check("open")
    source = c.widget_id("cz_source")
    c.states[source] = WidgetState(id=source, string_value=t("colorize.source_upload", "fr"))
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


async def move_control(c: WsStudent, stats: dict, k: int) -> None:
    """One step of the saturation slider, measured until the new view has arrived."""
    sat = c.widget_id("cz_sat")
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


def shown_steps(c: WsStudent) -> int:
    steps = c.metrics.get(t("train.m_steps", "fr"))
    if steps is None:
        raise RuntimeError("train: no steps metric on screen")
    return int(steps.strip())


async def train(c: WsStudent, seconds: float, stats: dict, reload_after: float | None = None,
                away: float = 2.0) -> WsStudent:
    """Open the training screen, start, train ``seconds``, pause; returns the client in use.

    With ``reload_after``: after that many seconds the student reloads the page (the
    websocket closes, a new session opens the same URL, ``?run=`` included, with the same
    browser cookie). Recovered: the URL keeps its token, no "expired" notice, and the step
    counter has not gone back; continued: it went on after the reload.
    """
    await c.open_page("train", "lang=fr")
    c.check("train page")
    await c.click(t("train.start", "fr"))
    if reload_after is not None:
        await asyncio.sleep(reload_after)
        c.check("train")
        before, token = shown_steps(c), c.query_param("run")
        if not token:
            raise RuntimeError("train: no ?run= token in the URL")
        query = c.query
        await c.close()
        stats["reloads"] += 1
        await asyncio.sleep(away)
        c = WsStudent(c.url, xsrf=c.xsrf)
        t0 = time.monotonic()
        await c.connect()
        await c.open_page("train", query)
        stats["reload_s"].append(time.monotonic() - t0)
        c.check("reload")
        expired = t("train.run_expired", "fr", minutes=15)[:40]
        after = shown_steps(c)
        if c.query_param("run") == token and after >= before and not any(
                a.startswith(expired) for a in c.alerts):
            stats["recovered"] += 1
        else:
            raise RuntimeError(f"run not recovered after a reload (steps {before} -> {after})")
        seconds -= reload_after
    await asyncio.sleep(seconds)
    c.check("train")
    steps = shown_steps(c)
    stats["train_steps"].append(steps)
    if reload_after is not None and steps > after:
        stats["continued"] += 1
    await c.click(t("train.pause", "fr"))
    await c.media_done()  # the live previews (not measured)
    c.check("pause")
    return c


# ---- classes ------------------------------------------------------------------------------

async def eased_student(i: int, url: str, photo: tuple[str, bytes], trains: bool, args,
                        stats: dict) -> None:
    """Colorize, a few control changes, then (trainers) train."""
    c = WsStudent(url)
    try:
        await c.connect()
        await colorize_photo(c, photo, stats)
        for k in range(args.controls):
            await move_control(c, stats, k)
        if trains:
            c = await train(c, args.train_seconds, stats)
        stats["done"] += 1
    except Exception as e:  # counted, reported: the load test itself never crashes
        stats["errors"].append(f"student {i}: {type(e).__name__}: {str(e)[:160]}")
    finally:
        await c.close()


async def burst_student(i: int, url: str, photo: tuple[str, bytes], arrival: float,
                        role: str, args, stats: dict, over: asyncio.Event) -> None:
    """Arrive at ``arrival`` s; trainers ("train", "reload") train at once, the others
    colorize, then keep moving the slider (a think time apart) until the trainers are done."""
    await asyncio.sleep(arrival)
    c = WsStudent(url)
    try:
        await c.connect()
        if role == "colorize":
            await colorize_photo(c, photo, stats)
            k = 0
            while k < args.controls or not over.is_set():
                await move_control(c, stats, k)
                k += 1
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(over.wait(),
                                           args.think * (0.5 + (i * 7919 + k) % 100 / 100))
        else:
            reload_after = args.train_seconds / 2 if role == "reload" else None
            c = await train(c, args.train_seconds, stats, reload_after, args.away)
        stats["done"] += 1
    except Exception as e:  # counted, reported: the load test itself never crashes
        stats["errors"].append(f"student {i} ({role}): {type(e).__name__}: {str(e)[:160]}")
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


async def run_class_ws(url: str, args, photos: list[tuple[str, bytes]]) -> dict:
    """``eased``: at most ``args.concurrent`` students at once, trainers first.
    ``burst``: every student arrives within ``args.arrival`` seconds and stays active."""
    stats = new_stats()
    if args.mode == "eased":
        sem = asyncio.Semaphore(args.concurrent)

        async def one(i: int) -> None:
            async with sem:
                await eased_student(i, url, photos[i], i < args.trainers, args, stats)

        tasks = [one(i) for i in range(args.students)]
    else:
        over = asyncio.Event()
        rng = np.random.default_rng(0)
        arrivals = np.sort(rng.uniform(0, args.arrival, args.students))
        order = rng.permutation(args.students)  # trainers arrive among the others
        roles = ["colorize"] * args.students
        for rank, i in enumerate(order[:args.trainers]):
            roles[i] = "reload" if rank < args.reloaders else "train"

        async def trainers_done() -> None:
            await asyncio.gather(*(burst_student(i, url, photos[i], arrivals[i], roles[i],
                                                 args, stats, over)
                                   for i in range(args.students) if roles[i] != "colorize"))
            if not any(r != "colorize" for r in roles):
                await asyncio.sleep(args.arrival + args.train_seconds)
            over.set()

        tasks = [trainers_done()] + [
            burst_student(i, url, photos[i], arrivals[i], "colorize", args, stats, over)
            for i in range(args.students) if roles[i] == "colorize"]
    try:
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=args.max_seconds)
    except TimeoutError:
        stats["errors"].append(f"load test stopped after {args.max_seconds} s")
    return stats
