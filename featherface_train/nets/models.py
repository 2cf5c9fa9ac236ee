"""The three networks: RetinaFace-mnet0.25 (reference teacher), FeatherFace V1 (CBAM), V2 (ECA).

Every ``forward`` returns raw ``(box_deltas, class_logits, landmark_deltas)``; softmax is added
only by the export wrapper, so training code never sees a mode-dependent output.
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn

from .attention import create_attention
from .backbone import OUT_CHANNELS, MobileNetV1
from .bifpn import BiFPN
from .heads import FPN, SSH, Heads

Outputs = tuple[torch.Tensor, torch.Tensor, torch.Tensor]
Variant = Literal["v1", "v2", "retinaface"]


class RetinaFaceMnet(nn.Module):
    """RetinaFace with MobileNetV1-0.25; loads ``retinaface_mnet025_teacher.pth`` strictly."""

    def __init__(self, channels: int = 64) -> None:
        super().__init__()
        self.body = MobileNetV1()
        self.fpn = FPN(OUT_CHANNELS, channels)
        self.ssh1, self.ssh2, self.ssh3 = SSH(channels, channels), SSH(channels, channels), SSH(channels, channels)
        heads = Heads(channels)
        self.ClassHead, self.BboxHead, self.LandmarkHead = heads.ClassHead, heads.BboxHead, heads.LandmarkHead
        self._heads = [heads]  # a list, so the heads register once, under RetinaFace's key names

    def forward(self, x: torch.Tensor) -> Outputs:
        p3, p4, p5 = self.fpn(self.body(x))
        return self._heads[0]((self.ssh1(p3), self.ssh2(p4), self.ssh3(p5)))


class FeatherFace(nn.Module):
    """Backbone → attention ×3 → BiFPN → attention ×3 → SSH ×3 → heads. ``attention`` is cbam|eca."""

    def __init__(self, attention: str, channels: int = 64, bifpn_repeats: int = 3) -> None:
        super().__init__()
        self.attention_kind = attention
        self.body = MobileNetV1()
        self.backbone_attention = nn.ModuleList(create_attention(attention, c) for c in OUT_CHANNELS)
        self.bifpn = BiFPN(OUT_CHANNELS, channels, bifpn_repeats)
        self.neck_attention = nn.ModuleList(create_attention(attention, channels) for _ in OUT_CHANNELS)
        self.ssh = nn.ModuleList(SSH(channels, channels) for _ in OUT_CHANNELS)
        self.heads = Heads(channels)

    def forward(self, x: torch.Tensor) -> Outputs:
        feats = tuple(att(f) for att, f in zip(self.backbone_attention, self.body(x)))
        feats = tuple(att(f) for att, f in zip(self.neck_attention, self.bifpn(feats)))
        return self.heads(tuple(ssh(f) for ssh, f in zip(self.ssh, feats)))  # type: ignore[no-any-return]


def build_model(variant: Variant) -> nn.Module:
    """``v1`` → FeatherFace CBAM, ``v2`` → FeatherFace ECA, ``retinaface`` → the reference network."""
    if variant == "v1":
        return FeatherFace("cbam")
    if variant == "v2":
        return FeatherFace("eca")
    if variant == "retinaface":
        return RetinaFaceMnet()
    raise ValueError(f"unknown variant {variant!r}; expected v1, v2 or retinaface")


class SoftmaxExport(nn.Module):
    """Wraps a network for export: outputs (box_deltas, scores softmaxed, landmark_deltas)."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> Outputs:
        boxes, logits, landmarks = self.net(x)
        return boxes, torch.softmax(logits, dim=-1), landmarks
