"""« Classe »: the teacher's room on the projector, the students' phones in it.

Without a room: join by code (a QR code's link fills it in) or open a room (teacher). The
teacher's view refreshes itself every few seconds (a fragment): who joined and on which
screen, a push of every student to a screen, "real or colorized?" rounds with the class's
fool rate, the class's own experiment, the CSV, closing the room. A student's view: their
pseudonym, the vote on their phone, their assigned training. Everything the room does is
core.room; this screen draws widgets and forwards clicks.
"""

from __future__ import annotations

import io
import os
import time
from urllib.parse import urlencode, urlsplit

import numpy as np
import segno
import streamlit as st

from core import admission, live, runs
from core import experiment_view as ev
from core.room import RoomError, Seat, report
from core.room import experiment as cx
from core.room import photos as rp
from core.room.room import parse_params
from core.samples import COLOUR_SAMPLES, load_sample
from ui import state
from ui.lang import lang, num, span, tr
from ui.model import hint_colorizer, shipped_colorizer
from ui.nav import NAMES
from ui.room import (
    STORE_DOWN,
    error_text,
    my_seat,
    page_hash,
    page_timer,
    room_store,
    still_here,
    take_seat,
    who,
)
from ui.sticky import set_sticky, sticky

ss = st.session_state
#: Seconds between two refreshes of the teacher's board: a join or a vote shows on the
#: projector half a second later (issue 22 §6: ≤ 2.5 ref behind, the load test's "teacher's
#: view behind"); a refresh with 30 students and 250 votes costs about 10 ms of CPU.
BOARD_EVERY = 0.5
#: A student's class training ticks this often.
STUDENT_EVERY = 1.0
#: Session keys of this screen.
VOTED, WS, AUTO_JOINED = "room_voted", "room_ws_token", "room_auto_joined"


def say(e: RoomError) -> None:
    st.error(error_text(e), icon=":material/error:")


def screen_address() -> str:
    """This server's address of the « Classe » screen, as the browser reached it."""
    try:
        parts = urlsplit(st.context.url or "")
        base = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
    except Exception:  # noqa: BLE001 (AppTest: no request)
        base = ""
    return f"{base or 'http://localhost:8501'}/classe"


def join_address(code: str) -> str:
    """The address a student's phone opens (the QR code): the code, the teacher's language."""
    return f"{screen_address()}?{urlencode({'code': code, 'lang': lang()})}"


def teacher_address(token: str) -> str:
    """The teacher's secret address (their token): shown to the teacher only."""
    return f"{screen_address()}?{urlencode({'room': token, 'lang': lang()})}"


def qr_png(text: str) -> bytes:
    buf = io.BytesIO()
    segno.make(text, error="m").save(buf, kind="png", scale=10, border=2)
    return buf.getvalue()


def screen_title(name: str | None) -> str:
    return tr(f"nav.{name}") if name in NAMES else tr("classe.screen_unknown")


def variant_name(v: str) -> str:
    return tr(f"experiments.s_{v}")


def method_name(m: str) -> str:
    return tr(f"classe.method_{m}")


@st.cache_data(show_spinner=False, max_entries=64)
def round_picture(sample: str, crop: int, method: str, seed: int) -> np.ndarray:
    """A round's picture, made on this server from its description (no photo is stored)."""
    item = {"sample": sample, "crop": crop, "method": method, "seed": seed}
    return rp.render(item, shipped_colorizer(), hint_colorizer())


@st.cache_data(show_spinner=False, ttl=300)
def reference_results() -> dict | None:
    """The experiments screen's reference table (read once, not at every board refresh)."""
    return ev.load_results()


def picture(p: dict) -> np.ndarray:
    return round_picture(p["sample"], p["crop"], p["method"], p.get("seed", 0))


# -- no room yet -------------------------------------------------------------------------------
def notice() -> None:
    reason = ss.pop(state.ROOM_NOTICE, None)
    if reason:
        st.warning(error_text(RoomError(reason[0], **reason[1])), icon=":material/info:")


def join(code: str) -> None:
    try:
        seat, token, left = room_store().join(code, who(), lang(), current=sticky("room"))
    except RoomError as e:
        ss[state.ROOM_NOTICE] = (e.reason, e.info)
        return
    take_seat(token, seat)
    if left is not None:
        ss[state.ROOM_NOTICE] = ("moved", {"old": left.code, "new": seat.room.code})


