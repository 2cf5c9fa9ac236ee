"""Hostile input: fuzzed model metadata and detections, and output paths with spaces, unicode,
undecodable bytes or no write permission (tests run as root in CI, so "unwritable" means a path
below a regular file or inside /proc, which even root cannot create)."""

from __future__ import annotations

import copy
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from reliability_harness import count_decodable, sample_frames

from featherface_app.cli import write_detections_json
from featherface_app.core.anchors import prior_boxes
from featherface_app.core.detections import FaceDetections
from featherface_app.core.errors import FeatherFaceError, ModelMetadataError, RecordingError
from featherface_app.core.metadata import ModelInfo, parse_metadata
from featherface_app.core.recorder import Recorder

REPO_ROOT = Path(__file__).resolve().parents[2]
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
VALID = ModelInfo(name="FeatherFace V2", variant="v2-eca", parameters=515115).to_json()

# -- model metadata ------------------------------------------------------------------------------

text_with_surrogates = st.text(st.characters(categories=["Cs", "Ll", "Nd", "Zs", "So"]), max_size=12)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**300, max_value=10**400)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | text_with_surrogates
)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5), max_leaves=25)
ADVERSARIAL: list[Any] = [
    math.nan,
    math.inf,
    -math.inf,
    10**400,
    -(10**400),
    2**63,
    -1,
    0,
    -0.0,
    1e308,
    5e-324,
    True,
    None,
    "",
    "NaN",
    "x" * 100_000,
    [],
    {},
    [[]],
    [None] * 3,
    [math.nan] * 3,
    [10**400] * 3,
    [[10**400]] * 3,
    [["16", "32"]] * 3,
    {"min_sizes": [], "steps": []},
    {"a": {"b": {"c": {}}}},
    [[[[[[[[[[]]]]]]]]]],
]


