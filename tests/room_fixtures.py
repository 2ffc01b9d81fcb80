"""Fixtures of the room tests: a real redis-server on a free port, and a store of each kind.

Import them into a test module (``from room_fixtures import any_store, redis_url,
redis_server``). A missing redis-server is a failure, never a skip (scripts/test.sh
installs it: ``apt-get install redis-server``).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import free_port

from core.room.store import RedisStore, SQLiteStore, Store


def start_redis(port: int, workdir: Path) -> subprocess.Popen:
    """``redis-server`` on 127.0.0.1:port, in memory only (no dump, no append-only file)."""
    exe = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None)
    assert exe, "redis-server is not installed (apt-get install redis-server)"
    proc = subprocess.Popen(
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir), "--logfile", "", "--protected-mode", "yes"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    import redis

    client = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"redis-server exited ({proc.returncode})")
        try:
            if client.ping():
                return proc
        except redis.exceptions.ConnectionError:
            time.sleep(0.05)
    proc.kill()
    raise TimeoutError("redis-server did not answer within 20 s")


def stop_redis(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[str]:
    """A redis-server of this test session; yields its URL (``redis://127.0.0.1:PORT/0``)."""
    port = free_port()
    with tempfile.TemporaryDirectory() as d:
        proc = start_redis(port, Path(d))
        try:
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            stop_redis(proc)




@pytest.fixture
def redis_url(redis_server) -> Iterator[str]:
    """A clean Redis database for one test (FLUSHDB before)."""
    import redis

    url = redis_server
    redis.Redis.from_url(url).flushdb()
    yield url


@pytest.fixture(params=["sqlite", "redis"])
def any_store(request, tmp_path) -> Iterator[Store]:
    """A fresh store of each backend (the same tests run against both)."""
    if request.param == "sqlite":
        yield SQLiteStore(tmp_path / "rooms.sqlite3")
    else:
        yield RedisStore(request.getfixturevalue("redis_url"))
