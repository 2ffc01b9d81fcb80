"""A re-implementation of the network of Zhang, Isola and Efros, "Colorful Image
Colorization" (ECCV 2016), for speed comparisons only (random weights, never trained here).

Architecture as in the authors' PyTorch port (github.com/richzhang/colorization, eccv16.py):
eight convolution blocks, each ending in batch normalisation (blocks 1-7), with

- blocks 1-3 halving the resolution (last convolution of stride 2): 64, 128, 256 channels,
- block 4: 512 channels, blocks 5 and 6: 512 channels with dilation 2 (a wider receptive
  field without further downsampling), block 7: 512 channels,
- block 8: a 4x4 transposed convolution (stride 2) to 256 channels, two 3x3 convolutions and
  a 1x1 convolution to Q = 313 colour classes,
- a softmax over the 313 classes, then a 1x1 convolution (no bias) to (a, b), i.e. the
  expectation of the class distribution over the bins' centres, and a bilinear x4
  upsampling back to the input size.

About 32 M parameters. Input: L* normalised as (L - 50) / 100; output: (a, b) / 110.
:class:`ECCV16` takes the same input as our U-Net (grey in [0, 1]) and returns (a, b) in
[-1, 1] (``config.output == "ab"``), so :class:`core.colorizer.Colorizer` can run it end to
end exactly like the U-Net.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from core.color import gray_lightness_torch

#: Number of quantised (a, b) colour classes of the original (its in-gamut bins).
Q = 313


@dataclass
class ECCV16Config:
    """The attributes of UNetConfig that the Colorizer reads."""

    output: str = "ab"


def _convs(chans: list[int], stride_last: int = 1, dilation: int = 1) -> list[nn.Module]:
    layers: list[nn.Module] = []
    for i, (cin, cout) in enumerate(zip(chans[:-1], chans[1:], strict=True)):
        stride = stride_last if i == len(chans) - 2 else 1
        layers += [nn.Conv2d(cin, cout, 3, stride=stride, padding=dilation, dilation=dilation),
                   nn.ReLU(inplace=True)]
    return layers


class ECCV16(nn.Module):
    """(N, 1, H, W) grey in [0, 1] -> (N, 2, H, W) (a, b) / 110; H, W padded to a multiple of 8."""

    def __init__(self) -> None:
        super().__init__()
        self.config = ECCV16Config()
        self.model1 = nn.Sequential(*_convs([1, 64, 64], stride_last=2), nn.BatchNorm2d(64))
        self.model2 = nn.Sequential(*_convs([64, 128, 128], stride_last=2), nn.BatchNorm2d(128))
        self.model3 = nn.Sequential(*_convs([128, 256, 256, 256], stride_last=2),
                                    nn.BatchNorm2d(256))
        self.model4 = nn.Sequential(*_convs([256, 512, 512, 512]), nn.BatchNorm2d(512))
        self.model5 = nn.Sequential(*_convs([512] * 4, dilation=2), nn.BatchNorm2d(512))
        self.model6 = nn.Sequential(*_convs([512] * 4, dilation=2), nn.BatchNorm2d(512))
        self.model7 = nn.Sequential(*_convs([512] * 4), nn.BatchNorm2d(512))
        self.model8 = nn.Sequential(
            nn.ConvTranspose2d(512, 256, kernel_size=4, stride=2, padding=1), nn.ReLU(inplace=True),
            *_convs([256, 256, 256]),
            nn.Conv2d(256, Q, kernel_size=1),
        )
        self.model_out = nn.Conv2d(Q, 2, kernel_size=1, bias=False)

    def logits(self, gray: torch.Tensor) -> torch.Tensor:
        """Class scores (N, 313, H/4, W/4) from grey in [0, 1] (H, W multiples of 8)."""
        x = gray_lightness_torch(gray) / 2.0  # L*/50 - 1 -> (L* - 50) / 100
        for block in (self.model1, self.model2, self.model3, self.model4, self.model5,
                      self.model6, self.model7, self.model8):
            x = block(x)
        return x

    def forward(self, gray: torch.Tensor, return_features: bool = False,
                cut_skips: bool = False) -> torch.Tensor | tuple[torch.Tensor, dict]:
        """(a, b) / 110; with ``return_features`` also {"outc": the same}, as the U-Net's
        interface (the expectation over classes has no separate bound)."""
        h, w = gray.shape[-2:]
        ph, pw = (-h) % 8, (-w) % 8
        if ph or pw:
            gray = F.pad(gray, (0, pw, 0, ph), mode="replicate")
        ab = self.model_out(torch.softmax(self.logits(gray), dim=1))
        ab = F.interpolate(ab, scale_factor=4, mode="bilinear", align_corners=False)
        return (ab[..., :h, :w], {"outc": ab}) if return_features else ab[..., :h, :w]


def bin_centres() -> torch.Tensor:
    """(313, 2) stand-ins for the original's in-gamut (a, b) bin centres, in units of 110.

    The original's centres come from a data file (pts_in_hull.npy) not shipped here; for
    timing, the 313 points of the 10-unit grid nearest to grey do the same work.
    """
    g = torch.arange(-110.0, 111.0, 10.0)
    pts = torch.cartesian_prod(g, g)
    return pts[pts.norm(dim=1).argsort()[:Q]] / 110.0


class ECCV16Trainer:
    """One training step of the original's kind: cross-entropy over the 313 classes.

    Targets are the nearest bin of each pixel's (a, b) at the logits' resolution (the
    original soft-encodes over 5 neighbours and reweights rare colours: the same cost to
    within a few percent).
    """

    def __init__(self, model: ECCV16, lr: float = 3e-5, device: str | torch.device = "cpu"):
        self.model = model
        self.device = torch.device(device)
        self.centres = bin_centres().to(self.device)
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-3)

    def step(self, gray: torch.Tensor, lab: torch.Tensor, rgb: torch.Tensor | None = None) -> float:
        self.model.train()
        gray, lab = gray.to(self.device), lab.to(self.device)
        logits = self.model.logits(gray)
        ab = F.adaptive_avg_pool2d(lab[:, 1:], logits.shape[-2:])  # (N, 2, h, w)
        flat = ab.permute(0, 2, 3, 1).reshape(-1, 2)
        target = torch.cdist(flat, self.centres).argmin(dim=1).view(ab.shape[0], *ab.shape[2:])
        loss = F.cross_entropy(logits, target)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return float(loss.detach())
