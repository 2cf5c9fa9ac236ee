"""Channel attention modules: CBAM (FeatherFace V1) and ECA-Net (FeatherFace V2).

Both return the re-weighted features ``x * gate``; the networks apply them as
``relu(x + attention(x))`` (see :class:`ResidualAttention`).
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F


class CBAM(nn.Module):
    """Convolutional Block Attention Module: channel gate (shared MLP on avg/max) then spatial gate."""

    def __init__(self, channels: int, *, reduction: int = 16, spatial_kernel: int = 7) -> None:
        super().__init__()
        hidden = max(1, channels // reduction)
        self.mlp = nn.Sequential(nn.Conv2d(channels, hidden, 1, bias=False), nn.ReLU(inplace=True), nn.Conv2d(hidden, channels, 1, bias=False))
        self.spatial = nn.Sequential(nn.Conv2d(2, 1, spatial_kernel, padding=spatial_kernel // 2, bias=False), nn.BatchNorm2d(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        avg = F.adaptive_avg_pool2d(x, 1)
        peak = F.adaptive_max_pool2d(x, 1)
        x = x * torch.sigmoid(self.mlp(avg) + self.mlp(peak))
        pooled = torch.cat([x.amax(dim=1, keepdim=True), x.mean(dim=1, keepdim=True)], dim=1)
        return x * torch.sigmoid(self.spatial(pooled))


def eca_kernel_size(channels: int, gamma: int = 2, b: int = 1) -> int:
    """k = |(log2(C) + b) / gamma|, truncated, then rounded up to odd: 64→3, 128→5, 256→5."""
    k = int(abs((math.log2(channels) + b) / gamma))
    return k if k % 2 else k + 1


class ECA(nn.Module):
    """Efficient Channel Attention: GAP → 1-D conv across channels (no bias) → sigmoid → scale."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        k = eca_kernel_size(channels)
        self.conv = nn.Conv1d(1, 1, k, padding=k // 2, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled = F.adaptive_avg_pool2d(x, 1).flatten(1).unsqueeze(1)  # (N, 1, C)
        gate = torch.sigmoid(self.conv(pooled)).transpose(1, 2).unsqueeze(-1)  # (N, C, 1, 1)
        return x * gate


class ResidualAttention(nn.Module):
    """``relu(x + attention(x))``: the placement used for every attention module in FeatherFace."""

    def __init__(self, attention: nn.Module) -> None:
        super().__init__()
        self.attention = attention

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(x + self.attention(x))


def create_attention(kind: str, channels: int) -> ResidualAttention:
    """``"cbam"`` or ``"eca"`` wrapped in the residual placement; anything else raises."""
    if kind == "cbam":
        return ResidualAttention(CBAM(channels))
    if kind == "eca":
        return ResidualAttention(ECA(channels))
    raise ValueError(f"unknown attention {kind!r}; expected 'cbam' or 'eca'")
