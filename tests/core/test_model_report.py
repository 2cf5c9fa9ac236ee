"""The model record behind the info panel and ``python main.py info``, on the real models: the
parameters the metadata states, MACs counted from the graph (checked against ``onnx``'s own shape
inference), the model card's AP, the claimed-vs-measured rows and the live latency tally."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import shape_inference

from featherface_app.core.detections import FaceDetections, FrameResult
from featherface_app.core.detector import load_detector
from featherface_app.core.graph_cost import GraphFormatError, graph_cost, read_graph
from featherface_app.core.model_report import (
    DESIGN_V2_AP_GAIN,
    PAPER_V1_PARAMETERS,
    LatencyTally,
    build_report,
    card_ap,
    design_claims,
    input_hw,
    report_rows,
    with_v1_claims,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
V1 = REPO_ROOT / "models" / "featherface_v1_cbam.onnx"
V2 = REPO_ROOT / "models" / "featherface_v2_eca.onnx"
#: the pattern tests/models/test_shipped_models.py reads the cards with.
CARD_FIGURE = re.compile(r"AP easy (\d\.\d+) / medium (\d\.\d+) / hard (\d\.\d+)")


def report(path: Path, frame_hw: tuple[int, int] = (480, 640), long_side: int | None = 640):
    return build_report(path, load_detector(path, threads=1, warm_up=False).info, frame_hw, long_side)


def metadata_parameters(path: Path) -> int:
    """The parameter count in the file's metadata, read with the onnx package (not the app's reader)."""
    props = {p.key: p.value for p in onnx.load(str(path), load_external_data=False).metadata_props}
    return int(json.loads(props["featherface"])["parameters"])


def onnx_conv_macs(path: Path, height: int, width: int) -> int:
    """Conv MACs from onnx.shape_inference with the input fixed to height x width (the reference)."""
    model = onnx.load(str(path))
    weights = {t.name: list(t.dims) for t in model.graph.initializer}
    for value in model.graph.input:
        if value.name not in weights:
            dims = value.type.tensor_type.shape.dim
            dims[0].dim_value, dims[2].dim_value, dims[3].dim_value = 1, height, width
    model = shape_inference.infer_shapes(model, strict_mode=True, data_prop=True)
    shapes = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim] for v in [*model.graph.value_info, *model.graph.output]}
    total = 0
    for node in model.graph.node:
        if node.op_type == "Conv":
            w, out = weights[node.input[1]], shapes[node.output[0]]
            assert all(out), f"onnx could not infer {node.output[0]}"
            total += out[0] * w[0] * w[1] * math.prod(w[2:]) * math.prod(out[2:])
    return total


@pytest.mark.parametrize("path", [V1, V2], ids=["v1", "v2"])
def test_shipped_model_record(path: Path) -> None:
    r = report(path)
    assert r.parameters == metadata_parameters(path)
    assert r.variant in ("v1-cbam", "v2-eca") and r.family == "retinaface"
    assert r.file_bytes == path.stat().st_size
    assert r.input_hw == (480, 640)
    assert r.gmacs is not None and 0.3 < r.gmacs < 1.5, r.gmacs  # 0.62 G at 640x480 (issue 13's profile)
    assert r.macs_note == ""
    # ~4x from 320x240 (fed as 320x256: padded to 32) to 640x480; 4x to within the size-independent
    # convolutions (CBAM's MLP on pooled vectors) from 320x256 to 640x512
    small = report(path, (240, 320), 320)
    assert small.input_hw == (256, 320)
    assert small.macs is not None and 3.6 < r.macs / small.macs < 4.2
    big = report(path, (512, 640), 640)
    assert big.macs is not None and big.macs / small.macs == pytest.approx(4.0, rel=1e-3)
    stated = CARD_FIGURE.search(path.with_suffix(".md").read_text(encoding="utf-8"))
    assert stated is not None and r.card_ap == tuple(float(v) for v in stated.groups())
    assert r.provenance.git_revision and r.provenance.data and r.provenance.recipe
    assert r.provenance.training_minutes is not None and r.provenance.training_minutes > 0


@pytest.mark.parametrize("path", [V1, V2], ids=["v1", "v2"])
@pytest.mark.parametrize("hw", [(480, 640), (256, 320)])
def test_macs_equal_onnx_shape_inference(path: Path, hw: tuple[int, int]) -> None:
    cost = graph_cost(read_graph(path), hw)
    assert cost.macs == onnx_conv_macs(path, *hw)
    assert set(cost.by_op) == {"Conv"}


def test_teacher_and_yunet_macs(teacher_model_path: Path, yunet_model_path: Path) -> None:
    teacher = report(teacher_model_path)
    assert teacher.macs == onnx_conv_macs(teacher_model_path, 480, 640)
    assert teacher.gmacs is not None and teacher.gmacs > report(V2).gmacs  # V1/V2 need fewer MACs than the teacher
    yunet = report(yunet_model_path)
    assert yunet.family == "yunet" and yunet.parameters is None and yunet.graph_weights
    assert yunet.macs == onnx_conv_macs(yunet_model_path, 480, 640)
    assert yunet.card_ap is None and yunet.claims == ()


def test_claims_beside_measured() -> None:
    v1, v2 = with_v1_claims([report(V1), report(V2)])
    whats = {c.what: c for c in v1.claims}
    assert f"{PAPER_V1_PARAMETERS / 1000:.1f}K" == whats["parameters"].claimed
    assert whats["parameters"].measured == f"{v1.parameters:,}"
    gain = {c.what: c for c in v2.claims}["AP over V1, easy / medium / hard"]
    assert gain.claimed == " / ".join(f"{g:+.1f}" for g in DESIGN_V2_AP_GAIN)
    assert v1.card_ap and v2.card_ap
    expected = " / ".join(f"{100 * (a - b):+.1f}" for a, b in zip(v2.card_ap, v1.card_ap))
    assert gain.measured.startswith(expected)
    # the speed claim is measured from live latency once both models ran
    tally = LatencyTally()
    for ms_v1, ms_v2 in ((12.0, 10.0), (12.5, 9.5), (11.5, 10.5)):
        tally.add(FrameResult("v1", 0, 0, FaceDetections.empty(), {"inference": ms_v1}))
        tally.add(FrameResult("v2", 0, 0, FaceDetections.empty(), {"inference": ms_v2}))
    speed = {c.what: c for c in design_claims(v2, v1, tally.summary("v2"), tally.summary("v1"))}["speed over V1"]
    assert speed.claimed == "2x faster" and speed.measured.startswith("1.20x")
    rows = report_rows(v2, tally.summary("v2"))
    assert ("model", "latency since start") in [(s, lbl) for s, lbl, _ in rows]


def test_card_parsing(tmp_path: Path) -> None:
    card = tmp_path / "m.md"
    card.write_text("# m\n\nAP easy 0.9012 / medium 0.8800 / hard 0.7001 (checked)\n", encoding="utf-8")
    assert card_ap(card) == (0.9012, 0.88, 0.7001)
    card.write_text("# m\n\nno figure here\n", encoding="utf-8")
    assert card_ap(card) is None
    assert card_ap(tmp_path / "missing.md") is None


def test_input_size_policy() -> None:
    assert input_hw((480, 640), 640) == (480, 640)
    assert input_hw((480, 640), 320) == (256, 320)  # 240 padded to a multiple of 32
    assert input_hw((1080, 1920), 640) == (384, 640)  # 360 padded
    assert input_hw((1080, 1920), None) == (1088, 1920)


def test_latency_tally_percentiles_within_the_bucket_width() -> None:
    rng = np.random.default_rng(0)
    values = rng.lognormal(mean=2.4, sigma=0.3, size=5000)
    tally = LatencyTally()
    for ms in values:
        tally.add(FrameResult("m", 0, 0, FaceDetections.empty(), {"preprocess": 1.0, "inference": float(ms)}))
    summary = tally.summary("m")
    assert summary is not None and summary.frames == 5000
    assert summary.inference_p50 == pytest.approx(np.percentile(values, 50), rel=0.011)
    assert summary.inference_p95 == pytest.approx(np.percentile(values, 95), rel=0.011)
    assert summary.pipeline_p50 == pytest.approx(np.percentile(values + 1.0, 50), rel=0.011)
    assert tally.summary("other") is None


def test_graph_reader_refuses_garbage_and_names_unknown_operators(tmp_path: Path) -> None:
    with pytest.raises(GraphFormatError):
        read_graph(b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff")
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, "h", "w"])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    weight = helper.make_tensor("w", TensorProto.FLOAT, [8, 3, 3, 3], np.zeros(8 * 27, np.float32))
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1], strides=[2, 2]),
        helper.make_node("Frobnicate", ["c"], ["y"], domain="example"),
    ]
    model = helper.make_model(helper.make_graph(nodes, "g", [x], [y], [weight]))
    path = tmp_path / "odd.onnx"
    onnx.save(model, str(path))
    cost = graph_cost(read_graph(path), (64, 96))
    assert cost.macs is None and "Frobnicate" in cost.note
    assert cost.by_op["Conv"] == 8 * 3 * 9 * 32 * 48  # counted up to the operator it stopped at
    nodes[1] = helper.make_node("Relu", ["c"], ["y"])
    onnx.save(helper.make_model(helper.make_graph(nodes, "g", [x], [y], [weight])), str(path))
    assert graph_cost(read_graph(path), (64, 96)).macs == 8 * 3 * 9 * 32 * 48


def test_the_app_counts_macs_without_the_onnx_package() -> None:
    """``onnx`` is a test/train extra only (the bundle excludes it): the record must not import it."""
    import subprocess
    import sys

    check = "import sys, featherface_app.core.model_report, featherface_app.cli.info; print('onnx' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", check], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