def open_room() -> None:
    room, token = room_store().open(lang())
    take_seat(token, room_store().seat(token))


def no_room() -> None:
    code = str(st.query_params.get("code", "")).strip()[:12]
    if code and not ss.get(AUTO_JOINED):  # a scanned QR code: one step, not two
        ss[AUTO_JOINED] = True
        join(code)
        if sticky("room"):
            st.rerun()
    notice()
    c1, c2 = st.columns(2, gap="large")
    with c1:
        st.subheader(tr("classe.join_title"))
        with st.form("room_join", border=False):
            typed = st.text_input(tr("classe.code_label"), value=code, max_chars=12,
                                  placeholder="ACDE3", key="room_code")
            if st.form_submit_button(tr("classe.join"), type="primary",
                                     icon=":material/login:"):
                join(typed)
                st.rerun()
        st.caption(tr("classe.join_help"))
    with c2:
        st.subheader(tr("classe.teacher_title"))
        st.markdown(tr("classe.teacher_intro"))
        if st.button(tr("classe.open"), icon=":material/groups:", key="room_open"):
            open_room()
            st.rerun()


# -- the teacher ------------------------------------------------------------------------------
def teacher_view(seat: Seat) -> None:
    room = seat.room
    token = sticky("room")
    if not room.open:
        st.info(tr("classe.closed_teacher", code=room.code), icon=":material/lock:")
        results(room)
        csv_button(room)
        if st.button(tr("classe.open_new"), icon=":material/add:", key="room_reopen"):
            open_room()
            st.rerun()
        return
    left, right = st.columns([2, 3], gap="large")
    with left:
        st.markdown(f"<div class='room-code' style='font-size:4.5rem;font-weight:700;"
                    f"letter-spacing:0.3em;line-height:1.1'>{room.code}</div>",
                    unsafe_allow_html=True)
        address = join_address(room.code)
        st.image(qr_png(address), width=300, caption=tr("classe.qr_caption"))
        st.code(address, language=None)
    with right:
        board(page_hash(), room.id)
    controls(token, room)
    with st.expander(tr("classe.teacher_link"), icon=":material/key:"):
        st.warning(tr("classe.teacher_link_warning"))
        st.code(teacher_address(token), language=None)


@st.fragment(run_every=BOARD_EVERY)
def board(page: str, rid: str) -> None:
    """The live board: who joined and where they are, the round, the experiment."""
    if not still_here(page):
        return
    try:
        room = room_store().get(rid)
        if room is None or not room.open:
            st.rerun(scope="app")
        members = room_store().members(room)
    except STORE_DOWN:
        st.warning(tr("classe.store_down"))
        return
    now = time.time()
    here = [m for m in members if not m.left]
    c1, c2 = st.columns(2)
    c1.metric(tr("classe.joined"), len(here))
    c2.metric(tr("classe.active"), sum(not m.away(now) for m in here))
    if room.round:
        round_board(room, live=room.round["state"] == "voting")
    if room.experiment:
        experiment_board(room)
    if here:
        st.dataframe([{tr("classe.col_name"): m.name, tr("classe.col_screen"): screen_title(m.screen),
                       tr("classe.col_status"): tr("classe.away" if m.away(now) else "classe.here")}
                      for m in here], hide_index=True, width="stretch",
                     height=min(400, 38 + 35 * len(here)))
    else:
        st.caption(tr("classe.nobody"))


