"""Live training: time to first visible colour with the screen's default settings.

"First colour" = validation loss <= 0.8 x the grey baseline's (core.live.FIRST_COLOUR_RATIO),
on the bundled colour samples, ticks of core.live.TICK_SECONDS as on the training screen.
Reports training seconds (inside ticks) and the wall time a student waits (one tick per
second on the screen: ticks x 1 s). Target: <= 60 s on 2 CPU cores.

    python benchmarks/bench_first_colour.py [--repeats 3] [--threads 1 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from core import admission, live  # noqa: E402
from core.samples import COLOUR_SAMPLES, load_sample  # noqa: E402

TICK_EVERY = 1.0  # pages/train.py reruns its fragment every second


def one(settings: live.LiveSettings, photos, limit: float) -> dict:
    r = live.time_to_first_colour(settings, photos, limit_seconds=limit)
    return {"steps": r["first_colour_step"], "train_s": r["first_colour_seconds"],
            "ticks": r["ticks"], "screen_wall_s": r["ticks"] * TICK_EVERY,
            "bench_wall_s": r["wall_seconds"], "ratio": r["ratio"]}


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", type=int, nargs="+", default=[admission.CPU_THREADS])
    p.add_argument("--limit", type=float, default=live.MAX_SECONDS)
    a = p.parse_args(argv)
    photos = [load_sample(n) for n in COLOUR_SAMPLES]
    settings = live.LiveSettings()
    live.LiveRun(settings, photos).tick(0.2)  # warm-up: first-use costs of torch, not training
    out = {"settings": settings.to_dict(), "torch": torch.__version__,
           "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
           "cpus": os.cpu_count(), "load_before": os.getloadavg()[0],
           "date": time.strftime("%Y-%m-%d %H:%M"), "results": {}}
    for threads in a.threads:
        torch.set_num_threads(threads)
        rows = [one(settings, photos, a.limit) for _ in range(a.repeats)]
        ok = [r["train_s"] for r in rows if r["train_s"] is not None]
        out["results"][threads] = {
            "runs": rows,
            "median_train_s": statistics.median(ok) if ok else None,
            "median_screen_wall_s": statistics.median(r["screen_wall_s"] for r in rows),
            "median_steps": statistics.median(r["steps"] for r in rows if r["steps"]),
        }
        print(json.dumps({"threads": threads, **{k: v for k, v in out["results"][threads].items()
                                                  if k != "runs"}}), flush=True)
    out["load_after"] = os.getloadavg()[0]
    print(json.dumps(out, indent=1, default=str))
    return out


if __name__ == "__main__":
    main()
