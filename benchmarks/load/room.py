"""The class room under load (issue 22 §6): a teacher's room, 30 phones, one vote round, the
class experiment, while the teacher's board refreshes itself.

    python benchmarks/load_test.py --mode room                 # 30 students, 2 replicas, Redis
    python benchmarks/load_test.py --mode room --students 3 --trainers 1 --photos 3 --no-write

What happens (protocol clients of :mod:`.protocol`, no browser):

1. the teacher opens « Classe » and clicks "open a room"; their board (a fragment that
   refreshes itself) stays open on its own websocket for the whole class;
2. ``--students`` phones open the QR code's link (``/classe?code=…``) within ``--arrival``
   seconds: **join-to-ready** is from the phone's first request to its seat on screen
   (« Vous êtes dans la salle … », the run finished);
3. the teacher starts a ``--photos`` photo "real or colorized?" round and sends everyone to
   it (what the teacher's button does, through the room's store); each phone sees it at its
   next poll and votes on every photo, ``--think`` seconds apart: **vote** is from the click
   to the next photo on screen (the run finished, the image downloaded). **Lost votes**:
   votes the phones sent that the store does not have at the end;
4. the teacher starts the class experiment (``--budget`` steps); ``--trainers`` phones start
   their assigned variant and train to the end (their score in the store);
5. **teacher's view behind**: for each student who joined (and each first vote), the time from
   the phone having it on screen to the teacher's board counting it (its metrics).

The store is Redis (a ``redis-server`` started here) behind ``--replicas`` app processes and
nginx (the shipped deployment), or ``--store sqlite`` with one process. Every timing is also
given in units of this machine's reference measured in the same run
(:mod:`benchmarks.machine_ref`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from core.i18n import t

from . import server
from .protocol import WsStudent
from .report import machine, pct

SECTION = "## Load test, a class room"
#: Issue 22 §6 targets, in units of the machine reference.
TARGETS = {"join_p95": 2.5, "vote_p95": 0.5, "teacher_behind_p95": 2.5}
WAIT = 120.0  # seconds a phone waits for something the teacher started


def tr(key: str, **kw) -> str:
    return t(f"classe.{key}", "fr", **kw)


def fr_prefix(key: str) -> str:
    """The French text of ``key`` up to its first placeholder (to recognise it on screen)."""
    return tr(key).split("{")[0]


class Phone(WsStudent):
    """A protocol client that also keeps when each metric value appeared (the teacher's
    board) and every text of a run (titles, alerts)."""

    def __init__(self, url: str, xsrf: str = ""):
        super().__init__(url, xsrf)
        self.timeline: list[tuple[float, str, str]] = []  # (time, metric label, value)
        self.texts: list[str] = []

    def handle(self, msg) -> None:
        if msg.WhichOneof("type") == "new_session" and not msg.metadata.run.fragment_ids:
            self.texts = []
        super().handle(msg)

    def handle_delta(self, msg) -> None:
        super().handle_delta(msg)
        delta = msg.delta
        if delta.WhichOneof("type") != "new_element":
            return
        el = delta.new_element
        kind = el.WhichOneof("type")
        if kind == "metric":
            self.timeline.append((time.monotonic(), el.metric.label, el.metric.body))
        elif kind in ("heading", "alert", "markdown"):
            self.texts.append(getattr(el, kind).body)

    def shows(self, start: str) -> bool:
        return any(x.startswith(start) for x in self.texts)

    def seen(self, label: str, at_least: int) -> float | None:
        """When metric ``label`` first showed a value >= ``at_least``."""
        for when, lab, value in self.timeline:
            if lab == label and value.strip().isdigit() and int(value) >= at_least:
                return when
        return None

    async def until(self, what, timeout: float = WAIT, where: str = "") -> None:
        """Wait until ``what()`` is true (the phone's polls and timers run meanwhile)."""
        end = time.monotonic() + timeout
        while not what():
            if self.closed_reason:
                raise ConnectionError(self.closed_reason)
            self.check(where)
            if time.monotonic() > end:
                raise TimeoutError(f"{where}: not on screen after {timeout:.0f} s")
            await asyncio.sleep(0.05)
        # the run that drew it has finished
        while not self.idle.is_set():
            if time.monotonic() > end:
                raise TimeoutError(f"{where}: run not finished after {timeout:.0f} s")
            await asyncio.sleep(0.02)


def vote_button(c: Phone, answer: str) -> str | None:
    """The id of the vote button on screen (its key names the photo), or None."""
    wid = c.buttons.get(tr(f"vote_{answer}"))
    return wid if wid and "room_vote_" in wid else None


def photo_of(wid: str | None) -> str | None:
    return wid.rsplit("_", 1)[-1] if wid else None


# ---- the store: Redis started here, or SQLite in a temporary folder ------------------------

def start_redis(workdir: Path) -> tuple[subprocess.Popen, str]:
    exe = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(exe).exists():
        raise SystemExit("redis-server is missing (apt-get install redis-server)")
    port = server.free_port()
    proc = subprocess.Popen(
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir), "--logfile", ""], stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True)
    import redis

    url = f"redis://127.0.0.1:{port}/0"
    end = time.monotonic() + 20
    while time.monotonic() < end:
        with contextlib.suppress(redis.exceptions.ConnectionError):
            if redis.Redis.from_url(url).ping():
                return proc, url
        time.sleep(0.05)
    proc.kill()
    raise TimeoutError("redis-server did not answer")