def key_paths(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document (dict keys and list positions) that a value sits."""
    paths = []
    items = document.items() if isinstance(document, dict) else enumerate(document) if isinstance(document, list) else []
    for key, value in items:
        paths.append((*prefix, key))
        paths.extend(key_paths(value, (*prefix, key)))
    return paths


VALID_PATHS = key_paths(VALID)


def assert_parses_or_refuses(text: str) -> None:
    """Only a sound ModelInfo or a ModelMetadataError may come out; a parsed model must be usable."""
    try:
        info = parse_metadata(text)
    except ModelMetadataError as exc:
        assert str(exc)
        return
    assert all(math.isfinite(v) for v in (*info.mean, *info.std)) and all(v > 0 for v in info.std)
    assert 1 <= info.size_multiple <= 256 and 0 <= info.confidence_threshold <= 1 and 0 <= info.nms_iou_threshold <= 1
    assert set(info.output_names) == {"boxes", "scores", "landmarks"} and all(isinstance(v, str) for v in info.output_names.values())
    assert len(info.name) <= 200 and len(info.variant) <= 100 and len(info.version) <= 100
    priors = prior_boxes(info.anchors, 64, 96)
    assert priors.shape == (info.anchors.num_priors(64, 96), 4) and np.isfinite(priors).all()


@FUZZ
@given(json_values)
def test_random_json_metadata_is_parsed_or_refused(document: Any) -> None:
    assert_parses_or_refuses(json.dumps(document))


@FUZZ
@given(st.sampled_from(VALID_PATHS), st.sampled_from(ADVERSARIAL) | json_values, st.booleans())
@example(("input", "mean", 0), 10**400, False)
@example(("anchors", "variances", 1), 10**400, False)
@example(("anchors", "min_sizes", 0, 0), math.inf, False)
@example(("anchors", "steps", 2), 10**400, False)
def test_a_valid_document_with_one_adversarial_value_is_parsed_or_refused(path: tuple[Any, ...], value: Any, delete: bool) -> None:
    document = copy.deepcopy(VALID)
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    if delete and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    assert_parses_or_refuses(json.dumps(document))


@FUZZ
@given(st.text() | text_with_surrogates | st.binary().map(lambda b: b.decode("latin-1")))
@example("[" * 100_000)
@example('{"a":' * 50_000)
@example("1" * 10_000)
@example('{"schema": 1e999}')
@example("NaN")
@example("\ud800")
def test_arbitrary_text_as_metadata_is_refused(text: str) -> None:
    assert_parses_or_refuses(text)


def test_the_valid_document_parses() -> None:
    """The control for the fuzzing above: the unmodified document is accepted."""
    assert parse_metadata(json.dumps(VALID)).name == "FeatherFace V2"


# -- detections JSON ----------------------------------------------------------------------------

finite_or_not = st.floats(width=32) | st.sampled_from([math.nan, math.inf, -math.inf, 3.4e38, -3.4e38, 1e-45, -0.0])


def reject_constants(name: str) -> None:
    raise AssertionError(f"the file contains {name}, which is not JSON")


#: file names as Linux hands them to Python: any bytes but / and NUL, decoded with surrogateescape
file_names = st.binary(min_size=1, max_size=16).map(lambda b: os.fsdecode(b.replace(b"/", b"_").replace(b"\0", b"_"))) | st.text(max_size=12)


@FUZZ
@given(
    st.integers(0, 12).flatmap(
        lambda n: st.tuples(
            arrays(np.float32, (n, 4), elements=finite_or_not),
            arrays(np.float32, (n,), elements=finite_or_not),
            arrays(np.float32, (n, 5, 2), elements=finite_or_not),
        )
    ),
    file_names,
)
def test_detections_with_nan_inf_and_huge_values_write_strict_json(
    tmp_path_factory: pytest.TempPathFactory, arrays_: tuple[np.ndarray, ...], name: str
) -> None:
    faces = FaceDetections(*arrays_)
    document = {"path": f"clip {name}.mp4", "frames": [{"index": 0, "faces": faces.to_json()}]}
    path = tmp_path_factory.mktemp("json") / "detections.json"
    write_detections_json(path, document)
    raw = path.read_bytes()
    raw.decode("utf-8")  # strict UTF-8, even with undecodable file names inside
    loaded = json.loads(raw, parse_constant=reject_constants)
    assert loaded == document
    for face, box, score in zip(loaded["frames"][0]["faces"], *arrays_[:2]):
        assert face["score"] is None if not math.isfinite(score) else face["score"] == pytest.approx(float(score), abs=1e-4, rel=1e-6)
        assert [v is None for v in face["xyxy"]] == [not math.isfinite(v) for v in box]


def test_an_undecodable_file_name_round_trips_through_the_json(tmp_path: Path) -> None:
    name = os.fsdecode(b"caf\xe9 \xff.mp4")  # Latin-1 bytes: Python hands them over as lone surrogates
    path = tmp_path / "detections.json"
    write_detections_json(path, {"path": name})
    assert os.fsencode(json.loads(path.read_bytes().decode("utf-8"))["path"]) == b"caf\xe9 \xff.mp4"
    assert [p.name for p in tmp_path.iterdir()] == ["detections.json"]  # no temporary file left


def test_detections_json_that_cannot_be_written_is_a_clear_error_and_leaves_no_debris(tmp_path: Path) -> None:
    (tmp_path / "detections.json").mkdir()  # a folder where the file should go
    with pytest.raises(FeatherFaceError, match="Cannot write .*detections.json"):
        write_detections_json(tmp_path / "detections.json", {"ok": True})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["detections.json"]


# -- paths ---------------------------------------------------------------------------------------

UNWRITABLE = {
    "below a regular file": lambda tmp: tmp / "notes.txt" / "recordings",
    "inside /proc": lambda tmp: Path("/proc/featherface recordings"),
    "NUL byte": lambda tmp: tmp / "bad\0name",
}


@pytest.mark.parametrize("where", list(UNWRITABLE))
def test_recording_into_an_unwritable_folder_is_refused_clearly(tmp_path: Path, where: str) -> None:
    (tmp_path / "notes.txt").write_text("a regular file")
    folder = UNWRITABLE[where](tmp_path)
    with pytest.raises(RecordingError) as refused:
        Recorder(folder, fps=25, frame_size=(64, 48)).start()
    print(f"\n[recording {where}] {refused.value}")
    assert "Cannot record into" in str(refused.value)


def test_recording_into_a_folder_with_spaces_and_unicode(tmp_path: Path) -> None:
    folder = tmp_path / "Aufnahmen für die Démo 🎥" / "二 つ目"
    recorder = Recorder(folder, fps=25, frame_size=(160, 120))
    path = recorder.start()
    for image in sample_frames(10, (160, 120)):
        recorder.write(image, block=True)
    recorder.stop()
    print(f"\n[unicode recording] {path}: {count_decodable(path)} frames decodable")
    assert path.parent == folder and count_decodable(path) == 10 and recorder.error is None


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """``python main.py ...`` as a user runs it, with strict UTF-8 output as under a typical
    desktop locale (``en_US.UTF-8``; C.UTF-8 would quietly tolerate undecodable names)."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "main.py", *args], cwd=REPO_ROOT, capture_output=True, text=True, errors="backslashreplace", timeout=120, env=env)


@pytest.fixture(scope="module")
def photo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A photo with a face, in a folder with spaces and unicode, under a non-UTF-8 file name."""
    folder = tmp_path_factory.mktemp("photos") / "Фото с пробелами"
    folder.mkdir()
    path = Path(os.fsdecode(os.fsencode(folder) + b"/portrait \xe9t\xe9.png"))
    ok, data = cv2.imencode(".png", sample_frames(1)[0])
    assert ok
    path.write_bytes(data.tobytes())
    return path


def test_detect_with_unicode_and_undecodable_paths(tmp_path: Path, photo: Path, teacher_model_path: Path) -> None:
    out = tmp_path / "résultats 結果"
    result = run_cli("detect", str(photo), "--model", str(teacher_model_path), "--out", str(out), "--input-size", "320")
    print(f"\n[detect, unicode paths] exit {result.returncode}; stdout: {result.stdout.strip()!r}")
    assert result.returncode == 0, result.stderr
    document = json.loads((out / "detections.json").read_bytes().decode("utf-8"), parse_constant=reject_constants)
    (entry,) = document["inputs"]
    assert os.fsencode(entry["path"]) == os.fsencode(photo)
    assert len(entry["frames"][0]["faces"]) >= 1 and Path(entry["output"]).is_file()
    assert "1 frame(s), 1 face(s)" in result.stdout


@pytest.mark.parametrize("where", ["below a regular file", "inside /proc"])
def test_detect_into_an_unwritable_folder_is_a_clear_error(tmp_path: Path, photo: Path, teacher_model_path: Path, where: str) -> None:
    (tmp_path / "notes.txt").write_text("a regular file")
    out = UNWRITABLE[where](tmp_path)
    result = run_cli("detect", str(photo), "--model", str(teacher_model_path), "--out", str(out))
    print(f"\n[detect {where}] exit {result.returncode}: {result.stderr.strip().splitlines()[-1]}")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"error: Cannot create the output folder {out}" in result.stderr


def test_detect_when_the_json_cannot_be_written(tmp_path: Path, photo: Path, teacher_model_path: Path) -> None:
    out = tmp_path / "out"
    (out / "detections.json").mkdir(parents=True)
    result = run_cli("detect", str(photo), "--model", str(teacher_model_path), "--out", str(out), "--input-size", "160")
    print(f"\n[detect, detections.json is a folder] exit {result.returncode}: {result.stderr.strip().splitlines()[-1]}")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"error: Cannot write {out / 'detections.json'}: Is a directory" in result.stderr
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "a temporary file was left behind"
