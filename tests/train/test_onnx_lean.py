"""The lean export computes what the network computes, is smaller after optimisation, and the app runs it alike."""

from __future__ import annotations

import collections
import dataclasses
import math
import tempfile
from pathlib import Path

import cv2
import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

from featherface_app.core.detector import DetectOptions, OnnxFaceDetector
from featherface_app.core.metadata import ModelInfo
from featherface_train.nets.models import SoftmaxExport, build_model
from featherface_train.nets.variants import FEATHERFACE_VARIANTS, VARIANTS
from featherface_train.onnx_lean import lean_export, load_network, quantize_ssh

REPO = Path(__file__).resolve().parents[2]
SHIPPED = {name: REPO / f"models/{spec.file_stem}.onnx" for name, spec in VARIANTS.items() if spec.file_stem}
OUTPUTS = ("box_deltas", "scores", "landmark_deltas")


def _real_images(shared_dir: Path) -> list[np.ndarray]:
    """Three WIDER val images at 320x224, 640x480 and 736x512 (crop), as test_networks uses."""
    paths = sorted((shared_dir / "data/wider_val_dev/images").rglob("*.jpg"))[:3]
    return [
        cv2.resize(cv2.imread(str(paths[0])), (320, 224)),
        cv2.resize(cv2.imread(str(paths[1])), (640, 480)),
        cv2.imread(str(paths[2]))[:512, :736],
    ]


def _tensor(image: np.ndarray) -> np.ndarray:
    h, w = (math.ceil(s / 32) * 32 for s in image.shape[:2])
    tensor = np.zeros((1, 3, h, w), np.float32)
    tensor[0, :, : image.shape[0], : image.shape[1]] = (image - np.array([104, 117, 123], np.float32)).transpose(2, 0, 1)
    return tensor


def _worst_diff(path: Path, net: torch.nn.Module, images: list[np.ndarray]) -> dict[str, float]:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    worst = dict.fromkeys(OUTPUTS, 0.0)
    for image in images:
        tensor = _tensor(image)
        got = dict(zip([o.name for o in session.get_outputs()], session.run(None, {"input": tensor})))
        with torch.no_grad():
            want = dict(zip(OUTPUTS, (t.numpy() for t in net(torch.from_numpy(tensor)))))
        for name in OUTPUTS:
            assert got[name].shape == want[name].shape
            worst[name] = max(worst[name], float(np.abs(got[name] - want[name]).max()))
    return worst


def _assert_parity(worst: dict[str, float]) -> None:
    """The limits of test_networks.py's ONNX parity test."""
    assert worst["scores"] <= 1e-4, worst
    assert worst["box_deltas"] <= 1e-3 and worst["landmark_deltas"] <= 1e-3, worst


def _optimised_nodes(path: Path) -> collections.Counter[str]:
    """Node types after onnxruntime's full optimisation (the optimised graph goes to a temporary file)."""
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    with tempfile.TemporaryDirectory() as folder:
        options.optimized_model_filepath = str(Path(folder) / "optimised.onnx")
        ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        return collections.Counter(n.op_type for n in onnx.load(options.optimized_model_filepath).graph.node)


def _randomise(net: torch.nn.Module) -> None:
    """Non-identity BN statistics and uneven fusion weights, one of them zero after ReLU (the unfoldable case)."""
    generator = torch.Generator().manual_seed(1)
    for module in net.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            n = module.num_features
            module.running_mean.copy_(torch.randn(n, generator=generator) * 0.5)
            module.running_var.copy_(torch.rand(n, generator=generator) * 1.5 + 0.5)
            module.weight.data.copy_(1 + 0.2 * torch.randn(n, generator=generator))
            module.bias.data.copy_(0.1 * torch.randn(n, generator=generator))
    for name, weights in net.named_parameters():
        if name.endswith(".weights"):
            weights.data.copy_(torch.rand(weights.numel(), generator=generator) * 2)
            if name == "bifpn.cells.1.p3_out.weights":  # zero after ReLU: cannot be folded into the producer's BN
                weights.data[0] = -0.5


@pytest.fixture(scope="module")
def lean_shipped(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path, ModelInfo]]:
    """Each shipped variant, from a randomised checkpoint, exported lean and plain once for this
    module: (lean, plain, metadata). The shipped files are lean exports themselves, which the
    ONNX weight loader (plain exports only) cannot read back; the graphs depend on the variant
    alone, so node counts and detections are compared on these."""
    out: dict[str, tuple[Path, Path, ModelInfo]] = {}
    for variant in SHIPPED:
        folder = tmp_path_factory.mktemp(variant)
        net = build_model(variant).eval()
        _randomise(net)
        torch.save({"model": net.state_dict(), "provenance": {"recipe": "test"}}, folder / "final.pt")
        info = lean_export(variant, folder / "final.pt", folder / "lean.onnx", plain_out=folder / "plain.onnx")
        out[variant] = (folder / "lean.onnx", folder / "plain.onnx", info)
    return out


