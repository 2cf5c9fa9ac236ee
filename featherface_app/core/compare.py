"""How much two models agree on one frame: faces matched one-to-one by IoU, and the leftovers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .detections import FaceDetections
from .nms import iou_matrix


@dataclass(frozen=True)
class Agreement:
    """``matched`` pairs (index in a, index in b, IoU) with IoU ≥ the threshold; ``only_a`` /
    ``only_b`` count faces the other model missed; ``mean_iou`` is 0.0 when nothing matched."""

    matched: int
    only_a: int
    only_b: int
    mean_iou: float
    pairs: tuple[tuple[int, int, float], ...] = ()

    @property
    def ratio(self) -> float:
        """Matched faces over all distinct faces (1.0 when neither model found any)."""
        total = self.matched + self.only_a + self.only_b
        return self.matched / total if total else 1.0


def match_faces(a: FaceDetections, b: FaceDetections, iou: float = 0.5) -> Agreement:
    """Greedy one-to-one matching, highest IoU first (the usual detection-evaluation rule)."""
    if len(a) == 0 or len(b) == 0:
        return Agreement(0, len(a), len(b), 0.0)
    overlaps = iou_matrix(a.xyxy, b.xyxy)
    order = np.argsort(-overlaps, axis=None, kind="stable")
    used_a: set[int] = set()
    used_b: set[int] = set()
    pairs: list[tuple[int, int, float]] = []
    for flat in order:
        i, j = divmod(int(flat), overlaps.shape[1])
        value = float(overlaps[i, j])
        if value < iou:
            break
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        pairs.append((i, j, value))
    mean = float(np.mean([p[2] for p in pairs])) if pairs else 0.0
    return Agreement(len(pairs), len(a) - len(pairs), len(b) - len(pairs), mean, tuple(pairs))
