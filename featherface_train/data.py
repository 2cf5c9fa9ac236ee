"""WIDER FACE training data in the RetinaFace ``label.txt`` layout, with RetinaFace augmentation.

Augmentation (as RetinaFace's ``preproc``): a random square crop at a random scale of the short
side that keeps at least one face centre, photometric distortion, horizontal flip,
resize to ``image_size``, mean subtraction.

Face-free samples: a share of the samples (``negative_fraction``) has no face at all, so the
classifier learns "no face" on the frames a webcam also shows — a wall, a hand over the lens, an
out-of-focus room. Half are crops of WIDER background that touch no face box, half synthetic
(plain colours, gradients, noise, heavy blur, tiny images upscaled as the app upscales them, and
small patches on the app's mean-colour padding); see :func:`face_free_image`. The set has no landmarks; the trainer takes them
from the teacher, which sees the same augmented image, so flips need no landmark swap here.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

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
SYNTHETIC_KINDS = ("plain", "gradient", "noise", "blur", "tiny", "padded")


def crop_scales(image_size: int, scale_size: int) -> tuple[float, ...]:
    """CROP_SCALES as they are (``scale_size`` 0), or made for ``scale_size``-px crops.

    With the fractions as they are, a 512-px stage shows faces 1.6x larger than the 320-px stage
    does, never below 0.93x their original size, while the hard set is evaluated at 1x. Scaled by
    ``image_size / scale_size`` (at most the whole short side), faces keep the stage's sizes.
    """
    if scale_size <= 0:
        return CROP_SCALES
    return tuple(sorted({min(1.0, s * image_size / scale_size) for s in CROP_SCALES}))


def _u8(image: npt.NDArray[Any]) -> npt.NDArray[np.uint8]:
    """OpenCV's stubs type its results as integer-or-floating arrays; on uint8 input they are uint8."""
    return cast(npt.NDArray[np.uint8], image)


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


def _random_crop(
    image: npt.NDArray[np.uint8], boxes: npt.NDArray[np.float32], rng: random.Random, scales: tuple[float, ...]
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.float32]]:
    height, width = image.shape[:2]
    for _ in range(250):
        side = int(rng.choice(scales) * min(height, width))
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
        return image[top : top + side, left : left + side], kept
    return image, boxes


def _background_crop(image: npt.NDArray[np.uint8], boxes: npt.NDArray[np.float32], rng: random.Random) -> npt.NDArray[np.uint8] | None:
    """A square crop that overlaps no face box (boxes grown by 20 %), or None if none is found."""
    height, width = image.shape[:2]
    grown = boxes.copy()
    margin = (boxes[:, 2:] - boxes[:, :2]) * 0.2
    grown[:, :2] -= margin
    grown[:, 2:] += margin
    for _ in range(50):
        side = max(16, int(rng.uniform(0.1, 0.6) * min(height, width)))
        left, top = rng.randrange(width - side + 1), rng.randrange(height - side + 1)
        overlaps = (grown[:, 0] < left + side) & (grown[:, 2] > left) & (grown[:, 1] < top + side) & (grown[:, 3] > top)
        if not overlaps.any():
            return image[top : top + side, left : left + side]
    return None


def _random_colour(rng: random.Random) -> tuple[int, int, int]:
    """Any BGR colour; a third of the time a skin tone, a grey or white (what webcams see most)."""
    if rng.random() < 0.33:
        skin = rng.choice([(90, 120, 180), (110, 150, 210), (60, 90, 140), (140, 170, 225), (40, 60, 100)])
        grey = rng.randint(0, 255)
        return rng.choice([skin, (grey, grey, grey), (255, 255, 255)])
    return rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255)


