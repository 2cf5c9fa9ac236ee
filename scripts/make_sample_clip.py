"""Generate resources/sample.mp4, the clip the app shows when no camera is available.

Made only from scikit-image's ``astronaut`` image (NASA portrait of Eileen Collins, public domain),
so the project may redistribute it. Three 3-second scenes make detections move, scale, rotate and
multiply: (1) pan and zoom, (2) rotation, mirror flip and brightness changes, (3) 2x2 then 3x3
tiled copies drifting independently. H.264 through PyAV (OpenCV's wheels cannot encode it);
the result is small enough to commit.

Usage: python scripts/make_sample_clip.py [--out resources/sample.mp4] [--seconds 9]
"""

from __future__ import annotations

import argparse
import math
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import numpy.typing as npt
from skimage import data

WIDTH, HEIGHT, FPS = 640, 480, 25
Image = npt.NDArray[np.uint8]


def background(t: float) -> Image:
    """A slowly shifting dark gradient, so the frame is never a flat colour."""
    ys, xs = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    base = 40 + 25 * np.sin(xs / 90.0 + t) + 20 * np.cos(ys / 70.0 - 0.7 * t)
    return np.dstack([base + 10, base, base * 0.8]).clip(0, 255).astype(np.uint8)


def paste(frame: Image, src: Image, centre: tuple[float, float], scale: float, angle_deg: float = 0.0, flip: bool = False, gain: float = 1.0) -> None:
    """Draw ``src`` scaled/rotated about its centre onto ``frame`` at ``centre`` (in place)."""
    if flip:
        src = src[:, ::-1]
    h, w = src.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle_deg, scale)
    matrix[:, 2] += np.array(centre) - np.array([w / 2, h / 2])
    warped = cv2.warpAffine(src, matrix, (WIDTH, HEIGHT), flags=cv2.INTER_LINEAR)
    mask = cv2.warpAffine(np.full((h, w), 255, np.uint8), matrix, (WIDTH, HEIGHT), flags=cv2.INTER_NEAREST)
    if gain != 1.0:
        warped = cv2.convertScaleAbs(warped, alpha=gain)
    frame[mask > 0] = warped[mask > 0]


def render(i: int, total: int, astronaut: Image) -> Image:
    t = i / FPS
    third = total / 3
    frame = background(t)
    fit = HEIGHT / astronaut.shape[0]
    if i < third:  # pan and zoom
        u = i / third
        scale = fit * (0.55 + 0.75 * u)
        centre = (WIDTH / 2 + 170 * math.sin(2 * math.pi * u), HEIGHT / 2 + 40 * math.cos(2 * math.pi * u))
        paste(frame, astronaut, centre, scale)
    elif i < 2 * third:  # rotate, flip, brightness
        u = (i - third) / third
        paste(
            frame,
            astronaut,
            (WIDTH / 2, HEIGHT / 2),
            fit * 0.9,
            angle_deg=25 * math.sin(2 * math.pi * u),
            flip=u >= 0.5,
            gain=0.95 + 0.45 * math.sin(4 * math.pi * u),
        )
    else:  # tiles: 2x2, then 3x3, each drifting on its own
        u = (i - 2 * third) / third
        n = 2 if u < 0.5 else 3
        cell_w, cell_h = WIDTH / n, HEIGHT / n
        for row in range(n):
            for col in range(n):
                k = row * n + col
                drift = 0.12 * min(cell_w, cell_h)
                centre = (
                    (col + 0.5) * cell_w + drift * math.sin(2 * math.pi * u + k),
                    (row + 0.5) * cell_h + drift * math.cos(2 * math.pi * u + 2 * k),
                )
                scale = 0.95 * cell_h / astronaut.shape[0] * (0.9 + 0.1 * math.sin(3 * u + k))
                paste(frame, astronaut, centre, scale, angle_deg=8 * math.sin(k), flip=bool(k % 2))
    return frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "resources" / "sample.mp4")
    parser.add_argument("--seconds", type=float, default=9.0)
    parser.add_argument("--crf", type=int, default=28, help="x264 quality (higher = smaller file)")
    args = parser.parse_args()

    astronaut = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
    total = round(args.seconds * FPS)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(args.out), "w", options={"movflags": "+faststart"}) as container:
        stream = container.add_stream("libx264", rate=Fraction(FPS))
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.options = {"crf": str(args.crf), "preset": "slow", "g": str(2 * FPS)}
        for i in range(total):
            frame = av.VideoFrame.from_ndarray(render(i, total, astronaut), format="bgr24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    print(f"wrote {args.out} ({total} frames, {args.out.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
