"""No shipped model sees a face on a blank wall more often than the RetinaFace teacher does.

Every model in ``models/`` runs, at its own default settings (the app's: long side 640,
confidence 0.5), over the face-free set of :mod:`featherface_app.core.face_free` — plain colours
from 1x1 to 1280x720, gradients, noise, blurred and tiny photographs, face-free photographs from
scikit-image — and may report a face on no more frames than the teacher does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from featherface_app.core.detector import OnnxFaceDetector
from featherface_app.core.face_free import FaceFreeFrame, face_free_frames, frames_with_faces

MODELS_DIR = Path(__file__).resolve().parents[2] / "models"


@pytest.fixture(scope="module")
def frames() -> list[FaceFreeFrame]:
    frames = face_free_frames()
    sizes = {frame.bgr.shape[:2] for frame in frames}
    assert len(frames) >= 60 and (1, 1) in sizes and (8, 8) in sizes, "the set must hold 60+ frames incl. 1x1 and 8x8"
    assert any(frame.name.startswith("photo-") for frame in frames), "scikit-image's photographs (test extra) are missing"
    return frames


@pytest.fixture(scope="module")
def teacher_hits(teacher_model_path: Path, frames: list[FaceFreeFrame]) -> list[str]:
    return frames_with_faces(OnnxFaceDetector(teacher_model_path, threads=1), frames)


@pytest.mark.parametrize("path", sorted(MODELS_DIR.glob("*.onnx")), ids=lambda p: p.stem)
def test_no_more_false_faces_than_the_teacher(path: Path, frames: list[FaceFreeFrame], teacher_hits: list[str]) -> None:
    hits = frames_with_faces(OnnxFaceDetector(path, threads=1), frames)
    print(f"{path.stem}: a face on {len(hits)}/{len(frames)} face-free frames {hits}; teacher {len(teacher_hits)} {teacher_hits}")
    assert len(hits) <= len(teacher_hits), (
        f"{path.name} sees a face on {len(hits)} of {len(frames)} face-free frames, the teacher on {len(teacher_hits)}: {hits}"
    )
