"""The load test's summary (JSON) and its section of benchmarks/RESULTS.md."""

from __future__ import annotations

import os
import platform
import statistics
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

SECTION = "## Load test (30 students)"


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    return float(np.percentile(values, q))


def machine(load_before: float | None = None) -> str:
    """The machine, and how busy it was: the 1-minute load average before the class (the
    other jobs) and after it (the class included)."""
    load = (f", load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
            if load_before is not None else "")
    return (f"{platform.machine()}, {os.cpu_count()} CPU, "
            f"{round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB"
            + load)


def summary(stats: dict, args, memory: dict, wall: float) -> dict:
    """``memory``: server RSS in MiB, ``start`` / ``peak`` / ``end`` (all replicas)."""
    return {
        "client": args.client, "mode": args.mode, "replicas": args.replicas,
        "students": args.students, "concurrent": args.concurrent, "trainers": args.trainers,
        "reloaders": args.reloaders, "arrival_s": args.arrival, "think_s": args.think,
        "train_seconds": args.train_seconds,
        "completed": stats["done"], "errors": len(stats["errors"]),
        "error_messages": stats["errors"][:10],
        "colorize_p50_s": pct(stats["colorize"], 50), "colorize_p95_s": pct(stats["colorize"], 95),
        "control_p50_s": pct(stats["control"], 50), "control_p95_s": pct(stats["control"], 95),
        "n_colorize": len(stats["colorize"]), "n_control": len(stats["control"]),
        "train_steps_mean": statistics.mean(stats["train_steps"]) if stats["train_steps"] else None,
        "reloads": stats["reloads"], "recovered": stats["recovered"],
        "continued": stats["continued"], "reload_p95_s": pct(stats["reload_s"], 95),
        "server_rss_start_mib": round(memory["start"]), "server_rss_peak_mib": round(memory["peak"]),
        "server_rss_end_mib": round(memory["end"]), "rounds": args.rounds,
        "pause_s": args.pause,
        "rss_peak_by_round_mib": stats.get("rss_peak_by_round_mib"),
        "wall_s": round(wall, 1),
        "replica_cpu_s": stats.get("replica_cpu_s"),
        "client_cpu_s": None if stats.get("client_cpu_s") is None
        else round(stats["client_cpu_s"], 1),
        "machine": machine(stats.get("load_before")),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def section_title(s: dict) -> str:
    replicas = s.get("replicas", 1)
    tail = "" if replicas == 1 else f", {replicas} replicas"
    if s.get("mode", "eased") == "eased":
        return SECTION if replicas == 1 else f"{SECTION[:-1]}{tail})"
    what = "trainers reload mid-run" if s.get("reloaders") else "the whole class at once"
    return f"## Load test, {what} ({s['students']} students{tail})"


def command(s: dict) -> str:
    cmd = (f"python benchmarks/load_test.py --client {s['client']} --mode {s['mode']} "
           f"--students {s['students']} --trainers {s['trainers']}")
    if s["mode"] == "eased":
        cmd += f" --concurrent {s['concurrent']}"
    else:
        cmd += f" --arrival {s['arrival_s']:g} --think {s['think_s']:g}"
        cmd += f" --reloaders {s['reloaders']}" if s["reloaders"] else ""
    cmd += f" --train-seconds {s['train_seconds']:g}"
    if s.get("rounds", 1) > 1:
        cmd += f" --rounds {s['rounds']}" + (f" --pause {s['pause_s']:g}" if s.get("pause_s") else "")
    return cmd + (f" --replicas {s['replicas']}" if s["replicas"] > 1 else "")


def write_results(s: dict, path: Path, note: str) -> None:
    """Write (or replace) this configuration's section of ``path``."""
    def f(x):
        return "—" if x is None else f"{x:.2f}"

    ref = s.get("ref_s")

    def r(x):  # in units of this machine's reference, measured in the same run
        return "—" if x is None or not ref else f"{x / ref:.2f} ref"

    client, replicas = s.get("client", "browser"), s.get("replicas", 1)
    section = section_title(s)
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
    if s.get("mode", "eased") == "eased":
        scenario = (f"Each student: open the colorize screen, upload its own photo, wait for "
                    f"the result, move the saturation slider a few times; {s['trainers']} of "
                    f"them then train live at the same time. At most {s['concurrent']} "
                    f"students active at once")
    else:
        scenario = (f"All {s['students']} students arrive within {s['arrival_s']:g} s and stay "
                    f"active together: {s['trainers']} open the training screen at once and "
                    f"train for {s['train_seconds']:g} s"
                    + (f" ({s['reloaders']} of them reload the page half-way and must find "
                       "their run again)" if s["reloaders"] else "")
                    + "; the others open the colorize screen, upload their own photo, then "
                    f"move the saturation slider every {s['think_s']:g} s (±50 %) until the "
                    "trainers are done")
    body = (
        f"{section}\n\n"
        f"Machine: {s['machine']}; {s['date']}; `{command(s)}`: {setup}.\n\n"
        f"{scenario} (client mode `{client}`: {how}).\n\n"
        + (f"ref = ECCV16 256², 2 threads, median, measured in this run: **{ref:.3f} s**; "
           "targets in ref (issue 21, 2 replicas, 30 students within 10 s, 5 training): "
           "colorize p95 ≤ 2.5, control p95 ≤ 1, 0 errors.\n\n" if ref else "")
        + "| measure | p50 | p95 | p95 in ref | n |\n|---|---|---|---|---|\n"
        f"| {colorize}, s | {f(s['colorize_p50_s'])} | "
        f"{f(s['colorize_p95_s'])} | {r(s['colorize_p95_s'])} | {s['n_colorize']} |\n"
        f"| {control}, s | {f(s['control_p50_s'])} | "
        f"{f(s['control_p95_s'])} | {r(s['control_p95_s'])} | {s['n_control']} |\n\n"
        f"Completed students: {s['completed']} / {s['students'] * s.get('rounds', 1)}; "
        f"errors: {s['errors']}"
        + (f" ({'; '.join(s['error_messages'])})" if s["errors"] else "") + ". "
        + (f"Runs recovered after a reload: {s['recovered']} / "
           f"{s['reloaders'] * s.get('rounds', 1)} (and went on "
           f"training: {s['continued']}); reload to the run on screen p95 "
           f"{f(s['reload_p95_s'])} s. " if s.get("reloaders") else "")
        + f"Live-training steps per trainer in the window: "
        f"{'—' if s['train_steps_mean'] is None else round(s['train_steps_mean'])}. "
        f"Server memory (RSS, all replicas): {s['server_rss_start_mib']} MiB at start, peak "
        f"{s['server_rss_peak_mib']} MiB, {s['server_rss_end_mib']} MiB at the end"
        + (f" (peak of each of the {s['rounds']} classes in a row"
           + (f", {s['pause_s']:g} s apart" if s.get("pause_s") else "") + ": "
           f"{', '.join(map(str, s['rss_peak_by_round_mib']))} MiB)"
           if s.get("rounds", 1) > 1 else "") + ". "
        f"Wall time {s['wall_s']} s; CPU time of the "
        f"app process{'es' if replicas > 1 else ''} {s.get('replica_cpu_s')} s"
        + (f"; CPU time of all the clients together {s['client_cpu_s']} s"
           if s.get("client_cpu_s") is not None else "") + ".\n"
        + (f"\n{note}\n" if note else "")
    )
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if section in text:
        start = text.index(section)
        nxt = text.find("\n## ", start + len(section))
        text = text[:start] + body + ("\n" + text[nxt + 1:] if nxt != -1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + body
    path.write_text(text, encoding="utf-8")
