"""WIDER FACE average precision, computed the way the official evaluation does.

Why "the official way": AP figures are only comparable with published ones (and between our own
models) when every convention matches the WIDER FACE ``eval_tools`` and its widely used Python
port. This module re-implements that protocol:

- predictions at the original image size, one ``(n, 5)`` array ``x1, y1, x2, y2, score`` per image;
- scores normalised over the whole set, ``(s - min) / (max - min)``;
- per image, predictions in descending score order are matched greedily: each takes the ground-
  truth face it overlaps most (IoU with the +1 pixel convention; ground truth ``x, y, w, h`` becomes
  ``x2 = x + w``); at IoU >= 0.5 a face outside the setting's list makes the prediction ignored, a
  listed face is recalled once, a second hit on it is a false positive;
- 1000 score thresholds ``1 - (t + 1) / 1000``; true positives and proposals summed over images;
  images without ground truth or without predictions are skipped, but their listed faces count;
- the number of faces is the size of the setting's lists; VOC AP with the precision envelope.

One deviation, documented: 0 / 0 precision (no proposal above a threshold anywhere) is 0, where
the original code produces NaN.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from .detector import DetectOptions, FaceDetector
from .errors import DatasetError
from .paths import app_root

log = logging.getLogger(__name__)

SETTINGS = ("easy", "medium", "hard")
IOU_THRESHOLD = 0.5
THRESHOLD_COUNT = 1000
GT_FILE = "gt.json"
IMAGES_DIR = "images"

Float64Array = npt.NDArray[np.float64]
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ImageTruth:
    """Ground truth of one image: ``boxes_xywh`` (n, 4) float64 and, per setting, the 0-based
    indices of the faces that count in it (the file stores them 1-based)."""

    boxes_xywh: Float64Array
    listed: Mapping[str, npt.NDArray[np.intp]]


@dataclass(frozen=True)
class APResult:
    """AP per difficulty in [0, 1] (NaN where a setting lists no face), with run facts."""

    easy: float
    medium: float
    hard: float
    images: int = 0
    seconds: float = 0.0
    model: str = ""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def default_data_dir() -> Path:
    """``$FEATHERFACE_SHARED/data/wider_val_dev``; the shared folder defaults to ``../shared``."""
    shared = os.environ.get("FEATHERFACE_SHARED")
    root = Path(shared) if shared else app_root().parent / "shared"
    return root / "data" / "wider_val_dev"


def load_wider_gt(data_dir: Path | str) -> dict[str, ImageTruth]:
    """Read ``data_dir/gt.json`` (keys ``event/name.jpg``). Raises :class:`DatasetError`."""
    path = Path(data_dir) / GT_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DatasetError(f"no {GT_FILE} in {Path(data_dir)} (expected a WIDER FACE evaluation folder)") from exc
    except (OSError, ValueError) as exc:
        raise DatasetError(f"cannot read {path}: {exc}") from exc
    if not isinstance(raw, dict) or not raw:
        raise DatasetError(f"{path}: expected a non-empty object keyed by image path")
    truth: dict[str, ImageTruth] = {}
    for key, entry in raw.items():
        try:
            boxes = np.asarray(entry["boxes_xywh"], dtype=np.float64).reshape(-1, 4)
            listed = {s: np.asarray(entry[s], dtype=np.intp).reshape(-1) - 1 for s in SETTINGS}
        except (KeyError, TypeError, ValueError) as exc:
            raise DatasetError(f"{path}: entry '{key}' is malformed ({exc!r})") from exc
        for setting, idx in listed.items():
            if idx.size and (idx.min() < 0 or idx.max() >= len(boxes)):
                raise DatasetError(f"{path}: '{key}' lists face indices outside 1..{len(boxes)} in '{setting}'")
        truth[key] = ImageTruth(boxes, listed)
    return truth


def box_overlaps(pred_xyxy: Float64Array, gt_xyxy: Float64Array) -> Float64Array:
    """IoU matrix ``(len(pred), len(gt))`` with the +1 pixel convention of the official code."""
    iw = np.minimum(pred_xyxy[:, None, 2], gt_xyxy[None, :, 2]) - np.maximum(pred_xyxy[:, None, 0], gt_xyxy[None, :, 0]) + 1
    ih = np.minimum(pred_xyxy[:, None, 3], gt_xyxy[None, :, 3]) - np.maximum(pred_xyxy[:, None, 1], gt_xyxy[None, :, 1]) + 1
    inter = iw * ih
    pred_area = (pred_xyxy[:, 2] - pred_xyxy[:, 0] + 1) * (pred_xyxy[:, 3] - pred_xyxy[:, 1] + 1)
    gt_area = (gt_xyxy[:, 2] - gt_xyxy[:, 0] + 1) * (gt_xyxy[:, 3] - gt_xyxy[:, 1] + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = inter / (pred_area[:, None] + gt_area[None, :] - inter)
    return np.where((iw > 0) & (ih > 0), iou, 0.0)


def normalise_scores(predictions: Mapping[str, npt.ArrayLike]) -> dict[str, Float64Array]:
    """Copies of the predictions as float64 ``(n, 5)`` with scores mapped to [0, 1] over the set.

    If every score is equal (max == min) they all become 1, so every prediction counts at every
    threshold (the original code divides by zero there).
    """
    arrays: dict[str, Float64Array] = {}
    for key, value in predictions.items():
        array = np.array(value, dtype=np.float64, copy=True)
        if array.size == 0:
            array = array.reshape(0, 5)
        if array.ndim != 2 or array.shape[1] != 5:
            raise ValueError(f"predictions for '{key}': expected shape (n, 5) x1,y1,x2,y2,score, got {array.shape}")
        arrays[key] = array
    scores = [a[:, 4] for a in arrays.values() if len(a)]
    if not scores:
        return arrays
    low, high = min(float(s.min()) for s in scores), max(float(s.max()) for s in scores)
    for array in arrays.values():
        array[:, 4] = (array[:, 4] - low) / (high - low) if high > low else 1.0
    return arrays


def match_image(
    pred_xyxy: Float64Array, gt_xyxy: Float64Array, listed: npt.NDArray[np.bool_], iou_threshold: float = IOU_THRESHOLD
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Greedy matching of score-sorted predictions (descending) against one image's faces.

    Returns ``recalled`` (n,): listed faces recalled by predictions ``0..h``, and ``counted`` (n,):
    False where the prediction hit an unlisted face and is ignored (not a false positive).
    Same result as the official per-prediction loop, vectorised.
    """
    overlaps = box_overlaps(pred_xyxy, gt_xyxy)
    best = overlaps.argmax(axis=1)
    hit = overlaps[np.arange(len(best)), best] >= iou_threshold
    counted = ~(hit & ~listed[best])
    recall_hits = np.flatnonzero(hit & listed[best])
    first_hits = np.unique(best[recall_hits], return_index=True)[1]
    new_face = np.zeros(len(best), dtype=np.int64)
    new_face[recall_hits[first_hits]] = 1
    return np.cumsum(new_face), counted


