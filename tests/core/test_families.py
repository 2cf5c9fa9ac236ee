"""Model families: YuNet beside RetinaFace, picked from metadata or from the output signature,
and one sentence for a model of no known family. YuNet is read from ``../shared/peers``."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper
from skimage import data

from featherface_app.cli import main
from featherface_app.core.bench import run_bench
from featherface_app.core.detector import DetectOptions, load_detector
from featherface_app.core.errors import ModelMetadataError
from featherface_app.core.metadata import METADATA_KEY
from featherface_app.core.registry import ModelRegistry


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    return cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)


def test_yunet_is_recognised_by_its_outputs_and_matches_opencv(yunet_model_path: Path, astronaut: np.ndarray) -> None:
    detector = load_detector(yunet_model_path, threads=1)
    assert (detector.info.family, detector.info.from_metadata) == ("yunet", False)
    faces = detector.detect(astronaut, DetectOptions(input_long_side=None)).faces
    height, width = astronaut.shape[:2]
    reference = cv2.FaceDetectorYN.create(str(yunet_model_path), "", (width, height), 0.5, 0.4)
    _, rows = reference.detect(astronaut)
    assert rows is not None and len(faces) == len(rows) == 1
    x, y, w, h = rows[0, :4]
    assert faces.xyxy[0] == pytest.approx([x, y, x + w, y + h], abs=0.5)
    assert faces.landmarks[0].reshape(-1) == pytest.approx(rows[0, 4:14], abs=0.5)
    assert faces.scores[0] == pytest.approx(rows[0, 14], abs=1e-3)


def test_yunet_landmarks_come_in_our_order(yunet_model_path: Path, model_path: Path, astronaut: np.ndarray) -> None:
    """Left eye, right eye, nose, left and right mouth corner (image left first), as RetinaFace."""
    ours = load_detector(model_path, threads=1).detect(astronaut).faces
    theirs = load_detector(yunet_model_path, threads=1).detect(astronaut).faces
    assert len(ours) == len(theirs) == 1
    distances = np.linalg.norm(ours.landmarks[0] - theirs.landmarks[0], axis=1)
    assert distances.max() < 10.0, distances  # a swapped pair would be about 40 px off


def test_foreign_retinaface_export_is_recognised(foreign_retinaface_path: Path, astronaut: np.ndarray) -> None:
    detector = load_detector(foreign_retinaface_path, threads=1)
    assert detector.info.family == "retinaface" and detector.info.variant == "foreign"
    assert len(detector.detect(astronaut).faces) == 1


def with_props(source: Path, target: Path, document: dict[str, object]) -> Path:
    model = onnx.load(str(source))
    helper.set_model_props(model, {METADATA_KEY: json.dumps(document)})
    onnx.save(model, str(target))
    return target


def yunet_document(family: str) -> dict[str, object]:
    roles = [f"{head}_{stride}" for stride in (8, 16, 32) for head in ("cls", "obj", "bbox", "kps")]
    return {
        "schema": 1,
        "name": "YuNet-n (ours)",
        "variant": "yunet-n",
        "family": family,
        "input": {"name": "input", "mean": [0, 0, 0]},
        "outputs": {r: r for r in roles},
    }


def test_family_from_metadata_and_unknown_families_are_refused_in_one_sentence(yunet_model_path: Path, tmp_path: Path) -> None:
    tagged = with_props(yunet_model_path, tmp_path / "yunet_tagged.onnx", yunet_document("yunet"))
    detector = load_detector(tagged, threads=1)
    assert (detector.name, detector.info.family, detector.info.from_metadata) == ("YuNet-n (ours)", "yunet", True)
    unknown = with_props(yunet_model_path, tmp_path / "ssd.onnx", yunet_document("ssd"))
    with pytest.raises(ModelMetadataError) as refused:
        load_detector(unknown)
    message = str(refused.value)
    assert message.startswith("ssd.onnx: model family 'ssd' is not supported") and "RetinaFace" in message and "YuNet" in message
    assert message.count(". ") == 0 and "\n" not in message


def test_a_model_of_no_known_family_is_refused_without_a_tensor_dump(tmp_path: Path) -> None:
    graph = helper.make_graph(
        [helper.make_node("GlobalAveragePool", ["input"], ["pooled"]), helper.make_node("Flatten", ["pooled"], ["embedding"])],
        "classifier",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, "h", "w"])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, [1, 3])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path = tmp_path / "classifier.onnx"
    onnx.save(model, str(path))
    with pytest.raises(ModelMetadataError) as refused:
        ModelRegistry([tmp_path]).load(path)
    message = str(refused.value)
    assert "not a face detector of a supported family" in message and "RetinaFace" in message and "YuNet" in message
    assert "embedding" not in message and "\n" not in message


def test_yunet_through_bench_and_detect(yunet_model_path: Path, tmp_path: Path, astronaut: np.ndarray, capsys: pytest.CaptureFixture[str]) -> None:
    (result,) = run_bench([yunet_model_path], "sample", frames=4, threads=1)
    assert result.family == "yunet" and result.frames == 4 and result.faces_per_frame > 0
    photo = tmp_path / "astronaut.png"
    cv2.imwrite(str(photo), astronaut)
    out = tmp_path / "out"
    assert main(["detect", str(photo), "--model", str(yunet_model_path), "--out", str(out)]) == 0
    document = json.loads((out / "detections.json").read_text(encoding="utf-8"))
    assert document["family"] == "yunet" and len(document["inputs"][0]["frames"][0]["faces"]) == 1
    rows = (out / "detections.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) == 2 and rows[1].startswith(f"{photo},0,0,")
