"""core.room.room: the room's state machine, against SQLite and a real redis-server."""

from __future__ import annotations

import json
import threading

import pytest

from core.room.room import (
    CODE_ALPHABET,
    CODE_LENGTH,
    IDLE_SECONDS,
    RoomError,
    Rooms,
    normalize_code,
    parse_params,
)

#: The room fixtures (a real redis-server, a store of each kind): tests/room_fixtures.py.
pytest_plugins = ("room_fixtures",)

SCREENS = {"home", "sigmoid", "lab", "classe"}
PHOTOS = [{"id": "p1", "method": "real"}, {"id": "p2", "method": "shipped"},
          {"id": "p3", "method": "hints"}]


class Clock:
    def __init__(self, t: float = 1_900_000_000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def rooms(any_store, clock):
    return Rooms(any_store, clock=clock)


def who(n: int = 0) -> dict:
    return {"session": f"s{n}", "address": "10.0.0.1"}


def test_open_gives_a_short_unambiguous_code_and_an_unguessable_token(rooms):
    room, token = rooms.open("fr")
    assert len(room.code) == CODE_LENGTH and set(room.code) <= set(CODE_ALPHABET)
    assert not set(CODE_ALPHABET) & set("0O1IL2Z5S8BUV")
    assert len(token) >= 32 and room.code not in token
    assert rooms.teacher(token).id == room.id
    # the store never holds the token itself
    store = rooms.store
    keys = [f"room:{room.id}", f"code:{room.code}"]
    assert all(token not in (store.get(k) or "") for k in keys)
    assert token not in repr(rooms)


def test_codes_are_typed_loosely_and_checked():
    assert normalize_code(" ac-d e3 ") == "ACDE3"
    assert normalize_code("ACDE") is None and normalize_code("ACDE0") is None
    assert normalize_code(None) is None


def test_join_by_code_gives_a_pseudonym_and_a_seat(rooms):
    room, teacher = rooms.open("fr")
    seat, token, left = rooms.join(room.code.lower(), who(), "fr")
    assert left is None and seat.role == "student" and seat.member.name
    assert rooms.student(token).member.id == seat.member.id
    assert rooms.get(room.id).members == 1
    # a second scan of the QR code by the same phone: the same seat, counted once
    again, token2, _ = rooms.join(room.code, who(), "fr", current=token)
    assert token2 == token and again.member.id == seat.member.id
    assert rooms.get(room.id).members == 1
    # the student's token opens no teacher view
    with pytest.raises(RoomError) as e:
        rooms.teacher(token)
    assert e.value.reason == "not_teacher"


def test_forged_or_expired_teacher_tokens_are_refused(rooms, clock):
    room, teacher = rooms.open()
    for bad in ("", None, "x" * 32, teacher[:-1] + ("A" if teacher[-1] != "A" else "B"),
                "y" * 5000):
        with pytest.raises(RoomError) as e:
            rooms.teacher(bad)
        assert e.value.reason == "unknown_link"
    # after the room's keys are deleted (expired), the token is unknown too
    rooms.store.delete(f"room:{room.id}")
    with pytest.raises(RoomError) as e:
        rooms.teacher(teacher)
    assert e.value.reason == "unknown_link"


def test_wrong_and_closed_codes_get_their_reason(rooms):
    room, teacher = rooms.open()
    other = next(c for c in ("ACDEF", "ACDEG") if c != room.code)
    with pytest.raises(RoomError) as e:
        rooms.join(other, who(), "fr")
    assert e.value.reason == "no_room"
    with pytest.raises(RoomError) as e:
        rooms.join("hello!", who(), "fr")
    assert e.value.reason == "bad_code"
    rooms.close(teacher)
    with pytest.raises(RoomError) as e:
        rooms.join(room.code, who(), "fr")
    assert e.value.reason == "closed" and e.value.info["code"] == room.code
    # the teacher still reads the closed room (results, CSV), but cannot push
    assert not rooms.teacher(teacher, must_be_open=False).open
    with pytest.raises(RoomError):
        rooms.push(teacher, "sigmoid", {}, SCREENS)


def test_idle_room_closes_by_itself(rooms, clock):
    room, teacher = rooms.open()
    seat, token, _ = rooms.join(room.code, who(), "fr")
    clock.t += IDLE_SECONDS - 60
    rooms.report(token, "lab")  # activity keeps it open
    clock.t += IDLE_SECONDS - 60
    assert rooms.get(room.id).open
    clock.t += IDLE_SECONDS + 1
    r = rooms.get(room.id)
    assert not r.open and r.closed["why"] == "idle"
    with pytest.raises(RoomError) as e:
        rooms.student(token)
    assert e.value.reason == "closed"


def test_code_guessing_is_rate_limited(any_store, clock):
    rooms = Rooms(any_store, clock=clock, join_limits={"session": 3, "address": 5,
                                                       "server": 100})
    room, _ = rooms.open()
    wrong = next(c for c in ("ACDEF", "ACDEG") if c != room.code)
    for _ in range(3):
        with pytest.raises(RoomError):
            rooms.join(wrong, who(1), "fr")
    with pytest.raises(RoomError) as e:
        rooms.join(room.code, who(1), "fr")  # even the right code waits now
    assert e.value.reason == "too_many" and 1 <= e.value.info["seconds"] <= 61
    # another session behind the same address: 2 more tries, then the address is limited
    for _ in range(2):
        with pytest.raises(RoomError):
            rooms.join(wrong, who(2), "fr")
    with pytest.raises(RoomError) as e:
        rooms.join(room.code, who(3), "fr")
    assert e.value.reason == "too_many"
    # a student elsewhere joins
    seat, _, _ = rooms.join(room.code, {"session": "s9", "address": "10.9.9.9"}, "fr")
    assert seat.member


def test_push_is_checked_and_numbered(rooms):
    room, teacher = rooms.open()
    r = rooms.push(teacher, "sigmoid", {"x": "3"}, SCREENS)
    assert r.push["seq"] == 1 and r.push["screen"] == "sigmoid" and r.push["params"] == {"x": "3"}
    assert rooms.push(teacher, "lab", {}, SCREENS).push["seq"] == 2
    for screen, params in (("nowhere", {}), ("sigmoid", {"run": "abc"}),
                           ("sigmoid", {"x": "<script>"}), ("sigmoid", {"X Y": "1"})):
        with pytest.raises(RoomError):
            rooms.push(teacher, screen, params, SCREENS)
    assert parse_params("x=3, t=0.5") == {"x": "3", "t": "0.5"}
    with pytest.raises(RoomError):
        parse_params("x")


def test_screens_reported_and_members_listed(rooms, clock):
    room, teacher = rooms.open()
    _, a, _ = rooms.join(room.code, who(1), "fr")
    clock.t += 1
    _, b, _ = rooms.join(room.code, who(2), "en")
    last = rooms.report(a, "sigmoid")
    assert rooms.report(a, "sigmoid", last) == last  # no write within REPORT_EVERY
    rooms.report(b, "lab")
    members = rooms.members(rooms.teacher(teacher))
    assert [m.screen for m in members] == ["sigmoid", "lab"]
    assert len({m.name for m in members}) == 2
    clock.t += 200
    assert all(m.away(clock.t) for m in rooms.members(room))


def test_rename_checks_and_keeps_names_unique(rooms):
    room, _ = rooms.open()
    _, a, _ = rooms.join(room.code, who(1), "fr")
    _, b, _ = rooms.join(room.code, who(2), "fr")
    assert rooms.rename(a, "  Zoé   la  Loutre ").name == "Zoé la Loutre"
    for bad in ("", "x", "a" * 40, "<b>hi</b>", "bell\x07"):
        with pytest.raises(RoomError) as e:
            rooms.rename(b, bad)
        assert e.value.reason == "bad_name"
    with pytest.raises(RoomError) as e:
        rooms.rename(b, "zoé LA loutre")
    assert e.value.reason == "name_taken"


def test_votes_count_once_per_student_and_photo(rooms):
    room, teacher = rooms.open()
    _, a, _ = rooms.join(room.code, who(1), "fr")
    r = rooms.start_round(teacher, PHOTOS)
    rid = r.round["id"]
    assert rooms.vote(a, rid, "p1", "real") is True
    assert rooms.vote(a, rid, "p1", "colorized") is False  # the first vote stands
    votes = rooms.votes(room, rid)
    assert votes == {(rooms.student(a).member.id, "p1"): "real"}
    with pytest.raises(RoomError) as e:
        rooms.vote(a, rid, "p99", "real")
    assert e.value.reason == "not_in_round"
    with pytest.raises(RoomError) as e:
        rooms.vote(a, rid, "p2", "maybe")
    assert e.value.reason == "bad_answer"
    with pytest.raises(RoomError) as e:
        rooms.vote(a, rid + 1, "p2", "real")
    assert e.value.reason == "no_round"
    rooms.end_round(teacher)
    with pytest.raises(RoomError) as e:
        rooms.vote(a, rid, "p2", "real")
    assert e.value.reason == "round_over"
    assert rooms.votes(room, rid) == votes  # nothing corrupted
    # a new round keeps the old one in the results
    r2 = rooms.start_round(teacher, PHOTOS[:2])
    assert r2.round["id"] == rid + 1 and r2.rounds[-1]["id"] == rid


def test_a_phone_sending_its_votes_many_times_at_once_counts_once(rooms):
    room, teacher = rooms.open()
    _, a, _ = rooms.join(room.code, who(1), "fr")
    rid = rooms.start_round(teacher, PHOTOS).round["id"]
    out = []
    barrier = threading.Barrier(6)

    def send():
        barrier.wait()
        out.append(rooms.vote(a, rid, "p2", "real"))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert out.count(True) == 1 and len(rooms.votes(room, rid)) == 1


def test_a_student_in_two_rooms_is_in_the_last_one_only(rooms):
    r1, t1 = rooms.open()
    r2, t2 = rooms.open()
    assert r1.code != r2.code
    seat1, tok1, _ = rooms.join(r1.code, who(1), "fr")
    seat2, tok2, left = rooms.join(r2.code, who(1), "fr", current=tok1)
    assert left is not None and left.code == r1.code
    with pytest.raises(RoomError) as e:
        rooms.student(tok1)
    assert e.value.reason == "left"
    assert rooms.student(tok2).room.id == r2.id
    assert rooms.get(r1.id).members == 0 and rooms.get(r2.id).members == 1
    assert [m.left for m in rooms.members(r1)] == [True]


def test_two_hundred_students_in_one_room(any_store, clock):
    """200 join (8 threads at once), each votes on 3 photos: every place, every name and
    every vote is there once; the 201st is told the room is full."""
    rooms = Rooms(any_store, clock=clock, max_members=200)
    room, teacher = rooms.open()
    rid = rooms.start_round(teacher, PHOTOS).round["id"]
    tokens, errors = [], []
    lock = threading.Lock()

    def student(i: int):
        try:
            _, tok, _ = rooms.join(room.code, {"session": f"s{i}", "address": f"a{i % 7}"},
                                   "fr")
            for p in PHOTOS:
                rooms.vote(tok, rid, p["id"], "real" if i % 2 else "colorized")
            with lock:
                tokens.append(tok)
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    def worker(k: int):
        for i in range(k, 200, 8):
            student(i)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    r = rooms.get(room.id)
    assert r.members == 200 and len(tokens) == 200
    members = rooms.members(r)
    assert len(members) == 200 and len({m.name for m in members}) == 200
    assert len(rooms.votes(r, rid)) == 600
    with pytest.raises(RoomError) as e:
        rooms.join(room.code, who(999), "fr")
    assert e.value.reason == "full"


def test_experiment_assigns_variants_evenly_and_keeps_scores(rooms):
    room, teacher = rooms.open()
    tokens = [rooms.join(room.code, who(i), "fr")[1] for i in range(6)]
    with pytest.raises(RoomError):
        rooms.assignment(tokens[0])
    exp = rooms.start_experiment(teacher, ["reference", "ab", "rgb"], {"steps": 100}).experiment
    got = [rooms.assignment(t)[1] for t in tokens]
    assert sorted(got) == ["ab", "ab", "reference", "reference", "rgb", "rgb"]
    assert rooms.assignment(tokens[0])[1] == got[0]  # stable
    rooms.progress(tokens[0], exp["id"], {"steps": 10, "of": 100})
    assert rooms.progresses(room, exp["id"])[rooms.student(tokens[0]).member.id]["steps"] == 10
    rooms.submit(tokens[0], exp["id"], {"psnr": 21.5, "ratio": 0.7, "bad": "x"})
    scores = rooms.scores(room, exp["id"])
    (s,) = scores.values()
    assert s["variant"] == got[0] and s["psnr"] == 21.5 and "bad" not in s
    rooms.end_experiment(teacher)
    with pytest.raises(RoomError):
        rooms.submit(tokens[1], exp["id"], {"psnr": 1.0})


def test_room_record_is_plain_json_without_secrets(rooms):
    room, teacher = rooms.open()
    _, tok, _ = rooms.join(room.code, who(), "fr")
    raw = rooms.store.get(f"room:{room.id}")
    assert json.loads(raw)["code"] == room.code
    assert teacher not in raw and tok not in raw
