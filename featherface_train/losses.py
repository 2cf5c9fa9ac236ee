"""Anchor matching, the RetinaFace multibox loss with hard negative mining, and distillation terms.

The box coding is the app's (:mod:`featherface_app.core.anchors`): :func:`encode` is the torch
twin of ``encode_boxes``, the inverse of the ``decode_boxes`` the app runs, with the variances of
``AnchorConfig`` (the ones the exporter writes into the model file). The tuning defaults are
:class:`featherface_train.config.TrainConfig`'s.
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

from featherface_app.core.anchors import AnchorConfig

from .config import TrainConfig

#: (centre, size) variances of the coding: the app's default anchor configuration's
VARIANCES: tuple[float, float] = AnchorConfig().variances


def _point_form(priors: torch.Tensor) -> torch.Tensor:
    return torch.cat([priors[:, :2] - priors[:, 2:] / 2, priors[:, :2] + priors[:, 2:] / 2], dim=1)


def _iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    top_left = torch.max(a[:, None, :2], b[None, :, :2])
    bottom_right = torch.min(a[:, None, 2:], b[None, :, 2:])
    inter = (bottom_right - top_left).clamp(min=0).prod(dim=2)
    area_a = (a[:, 2:] - a[:, :2]).prod(dim=1)
    area_b = (b[:, 2:] - b[:, :2]).prod(dim=1)
    return inter / (area_a[:, None] + area_b[None, :] - inter)


def encode(matched_xyxy: torch.Tensor, priors: torch.Tensor, variances: tuple[float, float] = VARIANCES) -> torch.Tensor:
    """Normalised corner boxes (N, 4) → RetinaFace deltas (N, 4) against centre-size priors (N, 4).

    The formula of ``featherface_app.core.anchors.encode_boxes`` (sizes floored at 1e-6), in torch;
    ``decode_boxes`` inverts it (``tests/train/test_box_coding.py``).
    """
    centres = (matched_xyxy[:, :2] + matched_xyxy[:, 2:]) / 2
    sizes = (matched_xyxy[:, 2:] - matched_xyxy[:, :2]).clamp(min=1e-6)
    return torch.cat(
        [(centres - priors[:, :2]) / (variances[0] * priors[:, 2:]), torch.log(sizes / priors[:, 2:]) / variances[1]],
        dim=1,
    )


def match(
    boxes: torch.Tensor,
    priors: torch.Tensor,
    threshold: float = TrainConfig.match_iou,
    best_prior_floor: float = TrainConfig.best_prior_floor,
    variances: tuple[float, float] = VARIANCES,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per prior: positive mask (N,) and box-delta target (N, 4). Each face keeps its best prior
    (if their IoU reaches ``best_prior_floor``); other priors are positive at IoU >= ``threshold``."""
    if len(boxes) == 0:
        return torch.zeros(len(priors), dtype=torch.bool), torch.zeros(len(priors), 4)
    overlaps = _iou(boxes, _point_form(priors))  # (faces, priors)
    best_prior_iou, best_prior = overlaps.max(dim=1)
    best_face_iou, best_face = overlaps.max(dim=0)
    valid = best_prior_iou >= best_prior_floor
    best_face_iou[best_prior[valid]] = 2.0
    for face, prior in enumerate(best_prior.tolist()):
        if valid[face]:
            best_face[prior] = face
    positive = best_face_iou >= threshold
    return positive, encode(boxes[best_face], priors, variances)


def multibox_loss(
    box_deltas: torch.Tensor,
    logits: torch.Tensor,
    targets: list[torch.Tensor],
    priors: torch.Tensor,
    neg_pos_ratio: int = TrainConfig.neg_pos_ratio,
    min_negatives: int = 0,
    match_iou: float = TrainConfig.match_iou,
    best_prior_floor: float = TrainConfig.best_prior_floor,
    variances: tuple[float, float] = VARIANCES,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Smooth-L1 box loss on positives and CE with hard negative mining.

    Each image contributes ``neg_pos_ratio`` negatives per positive but at least ``min_negatives``:
    without that floor a face-free image (no positives) would teach nothing, and the priors that
    fire on a blank wall would never be mined.

    Returns (box loss, class loss, mask of the priors the class loss used, positive mask), masks (B, N).
    """
    matched = [match(t, priors, match_iou, best_prior_floor, variances) for t in targets]
    positive = torch.stack([m[0] for m in matched])  # (B, N)
    box_targets = torch.stack([m[1] for m in matched])  # (B, N, 4)
    num_pos = positive.sum().clamp(min=1).float()
    box_loss = F.smooth_l1_loss(box_deltas[positive], box_targets[positive], reduction="sum") / num_pos
    ce = F.cross_entropy(logits.reshape(-1, 2), positive.reshape(-1).long(), reduction="none").view_as(positive)
    mining = ce.detach().clone()
    mining[positive] = 0
    rank = mining.argsort(dim=1, descending=True).argsort(dim=1)
    num_neg = (positive.sum(dim=1, keepdim=True) * neg_pos_ratio).clamp(min=min_negatives, max=positive.shape[1] - 1)
    negative = rank < num_neg
    cls_loss = ce[positive | negative].sum() / num_pos
    return box_loss, cls_loss, positive | negative, positive


def landmark_loss(
    student: torch.Tensor,
    teacher: torch.Tensor,
    teacher_scores: torch.Tensor,
    positive: torch.Tensor,
    min_score: float = TrainConfig.teacher_min_score,
) -> torch.Tensor:
    """Smooth-L1 to the teacher's landmark deltas on positives the teacher is confident about."""
    mask = positive & (teacher_scores > min_score)
    if not mask.any():
        return student.sum() * 0.0
    return F.smooth_l1_loss(student[mask], teacher[mask], reduction="sum") / mask.sum()


def distillation_loss(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    student_boxes: torch.Tensor,
    teacher_boxes: torch.Tensor,
    temperature: float,
    used: torch.Tensor,
    positive: torch.Tensor,
    min_score: float = TrainConfig.teacher_min_score,
) -> torch.Tensor:
    """Hinton distillation, scaled like the multibox loss so alpha weighs comparable terms.

    Class term: T²·KL(teacher_T || student_T) summed over the priors the class loss used (positives,
    mined negatives) and every prior the teacher scores above ``min_score``, divided by the number
    of positives. Box term: smooth-L1 to the teacher's box deltas on those teacher-confident priors.
    """
    t = temperature
    teacher_face = F.softmax(teacher_logits, dim=-1)[..., 1] > min_score
    kl = F.kl_div(F.log_softmax(student_logits / t, dim=-1), F.softmax(teacher_logits / t, dim=-1), reduction="none").sum(dim=-1)
    num_pos = positive.sum().clamp(min=1).float()
    kd_cls = kl[used | teacher_face].sum() * t * t / num_pos
    if not teacher_face.any():
        return kd_cls
    kd_box = F.smooth_l1_loss(student_boxes[teacher_face], teacher_boxes[teacher_face], reduction="sum")
    return kd_cls + kd_box / teacher_face.sum()
