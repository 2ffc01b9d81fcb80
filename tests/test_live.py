"""Live training (core.live) and its admission control (core.admission): caps, queue, ticks
that learn, previews, isolation of runs."""

import numpy as np
import pytest
import torch

from core import admission, live
from core.colorizer import Colorizer
from core.samples import load_sample
from core.weights import model_from_bytes, model_to_bytes

TINY = live.LiveSettings(size=32, width=4, depth=2, batch=4, lr=1e-2)


@pytest.fixture(autouse=True)
def one_thread():
    """As in the app's ticks: one torch thread (a busy CPU makes OpenMP teams spin)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def photos():
    return [load_sample("coffee")[::4, ::4].copy(), load_sample("chelsea")[::4, ::4].copy()]


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_registry_caps_queue_and_leases():
    clock = Clock()
    reg = admission.SlotRegistry(capacity=2, lease_seconds=10, clock=clock)
    assert reg.request("a") == 0 and reg.request("b") == 0
    assert reg.request("c") == 1  # full: first in the queue
    assert reg.request("d") == 2
    assert reg.request("a") == 0  # a holder keeps its slot
    reg.release("b")
    assert reg.request("d") == 1  # d may not jump ahead of c
    assert reg.request("c") == 0
    assert reg.request("d") == 1
    clock.now = 8.0
    reg.request("c")
    reg.request("d")
    clock.now = 12.0  # a stopped ticking 12 s ago (closed tab): its lease expired
    assert reg.request("d") == 0
    assert reg.counts() == (2, 0)


def test_settings_are_forced_into_the_allowed_choices():
    s = live.LiveSettings(size=1000, width=999, depth=9, output="hsv", loss="l7", lr=5.0,
                          batch=3, data="disk").checked()
    assert s.size == max(live.SIZES) and s.width == max(live.WIDTHS)
    assert s.depth == max(live.DEPTHS) and s.output == "lab" and s.loss == "l1"
    assert s.lr == live.LR_RANGE[1] and s.batch == 4 and s.data == "samples"
    assert live.LiveSettings().checked() == live.LiveSettings()


def test_photos_are_capped_in_number_and_size():
    big = [np.zeros((600, 900, 3), np.uint8)] * 20
    out = live.prepare_photos(big)
    assert len(out) == live.MAX_PHOTOS
    assert max(out[0].shape[:2]) == live.PHOTO_SIDE


def test_ticks_learn_colour_and_update_the_preview(photos):
    run = live.LiveRun(TINY, photos)
    first = run.curves.val_loss[0]
    before = run.preview()
    assert [s.shape[0] for s in before] == [32, 32, 32]
    for _ in range(5):
        assert run.tick(budget=1e9, max_steps=8) == 8
    assert run.steps == 40
    assert run.curves.val_loss[-1] < first
    assert run.curves.val_steps[-1] == 40 and len(run.curves.train_loss) == 40
    after = run.preview()
    assert not np.array_equal(before[1], after[1])  # the prediction row changed
    np.testing.assert_array_equal(before[2], after[2])  # the truth did not


def test_runs_stop_at_their_caps(photos, monkeypatch):
    monkeypatch.setattr(live, "MAX_STEPS", 3)
    run = live.LiveRun(TINY, photos)
    run.tick(budget=1e9)
    assert run.steps == 3 and run.finished
    assert run.tick() == 0


def test_same_seed_same_run_and_runs_share_nothing(photos):
    a, b = live.LiveRun(TINY, photos), live.LiveRun(TINY, photos)
    a.tick(budget=1e9, max_steps=3)
    b.tick(budget=1e9, max_steps=3)
    assert a.curves.val_loss == pytest.approx(b.curves.val_loss, rel=1e-4)
    a.tick(budget=1e9, max_steps=2)
    assert b.steps == 3  # training one run leaves the other untouched
    assert a.model is not b.model and a.photos[0] is not b.photos[0]


def test_ab_and_rgb_outputs_preview(photos):
    for output in ("ab", "rgb"):
        run = live.LiveRun(live.LiveSettings(size=32, width=4, depth=1, output=output), photos)
        run.tick(budget=1e9, max_steps=1)
        grey, pred, truth = run.preview()
        assert pred.shape == truth.shape and pred.dtype == np.uint8


def test_saved_model_colorizes_exactly_like_the_trained_one(photos):
    run = live.LiveRun(TINY, photos)
    run.tick(budget=1e9, max_steps=5)
    tensors, config = model_to_bytes(run.model, run.metadata())
    loaded, meta = model_from_bytes(tensors, config)
    assert meta["steps"] == 5 and meta["settings"]["size"] == 32
    img = load_sample("rocket")[::4, ::4]
    a = Colorizer(run.snapshot(), device="cpu").colorize(img).rgb
    b = Colorizer(loaded, device="cpu").colorize(img).rgb
    np.testing.assert_array_equal(a, b)


def test_compute_slot_sets_and_restores_threads():
    before = torch.get_num_threads()
    with admission.compute_slot(threads=1) as got:
        assert got and torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


def test_a_training_tick_runs_at_a_lower_priority_in_its_own_thread_only():
    """Linux: the tick's thread is niced (TRAIN_NICE), the process's other threads are not."""
    import os
    import threading

    seen = {}

    def tick():
        with admission.compute_slot(threads=1) as got:
            seen["got"] = got
            seen["nice"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    other = os.getpriority(os.PRIO_PROCESS, 0)
    worker = threading.Thread(target=tick)
    worker.start()
    worker.join()
    assert seen["got"] and admission.TRAIN_NICE == 10
    assert seen["nice"] >= max(other, admission.TRAIN_NICE)
    assert os.getpriority(os.PRIO_PROCESS, 0) == other  # the process's main thread: unchanged
    assert not admission.lower_thread_priority()  # never the main thread (the whole process)


def test_remember_run_keeps_the_last_ones(photos):
    runs = []
    for i in range(7):
        runs = live.remember_run(runs, {"run_id": i, "x": 0})
    runs = live.remember_run(runs, {"run_id": 6, "x": 1})
    assert [r["run_id"] for r in runs] == [2, 3, 4, 5, 6] and runs[-1]["x"] == 1


def test_machine_slots_are_shared_between_processes(tmp_path):
    """Replicas on one machine share the training slots (file locks), across processes."""
    import subprocess
    import sys

    slots = admission.MachineSlots(tmp_path, 1)
    fd = slots.acquire(timeout=1)
    assert fd is not None
    assert slots.acquire(timeout=0.1) is None  # the only slot is taken (even in-process)
    probe = ("import sys; from core.admission import MachineSlots; "
             f"s = MachineSlots({str(tmp_path)!r}, 1); fd = s.acquire(timeout=0.2); "
             "sys.exit(0 if fd is None else 3)")
    from pathlib import Path

    root = str(Path(__file__).resolve().parent.parent)
    assert subprocess.run([sys.executable, "-c", probe], cwd=root).returncode == 0  # busy
    admission.MachineSlots.release(fd)
    probe_free = probe.replace("0 if fd is None else 3", "3 if fd is None else 0")
    assert subprocess.run([sys.executable, "-c", probe_free], cwd=root).returncode == 0  # free


def test_preview_goes_through_the_one_inference_path(photos):
    """The live preview is what Colorizer.predict/render make of the crop (the model's own L)."""
    run = live.LiveRun(TINY, photos)
    run.tick(budget=1e9, max_steps=3)
    _, pred, _ = run.preview()
    crop = run.val[2][run.preview_index[0]].permute(1, 2, 0).numpy()
    c = Colorizer(run.snapshot(), device="cpu", working_size=TINY.size)
    first = c.render(c.predict(crop), use_model_l=True, full_resolution=False).rgb
    np.testing.assert_array_equal(pred[:, :TINY.size], first)
