"""Networks build, train one step on CPU, export to ONNX, and onnxruntime agrees with PyTorch."""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

from featherface_app.core.anchors import AnchorConfig, prior_boxes
from featherface_app.core.metadata import METADATA_KEY, parse_metadata
from featherface_train.export import export
from featherface_train.losses import multibox_loss
from featherface_train.nets.attention import ECA, eca_kernel_size
from featherface_train.nets.models import SoftmaxExport, build_model
from featherface_train.nets.variants import FEATHERFACE_VARIANTS, VARIANTS
from featherface_train.report import parameter_parts


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_forward_shapes_match_the_prior_count(variant: str) -> None:
    net = build_model(variant).eval()
    with torch.no_grad():
        boxes, logits, landmarks = net(torch.randn(1, 3, 224, 320))
    n = AnchorConfig().num_priors(224, 320)
    assert boxes.shape == (1, n, 4) and logits.shape == (1, n, 2) and landmarks.shape == (1, n, 10)
    assert torch.isfinite(boxes).all() and torch.isfinite(logits).all() and torch.isfinite(landmarks).all()


@pytest.mark.parametrize("variant", FEATHERFACE_VARIANTS)
def test_one_training_step_reaches_every_parameter(variant: str) -> None:
    torch.manual_seed(0)
    net = build_model(variant).train()
    images = torch.randn(2, 3, 128, 128) * 50
    targets = [torch.tensor([[0.2, 0.2, 0.6, 0.7]]), torch.tensor([[0.1, 0.5, 0.3, 0.8], [0.5, 0.1, 0.9, 0.45]])]
    priors = torch.from_numpy(prior_boxes(AnchorConfig(), 128, 128).copy())
    boxes, logits, landmarks = net(images)
    box_loss, cls_loss, _, positive = multibox_loss(boxes, logits, targets, priors)
    loss = box_loss + cls_loss + landmarks[positive].abs().mean()
    loss.backward()
    missing = [name for name, p in net.named_parameters() if p.grad is None or not torch.isfinite(p.grad).all()]
    assert not missing, f"parameters without a finite gradient: {missing[:5]}"
    assert positive.sum() >= 3  # every face got at least its best prior


def test_eca_kernel_sizes_and_parameter_budget() -> None:
    assert [eca_kernel_size(c) for c in (64, 128, 256)] == [3, 5, 5]
    assert parameter_parts(build_model("v2"))["attention"] == 3 + 5 + 5 + 3 * 3
    v1, v2 = parameter_parts(build_model("v1")), parameter_parts(build_model("v2"))
    assert v1["total"] - v1["attention"] == v2["total"] - v2["attention"]  # only the attention differs
    assert 10_000 < v1["attention"] < 16_000  # CBAM: "about 13K" in the design


def test_eca_gate_is_per_channel() -> None:
    eca = ECA(64)
    x = torch.randn(1, 64, 8, 8)
    gate = eca(x) / x
    assert torch.allclose(gate, gate[:, :, :1, :1].expand_as(gate), atol=1e-5)


def test_teacher_checkpoint_loads_strictly(shared_dir: Path) -> None:
    net = build_model("retinaface")
    state = torch.load(shared_dir / "checkpoints/retinaface_mnet025_teacher.pth", map_location="cpu", weights_only=True)
    net.load_state_dict(state, strict=True)
    assert sum(p.numel() for p in net.parameters()) == 426_608


def _randomise(net: torch.nn.Module) -> None:
    """Give BN layers and attention non-identity statistics so parity is tested on real arithmetic."""
    generator = torch.Generator().manual_seed(0)
    for module in net.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.copy_(torch.randn(module.num_features, generator=generator) * 0.5)
            module.running_var.copy_(torch.rand(module.num_features, generator=generator) * 1.5 + 0.5)
            module.weight.data.copy_(1 + 0.2 * torch.randn(module.num_features, generator=generator))
            module.bias.data.copy_(0.1 * torch.randn(module.num_features, generator=generator))


def _real_images(shared_dir: Path) -> list[np.ndarray]:
    paths = sorted((shared_dir / "data/wider_val_dev/images").rglob("*.jpg"))[:3]
    image = cv2.imread(str(paths[0]))
    return [cv2.resize(image, (320, 224)), cv2.resize(cv2.imread(str(paths[1])), (640, 480)), cv2.imread(str(paths[2]))[:512, :736]]


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_onnx_export_matches_pytorch(variant: str, tmp_path: Path, shared_dir: Path) -> None:
    weights = shared_dir / "checkpoints/retinaface_mnet025_teacher.pth" if variant == "retinaface" else None
    out = tmp_path / f"{variant}.onnx"
    info = export(variant, out, weights)
    model = onnx.load(str(out))
    assert model.opset_import[0].version >= 17
    stored = parse_metadata({p.key: p.value for p in model.metadata_props}[METADATA_KEY])
    assert stored.variant == info.variant and stored.parameters == info.parameters
    net = SoftmaxExport(build_model(variant)).eval()
    if weights:
        net.net.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
    else:  # random weights with non-trivial BN statistics, exported from this very instance
        _randomise(net.net)
        torch.save(net.net.state_dict(), tmp_path / "w.pt")
        export(variant, out, tmp_path / "w.pt")
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    worst = {"box_deltas": 0.0, "scores": 0.0, "landmark_deltas": 0.0}
    for image in _real_images(shared_dir):
        h, w = (math.ceil(s / 32) * 32 for s in image.shape[:2])
        tensor = np.zeros((1, 3, h, w), np.float32)
        tensor[0, :, : image.shape[0], : image.shape[1]] = (image - np.array([104, 117, 123], np.float32)).transpose(2, 0, 1)
        ort_out = dict(zip([o.name for o in session.get_outputs()], session.run(None, {"input": tensor})))
        with torch.no_grad():
            torch_out = dict(zip(worst, (t.numpy() for t in net(torch.from_numpy(tensor)))))
        for name in worst:
            assert ort_out[name].shape == torch_out[name].shape
            worst[name] = max(worst[name], float(np.abs(ort_out[name] - torch_out[name]).max()))
    print(f"{variant}: max abs diff {worst}")
    assert worst["scores"] <= 1e-4
    assert worst["box_deltas"] <= 1e-3 and worst["landmark_deltas"] <= 1e-3
