"""One live frame, start to finish, as a torch module that exports to ONNX.

Inputs (batch of one frame)
---------------------------
rgb : (1, 3, H, W) float32 in [0, 1], the camera frame at display size (e.g. 240 x 320).
small : (1, 3, h, w) float32 in [0, 1], the same frame at the working size, h and w
    multiples of 2**depth (the U-Net pads nothing then; :func:`live_shape` picks them).
hint : (1, 3) float32: the global hint's (a / 110, b / 110) and 1 to use it (0: no hint).
controls : (1, 2) float32: saturation (factor on a, b) and 1 to show the model's own L
    (upsampled) instead of the frame's full-resolution L*.

Outputs
-------
colour : (1, 3, H, W) float32 sRGB in [0, 1], the colorized frame.
grey : (1, 1, H, W) float32 in [0, 1], the NTSC grey the model saw (full resolution).

The hint is "this colour at the centre": one hint on the centre pixel of the working grid,
with the six planes of :func:`core.hints.planes.hint_planes` (sparse a, b and mask on that
pixel; the fill is the hint's colour everywhere, which is what both fills give for one
hint; the distance to the centre in short sides, clipped to 1). A test checks them against
``hint_planes`` itself.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from core.color import NTSC_WEIGHTS, gray_lightness_torch, lab_to_rgb_torch, unit_to_lab_torch
from core.hints.planes import HINT_CHANNELS
from core.unet import UNet

#: Camera frames are drawn at this longer side on the screen (and colorized at it).
DISPLAY_SIDE = 320


def live_shape(height: int, width: int, working_size: int, multiple: int) -> tuple[int, int]:
    """The working size of a frame: short side about ``working_size``, both sides rounded
    to a multiple of ``multiple`` (2**depth of the U-Net), aspect kept as well as that allows."""
    scale = working_size / min(height, width)
    h = max(multiple, round(height * scale / multiple) * multiple)
    w = max(multiple, round(width * scale / multiple) * multiple)
    return int(h), int(w)


def ntsc(rgb: torch.Tensor) -> torch.Tensor:
    """(N, 3, H, W) -> (N, 1, H, W): Y = 0.299 R + 0.587 G + 0.114 B (core.color.ntsc_gray)."""
    w = torch.tensor(NTSC_WEIGHTS, dtype=rgb.dtype).view(1, 3, 1, 1)
    return (rgb * w).sum(dim=1, keepdim=True).clamp(0.0, 1.0)


def centre_hint_planes(h: int | torch.Tensor, w: int | torch.Tensor, hint: torch.Tensor,
                       like: torch.Tensor) -> torch.Tensor:
    """The six hint planes (1, 6, h, w) of one hint on the centre pixel (row h // 2,
    column w // 2) with chroma ``hint[:, :2]``, scaled by the switch ``hint[:, 2]``."""
    rows = torch.arange(h, dtype=like.dtype).view(1, 1, -1, 1)
    cols = torch.arange(w, dtype=like.dtype).view(1, 1, 1, -1)
    r0 = torch.div(torch.as_tensor(h), 2, rounding_mode="floor").to(like.dtype)
    c0 = torch.div(torch.as_tensor(w), 2, rounding_mode="floor").to(like.dtype)
    on = hint[:, 2].view(1, 1, 1, 1)
    ab = hint[:, :2].view(1, 2, 1, 1)
    at_centre = ((rows == r0) & (cols == c0)).to(like.dtype)
    mask = at_centre * on
    sparse = ab * mask
    fill = ab * on * torch.ones_like(rows * cols)
    short = torch.minimum(torch.as_tensor(h), torch.as_tensor(w)).to(like.dtype)
    dist = (torch.sqrt((rows - r0) ** 2 + (cols - c0) ** 2) / short).clamp(max=1.0)
    dist = on * dist + (1.0 - on) * torch.ones_like(dist)
    return torch.cat([sparse, mask, fill, dist], dim=1)


class LiveColorizer(nn.Module):
    """The live view's computation for one frame (see the module docstring)."""

    def __init__(self, unet: UNet, chroma_gain: float = 1.0):
        super().__init__()
        if unet.config.in_channels != 1 + HINT_CHANNELS or unet.config.output != "lab":
            raise ValueError("the live view needs a hint U-Net with Lab output (weights/hints)")
        self.unet = unet.eval().requires_grad_(False)  # inference only (out= ops below)
        self.chroma_gain = float(chroma_gain)
        self.eval()

    def forward(self, rgb: torch.Tensor, small: torch.Tensor, hint: torch.Tensor,
                controls: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        grey_small = ntsc(small)
        h, w = small.shape[-2:]
        planes = centre_hint_planes(h, w, hint, grey_small)
        unit = self.unet(torch.cat([grey_small, planes], dim=1))  # (1, 3, h, w) in [-1, 1]
        lab_small = unit_to_lab_torch(unit.clamp(-1.0, 1.0))
        saturation = controls[:, 0].view(1, 1, 1, 1) * self.chroma_gain
        H, W = rgb.shape[-2:]
        # a, b (and the model's own L) upsampled bilinearly, as Colorizer.render does
        big = F.interpolate(lab_small, size=(H, W), mode="bilinear", align_corners=False)
        grey = ntsc(rgb)
        frame_l = (gray_lightness_torch(grey) + 1.0) * 50.0
        model_l = controls[:, 1].view(1, 1, 1, 1)
        L = model_l * big[:, :1] + (1.0 - model_l) * frame_l
        lab = torch.cat([L, big[:, 1:] * saturation], dim=1)
        return lab_to_rgb_torch(lab), grey
