"""Colour hints: from a click on the photo to the updated colorization, in a real browser.

    python benchmarks/bench_hints.py [--clicks 12] [--viewport desktop|phone] [--no-write]
    python benchmarks/bench_hints.py --server-only [--repeats 40]

Starts the app and drives Debian's Chromium as ``bench_ui.py`` does (same server launch,
same definition of a *complete* view), opens the colour-hints screen on the default sample,
then clicks the photo at ``--clicks`` seeded random points, one hint more each time. For
each click: the time from the click (page clock) to the complete view with the new image
decoded inside the click component. Also the server-side work of one click (the hint
model's predict + render at display size, 1 torch thread), without the browser, and what
the locality gate of ``weights/hints.json`` (:mod:`core.hints.locality`) adds to it: the
same clicks with the gate and without (``--server-only``: only that, printed, nothing
written).

Writes ``## Colour hints: click to updated result`` in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench_ui import (  # noqa: E402 (benchmarks is not a package)
    CHROMIUM_FLAGS,
    INIT_JS,
    RESULTS,
    VIEWPORTS,
    pct,
    served,
    wait_complete,
)
from machine_ref import in_ref, reference_seconds  # noqa: E402
from results_md import cpu_name, write_section  # noqa: E402

FRAME = 'iframe[title*="streamlit_image_coordinates"]'
TITLE = "## Colour hints: click to updated result"
TARGET_S = 0.5
#: In the component's frame: the time (epoch ms) its image finished loading a new picture.
LOAD_JS = """() => { const i = document.getElementById('image'); window.__loadedAt = 0;
  i.addEventListener('load', () => { window.__loadedAt = performance.timeOrigin
    + performance.now(); }, {once: true}); }"""
FRAME_IMAGE_JS = """s => { const f = document.querySelector(s);
  const i = f && f.contentDocument.getElementById('image');
  return i && i.complete && i.naturalWidth > 0 ? i.src.length : 0; }"""


def server_side(repeats: int = 20) -> dict:
    """Seconds of one click's work on the server: predict + render with one more hint."""
    import torch

    from core.colorizer import DEFAULT_WEIGHTS, Colorizer
    from core.hints import Hint
    from core.images import resize_max_side
    from core.samples import DEFAULT_SAMPLE, load_sample

    torch.set_num_threads(1)
    model = Colorizer.from_weights(DEFAULT_WEIGHTS.with_name("hints"))
    image = resize_max_side(load_sample(DEFAULT_SAMPLE), 1280)
    rng = np.random.default_rng(0)
    h, w = image.shape[:2]
    hints, times = [], []
    for _ in range(repeats):
        hints.append(Hint(float(rng.uniform(0, w)), float(rng.uniform(0, h)), (200, 40, 40)))
        t0 = time.perf_counter()
        model.render(model.predict(image, hints=hints))
        times.append(time.perf_counter() - t0)
    return {"p50": pct(times, 50), "p95": pct(times, 95), "shape": [h, w]}


def gate_cost(repeats: int = 40) -> dict:
    """Seconds of one click's predict (+ render) with the weights' locality gate and without
    it, same photo and hints, 1 torch thread; and the gate's parts: the geodesic gate alone
    and the network without hints (run once per photo, then cached)."""
    import torch

    from core.colorizer import DEFAULT_WEIGHTS, Colorizer
    from core.hints import Hint
    from core.hints.locality import gate, hint_pixels
    from core.images import resize_max_side
    from core.samples import DEFAULT_SAMPLE, load_sample

    torch.set_num_threads(1)
    gated = Colorizer.from_weights(DEFAULT_WEIGHTS.with_name("hints"))
    if gated.hint_locality is None:
        raise SystemExit("weights/hints.json has no hint_locality")
    plain = Colorizer.from_weights(DEFAULT_WEIGHTS.with_name("hints"), hint_locality=None)
    image = resize_max_side(load_sample(DEFAULT_SAMPLE), 1280)
    h, w = image.shape[:2]
    rng = np.random.default_rng(0)
    hints = [Hint(float(rng.uniform(0, w)), float(rng.uniform(0, h)), (200, 40, 40))
             for _ in range(repeats)]
    times: dict[str, list[float]] = {"plain": [], "gated": [], "gate": [], "plain_render": [],
                                     "gated_render": []}
    gated.predict(image, hints=hints[:1])  # the answer without hints, cached once per photo
    t0 = time.perf_counter()
    gated.forget_answers()
    gated.predict(image, hints=hints[:1])
    first = time.perf_counter() - t0
    for i in range(1, repeats + 1):
        for name, model in (("plain", plain), ("gated", gated)):  # interleaved: same load
            t0 = time.perf_counter()
            pred = model.predict(image, hints=hints[:i])
            times[name].append(time.perf_counter() - t0)
            model.render(pred)
            times[f"{name}_render"].append(time.perf_counter() - t0)
        small = pred.gray_small
        rows, cols = hint_pixels(hints[:i], (h, w), small.shape)
        t0 = time.perf_counter()
        gate(small, rows, cols, gated.hint_locality)
        times["gate"].append(time.perf_counter() - t0)
    return {**{k: {"p50": pct(v, 50), "p95": pct(v, 95)} for k, v in times.items()},
            "first_tap_gated": first, "shape": [h, w], "working": list(small.shape),
            "repeats": repeats}