# ---- the class ------------------------------------------------------------------------------

def new_stats() -> dict:
    return {"join": [], "vote": [], "train": [], "push": [], "errors": [], "joined": 0,
            "voted_all": 0, "trained": 0, "votes_sent": set(), "ready_at": [],
            "first_vote_at": [], "round_at": None}


async def teacher_opens(url: str) -> tuple[Phone, str]:
    """The teacher's browser: « Classe », "open a room"; returns it and its token."""
    c = Phone(url)
    await c.connect()
    await c.open_page("classe", "lang=fr")
    await c.click(tr("open"))
    c.check("teacher")
    token = c.query_param("room")
    if not token:
        raise RuntimeError("teacher: no ?room= token after opening a room")
    return c, token


async def student(i: int, url: str, code: str, arrival: float, trains: bool, args,
                  stats: dict, round_started: asyncio.Event, exp_started: asyncio.Event,
                  done: asyncio.Event) -> None:
    rng = np.random.default_rng(i)
    await asyncio.sleep(arrival)
    c = Phone(url)
    step = "join"
    try:
        t0 = time.monotonic()
        await c.connect()
        await c.open_page("classe", f"code={code}&lang=fr")
        await c.until(lambda: c.shows(fr_prefix("you_are")), where="join")
        stats["join"].append(time.monotonic() - t0)
        stats["ready_at"].append(time.monotonic())
        stats["joined"] += 1

        step = "round"
        await round_started.wait()
        await c.until(lambda: vote_button(c, "real"), where="round shown")
        await c.media_done()  # the first photo
        stats["push"].append(time.monotonic() - stats["round_at"])
        for k in range(args.photos):
            step = f"vote {k + 1}"
            wid = vote_button(c, "real")
            photo = photo_of(wid)
            answer = "real" if rng.random() < 0.5 else "colorized"
            await asyncio.sleep(args.think * (0.5 + rng.random()))
            t1 = time.monotonic()
            stats["votes_sent"].add((i, photo))
            await c.click(tr(f"vote_{answer}"))
            c.problems += await c.media_done()
            c.check(step)
            stats["vote"].append(time.monotonic() - t1)
            if k == 0:
                stats["first_vote_at"].append(time.monotonic())
            if k + 1 < args.photos and photo_of(vote_button(c, "real")) == photo:
                raise RuntimeError(f"{step}: the same photo is shown again after the vote")
        if not c.shows(fr_prefix("all_voted")):
            raise RuntimeError("round: not told that every photo has its vote")
        stats["voted_all"] += 1

        step = "experiment"
        await exp_started.wait()
        await c.until(lambda: c.shows(fr_prefix("exp_yours")), where="experiment shown")
        if trains:
            t2 = time.monotonic()
            await c.click(tr("exp_go"))
            await c.until(lambda: c.shows(fr_prefix("exp_done")), timeout=args.max_seconds,
                          where="training")
            stats["train"].append(time.monotonic() - t2)
            stats["trained"] += 1
        await done.wait()  # stays in the room (its poll goes on) until the class ends
    except Exception as e:  # counted, reported: the load test never crashes
        stats["errors"].append(f"student {i} ({step}): {type(e).__name__}: {str(e)[:160]}")
    finally:
        await c.close()


