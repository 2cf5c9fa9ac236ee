"""Lean ONNX export: the same network, written so onnxruntime's CPU optimiser keeps it in NCHWc.

    python -m featherface_train.onnx_lean --variant v1|v2|retinaface --weights W --out F.onnx

``W`` is a state_dict / training checkpoint (``runs/*/final.pt``) or an ONNX file written by
:mod:`featherface_train.export` (the shipped models have no ``.pt``; their initializers are read
back into the torch network by :func:`load_onnx_weights`).

What changes against the plain export, none of it changing what the network computes:

* BiFPN fusion weights are normalised once at export; where a fused tensor comes straight from
  a BN, its first consumer's weight is folded into that BN, and the rest enter the graph as
  depthwise 1x1 scales, which onnxruntime runs in its blocked NCHWc layout, where the plain
  graph's scalar ``Mul`` forces a reorder back to NCHW and forth around every fusion.
* Upsampling is ``Resize`` by the constant scale 2 (inputs are padded to multiples of 32, so
  this equals the size-from-shape form); the optimiser has an NCHWc kernel only for constant
  scales, and the ``Shape``/``Gather``/``Concat`` chains disappear.
* ECA's 1-D convolution over channels becomes a 1x1 convolution with the banded k-tap matrix
  (exact: the other taps are zeros), so no ``Flatten``/``Unsqueeze``/``Transpose``.
* ECA's ``relu(x + x * g)`` is written ``relu(x * (1 + g))``: one full-size pass fewer each;
  CBAM's shared MLP applies its second (linear) conv once to the sum of both branches.
* The nine 1x1 head convolutions become one per level (64 -> 32 channels, 16 per anchor:
  4 box, 2 class, 10 landmark), with one transpose per level, reshapes to constant shapes
  (batch 1), one concatenation and three slices.

Input, outputs and metadata are exactly the app's contract (the metadata comes from
:func:`featherface_train.export.export` itself); H and W stay dynamic.

``--int8-ssh F`` also writes a variant with static QDQ INT8 on the SSH modules only
(:func:`quantize_ssh`), calibrated on training images.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from torch import nn
from torch.nn import functional as F

from featherface_app.core.metadata import METADATA_KEY, ModelInfo, parse_metadata

from . import export as plain_export
from .nets.attention import CBAM, ECA, ResidualAttention
from .nets.backbone import OUT_CHANNELS
from .nets.bifpn import BiFPN, BiFPNCell, WeightedFusion
from .nets.heads import FPN, Heads
from .nets.models import FeatherFace, RetinaFaceMnet, Variant, build_model
from .nets.variants import VARIANTS

log = logging.getLogger(__name__)

HEAD_WIDTHS = (4, 2, 10)  # box, class, landmark values per anchor, in the merged head's order
ANCHORS = 2


# --------------------------------------------------------------------------- shipped weights


def _conv_bn_pairs(net: nn.Module) -> dict[nn.Conv2d, nn.BatchNorm2d]:
    """Each BN and the convolution it normalises: in every block of ``nets`` BN directly follows its conv."""
    pairs: dict[nn.Conv2d, nn.BatchNorm2d] = {}
    last_conv: nn.Module | None = None
    for module in net.modules():
        if isinstance(module, (nn.Conv1d, nn.Conv2d)):
            last_conv = module
        elif isinstance(module, nn.BatchNorm2d):
            if not isinstance(last_conv, nn.Conv2d) or last_conv.out_channels != module.num_features:
                raise ValueError(f"a BatchNorm2d({module.num_features}) follows no matching convolution")
            pairs[last_conv] = module
            last_conv = None
    return pairs


def load_onnx_weights(net: nn.Module, path: Path) -> dict[str, Any]:
    """Read an exported ONNX file's weights back into ``net`` (as built by ``build_model``); returns its metadata JSON.

    The exporter folded every BN into its convolution and renamed those weights, so names cannot
    be matched: the convolutions are matched by execution order instead (the trace that wrote the
    file ran the same ``forward``), checked by shape and, for the shared CBAM MLP, by identity.
    The folded BN becomes an identity BN carrying the bias. BiFPN fusion weights keep their names.
    """
    model = onnx.load(str(path))
    inits = {i.name: np.array(numpy_helper.to_array(i)) for i in model.graph.initializer}  # writable copies
    onnx_convs = [n for n in model.graph.node if n.op_type == "Conv"]
    calls: list[nn.Conv1d | nn.Conv2d] = []
    hooks = [m.register_forward_pre_hook(lambda mod, _args: calls.append(mod)) for m in net.modules() if isinstance(m, (nn.Conv1d, nn.Conv2d))]
    try:
        with torch.no_grad():
            net.eval()(torch.zeros(1, 3, 64, 64))
    finally:
        for hook in hooks:
            hook.remove()
    if len(calls) != len(onnx_convs):
        raise ValueError(f"{path.name}: {len(onnx_convs)} Conv nodes, the network runs {len(calls)} convolutions")
    pairs = _conv_bn_pairs(net)
    seen: dict[nn.Conv1d | nn.Conv2d, str] = {}
    with torch.no_grad():
        for module, node in zip(calls, onnx_convs):
            if module in seen:  # CBAM's MLP runs twice on the same weights
                if seen[module] != node.input[1]:
                    raise ValueError(f"{path.name}: {node.name} reuses a module with other weights")
                continue
            seen[module] = node.input[1]
            weight = inits[node.input[1]]
            bias = inits[node.input[2]] if len(node.input) > 2 and node.input[2] else None
            if tuple(weight.shape) != tuple(module.weight.shape):
                raise ValueError(f"{path.name}: {node.name} weight {weight.shape}, the network expects {tuple(module.weight.shape)}")
            module.weight.copy_(torch.from_numpy(weight))
            bn = pairs.get(module) if isinstance(module, nn.Conv2d) else None
            if bn is not None:  # folded: conv(x) + b; BN becomes the identity plus that bias
                if module.bias is not None:
                    module.bias.zero_()
                bn.weight.fill_(1.0)
                bn.running_mean.zero_()  # type: ignore[union-attr]
                bn.running_var.fill_(1.0 - bn.eps)  # type: ignore[union-attr]
                bn.bias.copy_(torch.from_numpy(bias) if bias is not None else torch.zeros(bn.num_features))
            elif module.bias is not None:
                if bias is None:
                    raise ValueError(f"{path.name}: {node.name} has no bias, the network's convolution has one")
                module.bias.copy_(torch.from_numpy(bias))
        for name, param in net.named_parameters():
            if name.endswith(".weights") and f"net.{name}" in inits:  # BiFPN fusion weights, names kept
                param.copy_(torch.from_numpy(inits[f"net.{name}"]))
    props = {p.key: p.value for p in model.metadata_props}
    return json.loads(props[METADATA_KEY]) if METADATA_KEY in props else {}


# --------------------------------------------------------------------------- export-equivalent modules


class LeanECA(nn.Module):
    """``relu(x * (1 + sigmoid(band @ gap(x))))``: ECA with its 1-D channel conv as a banded 1x1 conv."""

    def __init__(self, eca: ECA, channels: int) -> None:
        super().__init__()
        taps = eca.conv.weight.detach().reshape(-1)
        k, pad = taps.numel(), taps.numel() // 2
        band = torch.zeros(channels, channels)
        for o in range(channels):
            for j in range(k):
                i = o + j - pad
                if 0 <= i < channels:
                    band[o, i] = taps[j]
        self.band = nn.Conv2d(channels, channels, 1, bias=False)
        self.band.weight.data.copy_(band[:, :, None, None])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate = torch.sigmoid(self.band(F.adaptive_avg_pool2d(x, 1)))
        return F.relu(x * (gate + 1.0))


class LeanCBAM(nn.Module):
    """CBAM in the residual placement with the shared MLP's second conv applied once (it is linear)."""

    def __init__(self, cbam: CBAM) -> None:
        super().__init__()
        self.cbam = cbam

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        first, act, second = self.cbam.mlp
        hidden = act(first(F.adaptive_avg_pool2d(x, 1))) + act(first(F.adaptive_max_pool2d(x, 1)))
        gated = x * torch.sigmoid(second(hidden))
        pooled = torch.cat([gated.amax(dim=1, keepdim=True), gated.mean(dim=1, keepdim=True)], dim=1)
        return F.relu(x + gated * torch.sigmoid(self.cbam.spatial(pooled)))


