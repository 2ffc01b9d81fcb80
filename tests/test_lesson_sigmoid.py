"""core/lessons/sigmoid.py: the scaled sigmoid, saturation, bounded vs unbounded."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from core.lessons import sigmoid as L


def test_point_at_zero():
    p = L.sigmoid_point(0.0)
    assert p["f"] == 0.0 and p["df"] == 0.5 and p["sigma"] == 0.5 and p["dsigma"] == 0.25


@given(st.floats(-30, 30))
@settings(max_examples=60, deadline=None)
def test_identity_and_derivative(x):
    p = L.sigmoid_point(x)
    assert p["identity_gap"] < 1e-12
    assert -1.0 <= p["f"] <= 1.0
    assert p["df"] == pytest.approx((1 - p["f"] ** 2) / 2, abs=1e-12)
    assert p["df"] == pytest.approx(2 * p["dsigma"], abs=1e-15)


def test_curves_match_finite_differences():
    c = L.sigmoid_curves(-6, 6, 1201)
    num = np.gradient(c["f"], c["x"])
    assert np.max(np.abs(num - c["df"])[5:-5]) < 1e-4
    assert c["f"].min() > -1 and c["f"].max() < 1
    assert np.allclose(c["f"], 2 * c["sigma"] - 1)


def test_saturation():
    sx = L.saturation_x(0.05)
    assert float(L.sigmoid_point(sx)["df"]) == pytest.approx(0.05, abs=1e-9)
    pre = np.array([0.0, 1.0, sx - 0.01, sx + 0.01, -10.0])
    assert L.saturation_share(pre) == pytest.approx(2 / 5)
    assert L.saturation_share(np.array([])) == 0.0


def test_bound_variants_differ_on_large_values():
    gray = np.full((4, 4), 0.5, np.float32)
    pre = np.zeros((3, 4, 4), np.float32)
    pre[1] = 3.0  # a = 3 raw: bounded -> f(3) = 0.905, clipped -> 1, unbounded -> 3
    v = L.bound_variants("lab", pre, gray)
    assert {k: a.shape for k, a in v.items()} == {k: (4, 4, 3) for k in v}
    assert all(a.dtype == np.uint8 for a in v.values())
    assert not np.array_equal(v["bounded"], v["unbounded"])
    # Everything zero: all three post-processings agree (mid grey).
    same = L.bound_variants("lab", np.zeros((3, 2, 2), np.float32), gray[:2, :2])
    assert np.array_equal(same["bounded"], same["clipped"])
    assert np.array_equal(same["bounded"], same["unbounded"])


def test_bound_training_runs_bounded_converges_unbounded_diverges():
    bounded = L.bound_training_run("scaled_sigmoid", steps=40, lr=3.0)
    free = L.bound_training_run("none", steps=40, lr=3.0)
    assert len(bounded["loss"]) == len(free["loss"]) == 40
    assert L.first_divergence(bounded["loss"]) is None
    assert bounded["loss"][-1] < bounded["loss"][0]
    assert max(bounded["max_abs"]) <= 1.0
    assert L.first_divergence(free["loss"]) is not None
    # Same seed -> same curve.
    again = L.bound_training_run("scaled_sigmoid", steps=40, lr=3.0)
    assert again["loss"] == bounded["loss"]


def test_single_thread_restores():
    before = torch.get_num_threads()
    with L.single_thread():
        assert torch.get_num_threads() == 1
        with L.single_thread():
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


def test_first_divergence():
    assert L.first_divergence([1.0, 0.5]) is None
    assert L.first_divergence([1.0, 5.0, 0.1]) == 1
    assert L.first_divergence([1.0, float("nan")]) == 1


def test_bound_runs_from_results():
    def run(name, bound, lr=1e-3):
        return {"name": name, "settings": {"bound": bound, "lr": lr}, "metrics": {},
                "curve": [{"step": 1, "train_loss": 1.0, "val_loss": 1.0}]}
    runs = [run("a", "scaled_sigmoid", 1e-2), run("b", "none"), run("c", "scaled_sigmoid"),
            {"name": "bad"}, run("d", "none", 5.0)]
    pair = L.bound_runs_from_results(runs)
    assert [r["name"] for r in pair] == ["c", "b"]
    loose = L.bound_runs_from_results([run("x", "none", 1), run("y", "scaled_sigmoid", 2)])
    assert [r["name"] for r in loose] == ["y", "x"]
    assert L.bound_runs_from_results([{"name": "z"}]) == []
