"""What one student's action costs the server: CPU-seconds per action, and where they go.

    python benchmarks/bench_actions.py [--repeats 3] [--profile] [--label after] [--no-write]

A modest classroom server is saturated by a class: then the latency a student feels is the
CPU-seconds every action of the class costs. This benchmark starts the app (one process,
``streamlit run`` on loopback), measures this machine's reference (``machine_ref``: ECCV16 at
256², 2 threads, median) first, then plays one student at a time with the load test's
protocol client (``load.protocol.WsStudent``: Streamlit's own websocket protocol, images
downloaded as a browser does, no rendering) and reads the server's CPU time
(``/proc/PID/stat``, every thread) around each action:

- **open**: a new session opening a screen by its address (the first visit of that screen in
  the server process, then ``--repeats`` later visits);
- **step**: one change of the screen's first control (bench_ui's list);
- **colorize**: upload a 12 MP phone JPEG (4032 x 3024, EXIF-rotated) and a 1 MP one, a
  different photo every time, until the result's images have arrived;
- **hint**: one tap on the hints screen's photo;
- **train**: live training for a few seconds: CPU-seconds per training step (the screen's
  refreshes included).

With ``--profile``, ``py-spy`` samples the server during each action and the samples are
sorted into what they were doing (decode, resize, the network, metrics, image encoding,
figures, Streamlit...; :data:`CATEGORIES`). Writes ``## CPU per action (LABEL)`` in
benchmarks/RESULTS.md and the raw figures in benchmarks/out/bench_actions_LABEL.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from bench_ui import SCREENS  # noqa: E402
from load.protocol import WsStudent  # noqa: E402
from load.server import Deployment, cpu_seconds  # noqa: E402
from machine_ref import in_ref, reference_seconds  # noqa: E402
from results_md import cpu_name, write_section  # noqa: E402
from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: E402

from core.i18n import t  # noqa: E402

RESULTS = ROOT / "benchmarks" / "RESULTS.md"
OUT = ROOT / "benchmarks" / "out"
PHOTO_DIR = ROOT.parent / "shared" / "data" / "bsds500" / "val"

#: (category, substrings of a stack frame "function (file:line)"): the innermost frame
#: that matches decides a sample's category (so numpy under skimage.metrics is "metrics").
CATEGORIES: list[tuple[str, tuple[str, ...]]] = [
    ("JPEG/PNG decode", ("ImageFile.py:", "decode (PIL", "JpegImagePlugin.py", "draft (")),
    ("resize / rotate", ("resize (PIL", "reduce (PIL", "transpose (PIL", "exif_transpose",
                         "thumbnail (PIL", "skimage/transform")),
    ("image encode (PNG/JPEG/WebP)", ("_save (PIL", "PngImagePlugin", "save (PIL",
                                      "WebPImagePlugin", "image_utils.py")),
    ("network (torch)", ("torch/",)),
    ("metrics (PSNR, SSIM, colourfulness)", ("skimage/metrics", "core/metrics")),
    ("colour conversion (Lab)", ("skimage/color", "core/color")),
    ("figures (plotly)", ("plotly/",)),
    ("protobuf / messages", ("google/protobuf", "forward_msg", "proto/")),
    ("Streamlit (script run, widgets, session)", ("streamlit/",)),
    ("server (tornado, asyncio, websocket)", ("tornado/", "asyncio/", "websockets/")),
    ("app code (core, ui, pages)", ("/core/", "/ui/", "/pages/", "streamlit_app.py")),
]


def category(frames: list[str]) -> str:
    """The category of one sampled stack (frames from the outermost to the innermost)."""
    for frame in reversed(frames):
        for name, keys in CATEGORIES:
            if any(k in frame for k in keys):
                return name
    return "other (imports, Python)"


# ---- photos ---------------------------------------------------------------------------------

def phone_photo(index: int, size: tuple[int, int]) -> bytes:
    """A real photo (the shared data, else a shipped sample) enlarged to ``size`` and saved as
    a phone does: JPEG quality 90, the pixels stored sideways with EXIF orientation 6."""
    files = sorted(PHOTO_DIR.glob("*.jpg")) if PHOTO_DIR.is_dir() else []
    if files:
        im = Image.open(files[index % len(files)]).convert("RGB")
    else:
        from core.samples import COLOUR_SAMPLES, load_sample

        im = Image.fromarray(load_sample(list(COLOUR_SAMPLES)[index % len(COLOUR_SAMPLES)]))
    im = im.resize(size, Image.Resampling.BICUBIC)
    noise = np.random.default_rng(index).normal(0, 3, (size[1], size[0], 1))  # sensor grain
    im = Image.fromarray(np.clip(np.asarray(im) + noise, 0, 255).astype(np.uint8))
    stored = im.transpose(Image.Transpose.ROTATE_90)  # orientation 6: turn 90° clockwise
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    stored.save(buf, format="JPEG", quality=90, exif=exif.tobytes())
    return buf.getvalue()


# ---- the profiler ---------------------------------------------------------------------------

class Profile:
    """py-spy sampling the server while a block runs (``--profile``), else nothing."""

    def __init__(self, pid: int, enabled: bool):
        exe = Path(sys.executable).parent / "py-spy"  # pip install py-spy, in this venv
        self.exe = shutil.which("py-spy") or (str(exe) if exe.is_file() else None)
        if enabled and self.exe is None:
            raise SystemExit("--profile needs py-spy: pip install py-spy")
        self.pid, self.enabled = pid, enabled
        self.samples: dict[str, Counter] = {}

    def section(self, action: str) -> _Sampling:
        return _Sampling(self, action)


class _Sampling:
    def __init__(self, prof: Profile, action: str):
        self.prof, self.action, self.proc, self.path = prof, action, None, None

    def __enter__(self):
        if self.prof.enabled:
            self.path = Path(tempfile.mkstemp(suffix=".txt")[1])
            self.proc = subprocess.Popen(
                [self.prof.exe, "record", "--pid", str(self.prof.pid), "--format", "raw",
                 "--rate", "250", "--nonblocking", "--output", str(self.path)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.6)  # attached before the action starts
        return self

    def __exit__(self, *exc):
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=30)
        counts = self.prof.samples.setdefault(self.action, Counter())
        for line in self.path.read_text().splitlines():
            stack, _, n = line.rpartition(" ")
            if stack and n.isdigit():
                counts[category(stack.split(";"))] += int(n)
        self.path.unlink(missing_ok=True)


# ---- actions --------------------------------------------------------------------------------

class Meter:
    """Server CPU-seconds and wall seconds of each action, by name."""

    def __init__(self, pid: int):
        self.pid, self.cpu, self.wall = pid, {}, {}

    async def measure(self, name: str, action):
        """Run ``await action()`` and note its cost; returns what it returned."""
        await asyncio.sleep(0.3)  # what the previous action left running (images) settles
        c0, t0 = cpu_seconds(self.pid), time.monotonic()
        out = await action()
        wall = time.monotonic() - t0
        await asyncio.sleep(0.15)  # the last messages leave the server
        self.wall.setdefault(name, []).append(wall)
        self.cpu.setdefault(name, []).append(cpu_seconds(self.pid) - c0)
        return out


class Student(WsStudent):
    """The load test's client, also keeping the custom components it was shown (the hints
    screen's tap-on-photo component, whose value is a JSON click)."""

    def __init__(self, url: str):
        super().__init__(url)
        self.components: set[str] = set()
        self.fragment_of: dict[str, str] = {}  # widget id -> the st.fragment drawing it
        self.finished = 0  # runs finished, fragment runs included
        self.finished_event = asyncio.Event()

    def handle(self, msg) -> None:
        super().handle(msg)
        if msg.WhichOneof("type") == "script_finished":
            self.finished += 1
            self.finished_event.set()

    def handle_delta(self, msg) -> None:
        super().handle_delta(msg)
        el = msg.delta.new_element if msg.delta.WhichOneof("type") == "new_element" else None
        kind = el.WhichOneof("type") if el is not None else None
        if kind is None:
            return
        wid = getattr(getattr(el, kind), "id", "")
        if kind == "component_instance":
            self.components.add(wid)
        if wid and msg.delta.fragment_id:
            self.fragment_of[wid] = msg.delta.fragment_id

    async def rerun_fragment(self, fragment_id: str) -> None:
        """What the browser sends when a widget inside an ``st.fragment`` changes: a rerun
        of that fragment only; returns when it has finished."""
        before = self.finished
        await self.send(self.rerun_msg(fragment_id=fragment_id))
        end = time.monotonic() + 120
        while self.finished == before:
            self.finished_event.clear()
            if time.monotonic() > end:
                raise TimeoutError("fragment run not finished after 120 s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.finished_event.wait(), 1.0)


async def opened(url: str, screen: str) -> Student:
    c = Student(url)
    await c.connect()
    await c.open_page("" if screen == "home" else screen, "lang=fr")
    c.problems += await c.media_done()
    c.check(f"open {screen}")
    return c


def next_state(c: Student, key: str, k: int) -> WidgetState:
    """The widget state one keypress / click on control ``key`` sends (as bench_ui does)."""
    wid = c.widget_id(key)
    wkind, proto, _ = c.widgets[wid]
    state = WidgetState(id=wid)
    up = k % 2 == 0
    if wkind == "slider" and proto.type == proto.SELECT_SLIDER:
        opts = list(proto.options)
        i = opts.index(c.states[wid].string_array_value.data[0])
        j = i + 1 if (up and i + 1 < len(opts)) or i == 0 else i - 1
        state.string_array_value.data.append(opts[j])
    elif wkind == "slider":
        cur, step_ = c.states[wid].double_array_value.data[0], proto.step or 1
        v = cur + step_ if (up and cur + step_ <= proto.max) or cur - step_ < proto.min \
            else cur - step_
        state.double_array_value.data.append(round(v, 6))
    elif wkind in ("radio", "selectbox"):
        opts = list(proto.options)
        cur = c.states[wid].string_value if wid in c.states else opts[0]
        state.string_value = opts[(opts.index(cur) + 1) % len(opts)] if cur in opts else opts[0]
    elif wkind == "checkbox":
        state.bool_value = not c.states[wid].bool_value
    else:
        raise RuntimeError(f"control {key}: {wkind} not handled")
    return state


async def step(c: Student, state: WidgetState) -> None:
    """Set a widget's value as the browser does: a rerun of its fragment when it is drawn
    in one (``st.fragment``), else of the whole screen."""
    c.states[state.id] = state
    fragment = c.fragment_of.get(state.id)
    if fragment:
        await c.rerun_fragment(fragment)
    else:
        await c.rerun()
    c.problems += await c.media_done()
    c.check("step")


async def upload_ready(url: str) -> Student:
    """The colorize screen open with "my photo" chosen: ready for an upload (not timed)."""
    c = await opened(url, "colorize")
    source = c.widget_id("cz_source")
    c.states[source] = WidgetState(id=source, string_value=t("colorize.source_upload", "fr"))
    await c.rerun()
    c.problems += await c.media_done()
    c.check("colorize: upload chosen")
    return c


async def upload(c: Student, photo: bytes) -> None:
    """Upload the photo, until the colorized result's images have arrived."""
    await c.upload(c.widget_id("cz_upload"), "phone.jpg", photo)
    await c.rerun()
    c.problems += await c.media_done()
    c.check("colorize")


async def tap(c: Student, x: float, y: float) -> None:
    """A tap on the hints photo: the click component's value, as its JavaScript sends it."""
    wid = next((w for w in c.components if w.endswith("-hints_click")), None)
    if wid is None:
        raise RuntimeError("hints: no photo to tap")
    width, height = 800, 600  # the picture's size on screen: the tap carries it
    state = WidgetState(id=wid)
    state.json_value = json.dumps({"x": int(x * width), "y": int(y * height), "width": width,
                                   "height": height, "unix_time": int(time.time() * 1000)})
    await step(c, state)


async def play(url: str, pid: int, repeats: int, prof: Profile, train_s: float) -> dict:
    """Every action, one student at a time: {"cpu": {action: [s]}, "wall": ..., ...}."""
    meter = Meter(pid)
    # 1. each screen's first visit in this server process, then later visits
    for screen in SCREENS:
        name = f"open {screen} (first)"
        with prof.section(name):
            c = await meter.measure(name, lambda s=screen: opened(url, s))
        await c.close()
    for screen in SCREENS:
        with prof.section(f"open {screen}"):
            for _ in range(repeats):
                c = await meter.measure(f"open {screen}", lambda s=screen: opened(url, s))
                await c.close()
    # 2. one step of each screen's first control
    for screen, controls in SCREENS.items():
        if not controls:
            continue
        key = controls[0][0]
        c = await opened(url, screen)
        part = " (its section)" if c.fragment_of.get(c.widget_id(key)) else " (whole screen)"
        name = f"step {screen}: {key}{part}"
        with prof.section(name):
            for k in range(repeats):
                await meter.measure(name, lambda c=c, k=k, key=key: step(c, next_state(c, key, k)))
        await c.close()
    # 3. uploads: a different photo every time (no cache helps)
    for label, size in (("colorize 12 MP", (4032, 3024)), ("colorize 1 MP", (1152, 864))):
        photos = [phone_photo(7 * i + size[0] % 7, size) for i in range(repeats)]
        with prof.section(label):
            for data in photos:
                c = await upload_ready(url)
                await meter.measure(label, lambda c=c, data=data: upload(c, data))
                # then one step of the saturation on that photo (a student's next move)
                await meter.measure(f"step colorize on the {label[9:]} photo",
                                    lambda c=c: step(c, next_state(c, "cz_sat", 0)))
                await c.close()
    # 4. taps on the hints screen's photo
    c = await opened(url, "hints")
    spots = [(0.25, 0.3), (0.7, 0.6), (0.5, 0.8), (0.15, 0.7), (0.85, 0.2)]
    with prof.section("hint tap"):
        for k in range(repeats):
            x, y = spots[k % len(spots)]
            await meter.measure("hint tap", lambda c=c, x=x, y=y: tap(c, x, y))
    await c.close()
    # 5. live training: CPU per training step, the screen's refreshes included
    c = await opened(url, "train")
    with prof.section("train step"):
        await c.click(t("train.start", "fr"))
        c0 = cpu_seconds(pid)
        first = shown_steps(c)
        await asyncio.sleep(train_s)
        cpu = cpu_seconds(pid) - c0
        steps = shown_steps(c) - first
        await c.click(t("train.pause", "fr"))
    c.check("train")
    await c.close()
    meter.cpu["train step"] = [cpu / max(1, steps)]
    meter.wall["train step"] = [train_s / max(1, steps)]
    return {"cpu": meter.cpu, "wall": meter.wall, "train_steps": steps}


def shown_steps(c: Student) -> int:
    value = c.metrics.get(t("train.m_steps", "fr"), "0").strip()
    return int(value) if value.isdigit() else 0


# ---- report ---------------------------------------------------------------------------------

def table(result: dict) -> list[str]:
    ref = result["ref_s"]
    lines = ["| action | server CPU-s (median) | in ref | wall s (median) | in ref |",
             "|---|---:|---:|---:|---:|"]
    for name, cpus in result["cpu"].items():
        cpu, wall = statistics.median(cpus), statistics.median(result["wall"][name])
        lines.append(f"| {name} | {cpu:.3f} | {in_ref(cpu, ref)} | {wall:.3f} | "
                     f"{in_ref(wall, ref)} |")
    return lines


def profile_table(samples: dict[str, Counter]) -> list[str]:
    """Per action, the share of the server's samples in each category (>= 5 % shown)."""
    lines = ["| action | where the server's time goes (py-spy samples, share) |", "|---|---|"]
    for action, counts in samples.items():
        total = sum(counts.values()) or 1
        parts = [f"{name} {100 * n / total:.0f} %" for name, n in counts.most_common()
                 if n / total >= 0.05]
        lines.append(f"| {action} | {'; '.join(parts)} ({total} samples) |")
    return lines


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--train-seconds", type=float, default=8.0)
    p.add_argument("--profile", action="store_true", help="sample the server with py-spy")
    p.add_argument("--label", default="now")
    p.add_argument("--note", default="")
    p.add_argument("--no-write", action="store_true")
    p.add_argument("--no-ready", action="store_true",
                   help="start at once, without waiting for the readiness check")
    a = p.parse_args(argv)
    ref = reference_seconds()
    print(f"ref = {ref:.3f} s", flush=True)
    # as the deploy files, the server is ready (every screen warmed) unless --no-ready
    with Deployment(replicas=1, ready=not a.no_ready) as dep:
        prof = Profile(dep.pids[0], a.profile)
        started = time.monotonic()
        result = asyncio.run(play(dep.url, dep.pids[0], a.repeats, prof, a.train_seconds))
        result["seconds"] = time.monotonic() - started
    result.update({"ref_s": ref, "label": a.label, "repeats": a.repeats,
                   "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                   "machine": f"{cpu_name()}, {os.cpu_count()} cores",
                   "profile": {k: dict(v) for k, v in prof.samples.items()}})
    lines = [f"## CPU per action ({a.label})", "",
             f"{result['date']}; {result['machine']}; one server process, one student at a "
             "time (the load test's websocket client). ref = ECCV16 256², 2 threads, median, "
             f"measured in this run: **{ref:.3f} s**. Median of {a.repeats} (the first visit "
             "of a screen: once). "
             + ("Started at once (no readiness wait). " if a.no_ready else
                "Measured once the readiness check answered (every screen warmed). ")
             + "Command: `python benchmarks/bench_actions.py"
             f"{' --profile' if a.profile else ''}{' --no-ready' if a.no_ready else ''} "
             f"--label {a.label}`."
             + (f" {a.note}" if a.note else ""), "", *table(result)]
    if prof.samples:
        lines += ["", *profile_table(prof.samples)]
    text = "\n".join(lines) + "\n"
    print(text)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"bench_actions_{a.label}.json").write_text(json.dumps(result, indent=1))
    if not a.no_write:
        write_section(RESULTS, f"## CPU per action ({a.label})", text)
    return 0


def paired(before: dict, after: dict) -> list[str]:
    """Before and after, action by action: CPU-seconds (median) and in each run's ref."""
    rb, ra = before["ref_s"], after["ref_s"]
    lines = [f"| action | before: CPU-s | in ref ({rb:.3f} s) | after: CPU-s | in ref "
             f"({ra:.3f} s) | after / before |", "|---|---:|---:|---:|---:|---:|"]
    for name, cpus in after["cpu"].items():
        if name not in before["cpu"]:
            continue
        b, c = statistics.median(before["cpu"][name]), statistics.median(cpus)
        ratio = f"{c / b:.2f}" if b > 0 else "—"
        lines.append(f"| {name} | {b:.3f} | {b / rb:.2f} | {c:.3f} | {c / ra:.2f} | {ratio} |")
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
