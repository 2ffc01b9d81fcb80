"""The class room on every screen: a student's page follows the teacher's pushes and tells
the room which screen it is on; the sidebar says which room.

streamlit_app.py calls :func:`follow_room` once per run, after the navigation. Everything
the room does is :mod:`core.room`; this module only reads the seat of the sticky parameter
``?room=<token>`` and draws a small sidebar fragment that polls the room every
:data:`POLL_SECONDS`.
"""

from __future__ import annotations

import time

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from core.room import RoomError, Rooms, Seat, rooms
from core.room.store import StoreError
from ui import state
from ui.lang import lang, tr
from ui.sticky import set_sticky, sticky

#: Seconds between two looks at the room from a student's page (push, new round, closed
#: room). The only timed fragment of a student's page: a timed fragment in the page itself
#: can reach the browser after a push changed the page ("Bad delta path", a blank page).
POLL_SECONDS = 2.0
#: A student who joins late follows the teacher's last push if it is this recent.
LATE_PUSH_SECONDS = 15 * 60.0
#: Failures reaching the store that a page reports as "the room cannot be reached".
STORE_DOWN = (StoreError, ConnectionError, OSError)

ss = st.session_state


def room_store() -> Rooms:
    """This server's rooms (one store per process)."""
    return rooms()


def error_text(e: RoomError) -> str:
    """A RoomError in the page's language."""
    return tr(f"classe.err_{e.reason}", **e.info)


def who() -> dict[str, str]:
    """The identities a join's rate limits count: this browser session, its network address
    (the first X-Forwarded-For hop behind the shipped nginx)."""
    ctx = get_script_run_ctx()
    out = {"session": ctx.session_id if ctx else "none"}
    try:
        fwd = (st.context.headers.get("X-Forwarded-For") or "").split(",")[0].strip()
        out["address"] = fwd or str(st.context.ip_address or "local")
    except Exception:  # noqa: BLE001 (no request context: AppTest)
        out["address"] = "local"
    return out


def my_seat(drop_on_error: bool = True) -> Seat | None:
    """The seat of this session's ``?room=`` token, or None. A token that no longer opens a
    seat (closed or deleted room, left, forged) is dropped from the URL, and the reason
    kept for the « Classe » screen to show once."""
    token = sticky("room")
    if not token:
        return None
    try:
        seat = room_store().seat(token)
        if seat.role == "student" and (seat.member.left or not seat.room.open):
            raise RoomError("left" if seat.member.left else "closed", code=seat.room.code)
        return seat
    except RoomError as e:
        if drop_on_error:
            ss[state.ROOM_NOTICE] = (e.reason, e.info)
            set_sticky("room", None)
        return None


def take_seat(token: str, seat: Seat) -> None:
    """This session now sits in ``seat`` (just joined or opened): the token goes into the
    URL; a late student follows the teacher's last push if it is recent."""
    set_sticky("room", token)
    push = seat.room.push or {}
    recent = push and time.time() - push.get("at", 0) < LATE_PUSH_SECONDS
    ss[state.ROOM_PUSH_SEEN] = 0 if recent else push.get("seq", 0)
    ss.pop(state.ROOM_REPORTED, None)


def page_hash() -> str:
    """The screen this run shows (its script hash)."""
    ctx = get_script_run_ctx()
    return ctx.page_script_hash if ctx else ""


def still_here(page: str) -> bool:
    """Whether a fragment drawn on screen ``page`` (:func:`page_hash` then) still belongs to
    the screen shown. A timed rerun of a fragment can reach the server after the page
    changed (a push, a click in the menu): drawing then would write into the new screen's
    layout (the browser stops with "Bad delta path"), so such a rerun draws nothing."""
    return not page or page == page_hash()


def follow_room(current: st.Page, pages: dict[str, st.Page]) -> None:
    """Once per run, after the navigation: in a room, follow a new push of the teacher
    (here, in the page's full run, as a ``?page=`` preset does), then show the room in the
    sidebar and poll it."""
    if not sticky("room"):
        return
    name = current.url_path or "home"
    _follow_push(name, pages)
    with st.sidebar:
        _room_badge(page_hash(), name, pages)


def _new_push(seat: Seat | None) -> dict | None:
    """The teacher's push this student has not followed yet, or None."""
    if seat is None or seat.role != "student":
        return None
    push = seat.room.push
    if push and push["seq"] > ss.get(state.ROOM_PUSH_SEEN, 0):
        return push
    return None


def signature(seat: Seat | None) -> tuple:
    """What a student's page shows of the room: a new round, its end, the experiment."""
    if seat is None:
        return ()
    r, e = seat.room.round or {}, seat.room.experiment or {}
    return (r.get("id"), r.get("state"), e.get("id"), e.get("state"), seat.room.open)


def _follow_push(screen: str, pages: dict[str, st.Page]) -> None:
    try:
        seat = my_seat(drop_on_error=False)
    except STORE_DOWN:
        return
    ss[state.ROOM_SIGNATURE] = signature(seat)
    push = _new_push(seat)
    if push is None:
        return
    ss[state.ROOM_PUSH_SEEN] = push["seq"]
    target = pages.get(push["screen"])
    if target is not None and (push["screen"] != screen or push["params"]):
        st.switch_page(target, query_params={**push["params"], "lang": lang(),
                                             "room": sticky("room")})


@st.fragment(run_every=POLL_SECONDS)
def _room_badge(page: str, screen: str, pages: dict[str, st.Page]) -> None:
    if not still_here(page):
        return
    try:
        seat = my_seat()
    except STORE_DOWN:
        st.caption(tr("classe.store_down"))
        return
    if seat is None:
        st.rerun(scope="app")  # the token was dropped: redraw without the room
    if seat.role == "teacher":
        st.caption(tr("classe.badge_teacher", code=seat.room.code))
        return
    st.caption(tr("classe.badge_student", code=seat.room.code, name=seat.member.name))
    try:
        ss[state.ROOM_REPORTED] = room_store().report(sticky("room"), screen,
                                                      ss.get(state.ROOM_REPORTED))
    except RoomError:
        return
    if _new_push(seat) is not None or signature(seat) != ss.get(state.ROOM_SIGNATURE):
        st.rerun(scope="app")  # follow it, or show the new round, in a full run