def _scale_conv(channels: int, scale: float) -> nn.Conv2d:
    """A depthwise 1x1 convolution multiplying every channel by ``scale`` (NCHWc-friendly)."""
    conv = nn.Conv2d(channels, channels, 1, groups=channels, bias=False)
    conv.weight.data.fill_(scale)
    return conv


def _fusion_weights(fusion: WeightedFusion) -> list[float]:
    """The normalised fusion weights ``relu(w) / (sum(relu(w)) + eps)``, computed once in float64."""
    w = F.relu(fusion.weights.detach().double())
    return [float(v) for v in w / (w.sum() + fusion.eps)]


def _fold_scale(bn: nn.BatchNorm2d, scale: float) -> None:
    """Make ``bn`` emit ``scale`` times its output (``scale`` > 0), so a consumer needs no multiply."""
    with torch.no_grad():
        bn.weight.mul_(scale)
        bn.bias.mul_(scale)


class _Scale(nn.Module):
    """Multiply every channel by a constant: a depthwise 1x1 conv (NCHWc), or nothing when it is 1."""

    def __init__(self, channels: int, scale: float) -> None:
        super().__init__()
        self.conv = _scale_conv(channels, scale) if scale != 1.0 else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x if self.conv is None else self.conv(x)


class LeanFusion(nn.Module):
    """``conv(silu(sum(x_i)))`` over inputs the caller has already scaled by the fusion weights."""

    def __init__(self, fusion: WeightedFusion) -> None:
        super().__init__()
        self.conv = fusion.conv

    def forward(self, tensors: list[torch.Tensor]) -> torch.Tensor:
        fused = tensors[0]
        for t in tensors[1:]:
            fused = fused + t
        return self.conv(F.silu(fused))  # type: ignore[no-any-return]


