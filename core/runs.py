"""Runs that outlive a connection: a student's live training kept on the server by token.

A refresh, a new tab or a phone waking up opens a new Streamlit session, whose
``st.session_state`` is empty. So the live training of a student (settings, model,
optimizer, curves, their own photos, the runs they compare) is kept here, in a
:class:`Workspace` of this process's :data:`STORE`, under an unguessable token
(:func:`secrets.token_urlsafe`, 192 bits) that the student's URL carries (``?run=...``).
Opening that URL again finds the same workspace; without the token it cannot be found.

* **Watched, paused, expired.** A page that shows a workspace touches it (every tick while
  training, a heartbeat every minute otherwise). Training only happens in ticks of a
  watching page, so a workspace nobody watches is paused by construction, and its
  training slot (:mod:`core.admission`) is handed on after the lease. After
  :data:`EXPIRE_SECONDS` (15 minutes) unwatched it is deleted, and its memory freed.
* **Caps.** At most :data:`MAX_WORKSPACES` workspaces and :data:`MAX_STORE_BYTES` in all per
  process; one run holds at most about :data:`MAX_RUN_BYTES` (the settings' caps bound it).
  When full, the workspace unwatched for the longest goes first; if every one is watched,
  :class:`StoreFull` (the page says the server is full).
* **Privacy.** Only memory, never disk. Tokens are never logged nor printed: a
  workspace does not know its token (its ``key``, a different random id, names it in the
  training queue), and the store's ``repr`` shows counts only.

With several replicas, a token is only known to the replica that created it: the load
balancer must bring the student back there (``deploy/README.md``).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from core import admission
from core.admission import env_int
from core.live import LiveRun

#: A workspace nobody has watched for this long is deleted.
EXPIRE_SECONDS = 15 * 60.0
#: A workspace touched within this many seconds is being watched (a page is open on it).
WATCH_SECONDS = 75.0
#: Workspaces kept by one process, and their memory in all.
MAX_WORKSPACES = env_int("COLORISATION_MAX_RUNS", 100)
MAX_STORE_BYTES = env_int("COLORISATION_RUNS_MIB", 1024) * 2**20
#: Memory of one run at the largest settings the screen allows (measured: 46 MiB).
MAX_RUN_BYTES = 64 * 2**20
#: Random bytes of a token (base64url: 32 characters).
TOKEN_BYTES = 24


class StoreFull(RuntimeError):
    """Every place of the store is taken by a workspace someone is watching."""


@dataclass(eq=False)
class Workspace:
    """One student's live training: the current run, their photos, the runs they compare.

    Touched by whichever page shows it; :meth:`try_tick` lets one tick at a time train
    the run, at most one per ``interval`` (two tabs on one token share it, they do not
    train it twice as fast).
    """

    key: str = field(default_factory=lambda: secrets.token_hex(8))
    run: LiveRun | None = None
    photos: list[tuple[str, np.ndarray]] = field(default_factory=list)
    runs: list[dict] = field(default_factory=list)
    running: bool = False
    next_id: int = 1
    seen: float = 0.0
    last_tick: float = float("-inf")
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def try_tick(self, interval: float, clock: Callable[[], float] = time.monotonic) -> bool:
        """Take the right to tick now (then release :attr:`lock`), or False: another page
        is ticking, or the last tick started less than ``interval`` seconds ago."""
        if not self.lock.acquire(blocking=False):
            return False
        now = clock()
        if now - self.last_tick < interval:
            self.lock.release()
            return False
        self.last_tick = now
        return True

    def nbytes(self) -> int:
        """Memory held: the run (model, optimizer, data) and the uploaded photos."""
        own = sum(p.nbytes for _, p in self.photos)
        return own + (self.run.nbytes() if self.run is not None else 0)

    def pause(self) -> None:
        """Stop training and hand the training slot (or the place in the queue) on."""
        self.running = False
        admission.REGISTRY.release(self.key)


class RunStore:
    """Thread-safe ``token -> Workspace`` of one server process, with expiry and caps."""

    def __init__(self, capacity: int = MAX_WORKSPACES, max_bytes: int = MAX_STORE_BYTES,
                 expire_seconds: float = EXPIRE_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        self.capacity = max(1, int(capacity))
        self.max_bytes = max_bytes
        self.expire_seconds = expire_seconds
        self.clock = clock
        self._lock = threading.Lock()
        self._items: dict[str, Workspace] = {}

    def __repr__(self) -> str:  # never the tokens
        return f"RunStore({len(self._items)} workspaces, capacity {self.capacity})"

    def __len__(self) -> int:
        return len(self._items)

    def _drop(self, token: str) -> None:
        ws = self._items.pop(token)
        ws.pause()
        ws.run, ws.photos, ws.runs = None, [], []  # freed even if a page still holds it

    def _sweep(self, now: float) -> None:
        for token in [k for k, w in self._items.items() if now - w.seen > self.expire_seconds]:
            self._drop(token)

    def _make_room(self, now: float, extra_bytes: int, keep: Workspace | None = None) -> None:
        """Delete the longest-unwatched workspaces until one more (of ``extra_bytes``) fits."""
        def over() -> bool:
            used = sum(w.nbytes() for w in self._items.values())
            count = len(self._items) + (0 if keep is not None else 1)
            return count > self.capacity or used + extra_bytes > self.max_bytes

        while over():
            idle = [(w.seen, k) for k, w in self._items.items()
                    if w is not keep and now - w.seen > WATCH_SECONDS]
            if not idle:
                raise StoreFull("every workspace of this server is in use")
            self._drop(min(idle)[1])

    def create(self) -> tuple[str, Workspace]:
        """A new empty workspace and its token (room is made, or :class:`StoreFull`)."""
        with self._lock:
            now = self.clock()
            self._sweep(now)
            self._make_room(now, 0)
            token = secrets.token_urlsafe(TOKEN_BYTES)
            ws = Workspace(seen=now)
            self._items[token] = ws
            return token, ws

    def get(self, token: str | None) -> Workspace | None:
        """The workspace of ``token`` (touched: someone watches it), else None.

        None for a missing, wrong or expired token: the caller starts afresh.
        """
        if not token or not isinstance(token, str):
            return None
        with self._lock:
            now = self.clock()
            self._sweep(now)
            ws = self._items.get(token)
            if ws is not None:
                ws.seen = now
            return ws

    def reserve(self, ws: Workspace, nbytes: int) -> None:
        """Make room for a new run of ``nbytes`` in ``ws`` (replacing its current run)."""
        if nbytes > MAX_RUN_BYTES:
            raise StoreFull(f"a run of {nbytes / 2**20:.0f} MiB is over the cap")
        with self._lock:
            old = ws.run.nbytes() if ws.run is not None else 0
            self._make_room(self.clock(), max(0, nbytes - old), keep=ws)

    def drop(self, token: str) -> None:
        """Delete a workspace now (the student asked for a fresh start)."""
        with self._lock:
            if token in self._items:
                self._drop(token)

    def watched(self, ws: Workspace) -> bool:
        """Whether a page has shown ``ws`` within :data:`WATCH_SECONDS`."""
        return self.clock() - ws.seen <= WATCH_SECONDS

    def stats(self) -> dict:
        """Counts and memory (for the load test and the logs: no token)."""
        with self._lock:
            self._sweep(self.clock())
            items = list(self._items.values())
        return {"workspaces": len(items), "running": sum(w.running for w in items),
                "bytes": sum(w.nbytes() for w in items)}


#: The one store of this process (module global on purpose: it must outlive sessions; it
#: is reached only with a token, and holds nothing under any other name).
STORE = RunStore()
