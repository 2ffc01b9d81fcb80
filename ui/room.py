"""The class room on every screen: a student's page follows the teacher's pushes and tells
the room which screen it is on; the sidebar says which room.

streamlit_app.py calls :func:`follow_room` once per run, after the navigation. Everything
the room does is :mod:`core.room`; this module only reads the seat of the sticky parameter
``?room=<token>`` and draws a small sidebar fragment that polls the room every
:data:`POLL_SECONDS`.

A push changes the page from the server (``st.switch_page``), while the browser's timers of
timed fragments keep running. A timed rerun the browser sent before it learnt of the new
page arrives with the old page's script hash; Streamlit (1.67) runs it as a fragment run
under that hash and its browser code, seeing a run of another page, clears the page: the
student's phone showed a blank screen with only the sidebar ("Bad delta path" when the
fragment then drew). Two rules keep that from happening:

* a timed fragment that gets such a stale rerun sends the browser back to the page it shows
  (:func:`still_here`, with the page and URL parameters of the last full run);
* a push leaves a screen whose timed fragment could not do that (the class training: the
  new page's full run forgets it, Streamlit skips the stale rerun but the browser is cleared
  all the same) only once a full run has stopped that fragment's timer
  (:func:`page_timer`), a poll later.
"""

from __future__ import annotations

import logging
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
LOG = logging.getLogger("colorisation.room")


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
    """Whether a fragment drawn on screen ``page`` (:func:`page_hash` then) may draw: True in
    a rerun of that screen. A timed rerun the browser sent before the server changed its
    page (a push) runs under the old page's hash, and the browser clears its page when that
    run starts: the browser is sent back to the page it shows, in a full run (this call
    does not return), or, with no page known, the fragment draws nothing."""
    if not page or page == page_hash():
        return True
    shown = ss.get(state.SHOWN_PAGE)
    if shown and shown[0] == page:
        LOG.warning("a timed rerun of an earlier page: the browser is sent back to /%s",
                    shown[1].url_path)
        st.switch_page(shown[1], query_params=shown[2])
    return False


def page_timer() -> None:
    """Called by a screen when its full run draws a timed fragment of its own (the class
    training): a push waits until a full run without it (see the module's docstring)."""
    ss[state.PAGE_TIMER] = page_hash()


def remember_page(current: st.Page) -> None:
    """The page this full run shows and its URL parameters: where :func:`still_here` sends
    the browser back."""
    ss[state.SHOWN_PAGE] = (page_hash(), current, st.query_params.to_dict())


def follow_room(current: st.Page, pages: dict[str, st.Page]) -> None:
    """Once per run, after the navigation: in a room, follow a new push of the teacher
    (here, in the page's full run, as a ``?page=`` preset does), then show the room in the
    sidebar and poll it."""
    remember_page(current)
    timer = ss.pop(state.PAGE_TIMER, None) == page_hash()
    ss.pop(state.ROOM_LEAVING, None)
    if not sticky("room"):
        return
    name = current.url_path or "home"
    _follow_push(name, pages, timer)
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


def _follow_push(screen: str, pages: dict[str, st.Page], timer: bool) -> None:
    try:
        seat = my_seat(drop_on_error=False)
    except STORE_DOWN:
        return
    ss[state.ROOM_SIGNATURE] = signature(seat)
    push = _new_push(seat)
    if push is None:
        return
    target = pages.get(push["screen"])
    moves = target is not None and push["screen"] != screen
    if moves and timer:
        # this screen's own timed fragment is still ticking in the browser: this run draws
        # the screen without it, and the next poll (the push still new) changes the screen
        ss[state.ROOM_LEAVING] = True
        return
    ss[state.ROOM_PUSH_SEEN] = push["seq"]
    if target is not None and (moves or push["params"]):
        st.switch_page(target, query_params={**push["params"], "lang": lang(),
                                             "room": sticky("room")})


@st.fragment(run_every=POLL_SECONDS)
def _room_badge(page: str, screen: str, pages: dict[str, st.Page]) -> None:
    if not still_here(page):
        return
    shown = ss.get(state.SHOWN_PAGE)
    if shown and shown[0] == page:  # the URL as the browser has it now (a slider's ?x=)
        remember_page(shown[1])
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
    if ss.get(state.ROOM_LEAVING) and not getattr(get_script_run_ctx(),
                                                  "fragment_ids_this_run", None):
        return  # this full run put the push off until the browser's timers stop: next poll
    if _new_push(seat) is not None or signature(seat) != ss.get(state.ROOM_SIGNATURE):
        st.rerun(scope="app")  # follow it, or show the new round, in a full run