def controls(token: str, room) -> None:
    t_push, t_round, t_exp, t_end = st.tabs([tr("classe.tab_push"), tr("classe.tab_round"),
                                             tr("classe.tab_experiment"), tr("classe.tab_end")])
    with t_push, st.form("room_push", border=False):
        screen = st.selectbox(tr("classe.push_screen"), NAMES, format_func=screen_title,
                              key="room_push_screen")
        params = st.text_input(tr("classe.push_params"), placeholder="x=3",
                               help=tr("classe.push_params_help"), key="room_push_params")
        if st.form_submit_button(tr("classe.push"), icon=":material/send:", type="primary"):
            try:
                room_store().push(token, screen, parse_params(params), set(NAMES))
                st.toast(tr("classe.pushed", screen=screen_title(screen)),
                         icon=":material/send:")
            except RoomError as e:
                say(e)
    with t_round:
        st.markdown(tr("classe.round_intro"))
        n = st.segmented_control(tr("classe.round_size"), rp.ROUND_SIZES, default=9,
                                 key="room_round_n") or 9
        c1, c2 = st.columns(2)
        if c1.button(tr("classe.round_start"), icon=":material/play_arrow:", type="primary",
                     key="room_round_start"):
            methods = rp.available_methods(shipped_colorizer(), hint_colorizer())
            seed = int.from_bytes(os.urandom(3), "big")
            try:
                photos = rp.make_round(int(n), seed, methods)
                with st.spinner(tr("classe.round_preparing")):
                    for p in photos:  # made once here: the phones find them ready
                        picture(p)
                room_store().start_round(token, photos)
                room_store().push(token, "classe", {}, set(NAMES))  # everyone to the vote
            except RoomError as e:
                say(e)
            st.rerun()
        if room.round and room.round["state"] == "voting" and c2.button(
                tr("classe.round_end"), icon=":material/stop:", key="room_round_end"):
            room_store().end_round(token)
            st.rerun()
    with t_exp:
        st.markdown(tr("classe.exp_intro"))
        variants = st.multiselect(tr("classe.exp_variants"), list(cx.VARIANTS),
                                  default=list(cx.VARIANTS), format_func=variant_name,
                                  key="room_exp_variants")
        budget = st.segmented_control(tr("classe.exp_budget"), cx.BUDGETS,
                                      default=cx.DEFAULT_BUDGET, key="room_exp_budget",
                                      format_func=lambda b: tr("classe.steps", n=b))
        c1, c2 = st.columns(2)
        if c1.button(tr("classe.exp_start"), icon=":material/science:", type="primary",
                     key="room_exp_start"):
            try:
                room_store().start_experiment(token, [cx.REFERENCE, *[
                    v for v in variants if v != cx.REFERENCE]],
                    {"steps": int(budget or cx.DEFAULT_BUDGET)})
                room_store().push(token, "classe", {}, set(NAMES))  # everyone to their run
            except RoomError as e:
                say(e)
            st.rerun()
        if room.experiment and room.experiment["state"] == "running" and c2.button(
                tr("classe.exp_end"), icon=":material/stop:", key="room_exp_end"):
            room_store().end_experiment(token)
            st.rerun()
    with t_end:
        csv_button(room)
        if st.button(tr("classe.close"), icon=":material/lock:", key="room_close"):
            room_store().close(token)
            st.rerun()


def csv_button(room) -> None:
    st.download_button(tr("classe.csv"), report.csv_text(room_store(), room),
                       file_name=f"classe-{room.code}.csv", mime="text/csv",
                       icon=":material/download:", key="room_csv", on_click="ignore")


def rate_text(r: dict | None) -> str:
    if r is None:
        return "—"
    return f"{num(r['rate'], '.0%')} {span(r['lo'], r['hi'], '.0%')}"


def round_board(room, live: bool) -> None:
    rnd = room.round
    s = report.round_summary(room_store(), room, rnd, rates=not live)
    st.subheader(tr("classe.round_title", n=rnd["id"]))
    if live:
        st.metric(tr("classe.voters"), s["voters"])
        st.progress(min(1.0, s["votes"] / max(1, s["expected"] * max(1, room.members))),
                    text=tr("classe.votes_so_far", votes=s["votes"]))
        return
    rows = []
    for m, r in s["rates"].items():
        rows.append({tr("classe.col_method"): method_name(m),
                     tr("classe.col_said_real"): rate_text(r),
                     tr("classe.col_votes"): str(r["votes"] if r else 0)})
    rows.append({tr("classe.col_method"): tr("classe.zhang_row"),
                 tr("classe.col_said_real"): num(rp.ZHANG_FOOL_RATE, ".0%"),
                 tr("classe.col_votes"): "—"})
    st.table(rows, hide_index=True, border="horizontal")
    st.caption(tr("classe.round_reading", citation=rp.ZHANG_CITATION))
    if s["fooled_most"]:
        st.markdown(tr("classe.fooled_most"))
        st.image([picture(p) for p in s["fooled_most"]], width=180,
                 caption=[tr("classe.fooled_caption", method=method_name(p["method"]),
                             share=p["share_real"], n=p["votes"]) for p in s["fooled_most"]])


