"""The « Classe » screen (AppTest): open a room, join by code, push, vote, bad links."""

from __future__ import annotations

import pytest
from conftest import current_page, open_page

import core.room as room_pkg
from core.room import Rooms
from core.room.store import SQLiteStore


@pytest.fixture
def rooms(tmp_path, monkeypatch):
    """A store of this test only, used by the app in this process."""
    r = Rooms(SQLiteStore(tmp_path / "rooms.sqlite3"))
    monkeypatch.setattr(room_pkg, "_ROOMS", [r])
    return r


def button(at, label: str):
    found = [b for b in at.button if b.label == label]
    assert found, f"no button {label!r}: {[b.label for b in at.button]}"
    return found[0]


def texts(at) -> str:
    parts = [*(m.value for m in at.markdown), *(e.value for e in at.error),
             *(w.value for w in at.warning), *(i.value for i in at.info),
             *(s.value for s in at.success), *(c.value for c in at.caption)]
    return "\n".join(str(p) for p in parts)


def open_teacher(lang: str = "fr"):
    at = open_page("classe", lang=lang)
    button(at, "Ouvrir une salle" if lang == "fr" else "Open a room").click().run()
    assert not at.exception
    token = at.query_params["room"]
    return at, token[0] if isinstance(token, list) else token


def test_teacher_opens_a_room_with_a_code_and_a_qr_code(rooms):
    at, token = open_teacher()
    room = rooms.teacher(token)
    assert room.code in texts(at)
    assert any(room.code in c.value for c in at.code)  # the join address
    assert len(at.get("image")) >= 1  # the QR code
    assert [t.label for t in at.tabs][:2] == ["Emmener la classe", "Vrai ou colorisé ?"]


def test_student_joins_by_the_qr_link_and_is_seen_by_the_teacher(rooms):
    at, token = open_teacher()
    code = rooms.teacher(token).code
    st = open_page("classe", lang="en", code=code.lower())
    assert "You are in room" in texts(st), texts(st)
    (member,) = rooms.members(rooms.teacher(token))
    assert member.name in texts(st) and member.screen == "classe"
    at.run()
    assert member.name in at.dataframe[0].value.iloc[:, 0].tolist()


def test_wrong_code_and_forged_link_get_translated_messages(rooms):
    rooms.open()
    st = open_page("classe", lang="fr", code="ZZZZ0")
    assert "n'est pas un code de salle" in texts(st)
    st = open_page("classe", lang="en", code="ACDEF")
    assert "No open room has the code" in texts(st)
    forged = open_page("classe", lang="en", room="x" * 32)
    assert "unknown or has expired" in texts(forged)
    assert "room" not in forged.query_params


def test_push_takes_the_student_to_the_screen_with_its_settings(rooms):
    at, token = open_teacher()
    code = rooms.teacher(token).code
    st = open_page("classe", lang="fr", code=code)
    rooms.push(token, "sigmoid", {"x": "3"}, {"sigmoid"})
    st.run()
    assert not st.exception
    assert current_page(st) == "sigmoid"
    assert st.query_params["x"] in ("3", ["3"])


def test_a_vote_round_on_the_phone(rooms):
    from core.room import photos as rp

    at, token = open_teacher()
    code = rooms.teacher(token).code
    st = open_page("classe", lang="fr", code=code)
    room = rooms.start_round(token, rp.make_round(3, seed=1))
    st.run()
    assert "Photo 1 sur 3" in "\n".join(s.value for s in st.subheader)
    button(st, "Vraie photo").click().run()
    assert not st.exception
    votes = rooms.votes(room, room.round["id"])
    assert list(votes.values()) == ["real"]
    assert "Photo 2 sur 3" in "\n".join(s.value for s in st.subheader)
    rooms.end_round(token)
    at.run()
    assert not at.exception
    table = "\n".join(str(t.value) for t in at.table)
    assert "Zhang" in table


def test_every_refusal_of_the_room_has_a_message_in_both_languages():
    import re
    from pathlib import Path

    from core.i18n import catalogue

    source = (Path(__file__).resolve().parent.parent / "core" / "room" / "room.py").read_text()
    reasons = set(re.findall(r'RoomError\("([a-z_]+)"', source)) | {"moved"}
    assert len(reasons) > 15
    for lang in ("fr", "en"):
        missing = [r for r in reasons if f"classe.err_{r}" not in catalogue(lang)]
        assert not missing, (lang, missing)


def test_a_push_during_a_class_training_waits_for_a_run_without_its_timer(rooms):
    """The class training's timed fragment could run stale under the pushed page (the phone
    went blank): the push first redraws the screen without it, then changes the screen."""
    at, token = open_teacher()
    code = rooms.teacher(token).code
    st = open_page("classe", lang="fr", code=code)
    rooms.start_experiment(token, ["reference", "rgb"], {"steps": 20})
    st.run()
    button(st, "Lancer mon entraînement").click().run()
    assert not st.exception
    rooms.push(token, "sigmoid", {"x": "3"}, {"sigmoid"})
    st.run()  # the training's timer stops: still here, its progress drawn without it
    assert not st.exception
    assert current_page(st) == "classe"
    assert any("pas sur 20" in p.proto.text for p in st.get("progress")), st.get("progress")
    st.run()  # the next poll follows the push
    assert not st.exception
    assert current_page(st) == "sigmoid"
    assert st.query_params["x"] in ("3", ["3"])
