"""The U-Net of the course, built from small named parts.

    grey H x W x 1 in [0, 1]
      -> inc (double convolution)
      -> down1 ... downD (max-pooling + double convolution): the encoder; downD is the bottleneck
      -> up1 ... upD (upsampling + concatenation of the skip connection + double convolution):
         the decoder
      -> outc (1 x 1 convolution): the raw output ("logits")
      -> bound (the scaled sigmoid 2 / (1 + e^-x) - 1)
    Lab H x W x 3 in [-1, 1]

The parts map one to one onto the course's figure (and milesial/Pytorch-UNet), so the
U-Net screen can show each of them by name, with its feature maps.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import torch
import torch.nn.functional as F
from torch import nn

from core.activations import ScaledSigmoid
from core.hints.planes import AUTO_INPUT_CHANNELS, HINT_CHANNELS

UPSAMPLINGS = ("transposed", "bilinear", "nearest")
OUTPUTS = {"lab": 3, "ab": 2, "rgb": 3}
BOUNDS = ("scaled_sigmoid", "none")


@dataclass
class UNetConfig:
    """Hyper-parameters of the U-Net. ``UNet()`` builds the defaults, which follow the course."""

    width: int = 16  # channels of the first level; doubled at each down-sampling
    depth: int = 5  # number of down-samplings (max-pooling layers)
    upsampling: str = "transposed"  # transposed | bilinear | nearest
    skips: bool = True  # skip connections from encoder to decoder
    output: str = "lab"  # lab: the course's 3 channels | ab: 2 channels, L from input | rgb
    bound: str = "scaled_sigmoid"  # scaled_sigmoid: output in [-1, 1] | none
    max_channels: int = 256  # cap on the channels of deep levels (keeps the file small)
    # 1: the grey image; 1 + HINT_CHANNELS: grey + the hint planes; AUTO_INPUT_CHANNELS:
    # also the automatic colorizer's answer (core.hints.planes)
    in_channels: int = 1

    def __post_init__(self) -> None:
        if self.upsampling not in UPSAMPLINGS:
            raise ValueError(f"upsampling must be one of {UPSAMPLINGS}, got {self.upsampling!r}")
        if self.output not in OUTPUTS:
            raise ValueError(f"output must be one of {tuple(OUTPUTS)}, got {self.output!r}")
        if self.bound not in BOUNDS:
            raise ValueError(f"bound must be one of {BOUNDS}, got {self.bound!r}")
        if not 1 <= self.depth <= 7 or not 1 <= self.width <= 512:
            raise ValueError("depth must be in [1, 7] and width in [1, 512]")
        hinted = 1 + HINT_CHANNELS
        if self.in_channels not in (1, hinted, AUTO_INPUT_CHANNELS):
            raise ValueError(f"in_channels must be 1 (grey), {hinted} (grey + the colour-hint "
                             f"planes of core.hints) or {AUTO_INPUT_CHANNELS} (also the "
                             "automatic answer)")

    @property
    def out_channels(self) -> int:
        return OUTPUTS[self.output]

    def channels(self, level: int) -> int:
        return min(self.width * 2**level, max(self.max_channels, self.width))

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> UNetConfig:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


class DoubleConv(nn.Module):
    """(3x3 convolution -> batch norm -> ReLU) x 2: the basic block of every level."""

    def __init__(self, in_ch: int, out_ch: int):
        super().__init__()
        self.block = nn.Sequential(
            nn.Conv2d(in_ch, out_ch, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_ch),
            nn.ReLU(inplace=True),
            nn.Conv2d(out_ch, out_ch, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_ch),
            nn.ReLU(inplace=True),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block(x)


class Down(nn.Module):
    """Encoder step: 2x2 max-pooling (halves H and W) then a double convolution."""

    def __init__(self, in_ch: int, out_ch: int):
        super().__init__()
        self.pool = nn.MaxPool2d(2)
        self.conv = DoubleConv(in_ch, out_ch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(self.pool(x))


class Up(nn.Module):
    """Decoder step: upsampling (doubles H and W), concatenation of the skip, double convolution.

    ``transposed`` learns the upsampling (a transposed convolution, kernel 2, stride 2);
    ``bilinear`` and ``nearest`` interpolate, then a 1x1 convolution adapts the channels.
    """

    def __init__(self, deep_ch: int, skip_ch: int, upsampling: str, skips: bool):
        super().__init__()
        self.skips = skips
        if upsampling == "transposed":
            self.up = nn.ConvTranspose2d(deep_ch, skip_ch, kernel_size=2, stride=2)
        else:
            align = {"align_corners": False} if upsampling == "bilinear" else {}
            self.up = nn.Sequential(
                nn.Upsample(scale_factor=2, mode=upsampling, **align),
                nn.Conv2d(deep_ch, skip_ch, kernel_size=1),
            )
        self.conv = DoubleConv(2 * skip_ch if skips else skip_ch, skip_ch)

    def forward(self, x: torch.Tensor, skip: torch.Tensor | None) -> torch.Tensor:
        x = self.up(x)
        if self.skips:
            # A cut skip (U-Net screen) is a zero tensor: same shapes, no encoder detail.
            x = torch.cat([skip if skip is not None else torch.zeros_like(x), x], dim=1)
        return self.conv(x)


class OutConv(nn.Module):
    """1x1 convolution to the output channels: the raw, unbounded output."""

    def __init__(self, in_ch: int, out_ch: int):
        super().__init__()
        self.conv = nn.Conv2d(in_ch, out_ch, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


class UNet(nn.Module):
    """U-Net colorizer: (N, 1, H, W) grey in [0, 1] -> (N, C, H, W), in [-1, 1] when bounded.

    A hint model takes (N, 7, H, W): the grey image and the six planes of core.hints.

    Any H and W work: the input is padded to a multiple of 2**depth and the output
    cropped back.
    """

    def __init__(self, config: UNetConfig | None = None, **kwargs):
        super().__init__()
        self.config = config or UNetConfig(**kwargs)
        c = self.config
        self.inc = DoubleConv(c.in_channels, c.channels(0))
        self.downs = nn.ModuleList(Down(c.channels(i), c.channels(i + 1)) for i in range(c.depth))
        self.ups = nn.ModuleList(
            Up(c.channels(i + 1), c.channels(i), c.upsampling, c.skips)
            for i in reversed(range(c.depth))
        )
        self.outc = OutConv(c.channels(0), c.out_channels)
        self.bound = ScaledSigmoid() if c.bound == "scaled_sigmoid" else nn.Identity()

    # -- the two halves, separately usable (latent space screen) --------------------------
    def encode(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Encoder: the feature maps of every level, the last one is the bottleneck (latent)."""
        feats = [self.inc(x)]
        for down in self.downs:
            feats.append(down(feats[-1]))
        return feats

    def decode(self, feats: list[torch.Tensor], cut_skips: bool = False) -> torch.Tensor:
        """Decoder: from the encoder's features to the raw output (before the bound)."""
        x = feats[-1]
        for up, skip in zip(self.ups, reversed(feats[:-1]), strict=True):
            x = up(x, None if cut_skips else skip)
        return self.outc(x)

    def pad(self, x: torch.Tensor) -> tuple[torch.Tensor, int, int]:
        h, w = x.shape[-2:]
        m = 2**self.config.depth
        ph, pw = (-h) % m, (-w) % m
        if ph or pw:
            x = F.pad(x, (0, pw, 0, ph), mode="replicate")
        return x, h, w

    def forward(
        self, x: torch.Tensor, return_features: bool = False, cut_skips: bool = False
    ) -> torch.Tensor | tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Colorize a batch.

        With ``return_features=True`` also returns every named part's output (padded size):
        ``inc, down1..downD, up1..upD, outc`` (the raw output) and ``bound``.
        ``cut_skips=True`` zeroes the skip connections (to show what they carry).
        """
        x, h, w = self.pad(x)
        feats = self.encode(x)
        names = ["inc"] + [f"down{i + 1}" for i in range(self.config.depth)]
        out: dict[str, torch.Tensor] = dict(zip(names, feats, strict=True))
        y = feats[-1]
        for i, (up, skip) in enumerate(zip(self.ups, reversed(feats[:-1]), strict=True)):
            y = up(y, None if cut_skips else skip)
            out[f"up{i + 1}"] = y
        logits = self.outc(y)
        out["outc"] = logits
        bounded = self.bound(logits)
        out["bound"] = bounded
        result = bounded[..., :h, :w]
        if return_features:
            return result, out
        return result

    def parts(self) -> list[tuple[str, str, nn.Module]]:
        """(name, role, module) of every named part, in the order data flows through them."""
        d = self.config.depth
        items = [("inc", "encoder", self.inc)]
        items += [
            (f"down{i + 1}", "bottleneck" if i == d - 1 else "encoder", m)
            for i, m in enumerate(self.downs)
        ]
        items += [(f"up{i + 1}", "decoder", m) for i, m in enumerate(self.ups)]
        items += [("outc", "output", self.outc), ("bound", "output", self.bound)]
        return items

    @torch.no_grad()
    def summary(self, height: int = 256, width: int = 256) -> list[dict]:
        """Per-part summary for an input of the given size (padded as in :meth:`forward`).

        Returns a list of dicts: name, role (encoder / bottleneck / decoder / output), kind
        (DoubleConv, Down, Up, OutConv, ScaledSigmoid), out_shape (C, H, W), params. The
        params add up to the model's total.
        """
        device = next(self.parameters()).device
        was_training = self.training
        self.eval()
        _, feats = self.forward(
            torch.zeros(1, self.config.in_channels, height, width, device=device),
            return_features=True
        )
        self.train(was_training)
        rows = []
        for name, role, module in self.parts():
            rows.append(
                {
                    "name": name,
                    "role": role,
                    "kind": type(module).__name__,
                    "out_shape": tuple(feats[name].shape[1:]),
                    "params": sum(p.numel() for p in module.parameters()),
                }
            )
        return rows


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
