import numpy as np
import torch

from core.activations import (
    ScaledSigmoid,
    scaled_sigmoid,
    scaled_sigmoid_derivative,
    scaled_sigmoid_torch,
    sigmoid,
)


def test_values_at_known_points():
    assert scaled_sigmoid(0.0) == 0.0
    assert scaled_sigmoid_derivative(0.0) == 0.5
    np.testing.assert_allclose(scaled_sigmoid(np.log(3.0)), 0.5)  # 2/(1+1/3) - 1


def test_equals_tanh_half_and_two_sigma_minus_one():
    x = np.linspace(-40, 40, 2001)
    np.testing.assert_allclose(scaled_sigmoid(x), np.tanh(x / 2), atol=1e-12)
    np.testing.assert_allclose(scaled_sigmoid(x), 2 * sigmoid(x) - 1, atol=1e-12)


def test_range_and_no_overflow_at_extremes():
    x = np.array([-1e4, -800.0, -50.0, 50.0, 800.0, 1e4])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = scaled_sigmoid(x)
        d = scaled_sigmoid_derivative(x)
    np.testing.assert_array_equal(y, [-1, -1, -1, 1, 1, 1])
    assert np.all(np.isfinite(d)) and np.all(d >= 0)
    t = scaled_sigmoid_torch(torch.tensor([-1e4, 1e4]))
    assert torch.equal(t, torch.tensor([-1.0, 1.0]))


def test_derivative_matches_autograd():
    x = torch.linspace(-12, 12, 97, dtype=torch.float64, requires_grad=True)
    scaled_sigmoid_torch(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), scaled_sigmoid_derivative(x.detach().numpy()),
                               atol=1e-12)


def test_torch_and_numpy_agree_and_module():
    x = np.linspace(-20, 20, 81)
    np.testing.assert_allclose(ScaledSigmoid()(torch.from_numpy(x)).numpy(), scaled_sigmoid(x),
                               atol=1e-12)
    y = ScaledSigmoid()(torch.randn(1000) * 100)
    assert y.min() >= -1 and y.max() <= 1
