"""Load test: a class of students on one server (loopback only; stops by itself).

    python benchmarks/load_test.py                       # starts its own server
    python benchmarks/load_test.py --url http://127.0.0.1:8501 --pid 1234
    python benchmarks/load_test.py --students 30 --concurrent 10 --trainers 5
    python benchmarks/load_test.py --mode burst --students 30 --trainers 5 --replicas 2
    python benchmarks/load_test.py --mode burst --trainers 10 --reloaders 10 --replicas 2
    python benchmarks/load_test.py --client browser      # real Chromium pages instead
    python benchmarks/load_test.py --mode room           # a class room (benchmarks/load/room.py)

Two classes (``--mode``):

* ``eased``: each simulated student opens the colorize screen, uploads its own photo (a
  different one each), waits for the colorized result, then moves the saturation control a
  few times; ``--trainers`` of them then train live for ``--train-seconds``. At most
  ``--concurrent`` students are active at once (the total stays ``--students``).
* ``burst``: every student arrives within ``--arrival`` seconds (10 by default) and stays
  active: ``--trainers`` train at once, the others colorize, then move the slider every
  ``--think`` seconds until the trainers are done. ``--reloaders`` of the trainers reload
  the page half-way (new websocket, same URL with its ``?run=`` token, same browser
  cookie) and must find their run again: counted as recovered / continued.

Measured: latency of the colorize (upload -> result) and of a control change, errors
(exception elements, timeouts, HTTP errors, a run not found after a reload), the server's
memory (/proc/PID/status: start, peak, end). The summary is printed as JSON and written
to its own section of benchmarks/RESULTS.md (only that section is replaced).

The parts are in ``benchmarks/load/``: ``server`` (replicas, nginx, CPU and memory),
``protocol`` (the websocket client, default ``--client ws``: the server's latency, the
clients cost it no CPU), ``browser`` (Chromium pages, ``--client browser``, eased class
only: its latency includes rendering on the same cores), ``scenarios`` (what students do),
``report`` (the summary and RESULTS.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from load import report, scenarios, server  # noqa: E402


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--url", help="an app already running (else one is started on loopback)")
    p.add_argument("--pid", type=int, help="the server's pid, for its memory (with --url)")
    p.add_argument("--client", choices=("ws", "browser"), default="ws",
                   help="ws: protocol-level websocket clients (the server's latency); "
                        "browser: Chromium pages (includes rendering on the same CPU)")
    p.add_argument("--mode", choices=("eased", "burst", "room"), default="eased",
                   help="eased: at most --concurrent at once; burst: all within --arrival s; "
                        "room: a class room, its vote round and experiment (load/room.py)")
    p.add_argument("--students", type=int, default=30)
    p.add_argument("--concurrent", type=int, default=10, help="eased: students active at once")
    p.add_argument("--trainers", type=int, default=5)
    p.add_argument("--reloaders", type=int, default=0,
                   help="burst: trainers who reload the page half-way through their training")
    p.add_argument("--arrival", type=float, default=10.0, help="burst: arrivals spread (s)")
    p.add_argument("--think", type=float, default=3.0,
                   help="burst: seconds between two control changes of a student (±50 %%)")
    p.add_argument("--away", type=float, default=2.0, help="seconds a reload takes")
    p.add_argument("--replicas", type=int, default=1,
                   help="app processes behind nginx (deploy/nginx.conf); one per core")
    p.add_argument("--controls", type=int, default=3, help="control changes per student (min)")
    p.add_argument("--train-seconds", type=float, default=20.0)
    p.add_argument("--rounds", type=int, default=1,
                   help="classes one after the other on the same servers (does memory stay bounded)")
    p.add_argument("--pause", type=float, default=0.0,
                   help="seconds between two rounds (Streamlit frees closed sessions after "
                        "server.disconnectedSessionTTL, 120 s)")
    p.add_argument("--max-seconds", type=float, default=480.0, help="hard stop (per round)")
    p.add_argument("--photos", type=int, default=10, help="room: photos of the vote round")
    p.add_argument("--budget", type=int, default=20, help="room: steps of the class experiment")
    p.add_argument("--store", choices=("redis", "sqlite"), default="redis",
                   help="room: where the rooms live (redis: a redis-server started here)")
    p.add_argument("--results", default=str(ROOT / "benchmarks" / "RESULTS.md"))
    p.add_argument("--note", default="", help="a sentence added to the results section")
    p.add_argument("--no-write", action="store_true")
    args = p.parse_args(argv)
    if args.url and not args.url.startswith(("http://127.", "http://localhost")):
        p.error("loopback URLs only")
    if args.client == "browser" and args.mode != "eased":
        p.error("--client browser runs the eased class only")
    if args.mode == "room":
        args.think = args.think if "--think" in (argv or sys.argv) else 1.5
        args.trainers = 10 if "--trainers" not in (argv or sys.argv) else args.trainers
        if args.store == "redis" and "--replicas" not in (argv or sys.argv):
            args.replicas = 2  # the shipped deployment
    args.trainers = min(args.trainers, args.students)
    args.reloaders = min(args.reloaders, args.trainers) if args.mode == "burst" else 0
    return args


def main(argv: list[str] | None = None) -> dict:
    args = parse(argv)
    if args.mode == "room":
        from load import room

        return room.main(args)
    photos = scenarios.student_photos(args.students)
    from machine_ref import reference_seconds

    ref = reference_seconds()  # this machine's unit, before the servers share its cores
    with server.Deployment(args.replicas, args.url, args.pid) as dep:
        for b in dep.backends:  # (Deployment has waited for each one's readiness)
            # The teacher's visit before the class (imports, model).
            asyncio.run(scenarios.teacher_visit(b))
        watch = server.MemoryWatch(dep.pids)
        start_mib = server.MemoryWatch.total_mib(dep.pids)
        cpu_before = [server.cpu_seconds(p) for p in dep.pids]
        load_before = os.getloadavg()[0]
        watch.start()
        t0, cpu0 = time.monotonic(), time.process_time()
        try:
            stats, peaks = scenarios.new_stats(), []
            for r in range(args.rounds):
                if r:
                    time.sleep(args.pause)
                    watch.peak = 0.0  # this round's own peak
                if args.client == "ws":
                    one = asyncio.run(scenarios.run_class_ws(dep.url, args, photos))
                else:
                    from load.browser import run_class_browser

                    one = asyncio.run(run_class_browser(dep.url, args, photos))
                for key, value in one.items():
                    stats[key] += value
                peaks.append(round(watch.peak))
            # CPU of this process: all the ws clients (Chromium runs in other processes).
            stats["client_cpu_s"] = time.process_time() - cpu0 if args.client == "ws" else None
            stats["rss_peak_by_round_mib"] = peaks
            stats["load_before"] = load_before
            wall = time.monotonic() - t0
            # Each replica's share of the work (a sticky balancer that sends everyone to
            # one replica would show here).
            stats["replica_cpu_s"] = [round(server.cpu_seconds(p) - c, 1)
                                      for p, c in zip(dep.pids, cpu_before, strict=True)]
            memory = {"start": start_mib, "peak": max(peaks),
                      "end": server.MemoryWatch.total_mib(dep.pids)}
        finally:
            watch.stop_flag = True
    s = report.summary(stats, args, memory, wall)
    s["ref_s"] = round(ref, 4)
    print(json.dumps(s, indent=1))
    if not args.no_write:
        report.write_results(s, Path(args.results), args.note)
    return s


if __name__ == "__main__":
    main()
