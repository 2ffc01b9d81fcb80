"""Where a class's room lives: a small key-value store with two backends.

* :class:`SQLiteStore` (the default): one file, ``rooms.sqlite3`` in the state folder
  (``$COLORISATION_STATE``, else ``$XDG_STATE_HOME/colorisation``, else
  ``~/.local/state/colorisation``), outside the repository. It survives a restart of the app
  during the lesson; several app processes on one machine may share it (WAL mode, every
  write in one ``BEGIN IMMEDIATE`` transaction).
* :class:`RedisStore`: ``COLORISATION_STORE=redis://host:port/db``, for several replicas on
  several machines (``deploy/``).

Both offer the same few operations, each atomic on its own: plain values (``get``, ``put``,
``put_new`` that writes only if absent, ``update`` a read-modify-write that never loses a
concurrent write), hashes (``hput``, ``hput_new``, ``hget``, ``hall``, ``hlen``), counters
in a time window (``hit``, for rate limits), and an expiry per key (every write sets it).
Values are strings (the room layer writes JSON). Nothing here knows what a room is.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path

#: Key expiry when a write gives none (seconds).
DEFAULT_TTL = 24 * 3600.0


class StoreError(RuntimeError):
    """The store cannot be reached or used (a message for the logs, never a secret)."""


class Store(ABC):
    """The operations the room needs; every one is atomic."""

    @abstractmethod
    def get(self, key: str) -> str | None: ...

    @abstractmethod
    def put(self, key: str, value: str, ttl: float = DEFAULT_TTL) -> None: ...

    @abstractmethod
    def put_new(self, key: str, value: str, ttl: float = DEFAULT_TTL) -> bool:
        """Write ``value`` only if ``key`` holds nothing; True when written."""

    @abstractmethod
    def update(self, key: str, fn: Callable[[str | None], str | None],
               ttl: float = DEFAULT_TTL) -> str | None:
        """Atomic read-modify-write: ``fn(old)`` gives the new value (None: leave it as it
        is). ``fn`` may raise to abort (nothing written); it may be called more than once
        (Redis retries when another write came in between), so it must have no side effect.
        Returns the value now stored."""

    @abstractmethod
    def delete(self, *keys: str) -> None: ...

    @abstractmethod
    def expire(self, key: str, ttl: float) -> None:
        """Keep ``key`` (a value or a hash) ``ttl`` more seconds from now."""

    @abstractmethod
    def hget(self, key: str, field: str) -> str | None: ...

    @abstractmethod
    def hput(self, key: str, field: str, value: str, ttl: float = DEFAULT_TTL) -> None: ...

    @abstractmethod
    def hput_new(self, key: str, field: str, value: str, ttl: float = DEFAULT_TTL) -> bool:
        """Write the field only if absent; True when written (a vote counted once)."""

    @abstractmethod
    def hdel(self, key: str, field: str) -> None: ...

    @abstractmethod
    def hall(self, key: str) -> dict[str, str]: ...

    @abstractmethod
    def hlen(self, key: str) -> int: ...

    @abstractmethod
    def hit(self, key: str, window: float) -> int:
        """Count one more event under ``key`` in the current window of ``window`` seconds;
        returns the count so far in that window (a fixed-window rate limit)."""

    @abstractmethod
    def count(self, key: str, window: float) -> int:
        """The count of ``key`` in the current window, without adding one."""

    @abstractmethod
    def describe(self) -> str:
        """What and where, for the logs and the README (no password)."""


# -- SQLite -------------------------------------------------------------------------------------
_SCHEMA = """
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS hash (key TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL,
                                 PRIMARY KEY (key, field));
CREATE TABLE IF NOT EXISTS expiry (key TEXT PRIMARY KEY, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS expiry_at ON expiry (at);
"""


def state_dir(env: dict | None = None) -> Path:
    """The app's state folder (outside the repository)."""
    env = os.environ if env is None else env
    if env.get("COLORISATION_STATE"):
        return Path(env["COLORISATION_STATE"]).expanduser()
    base = env.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base).expanduser() / "colorisation"


