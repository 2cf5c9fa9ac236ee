"""The value types that cross threads: detections of one frame and the timed result of a frame."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Union

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
Index = Union[slice, npt.NDArray[np.bool_], npt.NDArray[np.intp], list[int]]


def _frozen(array: npt.ArrayLike, shape_tail: tuple[int, ...], name: str) -> FloatArray:
    out = np.array(array, dtype=np.float32, copy=True)
    if out.size == 0:
        out = out.reshape((0, *shape_tail))
    if out.ndim != 1 + len(shape_tail) or out.shape[1:] != shape_tail:
        raise ValueError(f"{name}: expected shape (n, {', '.join(map(str, shape_tail))}), got {out.shape}".replace(", )", ")"))
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class FaceDetections:
    """Faces found in one image, in that image's pixel coordinates.

    ``xyxy`` (n, 4) corners, ``scores`` (n,) in [0, 1], ``landmarks`` (n, 5, 2) as x, y for the
    left eye, right eye, nose, left and right mouth corner. Arrays are float32 copies marked
    read-only, so one instance can be shared between threads. No faces is an ordinary empty value.
    """

    xyxy: FloatArray
    scores: FloatArray
    landmarks: FloatArray

    def __post_init__(self) -> None:
        object.__setattr__(self, "xyxy", _frozen(self.xyxy, (4,), "xyxy"))
        object.__setattr__(self, "scores", _frozen(self.scores, (), "scores"))
        object.__setattr__(self, "landmarks", _frozen(self.landmarks, (5, 2), "landmarks"))
        n = len(self.xyxy)
        if len(self.scores) != n or len(self.landmarks) != n:
            raise ValueError(f"expected equal lengths, got xyxy {n}, scores {len(self.scores)}, landmarks {len(self.landmarks)}")

    @classmethod
    def empty(cls) -> FaceDetections:
        return cls(np.zeros((0, 4), np.float32), np.zeros((0,), np.float32), np.zeros((0, 5, 2), np.float32))

    def __len__(self) -> int:
        return len(self.scores)

    def __getitem__(self, index: Index) -> FaceDetections:
        return FaceDetections(self.xyxy[index], self.scores[index], self.landmarks[index])

    def scaled(self, factor_x: float, factor_y: float) -> FaceDetections:
        """Coordinates multiplied per axis (e.g. back from a resized input to the frame)."""
        scale = np.array([factor_x, factor_y], dtype=np.float32)
        return FaceDetections(self.xyxy * np.tile(scale, 2), self.scores, self.landmarks * scale)

    def to_json(self) -> list[dict[str, object]]:
        """One dict per face with plain floats (rounded to 0.01 px / 1e-4 score); a NaN or
        infinite value becomes ``None`` (JSON null), which strict JSON can carry."""
        return [
            {
                "xyxy": [_plain(v, 2) for v in box],
                "score": _plain(score, 4),
                "landmarks": [[_plain(x, 2), _plain(y, 2)] for x, y in points],
            }
            for box, score, points in zip(self.xyxy, self.scores, self.landmarks)
        ]


def _plain(value: np.floating | float, digits: int) -> float | None:
    number = float(value)
    return round(number, digits) if math.isfinite(number) else None


STAGES = ("capture", "preprocess", "inference", "postprocess", "draw")


@dataclass(frozen=True)
class FrameResult:
    """What one model made of one frame, with the time each stage took (ms)."""

    model_name: str
    frame_index: int
    captured_ns: int
    detections: FaceDetections
    stage_ms: dict[str, float] = field(default_factory=dict)

    @property
    def pipeline_ms(self) -> float:
        return sum(self.stage_ms.values())
