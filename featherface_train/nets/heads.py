"""SSH context module, RetinaFace FPN, and the per-level 1x1 prediction heads."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from .blocks import conv_bn, conv_bn_1x1, conv_bn_no_relu


class SSH(nn.Module):
    """Context module: 3x3 (C/2), 5x5 as two 3x3 (C/4), 7x7 as three 3x3 (C/4), concat, ReLU."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        if out_channels % 4:
            raise ValueError(f"SSH needs out_channels divisible by 4, got {out_channels}")
        leaky = 0.1 if out_channels <= 64 else 0.0
        self.conv3X3 = conv_bn_no_relu(in_channels, out_channels // 2)
        self.conv5X5_1 = conv_bn(in_channels, out_channels // 4, leaky=leaky)
        self.conv5X5_2 = conv_bn_no_relu(out_channels // 4, out_channels // 4)
        self.conv7X7_2 = conv_bn(out_channels // 4, out_channels // 4, leaky=leaky)
        self.conv7x7_3 = conv_bn_no_relu(out_channels // 4, out_channels // 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branch3 = self.conv3X3(x)
        mid = self.conv5X5_1(x)
        branch5 = self.conv5X5_2(mid)
        branch7 = self.conv7x7_3(self.conv7X7_2(mid))
        return F.relu(torch.cat([branch3, branch5, branch7], dim=1))


class FPN(nn.Module):
    """RetinaFace's top-down FPN: 1x1 lateral convs, nearest upsampling + add, 3x3 merge convs."""

    def __init__(self, in_channels: tuple[int, ...], channels: int) -> None:
        super().__init__()
        leaky = 0.1 if channels <= 64 else 0.0
        self.output1 = conv_bn_1x1(in_channels[0], channels, leaky=leaky)
        self.output2 = conv_bn_1x1(in_channels[1], channels, leaky=leaky)
        self.output3 = conv_bn_1x1(in_channels[2], channels, leaky=leaky)
        self.merge1 = conv_bn(channels, channels, leaky=leaky)
        self.merge2 = conv_bn(channels, channels, leaky=leaky)

    def forward(self, feats: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        out1, out2, out3 = self.output1(feats[0]), self.output2(feats[1]), self.output3(feats[2])
        out2 = self.merge2(out2 + F.interpolate(out3, size=out2.shape[-2:], mode="nearest"))
        out1 = self.merge1(out1 + F.interpolate(out2, size=out1.shape[-2:], mode="nearest"))
        return out1, out2, out3


class _Head(nn.Module):
    """1x1 conv predicting ``width`` values per anchor, flattened to (N, H*W*anchors, width)."""

    def __init__(self, in_channels: int, anchors: int, width: int) -> None:
        super().__init__()
        self.width = width
        self.conv1x1 = nn.Conv2d(in_channels, anchors * width, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.conv1x1(x)
        return out.permute(0, 2, 3, 1).reshape(x.shape[0], -1, self.width)


class Heads(nn.Module):
    """Class (2), box (4) and landmark (10) heads for each level; key names as RetinaFace."""

    def __init__(self, in_channels: int = 64, anchors: int = 2, levels: int = 3) -> None:
        super().__init__()
        self.ClassHead = nn.ModuleList(_Head(in_channels, anchors, 2) for _ in range(levels))
        self.BboxHead = nn.ModuleList(_Head(in_channels, anchors, 4) for _ in range(levels))
        self.LandmarkHead = nn.ModuleList(_Head(in_channels, anchors, 10) for _ in range(levels))

    def forward(self, feats: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Returns (box deltas, class logits, landmark deltas) concatenated over levels."""
        boxes = torch.cat([h(f) for h, f in zip(self.BboxHead, feats)], dim=1)
        logits = torch.cat([h(f) for h, f in zip(self.ClassHead, feats)], dim=1)
        landmarks = torch.cat([h(f) for h, f in zip(self.LandmarkHead, feats)], dim=1)
        return boxes, logits, landmarks