def browser_clicks(clicks: int, viewport: str) -> list[float]:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        raise SystemExit("chromium is missing (apt-get install chromium)")
    times = []
    with served(tag="bench_hints") as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_FLAGS)
        phone = viewport == "phone"
        ctx = browser.new_context(viewport=VIEWPORTS[viewport], has_touch=phone,
                                  is_mobile=phone)
        ctx.add_init_script(INIT_JS)
        pg = ctx.new_page()
        pg.goto(f"{base}/hints?lang=en")
        wait_complete(pg, 0.0, timeout=120)
        img = pg.frame_locator(FRAME).locator("#image")
        img.wait_for(timeout=60_000)
        rng = np.random.default_rng(1)
        for _ in range(clicks + 1):  # the first click warms the server's caches up
            box = img.bounding_box()
            pos = {"x": box["width"] * rng.uniform(0.1, 0.9),
                   "y": box["height"] * rng.uniform(0.1, 0.9)}
            before = img.get_attribute("src")
            frame = pg.frame(url=lambda u: "streamlit_image_coordinates" in u)
            frame.evaluate(LOAD_JS)
            origin = pg.evaluate("performance.timeOrigin")
            # The click lands in the component's frame, out of the page's input listener:
            # its time, on the same machine's clock, in the page's clock (ms).
            t0 = time.time() * 1000 - origin
            (img.tap if phone else img.click)(position=pos)
            complete = wait_complete(pg, t0)
            pg.wait_for_function(f"s => ({FRAME_IMAGE_JS})(s) && "
                                 "document.querySelector(s).contentDocument"
                                 ".getElementById('image').src !== "
                                 f"{before!r}", arg=FRAME, timeout=30_000)
            loaded = (frame.evaluate("window.__loadedAt") - origin - t0) / 1000
            times.append(max(complete, loaded))
            print(f"click {len(times)}: {times[-1]:.2f} s", flush=True)
        browser.close()
    return times[1:]


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--clicks", type=int, default=12)
    p.add_argument("--viewport", choices=list(VIEWPORTS), default="desktop")
    p.add_argument("--note", default="")
    p.add_argument("--no-write", action="store_true")
    p.add_argument("--server-only", action="store_true",
                   help="only the server side with and without the locality gate (printed)")
    p.add_argument("--repeats", type=int, default=40)
    a = p.parse_args(argv)
    ref = reference_seconds()  # this machine's unit, measured in the same run
    print(f"ref = {ref:.3f} s", flush=True)
    if a.server_only:
        cost = gate_cost(a.repeats)
        ms = {k: f"p50 {1000 * v['p50']:.1f} ms, p95 {1000 * v['p95']:.1f} ms"
              for k, v in cost.items() if isinstance(v, dict)}
        print(f"photo {cost['shape'][1]}x{cost['shape'][0]}, working {cost['working'][1]}x"
              f"{cost['working'][0]}, 1 torch thread, 1 to {cost['repeats']} hints, "
              f"load average {' / '.join(f'{v:.1f}' for v in os.getloadavg())}")
        for k in ("plain", "gated", "gate", "plain_render", "gated_render"):
            print(f"  {k:13s} {ms[k]} (p50 {in_ref(cost[k]['p50'], ref)})")
        print(f"  first tap on a new photo with the gate (network twice): "
              f"{1000 * cost['first_tap_gated']:.1f} ms")
        return cost
    load0 = " / ".join(f"{v:.1f}" for v in os.getloadavg())
    server = server_side()
    clicks = browser_clicks(a.clicks, a.viewport)
    load1 = " / ".join(f"{v:.1f}" for v in os.getloadavg())
    date = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    ok = "meets" if pct(clicks, 95) <= TARGET_S else "misses"
    section = "\n".join([
        TITLE, "",
        f"*`python benchmarks/bench_hints.py --viewport {a.viewport}` on {date}: {cpu_name()}, "
        f"{os.cpu_count()} cores; one user, server and Chromium on the same cores; load average "
        f"{load0} at start, {load1} at the end; ref = ECCV16 256², 2 threads, median, measured "
        f"in this run: {ref:.3f} s.*", "",
        *([a.note, ""] if a.note else []),
        f"- Click (or tap) on the photo to the updated result, the new image decoded: p50 "
        f"**{pct(clicks, 50):.2f} s** ({in_ref(pct(clicks, 50), ref)}), p95 "
        f"**{pct(clicks, 95):.2f} s** ({in_ref(pct(clicks, 95), ref)}), mean "
        f"{statistics.mean(clicks):.2f} s over {len(clicks)} clicks (1 to {len(clicks) + 1} "
        f"hints); target ≤ {TARGET_S} s: {ok} it.",
        f"- Server side, one click (hint model at short side 96, then Lab → RGB at the display "
        f"size {server['shape'][1]}x{server['shape'][0]}, 1 torch thread): p50 "
        f"{1000 * server['p50']:.0f} ms ({in_ref(server['p50'], ref)}), p95 "
        f"{1000 * server['p95']:.0f} ms ({in_ref(server['p95'], ref)}).", ""])
    print(section)
    if not a.no_write:
        write_section(RESULTS, TITLE, section)
    return {"clicks": clicks, "server": server, "ref_s": ref}


if __name__ == "__main__":
    main()
