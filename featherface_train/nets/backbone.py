"""MobileNetV1 width 0.25 as in RetinaFace-mnet: three outputs at strides 8/16/32 (64/128/256 ch)."""

from __future__ import annotations

import torch
from torch import nn

from .blocks import conv_bn, conv_dw

OUT_CHANNELS = (64, 128, 256)


class MobileNetV1(nn.Module):
    """Key layout ``stage1`` (stem + 5 dw blocks), ``stage2`` (6), ``stage3`` (2), as the checkpoints."""

    def __init__(self) -> None:
        super().__init__()
        self.stage1 = nn.Sequential(
            conv_bn(3, 8, 2, leaky=0.1),
            conv_dw(8, 16, 1),
            conv_dw(16, 32, 2),
            conv_dw(32, 32, 1),
            conv_dw(32, 64, 2),
            conv_dw(64, 64, 1),
        )
        self.stage2 = nn.Sequential(conv_dw(64, 128, 2), *[conv_dw(128, 128, 1) for _ in range(5)])
        self.stage3 = nn.Sequential(conv_dw(128, 256, 2), conv_dw(256, 256, 1))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        c3 = self.stage1(x)
        c4 = self.stage2(c3)
        c5 = self.stage3(c4)
        return c3, c4, c5

    def load_stages(self, state_dict: dict[str, torch.Tensor], prefix: str) -> int:
        """Copy ``{prefix}stage*`` tensors (e.g. ``module.`` or ``body.``) strictly; returns the count."""
        own = self.state_dict()
        picked = {k[len(prefix) :]: v for k, v in state_dict.items() if k.startswith(prefix) and k[len(prefix) :] in own}
        missing = sorted(set(own) - set(picked))
        if missing:
            raise KeyError(f"backbone checkpoint lacks {len(missing)} tensors, e.g. {missing[:3]}")
        self.load_state_dict(picked, strict=True)
        return len(picked)
