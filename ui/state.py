"""Names of the ``st.session_state`` keys shared between the app's modules and screens.

One place for them, so that two screens never spell the same thing differently. A screen's
private widget keys (``"cz_source"``, ``"ntsc_wR"``...) stay in that screen.
"""

#: The session's language ("fr" / "en"), the sticky parameter ``?lang=``.
LANG = "lang"
#: Projector layout on or off (bool, read from the sticky parameter ``?projector=1``).
PROJECTOR = "projector"
PROJECTOR_PARAM = "_projector_param"
#: The student's photo: (name, RGB uint8 at display size), shared by every screen.
PHOTO = "photo"
#: The same photo at full resolution (for colorizing).
PHOTO_FULL = "photo_full"
#: ``?page=`` presets are applied once per session.
PRESET_DONE = "_preset_page_done"
#: ``?run=<token>``: a live-training run that survives a refresh (a sticky parameter).
RUN_TOKEN = "run_token"
#: Decoded uploads of one uploader: ``UPLOADS_PREFIX + key`` -> {file_id: (name, rgb)}.
UPLOADS_PREFIX = "_uploads_"
#: This session's live-training run and loaded model (train screen, used by colorize).
LIVE_RUN = "live_run"
LIVE_LOADED = "live_loaded"
#: Colour hints screen: the student's core.hints.session.HintSession (hints in pixels of the
#: photo itself, selection, undo, view) and the last computed core.compare.View.
HINT_SESSION = "hint_session"
HINTS_VIEW = "hints_view"
#: The automatic model's view of the same photo (the hints screen compares with it).
HINTS_AUTO_VIEW = "hints_auto_view"
#: ``?room=<token>``: this session's seat in a class room, teacher's or student's (a sticky
#: parameter); the last push it followed and the screen it last reported (ui/room.py).
ROOM_TOKEN = "room_token"
ROOM_PUSH_SEEN = "_room_push_seen"
ROOM_REPORTED = "_room_reported"
#: What the room was doing at this page's last full run (round, experiment, closed): the
#: sidebar's poll redraws the page when it changes.
ROOM_SIGNATURE = "_room_signature"
#: A message about the room to show once on the « Classe » screen (a RoomError's reason).
ROOM_NOTICE = "_room_notice"
#: The screen the browser shows (its st.Page and URL parameters, from the last full run),
#: where a timed fragment sends the browser back when a stale rerun cleared it (ui/room.py).
SHOWN_PAGE = "_shown_page"
#: Set by a run that drew a timed fragment of its screen (the class training), and
#: whether a push waits for that fragment's timer to stop before changing the screen.
PAGE_TIMER = "_page_timer"
ROOM_LEAVING = "_room_leaving"

# Widget keys of the sidebar controls (Streamlit owns their values).
LANG_RADIO = "_lang_radio"
PROJECTOR_TOGGLE = "_projector_toggle"
