"""Admission control for live training: who may train now, and on how many CPU threads.

One Streamlit server serves a whole class; these caps keep it answering:

* at most :data:`MAX_TRAININGS` runs train at once (``COLORISATION_MAX_TRAININGS``, 4 by
  default). :class:`SlotRegistry` hands out *leases* that expire when a run stops ticking
  for :data:`LEASE_SECONDS` (a closed tab, a sleeping phone: its slot goes to the next);
  the others wait in a first-come, first-served queue and see their position;
* the CPU is shared: ticks of all runs go through :func:`compute_slot`, at most
  :data:`COMPUTE_SLOTS` (``COLORISATION_TRAIN_PARALLEL``, half the cores by default) at the
  same time, each with :data:`CPU_THREADS` torch thread (``COLORISATION_TRAIN_THREADS``, 1),
  so trainings never take the whole machine (``torch.set_num_threads`` sets the calling
  thread's OpenMP team size, and is restored at the end of the tick), at a lower priority
  (:data:`TRAIN_NICE`: the others' clicks first). Replicas on one
  machine share these slots when ``COLORISATION_TRAIN_SLOT_DIR`` names a common folder.

What a run is and how it trains is in :mod:`core.live`; where runs are kept between two
connections is in :mod:`core.runs`.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager


def env_int(name: str, default: int, low: int = 1) -> int:
    """An integer setting from the environment (``default`` when unset or not a number)."""
    try:
        return max(low, int(os.environ.get(name, default)))
    except ValueError:
        return default


#: Runs that may train at the same time on one server.
MAX_TRAININGS = env_int("COLORISATION_MAX_TRAININGS", 4)
#: A run that has not ticked for this long loses its training slot (nobody watches it).
LEASE_SECONDS = 15.0
#: Ticks computing at the same time, each with CPU_THREADS torch threads. One thread per
#: tick: on a busy CPU, OpenMP teams of 2+ threads spin and run 3-10x slower (measured).
_CPUS = os.cpu_count() or 1
COMPUTE_SLOTS = env_int("COLORISATION_TRAIN_PARALLEL", max(1, _CPUS // 2))
CPU_THREADS = env_int("COLORISATION_TRAIN_THREADS", 1)
#: Niceness of a thread while it trains (``COLORISATION_TRAIN_NICE``; 0: none): the class's
#: uploads and clicks get the cores first, the trainings take what is left.
TRAIN_NICE = env_int("COLORISATION_TRAIN_NICE", 10, low=0)


def lower_thread_priority(nice: int = TRAIN_NICE) -> bool:
    """Raise this OS thread's niceness to at least ``nice``; True when it is so.

    Linux keeps a niceness per thread: a training tick's thread (Streamlit runs each
    session's script in a thread of its own) then yields the cores to the threads that
    draw the other students' screens. Never lowered back (an unprivileged process may not):
    the thread keeps it until its script run ends. Nothing is done in a process's main
    thread (that would be the whole process) or where the system has no per-thread
    priority (an error there is ignored).
    """
    if nice <= 0 or not hasattr(os, "setpriority"):
        return False
    tid = threading.get_native_id()
    if tid == os.getpid():
        return False
    try:
        if os.getpriority(os.PRIO_PROCESS, tid) < nice:
            os.setpriority(os.PRIO_PROCESS, tid, nice)
        return os.getpriority(os.PRIO_PROCESS, tid) >= nice
    except OSError:
        return False


class SlotRegistry:
    """Thread-safe training slots with expiring leases and a first-come, first-served queue.

    Every tick of a training run calls :meth:`request`; a holder that stops calling
    (closed tab, lost connection) loses its slot after ``lease_seconds``. Waiting runs
    also refresh their place by calling :meth:`request`; a waiter that stops asking leaves
    the queue after the same delay.
    """

    def __init__(self, capacity: int = MAX_TRAININGS, lease_seconds: float = LEASE_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        self.capacity = max(1, int(capacity))
        self.lease_seconds = lease_seconds
        self.clock = clock
        self._lock = threading.Lock()
        self._holders: dict[str, float] = {}  # run key -> last seen
        self._waiting: OrderedDict[str, float] = OrderedDict()  # arrival order

    def _expire(self, now: float) -> None:
        for table in (self._holders, self._waiting):
            for key in [k for k, seen in table.items() if now - seen > self.lease_seconds]:
                del table[key]

    def request(self, key: str) -> int:
        """0 when the run ``key`` holds (or just got) a slot, else its 1-based queue place."""
        with self._lock:
            now = self.clock()
            self._expire(now)
            if key in self._holders:
                self._holders[key] = now
                return 0
            self._waiting[key] = now  # a new key goes to the end of the queue
            free = self.capacity - len(self._holders)
            ahead = list(self._waiting).index(key)
            if ahead < free:
                del self._waiting[key]
                self._holders[key] = now
                return 0
            return ahead - free + 1

    def release(self, key: str) -> None:
        """Give the slot (or the place in the queue) back at once (pause, reset, end)."""
        with self._lock:
            self._holders.pop(key, None)
            self._waiting.pop(key, None)

    def counts(self) -> tuple[int, int]:
        """(runs training, runs waiting)."""
        with self._lock:
            self._expire(self.clock())
            return len(self._holders), len(self._waiting)


#: The one registry of this server (module global on purpose: it is shared by design and
#: holds only anonymous keys, never a student's data).
REGISTRY = SlotRegistry()
_COMPUTE = threading.BoundedSemaphore(COMPUTE_SLOTS)
#: Folder of the machine-wide slot lock files: app replicas on one machine (one process per
#: core behind nginx) then share COMPUTE_SLOTS between them instead of each taking as many.
SLOT_DIR = os.environ.get("COLORISATION_TRAIN_SLOT_DIR", "")


class MachineSlots:
    """``n`` CPU slots shared by every process of a machine: ``fcntl`` locks on ``n`` files.

    The kernel drops a process's locks when it dies, so a killed replica never leaks a slot.
    """

    def __init__(self, folder: str | os.PathLike, n: int):
        self.paths = [os.path.join(folder, f"train-slot-{i}.lock") for i in range(n)]
        os.makedirs(folder, exist_ok=True)

    def acquire(self, timeout: float) -> int | None:
        """A held file descriptor, or None after ``timeout`` seconds."""
        import fcntl

        end = time.monotonic() + timeout
        while True:
            for path in self.paths:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return fd
                except OSError:
                    os.close(fd)
            if time.monotonic() >= end:
                return None
            time.sleep(0.02)

    @staticmethod
    def release(fd: int) -> None:
        os.close(fd)  # closing the descriptor releases its flock


_MACHINE = MachineSlots(SLOT_DIR, COMPUTE_SLOTS) if SLOT_DIR else None


@contextmanager
def compute_slot(timeout: float = 2.0, threads: int = CPU_THREADS) -> Iterator[bool]:
    """Hold one of the server's :data:`COMPUTE_SLOTS` CPU slots; yields False on timeout.

    With ``COLORISATION_TRAIN_SLOT_DIR`` set, the slots are the machine's (shared by all
    replicas, see :class:`MachineSlots`); otherwise this process's. Inside, this thread's
    torch uses ``threads`` threads; the previous value is restored.
    """
    import torch  # here, not at the top: the entry point imports this module (via the class
    # rooms) and would wait for torch (1.3 s) before the first page paints (cold start)

    fd = None
    if _MACHINE is not None:
        fd = _MACHINE.acquire(timeout)
        got = fd is not None
    else:
        got = _COMPUTE.acquire(timeout=timeout)
    before = torch.get_num_threads()
    try:
        if got:
            torch.set_num_threads(threads)
            lower_thread_priority()
        yield got
    finally:
        if got:
            torch.set_num_threads(before)
            if fd is not None:
                MachineSlots.release(fd)
            else:
                _COMPUTE.release()