def _thresholds() -> Float64Array:
    return 1.0 - (np.arange(THRESHOLD_COUNT, dtype=np.float64) + 1.0) / THRESHOLD_COUNT


def image_pr(scores: Float64Array, recalled: npt.NDArray[np.int64], counted: npt.NDArray[np.bool_]) -> npt.NDArray[np.float64]:
    """Per threshold ``[proposals, true positives]`` of one image; ``scores`` sorted descending."""
    above = (scores[None, :] >= _thresholds()[:, None]).sum(axis=1)
    last = above - 1
    proposals = np.cumsum(counted)
    pr = np.zeros((THRESHOLD_COUNT, 2), dtype=np.float64)
    some = above > 0
    pr[some, 0] = proposals[last[some]]
    pr[some, 1] = recalled[last[some]]
    return pr


def voc_ap(recall: Float64Array, precision: Float64Array) -> float:
    """Area under the precision envelope, summed where recall changes (VOC 2010+)."""
    mrec = np.concatenate(([0.0], recall, [1.0]))
    mpre = np.concatenate(([0.0], precision, [0.0]))
    mpre = np.maximum.accumulate(mpre[::-1])[::-1]
    changes = np.flatnonzero(mrec[1:] != mrec[:-1])
    return float(np.sum((mrec[changes + 1] - mrec[changes]) * mpre[changes + 1]))


