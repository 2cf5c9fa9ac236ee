"""The typed training config: its defaults are the recipe the shipped models were trained with, and
the provenance's ``recipe`` is exactly what ``vars(args)`` recorded before the config existed."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from featherface_train.config import TrainConfig
from featherface_train.train import parse_args

SMOKE = "--variant v2 --distill --out /tmp/smoke --limit-images 8 --epochs 1 --batch-size 4 --image-size 160 --workers 0 --threads 1"
# the command lines of scripts/train_models.sh (its train() adds --threads 1 --workers 1)
SHIPPED = [
    "--threads 1 --workers 1 --variant v1 --distill --out runs/v1_kd --epochs 5 --image-size 320 --lr 2e-3",
    "--threads 1 --workers 1 --variant v2 --out runs/v2_gt --epochs 5 --image-size 320 --lr 2e-3",
    "--threads 1 --workers 1 --variant v2 --distill --out runs/v2_kd_ft512 --init-weights runs/v2_kd/final.pt --epochs 2 --image-size 512 --lr 5e-4",
    "--threads 1 --workers 1 --variant v2 --distill --out runs/v2_kd_s4 --init-weights runs/v2_kd_s3/final.pt --epochs 2 --image-size 512 --lr 3e-4"
    " --min-negatives 16 --negative-fraction 0.05 --crop-scale-size 320",
    "--variant v2 --distill --out runs/v2 --teacher-variant v1 --teacher-weights runs/v1/final.pt",
]


def _recipe_as_before(argv: str) -> dict[str, object]:
    """How train.py recorded the recipe before the config: ``vars(args)`` with paths as strings."""
    return {k: str(v) if isinstance(v, Path) else v for k, v in vars(parse_args(argv.split())).items()}


@pytest.mark.parametrize("argv", [SMOKE, *SHIPPED])
def test_the_recipe_is_the_flags_as_recorded_before(argv: str) -> None:
    recipe = TrainConfig.from_args(parse_args(argv.split())).recipe()
    before = _recipe_as_before(argv)
    assert recipe == before and list(recipe) == list(before)


def test_the_defaults_are_the_shipped_recipe() -> None:
    assert TrainConfig.from_args(parse_args(["--variant", "v1", "--out", "o"])).recipe() == {
        "variant": "v1",
        "out": "o",
        "data": None,
        "teacher_variant": "retinaface",
        "teacher_weights": None,
        "distill": False,
        "alpha": 0.7,
        "temperature": 4.0,
        "backbone_init": "teacher",
        "init_weights": None,
        "epochs": 6,
        "image_size": 320,
        "batch_size": 16,
        "lr": 2e-3,
        "weight_decay": 5e-4,
        "negative_fraction": 0.15,
        "min_negatives": 64,
        "crop_scale_size": 0,
        "threads": 0,
        "workers": 1,
        "limit_images": 0,
        "checkpoint_minutes": 5.0,
        "stop_after_steps": 0,
        "seed": 0,
    }


def test_the_fixed_constants_are_todays() -> None:
    config = TrainConfig("v2", Path("o"))
    fixed = {f.name: getattr(config, f.name) for f in dataclasses.fields(config) if f.name not in config.recipe()}
    assert fixed == {
        "box_weight": 2.0,
        "grad_clip": 10.0,
        "pct_start": 0.15,
        "match_iou": 0.35,
        "best_prior_floor": 0.2,
        "neg_pos_ratio": 7,
        "teacher_min_score": 0.5,
    }


def test_the_config_is_frozen_and_checks_its_networks() -> None:
    config = TrainConfig("v1", Path("o"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.lr = 1.0  # type: ignore[misc]
    assert dataclasses.replace(config, lr=1e-3).lr == 1e-3
    with pytest.raises(ValueError, match="cannot train variant 'retinaface'"):
        TrainConfig("retinaface", Path("o"))
    with pytest.raises(ValueError, match="unknown teacher variant"):
        TrainConfig("v1", Path("o"), teacher_variant="v9")