class SQLiteStore(Store):
    """One SQLite file; a connection per thread; writes in ``BEGIN IMMEDIATE`` transactions."""

    #: Seconds between two sweeps of expired keys.
    SWEEP_EVERY = 30.0

    def __init__(self, path: str | Path, clock: Callable[[], float] = time.time):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.clock = clock
        self._local = threading.local()
        self._swept = float("-inf")
        self._db().executescript(_SCHEMA)  # its own transaction (executescript commits)

    def describe(self) -> str:
        return f"SQLite {self.path}"

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None,
                                 check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA busy_timeout=30000")
            self._local.db = db
        return db

    class _Tx:
        def __init__(self, db: sqlite3.Connection):
            self.db = db

        def __enter__(self) -> sqlite3.Connection:
            self.db.execute("BEGIN IMMEDIATE")
            return self.db

        def __exit__(self, exc_type, exc, tb) -> None:
            self.db.execute("ROLLBACK" if exc_type else "COMMIT")

    def _tx(self) -> SQLiteStore._Tx:
        return self._Tx(self._db())

    def _sweep(self) -> None:
        now = self.clock()
        if now - self._swept < self.SWEEP_EVERY:
            return
        self._swept = now
        with self._tx() as db:
            gone = [k for (k,) in db.execute("SELECT key FROM expiry WHERE at < ?", (now,))]
            for k in gone:
                self._delete(db, k)

    @staticmethod
    def _delete(db: sqlite3.Connection, key: str) -> None:
        db.execute("DELETE FROM kv WHERE key = ?", (key,))
        db.execute("DELETE FROM hash WHERE key = ?", (key,))
        db.execute("DELETE FROM expiry WHERE key = ?", (key,))

    def _alive(self, db: sqlite3.Connection, key: str) -> bool:
        row = db.execute("SELECT at FROM expiry WHERE key = ?", (key,)).fetchone()
        return row is None or row[0] >= self.clock()

    def _set_ttl(self, db: sqlite3.Connection, key: str, ttl: float) -> None:
        db.execute("INSERT INTO expiry (key, at) VALUES (?, ?) ON CONFLICT(key) DO UPDATE "
                   "SET at = excluded.at", (key, self.clock() + ttl))

    def _get(self, db: sqlite3.Connection, key: str) -> str | None:
        if not self._alive(db, key):
            self._delete(db, key)
            return None
        row = db.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def get(self, key: str) -> str | None:
        self._sweep()
        db = self._db()
        row = db.execute("SELECT kv.value, expiry.at FROM kv LEFT JOIN expiry USING (key) "
                         "WHERE key = ?", (key,)).fetchone()
        if row is None or (row[1] is not None and row[1] < self.clock()):
            return None
        return row[0]

    def put(self, key: str, value: str, ttl: float = DEFAULT_TTL) -> None:
        with self._tx() as db:
            db.execute("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE "
                       "SET value = excluded.value", (key, value))
            self._set_ttl(db, key, ttl)

    def put_new(self, key: str, value: str, ttl: float = DEFAULT_TTL) -> bool:
        with self._tx() as db:
            if self._get(db, key) is not None:
                return False
            db.execute("INSERT INTO kv (key, value) VALUES (?, ?)", (key, value))
            self._set_ttl(db, key, ttl)
            return True

    def update(self, key: str, fn: Callable[[str | None], str | None],
               ttl: float = DEFAULT_TTL) -> str | None:
        with self._tx() as db:
            old = self._get(db, key)
            new = fn(old)
            if new is None:
                return old
            db.execute("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE "
                       "SET value = excluded.value", (key, new))
            self._set_ttl(db, key, ttl)
            return new

    def delete(self, *keys: str) -> None:
        with self._tx() as db:
            for k in keys:
                self._delete(db, k)

    def expire(self, key: str, ttl: float) -> None:
        with self._tx() as db:
            self._set_ttl(db, key, ttl)

    def hget(self, key: str, field: str) -> str | None:
        db = self._db()
        if not self._alive(db, key):
            return None
        row = db.execute("SELECT value FROM hash WHERE key = ? AND field = ?",
                         (key, field)).fetchone()
        return None if row is None else row[0]

    def hput(self, key: str, field: str, value: str, ttl: float = DEFAULT_TTL) -> None:
        with self._tx() as db:
            if not self._alive(db, key):
                self._delete(db, key)
            db.execute("INSERT INTO hash (key, field, value) VALUES (?, ?, ?) ON CONFLICT(key, "
                       "field) DO UPDATE SET value = excluded.value", (key, field, value))
            self._set_ttl(db, key, ttl)

    def hput_new(self, key: str, field: str, value: str, ttl: float = DEFAULT_TTL) -> bool:
        with self._tx() as db:
            if not self._alive(db, key):
                self._delete(db, key)
            cur = db.execute("INSERT OR IGNORE INTO hash (key, field, value) VALUES (?, ?, ?)",
                             (key, field, value))
            self._set_ttl(db, key, ttl)
            return cur.rowcount == 1

    def hdel(self, key: str, field: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM hash WHERE key = ? AND field = ?", (key, field))

    def hall(self, key: str) -> dict[str, str]:
        self._sweep()
        db = self._db()
        if not self._alive(db, key):
            return {}
        return dict(db.execute("SELECT field, value FROM hash WHERE key = ?", (key,)))

    def hlen(self, key: str) -> int:
        db = self._db()
        if not self._alive(db, key):
            return 0
        return db.execute("SELECT COUNT(*) FROM hash WHERE key = ?", (key,)).fetchone()[0]

    def _window_key(self, key: str, window: float) -> str:
        return f"{key}@{int(self.clock() // window)}"

    def hit(self, key: str, window: float) -> int:
        wkey = self._window_key(key, window)
        with self._tx() as db:
            old = self._get(db, wkey)
            n = int(old or 0) + 1
            db.execute("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE "
                       "SET value = excluded.value", (wkey, str(n)))
            self._set_ttl(db, wkey, 2 * window)
            return n

    def count(self, key: str, window: float) -> int:
        return int(self.get(self._window_key(key, window)) or 0)


# -- Redis --------------------------------------------------------------------------------------
class RedisStore(Store):
    """A Redis server (``redis://host:port/db``); keys under ``prefix``."""

    def __init__(self, url: str, prefix: str = "colorisation:",
                 clock: Callable[[], float] = time.time):
        try:
            import redis
        except ImportError as e:  # requirements.txt has it; say what is missing
            raise StoreError("COLORISATION_STORE names Redis but the redis package is not "
                             "installed (pip install redis)") from e
        self._redis = redis
        self.client = redis.Redis.from_url(url, decode_responses=True, socket_timeout=10,
                                           socket_connect_timeout=5, health_check_interval=30)
        self.prefix = prefix
        self.clock = clock
        self._where = url.split("@")[-1]  # never the password

    def describe(self) -> str:
        return f"Redis {self._where}"

    def _k(self, key: str) -> str:
        return self.prefix + key

    @staticmethod
    def _ms(ttl: float) -> int:
        return max(1, int(ttl * 1000))

    def get(self, key: str) -> str | None:
        return self.client.get(self._k(key))

    def put(self, key: str, value: str, ttl: float = DEFAULT_TTL) -> None:
        self.client.set(self._k(key), value, px=self._ms(ttl))

    def put_new(self, key: str, value: str, ttl: float = DEFAULT_TTL) -> bool:
        return bool(self.client.set(self._k(key), value, px=self._ms(ttl), nx=True))

    def update(self, key: str, fn: Callable[[str | None], str | None],
               ttl: float = DEFAULT_TTL) -> str | None:
        k = self._k(key)
        with self.client.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(k)
                    old = pipe.get(k)
                    new = fn(old)
                    if new is None:
                        pipe.unwatch()
                        return old
                    pipe.multi()
                    pipe.set(k, new, px=self._ms(ttl))
                    pipe.execute()
                    return new
                except self._redis.WatchError:
                    continue  # another write came in between: read again

    def delete(self, *keys: str) -> None:
        if keys:
            self.client.delete(*(self._k(k) for k in keys))

    def expire(self, key: str, ttl: float) -> None:
        self.client.pexpire(self._k(key), self._ms(ttl))

    def hget(self, key: str, field: str) -> str | None:
        return self.client.hget(self._k(key), field)

    def hput(self, key: str, field: str, value: str, ttl: float = DEFAULT_TTL) -> None:
        with self.client.pipeline() as pipe:  # MULTI/EXEC: both or neither
            pipe.hset(self._k(key), field, value)
            pipe.pexpire(self._k(key), self._ms(ttl))
            pipe.execute()

    def hput_new(self, key: str, field: str, value: str, ttl: float = DEFAULT_TTL) -> bool:
        with self.client.pipeline() as pipe:
            pipe.hsetnx(self._k(key), field, value)
            pipe.pexpire(self._k(key), self._ms(ttl))
            written, _ = pipe.execute()
        return bool(written)

    def hdel(self, key: str, field: str) -> None:
        self.client.hdel(self._k(key), field)

    def hall(self, key: str) -> dict[str, str]:
        return self.client.hgetall(self._k(key))

    def hlen(self, key: str) -> int:
        return int(self.client.hlen(self._k(key)))

    def _window_key(self, key: str, window: float) -> str:
        return self._k(f"{key}@{int(self.clock() // window)}")

    def hit(self, key: str, window: float) -> int:
        wkey = self._window_key(key, window)
        with self.client.pipeline() as pipe:
            pipe.incr(wkey)
            pipe.pexpire(wkey, self._ms(2 * window))
            n, _ = pipe.execute()
        return int(n)

    def count(self, key: str, window: float) -> int:
        return int(self.client.get(self._window_key(key, window)) or 0)


def open_store(url: str | None = None, env: dict | None = None) -> Store:
    """The store named by ``url`` or ``$COLORISATION_STORE``: ``redis://…`` (or
    ``rediss://``, ``unix://``) for Redis, ``sqlite:///path`` or a file path for SQLite;
    unset: SQLite in :func:`state_dir`."""
    env = os.environ if env is None else env
    url = url if url is not None else env.get("COLORISATION_STORE", "")
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisStore(url)
    if url.startswith("sqlite:///"):
        return SQLiteStore(url.removeprefix("sqlite:///"))
    if url:
        return SQLiteStore(url)
    return SQLiteStore(state_dir(env) / "rooms.sqlite3")