async def run_room(url: str, args, rooms) -> dict:
    """The whole class against the app at ``url``; ``rooms``: core.room.Rooms on the same
    store (the teacher's round and experiment buttons do exactly these calls)."""
    from core.room import experiment as cx
    from core.room import photos as rp
    from ui.nav import NAMES

    stats = new_stats()
    teacher, token = await teacher_opens(url)
    room = rooms.teacher(token)
    round_started, exp_started, done = asyncio.Event(), asyncio.Event(), asyncio.Event()
    rng = np.random.default_rng(0)
    arrivals = np.sort(rng.uniform(0, args.arrival, args.students))
    trainers = set(rng.permutation(args.students)[:args.trainers].tolist())
    tasks = [asyncio.create_task(student(i, url, room.code, arrivals[i], i in trainers, args,
                                         stats, round_started, exp_started, done))
             for i in range(args.students)]

    async def settle(cond, timeout: float) -> None:
        end = time.monotonic() + timeout
        while not cond() and time.monotonic() < end and not all(x.done() for x in tasks):
            await asyncio.sleep(0.2)

    try:
        # everyone who will join has joined (or failed), and the board has caught up
        await settle(lambda: stats["joined"] + len(stats["errors"]) >= args.students,
                     args.arrival + WAIT)
        await settle(lambda: teacher.seen(tr("joined"), stats["joined"]) is not None, 30)
        rid = rooms.start_round(token, rp.make_round(args.photos, 1234, rp.METHODS))
        rooms.push(token, "classe", {}, set(NAMES))
        round_id = rid.round["id"]
        stats["round_at"] = time.monotonic()
        round_started.set()
        await settle(lambda: stats["voted_all"] + len(stats["errors"]) >= args.students,
                     args.photos * (args.think * 1.5 + 30) + WAIT)
        await settle(lambda: teacher.seen(tr("voters"), len(stats["first_vote_at"]))
                     is not None, 30)
        stored = rooms.votes(rooms.get(room.id), round_id)
        rooms.end_round(token)
        rooms.start_experiment(token, list(cx.VARIANTS), {"steps": args.budget})
        rooms.push(token, "classe", {}, set(NAMES))
        exp_started.set()
        exp_id = rooms.get(room.id).experiment["id"]
        await settle(lambda: stats["trained"] + len(stats["errors"]) >= args.students
                     or stats["trained"] >= args.trainers, args.max_seconds)
        scores = rooms.scores(rooms.get(room.id), exp_id)
        teacher.check("teacher's board")
    finally:
        done.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        await teacher.close()
    sent = stats["votes_sent"]
    stored_pairs = len(stored)
    behind = lags(stats["ready_at"], teacher, tr("joined")) + lags(
        stats["first_vote_at"], teacher, tr("voters"))
    return {"stats": stats, "votes_sent": len(sent), "votes_stored": stored_pairs,
            "lost_votes": max(0, len(sent) - stored_pairs), "scores": len(scores),
            "behind": behind, "board_refreshes": sum(
                1 for _, lab, _ in teacher.timeline if lab == tr("joined"))}