def wider_ap(predictions: Mapping[str, npt.ArrayLike], gt: Mapping[str, ImageTruth], iou_threshold: float = IOU_THRESHOLD) -> dict[str, float]:
    """AP for ``easy``/``medium``/``hard`` (in [0, 1]; NaN when a setting lists no face).

    ``predictions`` maps image keys of ``gt`` to ``(n, 5)`` arrays ``x1, y1, x2, y2, score`` in
    original-image pixels (not mutated); an image missing from it has no detections. A key that is
    not in ``gt`` raises ``ValueError`` (a mismatch of key format would otherwise score zero).
    """
    unknown = sorted(set(predictions) - set(gt))
    if unknown:
        raise ValueError(f"{len(unknown)} prediction keys are not in the ground truth, e.g. '{unknown[0]}'")
    normalised = normalise_scores(predictions)
    curves = {s: np.zeros((THRESHOLD_COUNT, 2), dtype=np.float64) for s in SETTINGS}
    faces = dict.fromkeys(SETTINGS, 0)
    for key, truth in gt.items():
        for setting in SETTINGS:
            faces[setting] += len(truth.listed[setting])
        pred = normalised.get(key)
        if pred is None or len(pred) == 0 or len(truth.boxes_xywh) == 0:
            continue
        pred = pred[np.argsort(-pred[:, 4], kind="stable")]
        gt_xyxy = truth.boxes_xywh.copy()
        gt_xyxy[:, 2:] += gt_xyxy[:, :2]
        for setting in SETTINGS:
            listed = np.zeros(len(gt_xyxy), dtype=bool)
            listed[truth.listed[setting]] = True
            recalled, counted = match_image(pred[:, :4], gt_xyxy, listed, iou_threshold)
            curves[setting] += image_pr(pred[:, 4], recalled, counted)
    result: dict[str, float] = {}
    for setting in SETTINGS:
        proposals, true_pos = curves[setting][:, 0], curves[setting][:, 1]
        if faces[setting] == 0:
            result[setting] = float("nan")
            continue
        precision = np.divide(true_pos, proposals, out=np.zeros_like(true_pos), where=proposals > 0)
        result[setting] = voc_ap(true_pos / faces[setting], precision)
    return result


def predict_dataset(
    detector: FaceDetector,
    data_dir: Path | str,
    gt: Mapping[str, ImageTruth],
    options: DetectOptions,
    progress: Progress | None = None,
) -> dict[str, Float64Array]:
    """Run ``detector`` on every image of ``gt`` (``data_dir/images/<key>``): ``(n, 5)`` per key."""
    predictions: dict[str, Float64Array] = {}
    total = len(gt)
    for done, key in enumerate(sorted(gt), start=1):
        path = Path(data_dir) / IMAGES_DIR / key
        image: npt.NDArray[np.uint8] | None = cv2.imread(str(path), cv2.IMREAD_COLOR)  # type: ignore[assignment]
        if image is None:
            raise DatasetError(f"cannot read image {path}")
        faces = detector.detect(image, options).faces
        predictions[key] = np.column_stack([faces.xyxy, faces.scores]).astype(np.float64)
        if progress is not None:
            progress(done, total)
    return predictions


def evaluate_detector(
    detector: FaceDetector,
    data_dir: Path | str,
    confidence: float = 0.02,
    nms_iou: float = 0.4,
    input_long_side: int | None = None,
    max_faces: int = 750,
    progress: Progress | None = None,
) -> APResult:
    """Detect on every evaluation image and score it; defaults are the RetinaFace test settings
    (original size, confidence 0.02, NMS 0.4, 5000 before / 750 after NMS)."""
    gt = load_wider_gt(data_dir)
    options = DetectOptions(confidence=confidence, nms_iou=nms_iou, input_long_side=input_long_side, pre_nms_top_k=5000, max_faces=max_faces)
    start = time.perf_counter()
    predictions = predict_dataset(detector, data_dir, gt, options, progress)
    ap = wider_ap(predictions, gt)
    seconds = time.perf_counter() - start
    log.info("%s: AP easy %.4f medium %.4f hard %.4f (%d images, %.1f s)", detector.name, *ap.values(), len(gt), seconds)
    return APResult(ap["easy"], ap["medium"], ap["hard"], images=len(gt), seconds=seconds, model=detector.name)
