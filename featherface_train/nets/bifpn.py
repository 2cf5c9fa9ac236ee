"""EfficientDet-style BiFPN over three levels (strides 8/16/32), 64 channels, fast normalised fusion."""

from __future__ import annotations

from typing import cast

import torch
from torch import nn
from torch.nn import functional as F


class SeparableConvBN(nn.Module):
    """Depthwise 3x3 + pointwise 1x1 (with bias) + BN, applied after every fusion."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.depthwise = nn.Conv2d(channels, channels, 3, padding=1, groups=channels, bias=False)
        self.pointwise = nn.Conv2d(channels, channels, 1)
        self.bn = nn.BatchNorm2d(channels, momentum=0.01, eps=1e-3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.bn(self.pointwise(self.depthwise(x)))
        return out


class WeightedFusion(nn.Module):
    """Fast normalised fusion: ``sum(relu(w_i) * x_i) / (sum(relu(w)) + eps)``, then swish and conv."""

    def __init__(self, inputs: int, channels: int, eps: float = 1e-4) -> None:
        super().__init__()
        self.weights = nn.Parameter(torch.ones(inputs))
        self.eps = eps
        self.conv = SeparableConvBN(channels)

    def forward(self, tensors: list[torch.Tensor]) -> torch.Tensor:
        w = F.relu(self.weights)
        w = w / (w.sum() + self.eps)
        fused = cast(torch.Tensor, sum(w[i] * t for i, t in enumerate(tensors)))  # never empty: a tensor, not sum's 0
        out: torch.Tensor = self.conv(F.silu(fused))
        return out


def _upsample_to(x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return F.interpolate(x, size=like.shape[-2:], mode="nearest")


class BiFPNCell(nn.Module):
    """One top-down + bottom-up pass over (P3, P4, P5), all with ``channels`` channels."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.p4_td = WeightedFusion(2, channels)
        self.p3_out = WeightedFusion(2, channels)
        self.p4_out = WeightedFusion(3, channels)
        self.p5_out = WeightedFusion(2, channels)
        self.down = nn.MaxPool2d(3, stride=2, padding=1)

    def forward(self, feats: tuple[torch.Tensor, torch.Tensor, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        p3, p4, p5 = feats
        p4_td = self.p4_td([p4, _upsample_to(p5, p4)])
        p3_out = self.p3_out([p3, _upsample_to(p4_td, p3)])
        p4_out = self.p4_out([p4, p4_td, self.down(p3_out)])
        p5_out = self.p5_out([p5, self.down(p4_out)])
        return p3_out, p4_out, p5_out


class BiFPN(nn.Module):
    """Project 64/128/256 → ``channels`` with 1x1 conv + BN, then ``repeats`` BiFPN cells."""

    def __init__(self, in_channels: tuple[int, ...], channels: int = 64, repeats: int = 3) -> None:
        super().__init__()
        self.project = nn.ModuleList(
            nn.Sequential(nn.Conv2d(c, channels, 1, bias=False), nn.BatchNorm2d(channels, momentum=0.01, eps=1e-3)) for c in in_channels
        )
        self.cells = nn.Sequential(*[BiFPNCell(channels) for _ in range(repeats)])

    def forward(self, feats: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        p3, p4, p5 = (proj(f) for proj, f in zip(self.project, feats))
        return self.cells((p3, p4, p5))  # type: ignore[no-any-return]
