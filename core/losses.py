"""What a colorizer is trained to predict, and how its error is counted.

Targets in each output space (Lab, ab, RGB, all in [-1, 1]), the grey baseline (the grey
photo itself, no colour), per-pixel losses (L2, L1, Huber) and Zhang et al.'s colour
rebalancing (rare, saturated colours weigh more than the frequent greys and browns).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from core.color import gray_lightness_torch


# -- targets, losses, grey baseline -----------------------------------------------------
def target_for(output: str, lab: torch.Tensor, rgb: torch.Tensor) -> torch.Tensor:
    """What the model must predict: Lab (3), ab (2) or RGB (3), all in [-1, 1]."""
    if output == "lab":
        return lab
    if output == "ab":
        return lab[:, 1:]
    return rgb * 2.0 - 1.0


def grey_prediction(output: str, gray: torch.Tensor) -> torch.Tensor:
    """The grey baseline in the model's output space: the grey photo itself, no colour."""
    if output == "rgb":
        return (gray * 2.0 - 1.0).expand(-1, 3, -1, -1)
    zeros = torch.zeros_like(gray).expand(-1, 2, -1, -1)
    if output == "ab":
        return zeros
    return torch.cat([gray_lightness_torch(gray), zeros], dim=1)


def pixel_loss(kind: str, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Per-element loss: l2 (squared error), l1 (absolute error) or huber (delta 0.1)."""
    if kind == "l2":
        return (pred - target) ** 2
    if kind == "l1":
        return (pred - target).abs()
    if kind == "huber":
        return F.huber_loss(pred, target, reduction="none", delta=0.1)
    raise ValueError(f"unknown loss {kind!r}")


AB_BINS = 22  # 10-unit bins over [-110, 110], as Zhang et al.


def ab_prior(lab_batches: list[torch.Tensor]) -> torch.Tensor:
    """Empirical distribution of (a, b) over AB_BINS x AB_BINS bins, from unit-Lab batches."""
    hist = torch.zeros(AB_BINS * AB_BINS, dtype=torch.float64)
    for lab in lab_batches:
        idx = ab_bin_index(lab)
        hist += torch.bincount(idx.flatten(), minlength=AB_BINS * AB_BINS).double()
    return hist / hist.sum()


def ab_bin_index(lab: torch.Tensor) -> torch.Tensor:
    """Bin index of every pixel's (a, b); lab is (N, 3, H, W) in [-1, 1]."""
    ab = ((lab[:, 1:] + 1.0) / 2.0 * AB_BINS).long().clamp(0, AB_BINS - 1)
    return ab[:, 0] * AB_BINS + ab[:, 1]


def rebalance_weights(prior: torch.Tensor, lam: float) -> torch.Tensor:
    """Colour-rarity weights w = 1 / ((1 - lam) p + lam / Q), normalised so E_p[w] = 1.

    Zhang et al. (2016) weight their classification loss this way so that rare, saturated
    colours are not drowned by the frequent greys and browns; here it weights the
    regression loss of each pixel. lam = 1 means uniform weights (no rebalancing).
    """
    q = (prior > 0).sum().clamp_min(1)
    w = 1.0 / ((1.0 - lam) * prior + lam / q)
    w = torch.where(prior > 0, w, torch.zeros_like(w))
    return (w / (prior * w).sum()).float()


def below_automatic_loss(pred_ab: torch.Tensor, auto_ab: torch.Tensor, true_ab: torch.Tensor,
                         eps: float = 1e-4, weights: torch.Tensor | None = None
                         ) -> torch.Tensor:
    """How much worse than the automatic answer each photo is, in log MSE, on average.

    .. math:: \\frac1N \\sum_n \\max\\big(0, \\log(MSE_n(pred) + \\epsilon)
              - \\log(MSE_n(auto) + \\epsilon)\\big)

    with MSE_n the mean squared (a, b) error of photo n. A hint model that also takes the
    automatic answer (core.hints.planes) is asked to do at least as well as that answer on
    *every* photo, not only on average: the L1 loss alone lets a hint's colour spread where
    it wins on most photos and loses on the others. The log makes the term a ratio (a
    change in dB up to 10 / ln 10), the same weight for a pale photo as for a colourful one.

    pred_ab, auto_ab, true_ab : (N, 2, h, w) in the course's units [-1, 1].
    weights : (N,) optional weight of each photo (the mean becomes sum(w x) / N).
    """
    mse = ((pred_ab - true_ab) ** 2).flatten(1).mean(1)
    mse_auto = ((auto_ab - true_ab) ** 2).flatten(1).mean(1)
    excess = F.relu(torch.log(mse + eps) - torch.log(mse_auto + eps))
    return (excess if weights is None else excess * weights.to(excess)).mean()