@pytest.mark.parametrize("variant", list(SHIPPED))
def test_the_shipped_models_are_lean_graphs(variant: str, lean_shipped: dict[str, tuple[Path, Path, ModelInfo]]) -> None:
    shipped = onnx.load(str(SHIPPED[variant]))
    assert shipped.producer_name == "featherface_train.onnx_lean"
    lean, plain, _ = lean_shipped[variant]
    shipped_nodes, lean_nodes, plain_nodes = _optimised_nodes(SHIPPED[variant]), _optimised_nodes(lean), _optimised_nodes(plain)
    print(f"{variant} optimised nodes: plain {sum(plain_nodes.values())}, lean {sum(lean_nodes.values())}, shipped {sum(shipped_nodes.values())}")
    # the random checkpoint has a fusion weight at zero, which cannot be folded: one node more
    assert sum(shipped_nodes.values()) <= sum(lean_nodes.values()) < sum(plain_nodes.values())
    reorders = ("ReorderInput", "ReorderOutput")
    assert sum(shipped_nodes[r] for r in reorders) < sum(plain_nodes[r] for r in reorders)
    assert shipped_nodes["Shape"] == 0 and shipped_nodes["Resize"] == 0  # static shape logic, NCHWc upsampling


@pytest.mark.parametrize("variant", FEATHERFACE_VARIANTS)
def test_lean_export_of_a_checkpoint_matches_pytorch(variant: str, tmp_path: Path, shared_dir: Path) -> None:
    net = build_model(variant).eval()
    _randomise(net)
    torch.save({"model": net.state_dict(), "provenance": {"recipe": "test"}}, tmp_path / "final.pt")
    info = lean_export(variant, tmp_path / "final.pt", tmp_path / "lean.onnx")
    assert info.provenance["recipe"] == "test" and info.provenance["weights_file"] == "final.pt"
    _assert_parity(_worst_diff(tmp_path / "lean.onnx", SoftmaxExport(net).eval(), _real_images(shared_dir)))


def test_lean_teacher_matches_pytorch(tmp_path: Path, shared_dir: Path) -> None:
    weights = shared_dir / "checkpoints/retinaface_mnet025_teacher.pth"
    lean, plain = tmp_path / "lean.onnx", tmp_path / "plain.onnx"
    lean_export("retinaface", weights, lean, plain_out=plain)
    net, _ = load_network("retinaface", weights)
    _assert_parity(_worst_diff(lean, SoftmaxExport(net).eval(), _real_images(shared_dir)))
    assert sum(_optimised_nodes(lean).values()) < sum(_optimised_nodes(plain).values())


@pytest.fixture(scope="module")
def lean_teacher(tmp_path_factory: pytest.TempPathFactory, shared_dir: Path) -> tuple[Path, Path]:
    """The reference teacher (real weights) exported lean and plain: (lean, plain)."""
    folder = tmp_path_factory.mktemp("teacher")
    lean_export("retinaface", shared_dir / "checkpoints/retinaface_mnet025_teacher.pth", folder / "lean.onnx", plain_out=folder / "plain.onnx")
    return folder / "lean.onnx", folder / "plain.onnx"


def test_the_app_detects_the_same_faces_with_the_lean_file(lean_teacher: tuple[Path, Path], shared_dir: Path) -> None:
    lean, plain = lean_teacher
    before, after = OnnxFaceDetector(plain, threads=1), OnnxFaceDetector(lean, threads=1)
    fields = [f.name for f in dataclasses.fields(before.info) if f.name != "provenance"]
    assert {f: getattr(after.info, f) for f in fields} == {f: getattr(before.info, f) for f in fields}
    paths = sorted((shared_dir / "data/wider_val_dev/images").rglob("*.jpg"))[:6]
    total = 0
    for path in paths:
        frame = cv2.imread(str(path))
        for options in (DetectOptions(confidence=0.5), DetectOptions(confidence=0.3, input_long_side=None)):
            want, got = before.detect(frame, options).faces, after.detect(frame, options).faces
            assert len(got.scores) == len(want.scores), path.name
            np.testing.assert_allclose(got.scores, want.scores, atol=1e-4)
            np.testing.assert_allclose(got.xyxy, want.xyxy, atol=0.05)
            np.testing.assert_allclose(got.landmarks, want.landmarks, atol=0.05)
            total += len(want.scores)
    assert total > 20  # real faces were compared, not empty results


def test_int8_ssh_variant_loads_in_the_app_and_finds_the_same_faces(
    lean_shipped: dict[str, tuple[Path, Path, ModelInfo]], shared_dir: Path, tmp_path: Path
) -> None:
    lean = lean_shipped["v2"][0]
    info = quantize_ssh(lean, tmp_path / "int8.onnx", shared_dir / "data/wider_train_640", count=4)
    nodes = onnx.load(str(tmp_path / "int8.onnx")).graph.node
    dequantised = {o for n in nodes if n.op_type == "DequantizeLinear" for o in n.output}
    quantised = {n.name for n in nodes if n.op_type == "Conv" and n.input[1] in dequantised}  # INT8 weights
    assert len(quantised) == 3 * 5 and all(n.startswith("/ssh") for n in quantised)  # 5 convs per SSH, nothing else
    float_detector, int8_detector = OnnxFaceDetector(lean, threads=1), OnnxFaceDetector(tmp_path / "int8.onnx", threads=1)
    assert int8_detector.info.name == info.name and info.name.endswith("INT8-SSH")
    for path in sorted((shared_dir / "data/wider_val_dev/images").rglob("*.jpg"))[:3]:
        frame = cv2.imread(str(path))
        want, got = float_detector.detect(frame).faces, int8_detector.detect(frame).faces
        assert abs(len(got.scores) - len(want.scores)) <= max(2, len(want.scores) // 10), path.name
