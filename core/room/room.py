"""A class's room: the teacher opens it, students join by code, the teacher paces them.

States of a room: **open** (students may join, the teacher pushes screens, runs a vote
round or the class experiment), then **closed**, by the teacher or after
:data:`IDLE_SECONDS` without any activity (or :data:`MAX_LIFETIME` in all). A closed room
keeps its results (votes, scores) for :data:`KEEP_SECONDS`, for the teacher's CSV; then
every key of the room expires at the same moment.

Secrets: the teacher holds a token (:func:`secrets.token_urlsafe`, 192 bits) that opens the
teacher's view; each student gets their own token when joining (their seat: who they are,
which room). The store keeps only their SHA-256, never the tokens: reading the store gives
no one a seat. The join code (5 characters of :data:`CODE_ALPHABET`, easy to read aloud,
no 0/O, 1/I/L, 2/Z, 5/S, 8/B, U/V) only lets a student in.

Guessing codes is rate-limited (:data:`JOIN_LIMITS`): failed attempts are counted per
browser session, per network address and for the whole server in one-minute windows; past
a limit, joining answers "too many tries, wait N s" without looking the code up.

Everything goes through :class:`core.room.store.Store` operations, each atomic: a room's
record is changed by read-modify-write (:meth:`Store.update`), a vote is written only if
that student has not voted for that photo (:meth:`Store.hput_new`), so a phone that sends
its vote twice counts once.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import secrets
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

from core.admission import env_int
from core.room import names
from core.room.stats import ANSWERS
from core.room.store import Store

#: Characters of a join code: read aloud without confusion.
CODE_ALPHABET = "ACDEFGHJKMNPQRTWXY34679"
CODE_LENGTH = 5
#: A room with no activity (teacher or student) for this long closes by itself.
IDLE_SECONDS = 60.0 * env_int("COLORISATION_ROOM_IDLE_MIN", 60)
#: A room closes after this long whatever happens (a lesson, not a semester).
MAX_LIFETIME = 10 * 3600.0
#: A closed room's results are kept this long (the CSV), then deleted.
KEEP_SECONDS = 24 * 3600.0
#: Students in one room.
MAX_MEMBERS = env_int("COLORISATION_ROOM_MAX", 250)
#: Failed join attempts allowed per minute: per browser session, per network address,
#: for the whole server. Past one of them, joins wait for the next minute.
JOIN_WINDOW = 60.0
JOIN_LIMITS = {"session": 10, "address": 60, "server": 600}
#: A student's screen is written again (a heartbeat) at most this often when unchanged.
REPORT_EVERY = 20.0
#: A student not seen for this long is shown as away.
AWAY_SECONDS = 90.0
#: Activity is written at most this often per room and process.
TOUCH_EVERY = 15.0
#: URL parameters that a push may not set (the app's own).
RESERVED = {"lang", "run", "projector", "room", "page", "code"}
MAX_PUSH_PARAMS = 6
_PARAM_KEY = re.compile(r"^[a-z][a-z0-9_]{0,19}$")
_PARAM_VALUE = re.compile(r"^[A-Za-z0-9._+-]{1,40}$")
TEACHER, STUDENT = "teacher", "student"


class RoomError(Exception):
    """Something a teacher or student asked for cannot be done. ``reason`` names the
    translated message (``classe.err_<reason>`` in core/locales); ``info`` fills its blanks."""

    def __init__(self, reason: str, **info):
        super().__init__(reason)
        self.reason = reason
        self.info = info


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalize_code(raw: str) -> str | None:
    """A typed code as stored (upper case, no spaces or dashes), or None when it cannot be
    one (wrong length or a character outside :data:`CODE_ALPHABET`)."""
    if not isinstance(raw, str):
        return None
    code = re.sub(r"[\s\-_.]", "", raw).upper()
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        return None
    return code


@dataclass
class Room:
    """A room's record (what :meth:`Rooms.get` reads)."""

    id: str
    code: str
    created: float
    lang: str = "fr"
    closed: dict | None = None  # {"at": time, "why": "teacher" | "idle" | "lifetime"}
    members: int = 0  # students in the room now (left ones not counted)
    push: dict | None = None  # {"seq", "screen", "params", "at"}
    round: dict | None = None  # {"id", "photos", "state": "voting" | "done", "started"}
    rounds: list = field(default_factory=list)  # past rounds (their photos), for the CSV
    experiment: dict | None = None  # {"id", "variants", "budget", "state", "started"}

    @property
    def open(self) -> bool:
        return self.closed is None

    def to_json(self) -> str:
        return json.dumps(self.__dict__, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Room:
        data = json.loads(text)
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass
class Member:
    """A student in a room, as the teacher's view shows them (never a photo)."""

    id: str
    name: str
    joined: float
    left: bool = False
    screen: str | None = None
    seen: float | None = None

    def away(self, now: float) -> bool:
        return self.left or self.seen is None or now - self.seen > AWAY_SECONDS


@dataclass
class Seat:
    """Who a token is: the teacher of ``room``, or student ``member`` of ``room``."""

    role: str
    room: Room
    member: Member | None = None


class Rooms:
    """Every room of a store: open, join, push, vote, experiment, close."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.time,
                 idle_seconds: float = IDLE_SECONDS, max_members: int = MAX_MEMBERS,
                 join_limits: Mapping[str, int] | None = None):
        self.store = store
        self.clock = clock
        self.idle_seconds = idle_seconds
        self.max_members = max_members
        self.join_limits = dict(JOIN_LIMITS if join_limits is None else join_limits)
        self._touched: dict[str, float] = {}

    def __repr__(self) -> str:  # never a token
        return f"Rooms({self.store.describe()})"

    # -- keys and lifetimes ---------------------------------------------------------------------
    def _ttl(self, room: Room) -> float:
        """Seconds until every key of ``room`` expires (all at the same moment)."""
        return max(60.0, room.created + MAX_LIFETIME + KEEP_SECONDS - self.clock())

    @staticmethod
    def _keys(rid: str) -> dict[str, str]:
        return {"room": f"room:{rid}", "members": f"members:{rid}", "screens": f"screens:{rid}",
                "active": f"active:{rid}", "names": f"names:{rid}"}

    # -- reading --------------------------------------------------------------------------------
    def get(self, rid: str) -> Room | None:
        """The room ``rid`` (closed now if it has been idle too long), or None when gone."""
        raw = self.store.get(f"room:{rid}")
        if raw is None:
            return None
        room = Room.from_json(raw)
        if room.open:
            why = self._overdue(room)
            if why:
                room = self._close(rid, why)
        return room

    def _overdue(self, room: Room) -> str | None:
        now = self.clock()
        if now - room.created > MAX_LIFETIME:
            return "lifetime"
        active = float(self.store.get(f"active:{room.id}") or room.created)
        if now - active > self.idle_seconds:
            return "idle"
        return None

    def seat(self, token: str | None) -> Seat:
        """Who ``token`` is. Raises ``unknown_link`` for a token that is not one (forged,
        mistyped, or its room deleted after :data:`KEEP_SECONDS`)."""
        if not token or not isinstance(token, str) or len(token) > 100:
            raise RoomError("unknown_link")
        raw = self.store.get(f"tok:{_hash(token)}")
        if raw is None:
            raise RoomError("unknown_link")
        who = json.loads(raw)
        room = self.get(who["room"])
        if room is None:
            raise RoomError("unknown_link")
        if who["role"] == TEACHER:
            return Seat(TEACHER, room)
        member = self._member(room.id, who["member"])
        if member is None:
            raise RoomError("unknown_link")
        return Seat(STUDENT, room, member)

    def teacher(self, token: str | None, must_be_open: bool = True) -> Room:
        """The room whose teacher holds ``token``; ``not_teacher`` for a student's token,
        ``closed`` for a closed room when ``must_be_open``."""
        seat = self.seat(token)
        if seat.role != TEACHER:
            raise RoomError("not_teacher")
        if must_be_open and not seat.room.open:
            raise RoomError("closed", code=seat.room.code)
        self.touch(seat.room.id)
        return seat.room

    def student(self, token: str | None) -> Seat:
        """A student's seat in an open room (``closed`` otherwise, ``left`` after leaving)."""
        seat = self.seat(token)
        if seat.role != STUDENT:
            raise RoomError("not_student")
        if not seat.room.open:
            raise RoomError("closed", code=seat.room.code)
        if seat.member.left:
            raise RoomError("left", code=seat.room.code)
        return seat

    def _member(self, rid: str, mid: str) -> Member | None:
        raw = self.store.hget(f"members:{rid}", mid)
        if raw is None:
            return None
        m = json.loads(raw)
        screen = self.store.hget(f"screens:{rid}", mid)
        s = json.loads(screen) if screen else {}
        return Member(mid, m["name"], m["joined"], m.get("left", False), s.get("screen"),
                      s.get("seen"))

    def members(self, room: Room) -> list[Member]:
        """Every student who joined ``room`` (left ones too), in joining order."""
        screens = {k: json.loads(v) for k, v in self.store.hall(f"screens:{room.id}").items()}
        out = []
        for mid, raw in self.store.hall(f"members:{room.id}").items():
            m, s = json.loads(raw), screens.get(mid, {})
            out.append(Member(mid, m["name"], m["joined"], m.get("left", False),
                              s.get("screen"), s.get("seen")))
        return sorted(out, key=lambda m: (m.joined, m.id))

    # -- the teacher ----------------------------------------------------------------------------
    def open(self, lang: str = "fr") -> tuple[Room, str]:
        """A new room with a free code; returns it and the teacher's token (shown once)."""
        rid = secrets.token_hex(8)
        now = self.clock()
        token = secrets.token_urlsafe(24)
        for _ in range(50):
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            room = Room(rid, code, now, lang=lang if lang in ("fr", "en") else "fr")
            if self.store.put_new(f"code:{code}", rid, self._ttl(room)):
                break
        else:  # 50 codes in a row taken: the code space is nearly full
            raise RoomError("no_code")
        ttl = self._ttl(room)
        self.store.put(f"room:{rid}", room.to_json(), ttl)
        self.store.put(f"tok:{_hash(token)}", json.dumps({"room": rid, "role": TEACHER}), ttl)
        self.store.put(f"active:{rid}", str(now), ttl)
        return room, token

    def _change(self, rid: str, fn: Callable[[Room], None]) -> Room:
        """Change the record of room ``rid`` atomically (``fn`` edits a fresh copy; it may
        raise :class:`RoomError` to refuse, then nothing is written)."""
        out: list[Room] = []

        def edit(raw: str | None) -> str:
            if raw is None:
                raise RoomError("unknown_link")
            room = Room.from_json(raw)
            fn(room)
            out[:] = [room]
            return room.to_json()

        raw = self.store.get(f"room:{rid}")
        if raw is None:
            raise RoomError("unknown_link")
        self.store.update(f"room:{rid}", edit, self._ttl(Room.from_json(raw)))
        return out[0]

    def _close(self, rid: str, why: str) -> Room:
        def fn(room: Room) -> None:
            if room.closed is None:
                room.closed = {"at": self.clock(), "why": why}
                if room.round and room.round["state"] == "voting":
                    room.round["state"] = "done"
                if room.experiment and room.experiment["state"] == "running":
                    room.experiment["state"] = "done"

        return self._change(rid, fn)

    def close(self, token: str) -> Room:
        """The teacher ends the room: nobody can join or vote; the results stay readable."""
        room = self.teacher(token, must_be_open=False)
        return self._close(room.id, "teacher")

    def touch(self, rid: str) -> None:
        """Someone did something in room ``rid`` (at most one write per TOUCH_EVERY)."""
        now = self.clock()
        if now - self._touched.get(rid, float("-inf")) < TOUCH_EVERY:
            return
        self._touched[rid] = now
        raw = self.store.get(f"room:{rid}")
        if raw is not None:
            self.store.put(f"active:{rid}", str(now), self._ttl(Room.from_json(raw)))

    def push(self, token: str, screen: str, params: Mapping[str, str] | None,
             screens: Collection[str]) -> Room:
        """Send every student of the room to ``screen`` (one of ``screens``) with URL
        ``params`` (e.g. ``{"x": "3"}``); each student's page follows it once."""
        room = self.teacher(token)
        if screen not in screens:
            raise RoomError("bad_screen", screen=str(screen)[:40])
        clean = clean_params(params or {})

        def fn(r: Room) -> None:
            seq = (r.push or {}).get("seq", 0) + 1
            r.push = {"seq": seq, "screen": screen, "params": clean, "at": self.clock()}

        return self._change(room.id, fn)

    # -- students ---------------------------------------------------------------------------------
    def _limited(self, who: Mapping[str, str]) -> int:
        """Seconds to wait when a join limit is reached for ``who`` (else 0)."""
        for kind, ident in who.items():
            limit = self.join_limits.get(kind)
            if limit is not None and self.store.count(f"rl:{kind}:{ident}", JOIN_WINDOW) >= limit:
                return int(JOIN_WINDOW - self.clock() % JOIN_WINDOW) + 1
        return 0

    def _failed(self, who: Mapping[str, str]) -> None:
        for kind, ident in who.items():
            if kind in self.join_limits:
                self.store.hit(f"rl:{kind}:{ident}", JOIN_WINDOW)

    def join(self, raw_code: str, who: Mapping[str, str], lang: str = "fr",
             current: str | None = None) -> tuple[Seat, str, Room | None]:
        """A student joins the room of ``raw_code``.

        ``who``: the identities rate limits count, e.g. ``{"session": id, "address": ip,
        "server": "all"}``. ``current``: the token the student already holds, if any: the
        same room gives back the same seat (a second scan of the QR code counts once);
        another room is left first (one room at a time). Returns the seat, its token, and
        the room left (or None).
        """
        who = {**who, "server": "all"}
        wait = self._limited(who)
        if wait:
            raise RoomError("too_many", seconds=wait)
        code = normalize_code(raw_code)
        rid = self.store.get(f"code:{code}") if code else None
        room = self.get(rid) if rid else None
        if room is None:
            self._failed(who)
            raise RoomError("bad_code" if code is None else "no_room",
                            code=str(raw_code).strip()[:12])
        if not room.open:
            raise RoomError("closed", code=room.code)
        left_room = None
        if current:
            try:
                seat = self.seat(current)
            except RoomError:
                seat = None
            if seat is not None and seat.role == STUDENT and seat.room.id == room.id \
                    and not seat.member.left:
                self.touch(room.id)
                return seat, current, None
            if seat is not None and seat.role == STUDENT and not seat.member.left:
                self.leave(current)
                left_room = seat.room

        def take_place(r: Room) -> None:
            if r.closed is not None:
                raise RoomError("closed", code=r.code)
            if r.members >= self.max_members:
                raise RoomError("full", code=r.code, max=self.max_members)
            r.members += 1

        room = self._change(room.id, take_place)
        mid = secrets.token_hex(6)
        ttl = self._ttl(room)
        name = self._claim_name(room.id, mid, lang, ttl)
        now = self.clock()
        self.store.hput(f"members:{room.id}", mid, json.dumps({"name": name, "joined": now}),
                        ttl)
        token = secrets.token_urlsafe(24)
        self.store.put(f"tok:{_hash(token)}",
                       json.dumps({"room": room.id, "role": STUDENT, "member": mid}), ttl)
        self.touch(room.id)
        return Seat(STUDENT, room, Member(mid, name, now)), token, left_room

    def _claim_name(self, rid: str, mid: str, lang: str, ttl: float) -> str:
        """A generated pseudonym nobody in the room has, reserved atomically (two students
        joining at the same moment never get the same one)."""
        rng = random.Random(secrets.randbits(64))
        taken = set(self.store.hall(f"names:{rid}"))
        while True:
            name = names.generate(lang, taken, rng)
            if self.store.hput_new(f"names:{rid}", name.casefold(), mid, ttl):
                return name
            taken.add(name.casefold())

    def leave(self, token: str) -> None:
        """The student leaves: their place is freed; their votes and scores stay."""
        seat = self.seat(token)
        if seat.role != STUDENT or seat.member.left:
            return
        rid, mid = seat.room.id, seat.member.id

        raw = self.store.hget(f"members:{rid}", mid)
        if raw is not None:
            self.store.hput(f"members:{rid}", mid, json.dumps({**json.loads(raw), "left": True}),
                            self._ttl(seat.room))
        self._change(rid, lambda r: setattr(r, "members", max(0, r.members - 1)))

    def rename(self, token: str, raw_name: str) -> Member:
        """The student edits their pseudonym (checked; unique in the room)."""
        seat = self.student(token)
        name = names.clean_name(raw_name)
        if name is None:
            raise RoomError("bad_name", min=names.NAME_MIN, max=names.NAME_MAX)
        key, ttl = f"members:{seat.room.id}", self._ttl(seat.room)
        m = json.loads(self.store.hget(key, seat.member.id))
        if name.casefold() != m["name"].casefold():
            if not self.store.hput_new(f"names:{seat.room.id}", name.casefold(), seat.member.id,
                                       ttl):
                raise RoomError("name_taken", name=name)
            self.store.hdel(f"names:{seat.room.id}", m["name"].casefold())
        self.store.hput(key, seat.member.id, json.dumps({**m, "name": name}), ttl)
        seat.member.name = name
        return seat.member

    def report(self, token: str, screen: str, last: Mapping | None = None) -> dict:
        """The student is on ``screen``. Written when it changed or every REPORT_EVERY s
        (``last``: what this page wrote before, to skip the store read); returns what is
        stored now."""
        now = self.clock()
        if last and last.get("screen") == screen and now - last.get("seen", 0) < REPORT_EVERY:
            return dict(last)
        seat = self.student(token)
        entry = {"screen": str(screen)[:40], "seen": now}
        self.store.hput(f"screens:{seat.room.id}", seat.member.id, json.dumps(entry),
                        self._ttl(seat.room))
        self.touch(seat.room.id)
        return entry

    # -- "real or colorized?" rounds --------------------------------------------------------------
    def start_round(self, token: str, photos: Sequence[Mapping]) -> Room:
        """A new vote round on ``photos`` ({"id", "method", ...} each); the previous round
        ends and stays in the results."""
        room = self.teacher(token)
        photos = [dict(p) for p in photos]
        if not photos or len({p["id"] for p in photos}) != len(photos):
            raise RoomError("bad_round")

        def fn(r: Room) -> None:
            if r.round is not None:
                r.rounds = [*r.rounds, {**r.round, "state": "done"}][-20:]
            r.round = {"id": len(r.rounds) + 1, "photos": photos, "state": "voting",
                       "started": self.clock()}

        return self._change(room.id, fn)

    def end_round(self, token: str) -> Room:
        """Votes stop; the board shows the answers and the fool rates."""
        room = self.teacher(token)

        def fn(r: Room) -> None:
            if r.round is None:
                raise RoomError("no_round")
            r.round["state"] = "done"

        return self._change(room.id, fn)

    def vote(self, token: str, round_id: int, photo_id: str, answer: str) -> bool:
        """A student's vote; True when counted now, False when this student had already
        voted for this photo (the first vote stands: a vote sent twice counts once)."""
        seat = self.student(token)
        rnd = seat.room.round
        if rnd is None or rnd["id"] != round_id:
            raise RoomError("no_round")
        if rnd["state"] != "voting":
            raise RoomError("round_over")
        if photo_id not in {p["id"] for p in rnd["photos"]}:
            raise RoomError("not_in_round", photo=str(photo_id)[:20])
        if answer not in ANSWERS:
            raise RoomError("bad_answer")
        self.touch(seat.room.id)
        return self.store.hput_new(f"votes:{seat.room.id}:{round_id}",
                                   f"{seat.member.id}|{photo_id}", answer, self._ttl(seat.room))

    def votes(self, room: Room, round_id: int) -> dict[tuple[str, str], str]:
        """(student id, photo id) -> answer for one round."""
        out = {}
        for k, v in self.store.hall(f"votes:{room.id}:{round_id}").items():
            mid, _, pid = k.partition("|")
            out[(mid, pid)] = v
        return out

    # -- the class experiment -------------------------------------------------------------------
    def start_experiment(self, token: str, variants: Sequence[str], budget: Mapping) -> Room:
        """Assign ``variants`` across the room; each student trains theirs with ``budget``."""
        room = self.teacher(token)
        variants = list(dict.fromkeys(variants))
        if not variants:
            raise RoomError("bad_experiment")

        def fn(r: Room) -> None:
            n = (r.experiment or {}).get("id", 0) + 1
            r.experiment = {"id": n, "variants": variants, "budget": dict(budget),
                            "state": "running", "started": self.clock()}

        return self._change(room.id, fn)

    def end_experiment(self, token: str) -> Room:
        room = self.teacher(token)

        def fn(r: Room) -> None:
            if r.experiment is None:
                raise RoomError("no_experiment")
            r.experiment["state"] = "done"

        return self._change(room.id, fn)

    def assignment(self, token: str) -> tuple[dict, str]:
        """The running experiment and the student's variant (assigned on first ask, to the
        variant with the fewest students so far)."""
        seat = self.student(token)
        exp = seat.room.experiment
        if exp is None or exp["state"] != "running":
            raise RoomError("no_experiment")
        key = f"assign:{seat.room.id}:{exp['id']}"
        mine = self.store.hget(key, seat.member.id)
        if mine is None:
            counts = dict.fromkeys(exp["variants"], 0)
            for v in self.store.hall(key).values():
                if v in counts:
                    counts[v] += 1
            least = min(counts.values())
            pick = [v for v in exp["variants"] if counts[v] == least]
            self.store.hput_new(key, seat.member.id, secrets.choice(pick), self._ttl(seat.room))
            mine = self.store.hget(key, seat.member.id)
        return exp, mine

    def assignments(self, room: Room, exp_id: int) -> dict[str, str]:
        return self.store.hall(f"assign:{room.id}:{exp_id}")

    def progress(self, token: str, exp_id: int, status: Mapping) -> None:
        """A student's training progress (steps, queue place): the teacher's view shows it."""
        seat = self.student(token)
        self.store.hput(f"progress:{seat.room.id}:{exp_id}", seat.member.id,
                        json.dumps({**status, "at": self.clock()}), self._ttl(seat.room))
        self.touch(seat.room.id)

    def progresses(self, room: Room, exp_id: int) -> dict[str, dict]:
        return {k: json.loads(v)
                for k, v in self.store.hall(f"progress:{room.id}:{exp_id}").items()}

    def submit(self, token: str, exp_id: int, result: Mapping) -> None:
        """A student's finished run: their variant's scores (no photo, no model)."""
        exp, variant = self.assignment(token)
        if exp["id"] != exp_id:
            raise RoomError("no_experiment")
        seat = self.student(token)
        clean = {k: float(v) for k, v in result.items()
                 if isinstance(v, int | float) and k.isidentifier()}
        self.store.hput(f"scores:{seat.room.id}:{exp_id}", seat.member.id,
                        json.dumps({"variant": variant, **clean, "at": self.clock()}),
                        self._ttl(seat.room))

    def scores(self, room: Room, exp_id: int) -> dict[str, dict]:
        return {k: json.loads(v) for k, v in self.store.hall(f"scores:{room.id}:{exp_id}").items()}


def clean_params(params: Mapping[str, str]) -> dict[str, str]:
    """A push's URL parameters, checked: at most :data:`MAX_PUSH_PARAMS`, simple names, short
    plain values, none of the app's own. Raises ``bad_params``."""
    if len(params) > MAX_PUSH_PARAMS:
        raise RoomError("bad_params")
    out = {}
    for k, v in params.items():
        k, v = str(k).strip(), str(v).strip()
        if not _PARAM_KEY.match(k) or k in RESERVED or not _PARAM_VALUE.match(v):
            raise RoomError("bad_params")
        out[k] = v
    return out


def parse_params(text: str) -> dict[str, str]:
    """``"x=3, t=0.5"`` (or ``"x=3&t=0.5"``) as parameters, checked (``bad_params``)."""
    out = {}
    for part in re.split(r"[,&;\s]+", text or ""):
        if not part:
            continue
        k, sep, v = part.partition("=")
        if not sep:
            raise RoomError("bad_params")
        out[k] = v
    return clean_params(out)