def _synthetic(kind: str, size: int, patch: npt.NDArray[np.uint8] | None, rng: random.Random) -> npt.NDArray[np.uint8]:
    """One synthetic face-free BGR image of ``size`` x ``size`` (``patch``: background to reuse)."""
    if kind == "plain":
        return np.full((size, size, 3), _random_colour(rng), np.uint8)
    if kind == "gradient":
        ramp = np.linspace(0.0, 1.0, size, dtype=np.float32)
        angle = rng.uniform(0, 2 * np.pi)
        t = np.cos(angle) * ramp[None, :] + np.sin(angle) * ramp[:, None]
        t = (t - t.min()) / max(1e-6, float(t.max() - t.min()))
        a, b = np.array(_random_colour(rng), np.float32), np.array(_random_colour(rng), np.float32)
        return _u8((a + (b - a) * t[..., None]).astype(np.uint8))
    if kind == "noise":
        cells = rng.choice([size, size // 4, size // 16, 8])
        noise = np.random.default_rng(rng.getrandbits(32)).integers(0, 256, (cells, cells, 3), dtype=np.uint8)
        return _u8(cv2.resize(noise, (size, size), interpolation=rng.choice([cv2.INTER_NEAREST, cv2.INTER_LINEAR])))
    base = patch if patch is not None else _synthetic(rng.choice(["gradient", "noise"]), size, None, rng)
    base = _u8(cv2.resize(base, (size, size), interpolation=cv2.INTER_AREA))
    if kind == "blur":
        return _u8(cv2.GaussianBlur(base, (0, 0), rng.uniform(size / 40, size / 8)))
    if kind == "tiny":
        side = rng.choice([1, 2, 4, 8, 16, 32])
        small = cv2.resize(base, (side, side), interpolation=cv2.INTER_AREA)
        return _u8(cv2.resize(small, (size, size), interpolation=cv2.INTER_LINEAR))
    if kind == "padded":
        canvas = np.empty((size, size, 3), np.uint8)
        canvas[:] = np.array(MEAN_BGR, np.uint8)
        side = rng.randint(1, size // 2)
        canvas[:side, :side] = cv2.resize(base, (side, side), interpolation=cv2.INTER_LINEAR)
        return canvas
    raise ValueError(f"unknown synthetic kind {kind!r}; expected one of {SYNTHETIC_KINDS}")


def face_free_image(image: npt.NDArray[np.uint8], boxes: npt.NDArray[np.float32], size: int, rng: random.Random) -> npt.NDArray[np.uint8]:
    """A face-free ``size`` x ``size`` BGR image: WIDER background (half the time) or synthetic."""
    background = _background_crop(image, boxes, rng)
    if background is not None and rng.random() < 0.5:
        return _u8(cv2.resize(background, (size, size), interpolation=cv2.INTER_LINEAR))
    return _synthetic(rng.choice(SYNTHETIC_KINDS), size, background, rng)


def _distort(image: npt.NDArray[np.uint8], rng: random.Random) -> npt.NDArray[np.uint8]:
    """Random brightness, contrast, saturation and hue, each with probability 0.5."""
    shifted = image.astype(np.float32)
    if rng.random() < 0.5:
        shifted += rng.uniform(-32, 32)
    if rng.random() < 0.5:
        shifted *= rng.uniform(0.5, 1.5)
    out = np.clip(shifted, 0, 255).astype(np.uint8)
    if rng.random() < 0.5:
        hsv = cv2.cvtColor(out, cv2.COLOR_BGR2HSV).astype(np.int16)
        if rng.random() < 0.5:
            hsv[:, :, 1] = np.clip(hsv[:, :, 1] * rng.uniform(0.5, 1.5), 0, 255)
        if rng.random() < 0.5:
            hsv[:, :, 0] = (hsv[:, :, 0] + rng.randint(-18, 18)) % 180
        out = _u8(cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2BGR))
    return out


class WiderTrainSet(Dataset[tuple[torch.Tensor, torch.Tensor]]):
    """Augmented crops: image tensor (3, S, S) float32 mean-subtracted BGR, boxes (n, 4) in [0, 1]."""

    def __init__(self, root: Path, image_size: int, seed: int = 0, negative_fraction: float = 0.0, crop_scale_size: int = 0) -> None:
        self.samples = [s for s in read_label_file(root) if len(s.boxes_xyxy)]
        if not self.samples:
            raise FileNotFoundError(f"no labelled images under {root}")
        self.image_size = image_size
        self.seed = seed
        self.negative_fraction = negative_fraction
        self.crop_scales = crop_scales(image_size, crop_scale_size)

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        rng = random.Random(hash((self.seed, index, random.random())))
        sample = self.samples[index]
        read = cv2.imread(str(sample.image_path), cv2.IMREAD_COLOR)
        if read is None:
            raise OSError(f"cannot read {sample.image_path}")
        image = _u8(read)
        if rng.random() < self.negative_fraction:
            image = _distort(face_free_image(image, sample.boxes_xyxy, self.image_size, rng), rng)
            return _to_tensor(image), torch.zeros((0, 4), dtype=torch.float32)
        image, boxes = _random_crop(image, sample.boxes_xyxy, rng, self.crop_scales)
        image = _distort(image, rng)
        if rng.random() < 0.5:
            image = image[:, ::-1]
            boxes = boxes.copy()
            boxes[:, [0, 2]] = image.shape[1] - boxes[:, [2, 0]]
        side_h, side_w = image.shape[:2]
        interp = rng.choice([cv2.INTER_LINEAR, cv2.INTER_CUBIC, cv2.INTER_AREA, cv2.INTER_NEAREST, cv2.INTER_LANCZOS4])
        image = _u8(cv2.resize(np.ascontiguousarray(image), (self.image_size, self.image_size), interpolation=interp))
        scaled = (boxes / np.array([side_w, side_h, side_w, side_h], np.float32)).astype(np.float32, copy=False)
        sizes_px = (scaled[:, 2:] - scaled[:, :2]) * self.image_size
        scaled = scaled[np.min(sizes_px, axis=1) >= 1.0]
        return _to_tensor(image), torch.from_numpy(scaled.astype(np.float32))


def _to_tensor(image: npt.NDArray[np.uint8]) -> torch.Tensor:
    """BGR uint8 (S, S, 3) → mean-subtracted float32 (3, S, S), the network's input."""
    return torch.from_numpy((image.astype(np.float32) - np.array(MEAN_BGR, np.float32)).transpose(2, 0, 1).copy())


def collate(batch: list[tuple[torch.Tensor, torch.Tensor]]) -> tuple[torch.Tensor, list[torch.Tensor]]:
    images, targets = zip(*batch)
    return torch.stack(images), list(targets)
