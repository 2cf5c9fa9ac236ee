"""RetinaFace-style prior boxes and the decoding of box / landmark deltas against them.

Shared by the app (numpy, per frame) and the training package (which wraps the same arrays in
torch tensors), so the coding convention lives in exactly one place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

#: larger steps or anchor sizes are nonsense for any input the app feeds (at most 4096 px).
MAX_ANCHOR_PX = 8192


@dataclass(frozen=True)
class AnchorConfig:
    """Prior layout of a RetinaFace-family model; travels inside the ONNX metadata."""

    min_sizes: tuple[tuple[int, ...], ...] = ((16, 32), (64, 128), (256, 512))
    steps: tuple[int, ...] = (8, 16, 32)
    variances: tuple[float, float] = (0.1, 0.2)
    clip: bool = False

    def to_json(self) -> dict[str, object]:
        return {
            "min_sizes": [list(sizes) for sizes in self.min_sizes],
            "steps": list(self.steps),
            "variances": list(self.variances),
            "clip": self.clip,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> AnchorConfig:
        """Build from metadata; raises ``ValueError`` with the offending field on bad input."""
        try:
            min_sizes = tuple(tuple(int(s) for s in level) for level in data["min_sizes"])  # type: ignore[attr-defined]
            steps = tuple(int(s) for s in data["steps"])  # type: ignore[attr-defined]
            variances = tuple(float(v) for v in data["variances"])  # type: ignore[attr-defined]
            clip = bool(data.get("clip", False))
        except (KeyError, TypeError, ValueError, OverflowError) as exc:  # Overflow: int(Infinity), float(10**400)
            raise ValueError(f"anchor configuration is malformed: {exc!r}") from exc
        if len(min_sizes) != len(steps) or not steps:
            raise ValueError(f"expected one min-size list per step, got {len(min_sizes)} for {len(steps)} steps")
        if len(variances) != 2 or not all(v > 0 and math.isfinite(v) for v in variances):
            raise ValueError(f"expected two positive variances, got {variances}")
        if not all(0 < v <= MAX_ANCHOR_PX for v in (*steps, *(m for level in min_sizes for m in level))) or not all(min_sizes):
            raise ValueError(f"steps and min sizes must be between 1 and {MAX_ANCHOR_PX} px and every level needs one size")
        if any(len(level) != len(min_sizes[0]) for level in min_sizes):
            raise ValueError("every level must have the same number of anchors")
        return cls(min_sizes=min_sizes, steps=steps, variances=(variances[0], variances[1]), clip=clip)

    @property
    def anchors_per_location(self) -> int:
        return len(self.min_sizes[0])

    def num_priors(self, height: int, width: int) -> int:
        return sum(math.ceil(height / step) * math.ceil(width / step) * len(sizes) for step, sizes in zip(self.steps, self.min_sizes))


def prior_boxes(config: AnchorConfig, height: int, width: int) -> npt.NDArray[np.float32]:
    """Centre-size priors ``(N, 4)`` as (cx, cy, w, h), normalised by the input width/height.

    Order matches the heads' flattening: level, then row, then column, then anchor size.
    The result is cached and read-only.
    """
    return _prior_boxes_cached(config.min_sizes, config.steps, config.clip, height, width)


@lru_cache(maxsize=32)
def _prior_boxes_cached(min_sizes: tuple[tuple[int, ...], ...], steps: tuple[int, ...], clip: bool, height: int, width: int) -> npt.NDArray[np.float32]:
    levels = []
    for step, sizes in zip(steps, min_sizes):
        rows, cols = math.ceil(height / step), math.ceil(width / step)
        cy, cx = np.meshgrid((np.arange(rows) + 0.5) * step / height, (np.arange(cols) + 0.5) * step / width, indexing="ij")
        per_size = [np.stack([cx, cy, np.full_like(cx, s / width), np.full_like(cy, s / height)], axis=-1) for s in sizes]
        levels.append(np.stack(per_size, axis=2).reshape(-1, 4))
    priors = np.concatenate(levels, axis=0).astype(np.float32)
    if clip:
        np.clip(priors, 0.0, 1.0, out=priors)
    priors.setflags(write=False)
    return priors


def decode_boxes(deltas: npt.NDArray[np.float32], priors: npt.NDArray[np.float32], variances: tuple[float, float]) -> npt.NDArray[np.float32]:
    """Box deltas ``(N, 4)`` → normalised corner boxes ``(N, 4)`` (x1, y1, x2, y2)."""
    centres = priors[:, :2] + deltas[:, :2] * variances[0] * priors[:, 2:]
    sizes = priors[:, 2:] * np.exp(np.clip(deltas[:, 2:] * variances[1], -10.0, 10.0))
    return np.concatenate([centres - sizes / 2, centres + sizes / 2], axis=1).astype(np.float32, copy=False)


def decode_landmarks(deltas: npt.NDArray[np.float32], priors: npt.NDArray[np.float32], variances: tuple[float, float]) -> npt.NDArray[np.float32]:
    """Landmark deltas ``(N, 10)`` → normalised points ``(N, 5, 2)`` (x, y)."""
    points = priors[:, None, :2] + deltas.reshape(-1, 5, 2) * variances[0] * priors[:, None, 2:]
    return points.astype(np.float32, copy=False)


def encode_boxes(xyxy: npt.NDArray[np.float32], priors: npt.NDArray[np.float32], variances: tuple[float, float]) -> npt.NDArray[np.float32]:
    """Inverse of :func:`decode_boxes` (normalised corners → deltas); used by training targets."""
    centres = (xyxy[:, :2] + xyxy[:, 2:]) / 2
    sizes = np.maximum(xyxy[:, 2:] - xyxy[:, :2], 1e-6)
    return np.concatenate(
        [(centres - priors[:, :2]) / (variances[0] * priors[:, 2:]), np.log(sizes / priors[:, 2:]) / variances[1]],
        axis=1,
    ).astype(np.float32)