def lags(events: list[float], board: Phone, label: str) -> list[float]:
    """For the k-th event (a join, a first vote, on the phone's screen), how long until the
    board's metric ``label`` counted k (None: never, counted as the whole wait)."""
    out = []
    for k, at in enumerate(sorted(events), start=1):
        seen = board.seen(label, k)
        out.append(max(0.0, (seen if seen is not None else time.monotonic()) - at))
    return out


def main(args) -> dict:
    """Run the class (``args`` of benchmarks/load_test.py with ``--mode room``)."""
    from benchmarks.machine_ref import reference_seconds

    ref = reference_seconds()
    workdir = Path(tempfile.mkdtemp(prefix="load_room_"))
    redis_proc = None
    if args.store == "redis":
        redis_proc, store = start_redis(workdir)
    else:
        store = str(workdir / "rooms.sqlite3")
        args.replicas = 1
    os.environ["COLORISATION_STORE"] = store
    from core.room import Rooms, open_store

    rooms = Rooms(open_store(store))
    try:
        with server.Deployment(args.replicas, env={"COLORISATION_STORE": store}) as dep:
            for b in dep.backends:
                server.wait_ready(b)
            cpu_before = [server.cpu_seconds(p) for p in dep.pids]
            load_before = os.getloadavg()[0]
            t0 = time.monotonic()
            out = asyncio.run(asyncio.wait_for(run_room(dep.url, args, rooms),
                                               args.max_seconds + 600))
            wall = time.monotonic() - t0
            cpu = [round(server.cpu_seconds(p) - c, 1)
                   for p, c in zip(dep.pids, cpu_before, strict=True)]
    finally:
        if redis_proc is not None:
            redis_proc.terminate()
            redis_proc.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)
    s = summary(out, args, ref, wall, cpu, load_before)
    print(json.dumps(s, indent=1))
    if not args.no_write:
        write_results(s, Path(args.results), args.note)
    return s


