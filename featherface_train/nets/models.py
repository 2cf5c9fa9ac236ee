"""The three networks: RetinaFace-mnet0.25 (reference teacher), FeatherFace V1 (CBAM), V2 (ECA).

Every ``forward`` returns raw ``(box_deltas, class_logits, landmark_deltas)``; softmax is added
only by the export wrapper, so training code never sees a mode-dependent output.
"""

from __future__ import annotations

import torch
from torch import nn

from .attention import create_attention
from .backbone import OUT_CHANNELS, MobileNetV1
from .bifpn import BiFPN
from .heads import FPN, SSH, Heads
from .variants import variant_spec

Outputs = tuple[torch.Tensor, torch.Tensor, torch.Tensor]
#: a name in :data:`featherface_train.nets.variants.VARIANTS` (checked at run time by ``variant_spec``)
Variant = str


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
        outputs: Outputs = self._heads[0]((self.ssh1(p3), self.ssh2(p4), self.ssh3(p5)))
        return outputs


class FeatherFace(nn.Module):
    """Backbone → attention ×3 → BiFPN → attention ×3 → SSH ×3 → heads. ``attention``: a ``create_attention`` kind."""

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
        outputs: Outputs = self.heads(tuple(ssh(f) for ssh, f in zip(self.ssh, feats)))
        return outputs


def build_model(variant: Variant) -> nn.Module:
    """The network of a row of the variant table: a ``FeatherFace`` with its attention (``v1`` CBAM,
    ``v2`` ECA), or the reference RetinaFace-mnet0.25 for a row without attention; unknown names raise."""
    attention = variant_spec(variant).attention
    return RetinaFaceMnet() if attention is None else FeatherFace(attention)


class SoftmaxExport(nn.Module):
    """Wraps a network for export: outputs (box_deltas, scores softmaxed, landmark_deltas)."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> Outputs:
        boxes, logits, landmarks = self.net(x)
        return boxes, torch.softmax(logits, dim=-1), landmarks
