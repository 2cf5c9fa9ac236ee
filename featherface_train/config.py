"""The trainer's typed, frozen configuration: every ``train`` flag plus the recipe's fixed constants.

The flags and their defaults are those the shipped models were trained with
(``scripts/train_models.sh``); :meth:`TrainConfig.recipe` is what the provenance records under
``recipe`` (the flags only, paths as strings — the same dict ``vars(args)`` gave). The fixed
constants (box-loss weight, gradient clip, one-cycle warm-up share, matching IoU, hard-negative
ratio, teacher-confidence threshold) have no flag; their defaults are the values every shipped
model was trained with, and the loss functions take their defaults from here.
"""

from __future__ import annotations

import argparse
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .nets.variants import FEATHERFACE_VARIANTS, VARIANTS

#: ``--teacher-variant`` choices: the reference RetinaFace, or a trained V1 (the teacher-choice experiment)
TEACHER_VARIANTS = ("retinaface", "v1")
#: ``--backbone-init`` choices (see :func:`featherface_train.train.init_backbone`)
BACKBONE_INITS = ("teacher", "teacher-backbone", "imagenet", "none")


def _fixed(default: float) -> Any:
    """A recipe constant without a flag: in the config, not in :meth:`TrainConfig.recipe`."""
    return field(default=default, metadata={"flag": False})


@dataclass(frozen=True)
class TrainConfig:
    """One training run. Fields up to ``seed`` are the command-line flags, in their order."""

    variant: str
    out: Path
    data: Path | None = None  #: default: $FEATHERFACE_SHARED/data/wider_train_640
    teacher_variant: str = "retinaface"
    teacher_weights: Path | None = None  #: default: the reference RetinaFace checkpoint
    distill: bool = False
    alpha: float = 0.7  #: loss = (1 - alpha) * task + alpha * distill, with ``distill``
    temperature: float = 4.0  #: distillation temperature
    backbone_init: str = "teacher"
    init_weights: Path | None = None
    epochs: int = 6
    image_size: int = 320
    batch_size: int = 16  #: per process
    lr: float = 2e-3  #: peak of the one-cycle schedule
    weight_decay: float = 5e-4
    negative_fraction: float = 0.15  #: share of face-free samples
    min_negatives: int = 64  #: mined negatives per image at least
    crop_scale_size: int = 0  #: 0: crop fractions as listed; N: made for N-px crops (faces keep their sizes)
    threads: int = 0
    workers: int = 1
    limit_images: int = 0
    checkpoint_minutes: float = 5.0
    stop_after_steps: int = 0
    seed: int = 0
    # fixed constants of the recipe (no flag, not in the recorded recipe)
    box_weight: float = _fixed(2.0)  #: task = box_weight * box + cls + landmark
    grad_clip: float = _fixed(10.0)  #: max gradient norm
    pct_start: float = _fixed(0.15)  #: one-cycle warm-up share of the steps
    match_iou: float = _fixed(0.35)  #: a prior is positive at this IoU with a face
    best_prior_floor: float = _fixed(0.2)  #: a face keeps its best prior if their IoU reaches this
    neg_pos_ratio: int = _fixed(7)  #: mined negatives per positive
    teacher_min_score: float = _fixed(0.5)  #: teacher face score for landmark pseudo-labels and box distillation

    def __post_init__(self) -> None:
        if self.variant not in FEATHERFACE_VARIANTS:
            raise ValueError(f"cannot train variant {self.variant!r}; expected one of {', '.join(FEATHERFACE_VARIANTS)}")
        if self.teacher_variant not in VARIANTS:
            raise ValueError(f"unknown teacher variant {self.teacher_variant!r}")

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> TrainConfig:
        """From :func:`parser`'s namespace; a flag without a field raises ``TypeError``."""
        return cls(**vars(args))

    def recipe(self) -> dict[str, Any]:
        """The flags of this run, paths as strings, in flag order: the provenance's ``recipe``."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.metadata.get("flag", True)}
        return {k: str(v) if isinstance(v, Path) else v for k, v in values.items()}


def parser(prog: str, description: str) -> argparse.ArgumentParser:
    """The trainer's flags; the defaults are :class:`TrainConfig`'s."""
    d = TrainConfig
    p = argparse.ArgumentParser(prog=prog, description=description)
    p.add_argument("--variant", choices=list(FEATHERFACE_VARIANTS), required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--data", type=Path, help="default: $FEATHERFACE_SHARED/data/wider_train_640")
    p.add_argument("--teacher-variant", default=d.teacher_variant, choices=list(TEACHER_VARIANTS))
    p.add_argument("--teacher-weights", type=Path, help="default: the reference RetinaFace checkpoint")
    p.add_argument("--distill", action="store_true", help="add the distillation term (V2 recipe)")
    p.add_argument("--alpha", type=float, default=d.alpha)
    p.add_argument("--temperature", type=float, default=d.temperature)
    p.add_argument(
        "--backbone-init",
        default=d.backbone_init,
        choices=list(BACKBONE_INITS),
        help="teacher: backbone, SSH and heads from the reference RetinaFace; teacher-backbone: its backbone only",
    )
    p.add_argument("--init-weights", type=Path, help="start from a whole trained network (fine-tuning); overrides --backbone-init")
    p.add_argument("--epochs", type=int, default=d.epochs)
    p.add_argument("--image-size", type=int, default=d.image_size)
    p.add_argument("--batch-size", type=int, default=d.batch_size)
    p.add_argument("--lr", type=float, default=d.lr)
    p.add_argument("--weight-decay", type=float, default=d.weight_decay)
    p.add_argument("--negative-fraction", type=float, default=d.negative_fraction, help="share of face-free samples (background, synthetic)")
    p.add_argument("--min-negatives", type=int, default=d.min_negatives, help="mined negatives per image at least (face-free images too)")
    p.add_argument(
        "--crop-scale-size",
        type=int,
        default=d.crop_scale_size,
        help="scale the crop fractions by image-size / N so faces appear at the sizes of an N-px stage (0: as listed)",
    )
    p.add_argument("--threads", type=int, default=d.threads, help="torch CPU threads (0: torch default)")
    p.add_argument("--workers", type=int, default=d.workers)
    p.add_argument("--limit-images", type=int, default=d.limit_images, help="train on the first N images only (smoke runs)")
    p.add_argument("--checkpoint-minutes", type=float, default=d.checkpoint_minutes)
    p.add_argument(
        "--stop-after-steps",
        type=int,
        default=d.stop_after_steps,
        help="checkpoint and stop after N steps of this invocation (train in slices; re-run to resume)",
    )
    p.add_argument("--seed", type=int, default=d.seed)
    return p
