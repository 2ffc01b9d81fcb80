"""The course's scaled sigmoid, which bounds the model's output to [-1, 1].

.. math:: f(x) = \\frac{2}{1 + e^{-x}} - 1 = 2\\sigma(x) - 1 = \\tanh(x / 2)

Its derivative is :math:`f'(x) = 2\\sigma(x)(1 - \\sigma(x)) = (1 - f(x)^2) / 2`, largest at
x = 0 (0.5) and vanishing for large |x|: a saturated output learns slowly.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


def sigmoid(x: np.ndarray | float) -> np.ndarray:
    """Logistic sigmoid 1 / (1 + e^-x), range (0, 1), stable for any finite x."""
    x = np.asarray(x, dtype=np.float64)
    # Only ever exponentiate a non-positive number: e^-|x| never overflows.
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def scaled_sigmoid(x: np.ndarray | float) -> np.ndarray:
    """The course's bound f(x) = 2 / (1 + e^-x) - 1, range (-1, 1).

    Written as (1 - e^-|x|) / (1 + e^-|x|) with the sign of x, so that |x| up to 1e4
    (and beyond) gives +-1 without overflow.
    """
    x = np.asarray(x, dtype=np.float64)
    z = np.exp(-np.abs(x))
    return np.sign(x) * (1.0 - z) / (1.0 + z)


def scaled_sigmoid_derivative(x: np.ndarray | float) -> np.ndarray:
    """f'(x) = 2 sigma(x) (1 - sigma(x)), in (0, 0.5]."""
    s = sigmoid(x)
    return 2.0 * s * (1.0 - s)


def scaled_sigmoid_torch(x: torch.Tensor) -> torch.Tensor:
    """Torch version of :func:`scaled_sigmoid` (torch.sigmoid is already stable)."""
    return 2.0 * torch.sigmoid(x) - 1.0


class ScaledSigmoid(nn.Module):
    """f(x) = 2 / (1 + e^-x) - 1 as a layer, the last one of the course's U-Net."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return scaled_sigmoid_torch(x)