def experiment_board(room) -> None:
    exp = room.experiment
    s = report.experiment_summary(room_store(), room, exp)
    st.subheader(tr("classe.exp_title", steps=exp["budget"].get("steps", "?")))
    training = [p for mid, p in s["progress"].items() if mid not in s["scores"]]
    queued = sum(1 for p in training if p.get("queue"))
    st.caption(tr("classe.exp_status", done=len(s["scores"]), training=len(training) - queued,
                  queued=queued))
    ref = reference_results()
    rows = []
    for b in s["board"]:
        v = b["variant"]
        iv = b["psnr"]
        ref_v = ev.variant(ref, v) if ref else None
        d = (ref_v or {}).get("difference", {}).get("psnr")
        rows.append({
            tr("classe.col_variant"): variant_name(v),
            tr("classe.col_students"): b["students"],
            tr("classe.col_class_psnr"): "—" if iv is None else
            f"{num(iv['mean'])} {span(iv['lo'], iv['hi'])}",
            tr("classe.col_class_diff"): "—" if b["vs_reference"] is None else
            num(b["vs_reference"], "+.2f"),
            tr("classe.col_ref_diff"): "—" if d is None else num(d["mean"], "+.2f"),
        })
    st.table(rows, hide_index=True, border="horizontal")
    st.caption(tr("classe.exp_reading"))


def results(room) -> None:
    if room.round:
        round_board(room, live=False)
    if room.experiment:
        experiment_board(room)


# -- a student --------------------------------------------------------------------------------
def student_view(seat: Seat) -> None:
    token = sticky("room")
    st.success(tr("classe.you_are", code=seat.room.code, name=seat.member.name),
               icon=":material/badge:")
    with st.expander(tr("classe.rename_title"), icon=":material/edit:"), \
            st.form("room_rename", border=False):
        new = st.text_input(tr("classe.rename_label"), value=seat.member.name, max_chars=30,
                            key="room_rename_text")
        if st.form_submit_button(tr("classe.rename")):
            try:
                room_store().rename(token, new)
                st.rerun()
            except RoomError as e:
                say(e)
    student_live(seat)
    if st.button(tr("classe.leave"), icon=":material/logout:", key="room_leave"):
        room_store().leave(token)
        set_sticky("room", None)
        st.rerun()


def student_live(seat: Seat) -> None:
    """What the teacher started: a vote round, the class experiment (or a waiting line).
    Drawn by full runs: the sidebar's poll (ui/room.py) redraws the page when the room
    starts or ends something; only a running training has a timed fragment."""
    notice()
    room = seat.room
    shown = False
    if room.round:
        shown = vote_section(seat, room.round)
    if room.experiment and room.experiment["state"] == "running":
        train_section(seat)
        shown = True
    if not shown:
        st.info(tr("classe.wait"), icon=":material/hourglass_empty:")


def my_votes(seat: Seat, rnd: dict) -> dict[str, str]:
    """This student's votes in the round (from the store once per round, then kept)."""
    key = (seat.room.id, rnd["id"])
    if ss.get(VOTED, {}).get("key") != key:
        mine = {pid: a for (mid, pid), a in room_store().votes(seat.room, rnd["id"]).items()
                if mid == seat.member.id}
        ss[VOTED] = {"key": key, "votes": mine}
    return ss[VOTED]["votes"]


def vote_section(seat: Seat, rnd: dict) -> bool:
    votes = my_votes(seat, rnd)
    photos = rnd["photos"]
    if rnd["state"] != "voting":
        right = sum(1 for p in photos if p["id"] in votes
                    and (votes[p["id"]] == "real") == (p["method"] == "real"))
        st.info(tr("classe.round_over_you", right=right, n=len(votes)), icon=":material/flag:")
        return True
    todo = [p for p in photos if p["id"] not in votes]
    if not todo:
        st.success(tr("classe.all_voted", n=len(photos)), icon=":material/check:")
        return True
    p = todo[0]
    st.subheader(tr("classe.vote_title", i=len(votes) + 1, n=len(photos)))
    st.image(picture(p), width="stretch")
    c1, c2 = st.columns(2)
    for col, answer, icon in ((c1, "real", ":material/photo_camera:"),
                              (c2, "colorized", ":material/brush:")):
        col.button(tr(f"classe.vote_{answer}"), icon=icon, width="stretch",
                   key=f"room_vote_{answer}_{rnd['id']}_{p['id']}", on_click=cast_vote,
                   args=(rnd["id"], p["id"], answer))
    return True


