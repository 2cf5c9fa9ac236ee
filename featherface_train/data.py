"""WIDER FACE training data in the RetinaFace ``label.txt`` layout, with RetinaFace augmentation.

Augmentation (as RetinaFace's ``preproc``): a random square crop at a random scale of the short
side that keeps at least one face centre, photometric distortion, horizontal flip,
resize to ``image_size``, mean subtraction. The set has no landmarks; the trainer takes them
from the teacher, which sees the same augmented image, so flips need no landmark swap here.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import torch
from torch.utils.data import Dataset

MEAN_BGR = (104.0, 117.0, 123.0)
# RetinaFace crops 0.3-1.0 of the short side of ~1024 px originals into 640 px: faces appear at
# 0.9-3x their original size. Our images are stored at 0.625x and crops go to 320 px, so the same
# 0.6-3x range needs crops of 0.15-0.8 of the short side. With 0.3-1.0, AP at original size
# collapsed on large faces (easy 26 vs 70 when the val images were shrunk to 640 px).
CROP_SCALES = (0.15, 0.2, 0.3, 0.45, 0.6, 0.8)


@dataclass(frozen=True)
class Sample:
    image_path: Path
    boxes_xyxy: npt.NDArray[np.float32]  # (n, 4) pixels in the stored image


def read_label_file(root: Path) -> list[Sample]:
    """Parse ``root/label.txt`` (``# rel/path.jpg`` then ``x y w h`` + 15 landmark values per face)."""
    samples: list[Sample] = []
    path: Path | None = None
    boxes: list[list[float]] = []
    for line in (root / "label.txt").read_text().splitlines():
        line = line.strip()
        if line.startswith("#"):
            if path is not None:
                samples.append(Sample(path, np.array(boxes, np.float32).reshape(-1, 4)))
            path, boxes = root / "images" / line[1:].strip(), []
        elif line:
            x, y, w, h = (float(v) for v in line.split()[:4])
            if w > 0 and h > 0:
                boxes.append([x, y, x + w, y + h])
    if path is not None:
        samples.append(Sample(path, np.array(boxes, np.float32).reshape(-1, 4)))
    return samples


def _random_crop(image: npt.NDArray[np.uint8], boxes: npt.NDArray[np.float32], rng: random.Random
                 ) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.float32]]:
    height, width = image.shape[:2]
    for _ in range(250):
        side = int(rng.choice(CROP_SCALES) * min(height, width))
        left = rng.randrange(width - side + 1)
        top = rng.randrange(height - side + 1)
        roi = np.array([left, top, left + side, top + side], np.float32)
        centres = (boxes[:, :2] + boxes[:, 2:]) / 2
        inside = np.all((centres > roi[:2]) & (centres < roi[2:]), axis=1)
        if not inside.any():
            continue
        kept = boxes[inside].copy()
        kept[:, :2] = np.maximum(kept[:, :2], roi[:2]) - roi[:2]
        kept[:, 2:] = np.minimum(kept[:, 2:], roi[2:]) - roi[:2]
        return image[top:top + side, left:left + side], kept
    return image, boxes


def _distort(image: npt.NDArray[np.uint8], rng: random.Random) -> npt.NDArray[np.uint8]:
    """Random brightness, contrast, saturation and hue, each with probability 0.5."""
    out = image.astype(np.float32)
    if rng.random() < 0.5:
        out += rng.uniform(-32, 32)
    if rng.random() < 0.5:
        out *= rng.uniform(0.5, 1.5)
    out = np.clip(out, 0, 255).astype(np.uint8)
    if rng.random() < 0.5:
        hsv = cv2.cvtColor(out, cv2.COLOR_BGR2HSV).astype(np.int16)
        if rng.random() < 0.5:
            hsv[:, :, 1] = np.clip(hsv[:, :, 1] * rng.uniform(0.5, 1.5), 0, 255)
        if rng.random() < 0.5:
            hsv[:, :, 0] = (hsv[:, :, 0] + rng.randint(-18, 18)) % 180
        out = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2BGR)
    return out


class WiderTrainSet(Dataset[tuple[torch.Tensor, torch.Tensor]]):
    """Augmented crops: image tensor (3, S, S) float32 mean-subtracted BGR, boxes (n, 4) in [0, 1]."""

    def __init__(self, root: Path, image_size: int, seed: int = 0) -> None:
        self.samples = [s for s in read_label_file(root) if len(s.boxes_xyxy)]
        if not self.samples:
            raise FileNotFoundError(f"no labelled images under {root}")
        self.image_size = image_size
        self.seed = seed

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        rng = random.Random(hash((self.seed, index, random.random())))
        sample = self.samples[index]
        image = cv2.imread(str(sample.image_path), cv2.IMREAD_COLOR)
        if image is None:
            raise OSError(f"cannot read {sample.image_path}")
        image, boxes = _random_crop(image, sample.boxes_xyxy, rng)
        image = _distort(image, rng)
        if rng.random() < 0.5:
            image = image[:, ::-1]
            boxes = boxes.copy()
            boxes[:, [0, 2]] = image.shape[1] - boxes[:, [2, 0]]
        side_h, side_w = image.shape[:2]
        interp = rng.choice([cv2.INTER_LINEAR, cv2.INTER_CUBIC, cv2.INTER_AREA, cv2.INTER_NEAREST, cv2.INTER_LANCZOS4])
        image = cv2.resize(np.ascontiguousarray(image), (self.image_size, self.image_size), interpolation=interp)
        boxes = boxes / np.array([side_w, side_h, side_w, side_h], np.float32)
        sizes_px = (boxes[:, 2:] - boxes[:, :2]) * self.image_size
        boxes = boxes[np.min(sizes_px, axis=1) >= 1.0]
        tensor = torch.from_numpy((image.astype(np.float32) - np.array(MEAN_BGR, np.float32)).transpose(2, 0, 1).copy())
        return tensor, torch.from_numpy(boxes.astype(np.float32))


def collate(batch: list[tuple[torch.Tensor, torch.Tensor]]) -> tuple[torch.Tensor, list[torch.Tensor]]:
    images, targets = zip(*batch)
    return torch.stack(images), list(targets)
