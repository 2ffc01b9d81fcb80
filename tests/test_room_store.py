"""core.room.store: the same operations, atomic, on SQLite and on a real redis-server."""

from __future__ import annotations

import json
import threading
import time

import pytest

from core.room.store import RedisStore, SQLiteStore, open_store, state_dir

#: The room fixtures (a real redis-server, a store of each kind): tests/room_fixtures.py.
pytest_plugins = ("room_fixtures",)


def test_values_and_put_new(any_store):
    s = any_store
    assert s.get("a") is None
    s.put("a", "1")
    assert s.get("a") == "1"
    assert s.put_new("a", "2") is False and s.get("a") == "1"
    assert s.put_new("b", "2") is True and s.get("b") == "2"
    s.delete("a", "b")
    assert s.get("a") is None and s.get("b") is None


def test_hashes_and_put_new_fields(any_store):
    s = any_store
    assert s.hall("h") == {} and s.hlen("h") == 0 and s.hget("h", "x") is None
    s.hput("h", "x", "1")
    assert s.hput_new("h", "x", "2") is False
    assert s.hput_new("h", "y", "3") is True
    assert s.hall("h") == {"x": "1", "y": "3"} and s.hlen("h") == 2
    s.delete("h")
    assert s.hall("h") == {}


def test_update_refuses_by_raising_and_keeps_the_old_value(any_store):
    s = any_store
    s.put("k", "1")

    def refuse(old):
        raise ValueError("no")

    with pytest.raises(ValueError):
        s.update("k", refuse)
    assert s.get("k") == "1"
    assert s.update("k", lambda old: None) == "1"  # None: unchanged
    assert s.update("k", lambda old: str(int(old) + 1)) == "2"


def test_concurrent_updates_lose_nothing(any_store):
    """8 threads x 25 read-modify-writes on one counter: every one is kept."""
    s = any_store
    s.put("n", json.dumps({"n": 0}))
    errors = []

    def work():
        try:
            for _ in range(25):
                s.update("n", lambda old: json.dumps({"n": json.loads(old)["n"] + 1}))
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert json.loads(s.get("n"))["n"] == 200


def test_concurrent_put_new_fields_count_once(any_store):
    """The same vote sent by 10 threads at once is written once."""
    s = any_store
    won = []
    barrier = threading.Barrier(10)

    def vote():
        barrier.wait()
        won.append(s.hput_new("votes", "student|p1", "real"))

    threads = [threading.Thread(target=vote) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert won.count(True) == 1 and s.hlen("votes") == 1


def test_rate_window_counts(any_store):
    s = any_store
    assert s.count("rl", 60) == 0
    assert [s.hit("rl", 60) for _ in range(3)] == [1, 2, 3]
    assert s.count("rl", 60) == 3


def test_keys_expire(any_store):
    s = any_store
    s.put("short", "x", ttl=0.3)
    s.hput("hshort", "f", "x", ttl=0.3)
    s.put("long", "x", ttl=60)
    assert s.get("short") == "x" and s.hget("hshort", "f") == "x"
    time.sleep(0.5)
    assert s.get("short") is None and s.hall("hshort") == {} and s.get("long") == "x"
    # expire() keeps a key longer
    s.put("kept", "x", ttl=0.3)
    s.expire("kept", 60)
    time.sleep(0.5)
    assert s.get("kept") == "x"


def test_sqlite_survives_a_restart(tmp_path):
    """A lesson goes on after the app restarts: a new process opens the same file."""
    path = tmp_path / "state" / "rooms.sqlite3"
    a = SQLiteStore(path)
    a.put("room:1", "{}")
    a.hput("votes:1", "s|p", "real")
    del a
    b = SQLiteStore(path)
    assert b.get("room:1") == "{}" and b.hall("votes:1") == {"s|p": "real"}


def test_open_store_reads_the_setting(tmp_path, redis_url):
    assert isinstance(open_store(str(tmp_path / "x.sqlite3")), SQLiteStore)
    assert isinstance(open_store(f"sqlite:///{tmp_path}/y.sqlite3"), SQLiteStore)
    r = open_store(redis_url)
    assert isinstance(r, RedisStore) and "127.0.0.1" in r.describe()
    s = open_store(env={"COLORISATION_STATE": str(tmp_path / "st")})
    assert s.path == tmp_path / "st" / "rooms.sqlite3"


def test_state_dir_is_outside_the_repository(monkeypatch, tmp_path):
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    d = state_dir({"HOME": str(tmp_path)})
    assert root not in d.parents
    assert state_dir({"XDG_STATE_HOME": "/var/x"}) == Path("/var/x/colorisation")
    assert state_dir({"COLORISATION_STATE": "/srv/c"}) == Path("/srv/c")


def test_redis_password_never_described():
    s = RedisStore("redis://:secretpw@127.0.0.1:1/0")
    assert "secretpw" not in s.describe() and "secretpw" not in repr(s.describe())
