"""A fixed set of face-free frames, and how many of them a detector sees a face in.

A webcam pointed at a wall, covered by a hand or out of focus must show no face. This set is
what the shipped models are held to (``tests/models/test_face_free.py``: no model may report a
face on more frames than the RetinaFace teacher) and what the model cards' false-face column
counts: plain colours at many sizes (1x1 to 1280x720, skin tones among them), gradients, noise,
blurred and tiny upscaled content, and face-free photographs that scikit-image's wheel ships
(when it is installed: the test extra has it). Deterministic: the same frames on every call.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np
import numpy.typing as npt

Frame = npt.NDArray[np.uint8]

# BGR: skin tones from pale to dark, greys, white, black, and saturated primaries.
PLAIN_COLOURS_BGR: tuple[tuple[int, int, int], ...] = (
    (140, 170, 225),
    (110, 150, 210),
    (90, 120, 180),
    (60, 90, 140),
    (40, 60, 100),
    (64, 64, 64),
    (128, 128, 128),
    (192, 192, 192),
    (255, 255, 255),
    (0, 0, 0),
    (60, 160, 60),
    (200, 120, 40),
    (40, 40, 200),
)
PLAIN_SIZES_WH: tuple[tuple[int, int], ...] = ((1, 1), (8, 8), (32, 32), (160, 120), (640, 480), (1280, 720))
# scikit-image sample images with no face in them (astronaut, camera and chelsea are left out).
FACE_FREE_PHOTOS: tuple[str, ...] = (
    "coffee.png",
    "chessboard_RGB.png",
    "brick.png",
    "gravel.png",
    "grass.png",
    "motorcycle_left.png",
    "text.png",
    "page.png",
    "moon.png",
    "rocket.jpg",
    "hubble_deep_field.jpg",
    "logo.png",
    "color.png",
    "retina.jpg",
    "cell.png",
    "clock_motion.png",
)


@dataclass(frozen=True)
class FaceFreeFrame:
    """One test frame: a name that says what it is (``plain-skin0-640x480``) and BGR uint8 pixels."""

    name: str
    bgr: Frame


class _Detects(Protocol):
    def detect(self, frame: Frame) -> object: ...


def _plain() -> Iterable[FaceFreeFrame]:
    for i, colour in enumerate(PLAIN_COLOURS_BGR):
        for j in range(3):  # three sizes per colour, cycling, so every size meets several colours
            w, h = PLAIN_SIZES_WH[(i + 2 * j) % len(PLAIN_SIZES_WH)]
            yield FaceFreeFrame(f"plain-{i}-{w}x{h}", np.full((h, w, 3), colour, np.uint8))


def _gradients() -> Iterable[FaceFreeFrame]:
    x = np.linspace(0.0, 1.0, 640, dtype=np.float32)[None, :]
    y = np.linspace(0.0, 1.0, 480, dtype=np.float32)[:, None]
    radial = np.sqrt((x - 0.5) ** 2 + (y - 0.5) ** 2) / np.sqrt(0.5)
    ramps = {"horizontal": x + 0 * y, "vertical": y + 0 * x, "diagonal": (x + y) / 2, "radial": radial}
    pairs = (((0, 0, 0), (255, 255, 255)), ((90, 120, 180), (40, 60, 100)), ((200, 120, 40), (60, 160, 60)))
    for name, ramp in ramps.items():
        for k, (a, b) in enumerate(pairs):
            lo, hi = np.array(a, np.float32), np.array(b, np.float32)
            yield FaceFreeFrame(f"gradient-{name}-{k}", (lo + (hi - lo) * ramp[..., None]).astype(np.uint8))


def _noise(rng: np.random.Generator) -> Iterable[FaceFreeFrame]:
    yield FaceFreeFrame("noise-uniform-640x480", rng.integers(0, 256, (480, 640, 3), dtype=np.uint8))
    yield FaceFreeFrame("noise-gaussian-640x480", np.clip(rng.normal(128, 40, (480, 640, 3)), 0, 255).astype(np.uint8))
    for cells in (8, 32):
        blocks = rng.integers(0, 256, (cells * 3 // 4, cells, 3), dtype=np.uint8)
        yield FaceFreeFrame(f"noise-blocks{cells}-640x480", cv2.resize(blocks, (640, 480), interpolation=cv2.INTER_NEAREST))
        yield FaceFreeFrame(f"noise-smooth{cells}-640x480", cv2.resize(blocks, (640, 480), interpolation=cv2.INTER_CUBIC))
    yield FaceFreeFrame("noise-gray-320x240", rng.integers(0, 256, (240, 320, 1), dtype=np.uint8).repeat(3, axis=2))


def _photos(folder: Path) -> Iterable[FaceFreeFrame]:
    for name in FACE_FREE_PHOTOS:
        image = cv2.imread(str(folder / name), cv2.IMREAD_COLOR)
        if image is None:
            continue
        yield FaceFreeFrame(f"photo-{Path(name).stem}", image)
        if name in ("coffee.png", "brick.png", "motorcycle_left.png", "grass.png"):
            yield FaceFreeFrame(f"photo-{Path(name).stem}-blur", cv2.GaussianBlur(image, (0, 0), 12))
            tiny = cv2.resize(image, (16, 12), interpolation=cv2.INTER_AREA)
            yield FaceFreeFrame(f"photo-{Path(name).stem}-16x12", tiny)


def skimage_data_dir() -> Path | None:
    """scikit-image's bundled sample images, found without importing the package (or None)."""
    spec = importlib.util.find_spec("skimage")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "data"
    return folder if folder.is_dir() else None


def face_free_frames(photo_dir: Path | None = None) -> list[FaceFreeFrame]:
    """The whole set: synthetic frames, plus the photographs in ``photo_dir`` (default: scikit-image's)."""
    frames = [*_plain(), *_gradients(), *_noise(np.random.default_rng(2026))]
    folder = photo_dir or skimage_data_dir()
    if folder is not None:
        frames.extend(_photos(folder))
    return frames


def frames_with_faces(detector: _Detects, frames: Iterable[FaceFreeFrame]) -> list[str]:
    """Names of the frames in which ``detector.detect`` (its own default options) reports a face."""
    hits = []
    for frame in frames:
        result = detector.detect(frame.bgr)
        faces = getattr(result, "faces", result)
        if len(faces):  # type: ignore[arg-type]
            hits.append(frame.name)
    return hits