def summary(out: dict, args, ref: float, wall: float, cpu: list[float],
            load_before: float) -> dict:
    st = out["stats"]

    def timing(values: list[float]) -> dict:
        p50, p95 = pct(values, 50), pct(values, 95)
        return {"n": len(values), "p50_s": None if p50 is None else round(p50, 3),
                "p95_s": None if p95 is None else round(p95, 3),
                "max_s": round(max(values), 3) if values else None,
                "p95_ref": None if p95 is None else round(p95 / ref, 2)}

    s = {
        "store": args.store, "replicas": args.replicas, "students": args.students,
        "arrival_s": args.arrival, "photos": args.photos, "think_s": args.think,
        "trainers": args.trainers, "budget_steps": args.budget,
        "ref_s": round(ref, 4),
        "join": timing(st["join"]), "vote": timing(st["vote"]),
        "teacher_behind": timing(out["behind"]), "push": timing(st["push"]),
        "train": timing(st["train"]),
        "joined": st["joined"], "voted_all": st["voted_all"], "trained": st["trained"],
        "scores_stored": out["scores"], "votes_sent": out["votes_sent"],
        "votes_stored": out["votes_stored"], "lost_votes": out["lost_votes"],
        "errors": len(st["errors"]), "error_messages": st["errors"][:10],
        "board_refreshes": out["board_refreshes"],
        "wall_s": round(wall, 1), "replica_cpu_s": cpu,
        "machine": machine(load_before),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    s["targets_met"] = {
        "join_p95": _le(s["join"]["p95_ref"], TARGETS["join_p95"]),
        "vote_p95": _le(s["vote"]["p95_ref"], TARGETS["vote_p95"]),
        "teacher_behind_p95": _le(s["teacher_behind"]["p95_ref"],
                                  TARGETS["teacher_behind_p95"]),
        "lost_votes": s["lost_votes"] == 0, "errors": s["errors"] == 0,
    }
    return s


def _le(x: float | None, target: float) -> bool:
    return x is not None and x <= target


def command(s: dict) -> str:
    return (f"python benchmarks/load_test.py --mode room --students {s['students']} "
            f"--arrival {s['arrival_s']:g} --photos {s['photos']} --think {s['think_s']:g} "
            f"--trainers {s['trainers']} --budget {s['budget_steps']} --store {s['store']}"
            + (f" --replicas {s['replicas']}" if s["replicas"] > 1 else ""))


def section_title(s: dict) -> str:
    setup = (f"{s['replicas']} replicas, Redis" if s["store"] == "redis"
             else "one process, SQLite")
    return f"{SECTION} ({s['students']} students, {setup})"


def write_results(s: dict, path: Path, note: str = "") -> None:
    from benchmarks.results_md import write_section

    ref = s["ref_s"]

    def row(name: str, key: str, target: float | None) -> str:
        m = s[key]
        if not m["n"]:
            return f"| {name} | — | — | — | — | 0 |\n"
        goal = "—" if target is None else (
            f"≤ {target:g} ref: {'met' if s['targets_met'].get(key + '_p95') else 'missed'}")
        return (f"| {name} | {m['p50_s']:.2f} | {m['p95_s']:.2f} | {m['p95_ref']:.2f} ref | "
                f"{goal} | {m['n']} |\n")

    setup = ("the shipped deployment: "
             f"{s['replicas']} app processes behind nginx with `deploy/nginx.conf`, the rooms "
             "in Redis (`COLORISATION_STORE=redis://…`)" if s["store"] == "redis"
             else "one app process, the rooms in SQLite")
    body = (
        f"{section_title(s)}\n\n"
        f"Machine: {s['machine']}; {s['date']}; `{command(s)}`: {setup}. "
        "Protocol-level clients (one websocket per phone, Streamlit's own messages, no "
        "browser: the server's latency).\n\n"
        f"The teacher opens a room and keeps the board open (it refreshes itself); "
        f"{s['students']} phones open the QR code's link within {s['arrival_s']:g} s; the "
        f"teacher starts a {s['photos']}-photo \"real or colorized?\" round, every phone votes "
        f"on every photo ({s['think_s']:g} s ±50 % apart); then the class experiment "
        f"({s['budget_steps']} steps): {s['trainers']} phones train their assigned variant to "
        "the end. Join-to-ready: first request → seat on screen; vote: click → next photo on "
        "screen (image downloaded); teacher's view behind: a join (a first vote) on the "
        "phone's screen → counted on the teacher's board.\n\n"
        f"ref = ECCV16 256², 2 threads, median, measured in this run: **{ref:.3f} s**; targets "
        "(issue 22 §6): join-to-ready p95 ≤ 2.5 ref, vote p95 ≤ 0.5 ref, teacher's view ≤ 2.5 "
        "ref behind, 0 lost votes, 0 errors.\n\n"
        "| measure | p50, s | p95, s | p95 in ref | target | n |\n|---|---|---|---|---|---|\n"
        + row("join-to-ready", "join", TARGETS["join_p95"])
        + row("vote", "vote", TARGETS["vote_p95"])
        + row("teacher's view behind", "teacher_behind", TARGETS["teacher_behind_p95"])
        + row("the teacher starts the round → its first photo on the phone (the phones "
              "look at the room every 2 s)", "push", None)
        + row(f"a class training ({s['budget_steps']} steps), click → score on screen",
              "train", None)
        + "\n"
        f"Joined: {s['joined']} / {s['students']}; voted on every photo: {s['voted_all']}; "
        f"votes sent {s['votes_sent']}, in the store {s['votes_stored']}: **lost votes "
        f"{s['lost_votes']}**; trained to the end: {s['trained']} / {s['trainers']} (scores "
        f"in the store: {s['scores_stored']}); **errors: {s['errors']}**"
        + (f" ({'; '.join(s['error_messages'])})" if s["errors"] else "") + ". "
        f"Board refreshes seen by the teacher: {s['board_refreshes']}. Wall time "
        f"{s['wall_s']} s; CPU time of the app processes {s['replica_cpu_s']} s.\n"
        + (f"\n{note}\n" if note else "")
    )
    write_section(path, section_title(s), body)