def cast_vote(round_id: int, photo_id: str, answer: str) -> None:
    """A vote button's callback: before the fragment draws again, so the next photo shows."""
    try:
        room_store().vote(sticky("room"), round_id, photo_id, answer)
        ss[VOTED]["votes"][photo_id] = answer
    except RoomError as e:
        ss[state.ROOM_NOTICE] = (e.reason, e.info)


def train_section(seat: Seat) -> None:
    token = sticky("room")
    try:
        exp, variant = room_store().assignment(token)
    except RoomError as e:
        say(e)
        return
    steps = int(exp["budget"].get("steps", cx.DEFAULT_BUDGET))
    st.subheader(tr("classe.exp_yours", variant=variant_name(variant)))
    st.caption(tr("classe.exp_explain", steps=steps))
    done = room_store().scores(seat.room, exp["id"]).get(seat.member.id)
    if done:
        st.success(tr("classe.exp_done", psnr=done["psnr"], grey=done["grey_psnr"]),
                   icon=":material/check:")
        return
    ws = runs.STORE.get(ss.get(WS))
    key = (seat.room.id, exp["id"], variant)
    if ws is None or ws.run is None or getattr(ws, "class_key", None) != key:
        if st.button(tr("classe.exp_go"), icon=":material/model_training:", type="primary",
                     key="room_exp_go"):
            start_training(seat, variant, key)
            st.rerun()
        return
    if ss.get(state.ROOM_LEAVING):  # a push takes this phone elsewhere at the next poll
        st.progress(min(1.0, ws.run.steps / steps),
                    text=tr("classe.exp_progress", steps=ws.run.steps, of=steps))
        return
    page_timer()
    class_training(page_hash(), exp["id"], steps)


def start_training(seat: Seat, variant: str, key: tuple) -> None:
    try:
        token, ws = runs.STORE.create()
    except runs.StoreFull:
        st.error(tr("train.store_full"))
        return
    settings = cx.settings_for(variant, cx.seed_of(seat.member.id))
    run = live.LiveRun(settings, [load_sample(n) for n in COLOUR_SAMPLES])
    try:
        runs.STORE.reserve(ws, run.nbytes())
    except runs.StoreFull:
        st.error(tr("train.store_full"))
        return
    ws.run, ws.running = run, True
    ws.class_key = key
    ss[WS] = token


@st.fragment(run_every=STUDENT_EVERY)
def class_training(page: str, exp_id: int, steps: int) -> None:
    """Tick the student's run (the training screen's admission and CPU slots) until the
    budget; then score it and send the score to the room."""
    if not still_here(page):
        return
    ws = runs.STORE.get(ss.get(WS))
    if ws is None or ws.run is None:
        return
    run = ws.run
    token = sticky("room")
    left = steps - run.steps
    position = admission.REGISTRY.request(ws.key) if left > 0 else 0
    if position:
        st.warning(tr("train.queue", position=position, cap=admission.REGISTRY.capacity))
    elif left > 0 and ws.try_tick(0.0):
        try:
            with admission.compute_slot() as got:
                if got:
                    run.tick(max_steps=left)
        finally:
            ws.lock.release()
    st.progress(min(1.0, run.steps / steps), text=tr("classe.exp_progress", steps=run.steps,
                                                     of=steps))
    try:
        if run.steps >= steps:
            ws.pause()
            room_store().submit(token, exp_id, cx.score(run))
            st.rerun(scope="app")
        else:
            room_store().progress(token, exp_id, {"steps": run.steps, "of": steps,
                                                  "queue": position})
    except RoomError as e:
        say(e)


# -- the screen ---------------------------------------------------------------------------------
st.title(tr("classe.title"))
try:
    seat = my_seat()
except STORE_DOWN:
    st.error(tr("classe.store_down"))
    st.stop()
if seat is None:
    st.markdown(tr("classe.intro"))
    no_room()
elif seat.role == "teacher":
    teacher_view(seat)
else:
    student_view(seat)
