"""Runs that outlive a connection (core.runs): tokens, pause, expiry, caps, isolation."""

import re

import numpy as np
import pytest
import torch

from core import admission, live, runs
from core.samples import load_sample

TINY = live.LiveSettings(size=32, width=4, depth=2, batch=4, lr=1e-2)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture(autouse=True)
def own_slots(monkeypatch):
    """A training-slot registry of its own (other tests' runs may hold the server's)."""
    monkeypatch.setattr(admission, "REGISTRY", admission.SlotRegistry())


@pytest.fixture(scope="module")
def photos():
    return [load_sample("coffee")[::4, ::4].copy(), load_sample("chelsea")[::4, ::4].copy()]


def test_tokens_are_long_random_url_safe_and_never_printed(clock):
    store = runs.RunStore(capacity=50, clock=clock)
    made = [store.create() for _ in range(20)]
    tokens = [t for t, _ in made]
    assert len(set(tokens)) == 20
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{32}", t) for t in tokens)  # 192 random bits
    for token, ws in made:
        assert store.get(token) is ws
        assert token not in repr(store) and token not in repr(ws) and token != ws.key


def test_a_wrong_or_missing_token_finds_nothing(clock):
    store = runs.RunStore(clock=clock)
    token, _ = store.create()
    for bad in (None, "", token[:-1], token + "x", token.upper(), ["list"], 42):
        assert store.get(bad) is None


def test_workspaces_of_two_students_share_nothing(clock, photos):
    store = runs.RunStore(clock=clock)
    (ta, a), (tb, b) = store.create(), store.create()
    a.run = live.LiveRun(TINY, photos)
    a.photos.append(("mine", np.zeros((8, 8, 3), np.uint8)))
    a.runs.append({"run_id": 1})
    assert b.run is None and b.photos == [] and b.runs == [] and a.key != b.key
    assert store.get(tb) is b and store.get(ta) is a


def test_unwatched_workspaces_expire_and_are_freed(clock, photos):
    store = runs.RunStore(expire_seconds=900, clock=clock)
    old, ws = store.create()
    ws.run = live.LiveRun(TINY, photos)
    ws.running = True
    assert admission.REGISTRY.request(ws.key) == 0  # it trains: it holds a slot
    kept, other = store.create()
    clock.now += 600
    assert store.get(kept) is other  # watched again: its 15 minutes start over
    assert store.watched(other) and not store.watched(ws)  # ws is paused (no page ticks it)
    clock.now += 301  # ws: 901 s unwatched
    assert store.get(old) is None
    assert ws.run is None and not ws.running  # memory freed even if a page still holds it
    assert ws.key not in admission.REGISTRY._holders  # its training slot is free
    assert store.get(kept) is other and len(store) == 1


def test_pause_hands_the_training_slot_on(clock):
    store = runs.RunStore(clock=clock)
    _, ws = store.create()
    ws.running = True
    assert admission.REGISTRY.request(ws.key) == 0
    ws.pause()
    assert not ws.running and ws.key not in admission.REGISTRY._holders


def test_when_full_the_longest_unwatched_goes_first_and_watched_ones_never(clock):
    store = runs.RunStore(capacity=3, clock=clock)
    made = []
    for _ in range(3):
        made.append(store.create())
        clock.now += 100  # each is unwatched for a while
    store.get(made[0][0])  # the oldest is watched again
    token, _ = store.create()  # full: the longest-unwatched one (the second) goes
    assert store.get(made[1][0]) is None
    assert store.get(made[0][0]) is not None and store.get(made[2][0]) is not None
    with pytest.raises(runs.StoreFull):  # everyone is watched now (just touched)
        store.create()
    assert len(store) == 3 and store.get(token) is not None


def test_memory_caps(clock, photos):
    """A run at the largest settings stays under the per-run cap; the store's byte budget
    makes room (or refuses) like its count cap."""
    big = photos + [np.random.default_rng(i).integers(0, 255, (256, 256, 3), np.uint8)
                    for i in range(20)]
    worst = live.LiveSettings(size=max(live.SIZES), width=max(live.WIDTHS),
                              depth=max(live.DEPTHS), batch=max(live.BATCHES))
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        run = live.LiveRun(worst, big)
        run.tick(budget=1e9, max_steps=1)  # the optimizer state exists after a step
    finally:
        torch.set_num_threads(before)
    assert len(run.photos) == live.MAX_RUN_PHOTOS
    assert run.nbytes() <= runs.MAX_RUN_BYTES
    small = live.LiveRun(TINY, photos).nbytes()
    store = runs.RunStore(max_bytes=int(2.5 * small), clock=clock)
    (t1, a), (t2, b) = store.create(), store.create()
    store.reserve(a, small)
    a.run = live.LiveRun(TINY, photos)
    clock.now += 100
    store.get(t2)  # b is watched, a is not
    store.reserve(b, small)
    b.run = live.LiveRun(TINY, photos)
    with pytest.raises(runs.StoreFull):
        store.reserve(b, runs.MAX_RUN_BYTES + 1)
    _, c = store.create()
    store.reserve(c, small)  # no room: a (unwatched) goes, b (watched) stays
    assert store.get(t1) is None and a.run is None and store.get(t2) is b
    with pytest.raises(runs.StoreFull):  # only watched workspaces are left
        store.reserve(c, 2 * small)
    assert store.stats()["bytes"] <= store.max_bytes


def test_two_pages_on_one_run_do_not_train_it_twice_as_fast(clock):
    _, ws = runs.RunStore(clock=clock).create()
    assert ws.try_tick(0.5, clock)
    assert not ws.try_tick(0.5, clock)  # the first page is still ticking
    ws.lock.release()
    clock.now += 0.3
    assert not ws.try_tick(0.5, clock)  # the other page, 0.3 s later: skipped
    clock.now += 0.7
    assert ws.try_tick(0.5, clock)
    ws.lock.release()