def _up2(x: torch.Tensor) -> torch.Tensor:
    """Nearest ×2: equals upsampling to the finer level's size because inputs are multiples of 32."""
    return F.interpolate(x, scale_factor=2.0, mode="nearest")


def _bifpn_channels(bifpn: nn.Module) -> int:
    """The BiFPN width: the output channels of its first projection conv."""
    conv = bifpn.project[0][0]  # type: ignore[index]
    if not isinstance(conv, nn.Conv2d):
        raise TypeError(f"BiFPN projection starts with {type(conv).__name__}, expected Conv2d")
    return int(conv.out_channels)


def _bias(conv: nn.Conv2d) -> torch.Tensor:
    """A head convolution's bias (they all have one), detached."""
    if conv.bias is None:
        raise ValueError("head convolution without a bias")
    return conv.bias.detach()


def _positive_or_one(value: float) -> float:
    """A scale that can be folded into a producer: it must commute with max-pooling, so > 0."""
    return value if value > 0 else 1.0


class LeanBiFPNCell(nn.Module):
    """:class:`BiFPNCell` with constant-scale upsampling and its fusion weights as constant scales.

    Every tensor carries a scale folded into the BN that produced it (``in_scales`` for P3/P4/P5,
    the weight of its first consumer); each consumer multiplies by its own weight over that scale,
    and skips the multiply when the ratio is 1. Scales commute with nearest upsampling and, being
    positive, with max-pooling, so what remains is applied at the smaller of the two resolutions.
    ``out_scales`` are the next cell's ``in_scales``; this cell folds them into its output BNs.
    """

    def __init__(self, cell: BiFPNCell, channels: int, in_scales: tuple[float, float, float], out_scales: tuple[float, float, float]) -> None:
        super().__init__()
        a, b, c, d = (_fusion_weights(f) for f in (cell.p4_td, cell.p3_out, cell.p4_out, cell.p5_out))
        s3, s4, s5 = in_scales
        s_td = _positive_or_one(b[1])
        _fold_scale(cell.p4_td.conv.bn, s_td)
        for fusion, scale in zip((cell.p3_out, cell.p4_out, cell.p5_out), out_scales):
            _fold_scale(fusion.conv.bn, scale)
        self.p4_td, self.p3_out = LeanFusion(cell.p4_td), LeanFusion(cell.p3_out)
        self.p4_out, self.p5_out = LeanFusion(cell.p4_out), LeanFusion(cell.p5_out)
        self.down = cell.down
        self.a0, self.a1 = _Scale(channels, a[0] / s4), _Scale(channels, a[1] / s5)
        self.b0, self.b1 = _Scale(channels, b[0] / s3), _Scale(channels, b[1] / s_td)
        self.c0, self.c1 = _Scale(channels, c[0] / s4), _Scale(channels, c[1] / s_td)
        self.c2 = _Scale(channels, c[2] / out_scales[0])
        self.d0, self.d1 = _Scale(channels, d[0] / s5), _Scale(channels, d[1] / out_scales[1])

    def forward(self, feats: tuple[torch.Tensor, torch.Tensor, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        p3, p4, p5 = feats
        p4_td = self.p4_td([self.a0(p4), _up2(self.a1(p5))])
        p3_out = self.p3_out([self.b0(p3), _up2(self.b1(p4_td))])
        p4_out = self.p4_out([self.c0(p4), self.c1(p4_td), self.c2(self.down(p3_out))])
        p5_out = self.p5_out([self.d0(p5), self.d1(self.down(p4_out))])
        return p3_out, p4_out, p5_out


class LeanBiFPN(nn.Module):
    """:class:`BiFPN` whose fusion weights are folded into the BNs that produce each fused tensor.

    A cell's inputs carry the weights of their first consumers (P3: ``p3_out``, P4 and P5:
    ``p4_td``), so 15 of the 27 per-element multiplies of the three cells remain, none at stride 8.
    The last cell's outputs go on unscaled. Mutates the BNs it folds into: give it a copy.
    """

    def __init__(self, bifpn: BiFPN) -> None:
        super().__init__()
        channels = _bifpn_channels(bifpn)
        cells: list[BiFPNCell] = list(bifpn.cells)  # type: ignore[arg-type]
        scales: list[tuple[float, float, float]] = []
        for cell in cells:
            a, b = _fusion_weights(cell.p4_td), _fusion_weights(cell.p3_out)
            scales.append((_positive_or_one(b[0]), _positive_or_one(a[0]), _positive_or_one(a[1])))
        for proj, scale in zip(bifpn.project, scales[0]):
            bn = proj[1]  # type: ignore[index]
            if not isinstance(bn, nn.BatchNorm2d):
                raise TypeError(f"BiFPN projection ends in {type(bn).__name__}, expected BatchNorm2d")
            _fold_scale(bn, scale)
        outs = scales[1:] + [(1.0, 1.0, 1.0)]
        self.project = bifpn.project
        self.cells = nn.ModuleList(LeanBiFPNCell(c, channels, s_in, s_out) for c, s_in, s_out in zip(cells, scales, outs))

    def forward(self, feats: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        p3, p4, p5 = (proj(f) for proj, f in zip(self.project, feats))
        for cell in self.cells:
            p3, p4, p5 = cell((p3, p4, p5))
        return p3, p4, p5


class LeanFPN(nn.Module):
    """RetinaFace's FPN with constant-scale upsampling (the teacher)."""

    def __init__(self, fpn: FPN) -> None:
        super().__init__()
        self.fpn = fpn

    def forward(self, feats: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        f = self.fpn
        out1, out2, out3 = f.output1(feats[0]), f.output2(feats[1]), f.output3(feats[2])
        out2 = f.merge2(out2 + _up2(out3))
        out1 = f.merge1(out1 + _up2(out2))
        return out1, out2, out3


class LeanHeads(nn.Module):
    """One 1x1 conv per level for all three heads; one transpose per level, constant reshapes (batch 1)."""

    def __init__(self, heads: Heads) -> None:
        super().__init__()
        self.convs = nn.ModuleList()
        per_anchor = sum(HEAD_WIDTHS)
        for box, cls, lmk in zip(heads.BboxHead, heads.ClassHead, heads.LandmarkHead):
            parts: list[nn.Conv2d] = [h.conv1x1 for h in (box, cls, lmk)]  # type: ignore[misc]
            merged = nn.Conv2d(parts[0].in_channels, ANCHORS * per_anchor, 1)
            weight = torch.cat(
                [p.weight.detach().reshape(ANCHORS, w, -1) for p, w in zip(parts, HEAD_WIDTHS)], dim=1
            )  # (anchors, 16, in): channel a*16 + j, as the plain heads' permute+reshape order
            bias = torch.cat([_bias(p).reshape(ANCHORS, w) for p, w in zip(parts, HEAD_WIDTHS)], dim=1)
            merged.weight.data.copy_(weight.reshape(ANCHORS * per_anchor, -1, 1, 1))
            _bias(merged).copy_(bias.reshape(-1))
            self.convs.append(merged)

    def forward(self, feats: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        per_anchor = sum(HEAD_WIDTHS)
        flat = torch.cat([conv(f).permute(0, 2, 3, 1).reshape(1, -1, per_anchor) for conv, f in zip(self.convs, feats)], dim=1)
        box, cls = HEAD_WIDTHS[0], HEAD_WIDTHS[0] + HEAD_WIDTHS[1]
        return flat[..., :box], torch.softmax(flat[..., box:cls], dim=-1), flat[..., cls:]


class LeanFeatherFace(nn.Module):
    """FeatherFace for export: (box_deltas, scores softmaxed, landmark_deltas), batch 1."""

    def __init__(self, net: FeatherFace) -> None:
        super().__init__()
        self.body = net.body
        channels = _bifpn_channels(net.bifpn)
        self.backbone_attention = nn.ModuleList(_lean_attention(a, c) for a, c in zip(net.backbone_attention, OUT_CHANNELS))
        self.bifpn = LeanBiFPN(net.bifpn)
        self.neck_attention = nn.ModuleList(_lean_attention(a, channels) for a in net.neck_attention)
        self.ssh = net.ssh
        self.heads = LeanHeads(net.heads)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        feats = tuple(att(f) for att, f in zip(self.backbone_attention, self.body(x)))
        feats = tuple(att(f) for att, f in zip(self.neck_attention, self.bifpn(feats)))
        return self.heads(tuple(ssh(f) for ssh, f in zip(self.ssh, feats)))  # type: ignore[no-any-return]


class LeanRetinaFace(nn.Module):
    """The teacher for export: constant-scale FPN upsampling and the merged heads."""

    def __init__(self, net: RetinaFaceMnet) -> None:
        super().__init__()
        self.body = net.body
        self.fpn = LeanFPN(net.fpn)
        self.ssh = nn.ModuleList([net.ssh1, net.ssh2, net.ssh3])
        self.heads = LeanHeads(net._heads[0])

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        feats = self.fpn(self.body(x))
        return self.heads(tuple(ssh(f) for ssh, f in zip(self.ssh, feats)))  # type: ignore[no-any-return]


def _lean_attention(module: nn.Module, channels: int) -> nn.Module:
    if not isinstance(module, ResidualAttention):
        raise TypeError(f"expected ResidualAttention, got {type(module).__name__}")
    inner = module.attention
    if isinstance(inner, ECA):
        return LeanECA(inner, channels)
    if isinstance(inner, CBAM):
        return LeanCBAM(inner)
    return module  # an attention without a lean form is exported as it is: exact, only not rewritten


def lean_network(net: nn.Module) -> nn.Module:
    """The export-equivalent of a trained ``FeatherFace`` / ``RetinaFaceMnet`` (a copy; ``net`` is untouched)."""
    net = copy.deepcopy(net).eval()
    if isinstance(net, FeatherFace):
        return LeanFeatherFace(net).eval()
    if isinstance(net, RetinaFaceMnet):
        return LeanRetinaFace(net).eval()
    raise TypeError(f"no lean form for {type(net).__name__}")


# --------------------------------------------------------------------------- export


def load_network(variant: Variant, weights: Path) -> tuple[nn.Module, dict[str, Any]]:
    """``build_model(variant)`` with ``weights`` (checkpoint or exported ONNX); returns it and the ONNX metadata (or {})."""
    net = build_model(variant)
    if weights.suffix == ".onnx":
        meta = load_onnx_weights(net, weights)
    else:
        plain_export.load_weights(net, weights)
        meta = {}
    return net.eval(), meta


def lean_export(variant: Variant, weights: Path, out: Path, name: str | None = None, plain_out: Path | None = None) -> ModelInfo:
    """Write the lean graph of ``variant`` with ``weights`` to ``out``; returns its metadata.

    The metadata is :func:`featherface_train.export.export`'s for the same weights (so the contract
    cannot drift), with ``provenance.graph`` naming this pass. ``plain_out`` keeps the plain export
    for comparison. ONNX ``weights`` (the shipped models) keep their name and provenance.
    """
    net, meta = load_network(variant, weights)
    with tempfile.TemporaryDirectory() as tmp:
        plain = plain_out or Path(tmp) / "plain.onnx"
        if meta:  # an exported file: re-export its weights, keeping its name and provenance
            state = Path(tmp) / "weights.pt"
            torch.save(net.state_dict(), state)
            stored = meta.get("provenance", {})
            carried = {k: v for k, v in stored.items() if k not in ("exported", "git_revision", "exporter", "graph")}
            info = plain_export.export(variant, plain, state, provenance=carried, name=name or meta.get("name"))
            source = {"weights_file": stored.get("weights_file", weights.name), "lean_source": weights.name}
            info = dataclasses.replace(info, provenance={**info.provenance, **source})
        else:
            info = plain_export.export(variant, plain, weights, name=name)
    info = dataclasses.replace(info, provenance={**info.provenance, "graph": "lean (featherface_train.onnx_lean)"})
    lean = lean_network(net)
    model = plain_export.write_onnx(lean, out, info, "featherface_train.onnx_lean")
    parse_metadata(info.to_metadata_props()[METADATA_KEY])  # the app must read it back
    log.info("wrote %s (%s, %d nodes)", out, info.variant, len(model.graph.node))
    return info


# --------------------------------------------------------------------------- INT8 on the SSH modules only


def _calibration_tensors(folder: Path, count: int, mean: tuple[float, float, float], long_side: int = 640) -> list[np.ndarray]:
    """``count`` training images (never the evaluation images) as the app feeds them: BGR minus mean, padded."""
    import cv2  # the app's dependency; only needed here

    every = sorted(folder.rglob("*.jpg"))
    if not every:
        raise FileNotFoundError(f"no .jpg images under {folder}")
    tensors = []
    for path in every[:: max(1, len(every) // count)][:count]:
        image = cv2.imread(str(path))
        if image is None:
            raise OSError(f"cannot read {path}")
        scale = long_side / max(image.shape[:2])
        image = cv2.resize(image, (round(image.shape[1] * scale), round(image.shape[0] * scale)), interpolation=cv2.INTER_AREA)
        h, w = (-(-s // 32) * 32 for s in image.shape[:2])
        tensor = np.zeros((1, 3, h, w), np.float32)
        tensor[0, :, : image.shape[0], : image.shape[1]] = (image - np.array(mean, np.float32)).transpose(2, 0, 1)
        tensors.append(tensor)
    return tensors


def quantize_ssh(source: Path, out: Path, calibration: Path, count: int = 48) -> ModelInfo:
    """Static QDQ INT8 (per-channel weights) on the SSH modules of a lean file; everything else stays float.

    The issue's measurements: 8-bit activations elsewhere (the backbone's LeakyReLU above all)
    cost AP, the SSH modules do not. Calibrated on ``count`` training images (MinMax).
    """
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    model = onnx.load(str(source))
    props = {p.key: p.value for p in model.metadata_props}
    info = parse_metadata(props[METADATA_KEY])
    ssh_nodes = [n.name for n in model.graph.node if n.name.startswith("/ssh")]

    class Reader(CalibrationDataReader):  # type: ignore[misc]
        def __init__(self) -> None:
            self._items = iter([{info.input_name: t} for t in _calibration_tensors(calibration, count, info.mean)])

        def get_next(self) -> dict[str, np.ndarray] | None:
            return next(self._items, None)

    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "q.onnx"
        quantize_static(
            str(source),
            str(bare),
            Reader(),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            nodes_to_quantize=ssh_nodes,
        )
        quantized = onnx.load(str(bare))
    info = dataclasses.replace(
        info,
        name=f"{info.name} INT8-SSH",
        provenance={
            **info.provenance,
            "quantization": f"static QDQ INT8 on {len(ssh_nodes)} SSH nodes, per-channel, MinMax on {count} images of {calibration.name}",
            "float_source": source.name,
        },
    )
    del quantized.metadata_props[:]
    for key, value in info.to_metadata_props().items():
        entry = quantized.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(quantized, str(out))
    log.info("wrote %s (%d SSH nodes quantised)", out, len(ssh_nodes))
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m featherface_train.onnx_lean", description=__doc__.splitlines()[0])
    parser.add_argument("--variant", choices=list(VARIANTS), required=True)
    parser.add_argument("--weights", type=Path, required=True, help="state_dict, training checkpoint (final.pt) or exported .onnx")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--name", help="display name stored in the metadata (default: as exported)")
    parser.add_argument("--int8-ssh", type=Path, metavar="F", help="also write an INT8-SSH variant of the lean file to F")
    parser.add_argument("--calibration", type=Path, help="images for --int8-ssh (default: ../shared/data/wider_train_640)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    lean_export(args.variant, args.weights, args.out, name=args.name)
    if args.int8_ssh:
        shared = Path(os.environ.get("FEATHERFACE_SHARED", Path(__file__).resolve().parents[2] / "shared"))
        quantize_ssh(args.out, args.int8_ssh, args.calibration or shared / "data/wider_train_640")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
