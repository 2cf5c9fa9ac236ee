"""Pure drawing on BGR ``uint8`` images: boxes, scores, landmarks, a HUD, side-by-side panels.

Every function returns a new image and leaves its input untouched (frames are shared between
threads). Line widths and text sizes scale with the image, so the overlay stays readable from
a 1x1 frame to 4K.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import cv2
import numpy as np
import numpy.typing as npt

from .detections import FaceDetections

BGR = tuple[int, int, int]
Image = npt.NDArray[np.uint8]

FONT = cv2.FONT_HERSHEY_SIMPLEX
#: the image size (long side, px) at which a scale of 1.0 is drawn.
REFERENCE_SIDE = 640.0


@dataclass(frozen=True)
class AnnotationStyle:
    """Colours (BGR) and sizes at a 640 px long side; ``label`` prefixes each score."""

    box_color: BGR = (0, 220, 0)
    text_color: BGR = (0, 0, 0)
    landmark_colors: tuple[BGR, BGR, BGR, BGR, BGR] = ((255, 0, 0), (0, 0, 255), (0, 255, 255), (255, 0, 255), (255, 255, 0))
    line_width: float = 2.0
    font_scale: float = 0.5
    label: str = ""
    #: the score label under the box instead of above it (the second model's, so that in overlay
    #: mode two labels on the same face do not cover each other)
    label_below: bool = False


#: the second model's colours (and label place) in compare mode.
SECOND_STYLE = AnnotationStyle(box_color=(255, 128, 0), text_color=(255, 255, 255), landmark_colors=((255, 128, 0),) * 5, label_below=True)


def to_bgr(image: npt.NDArray[np.uint8]) -> Image:
    """Gray (H, W) / (H, W, 1) or BGRA as a BGR copy; BGR input is copied as it is."""
    if image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 1):
        return cast(Image, cv2.cvtColor(image.reshape(image.shape[:2]), cv2.COLOR_GRAY2BGR))
    if image.ndim == 3 and image.shape[2] == 4:
        return cast(Image, cv2.cvtColor(image, cv2.COLOR_BGRA2BGR))
    if image.ndim == 3 and image.shape[2] == 3:
        return image.copy()
    raise ValueError(f"expected a gray, BGR or BGRA image, got shape {image.shape}")


def _scale(image: Image) -> float:
    return float(max(image.shape[:2])) / REFERENCE_SIDE


def _thickness(style: AnnotationStyle, scale: float) -> int:
    return max(1, round(style.line_width * scale))


def _font_scale(style: AnnotationStyle, scale: float) -> float:
    return max(0.3, style.font_scale * scale)


def _label(image: Image, text: str, x: int, y: int, fill: BGR, color: BGR, font_scale: float, thickness: int) -> None:
    """Text on a filled box whose bottom-left corner is (x, y), kept inside the image."""
    (w, h), base = cv2.getTextSize(text, FONT, font_scale, thickness)
    height, width = image.shape[:2]
    x = min(max(0, x), max(0, width - w))
    y = min(max(h + base, y), height)
    cv2.rectangle(image, (x, y - h - base), (x + w, y), fill, cv2.FILLED)
    cv2.putText(image, text, (x, y - base), FONT, font_scale, color, thickness, cv2.LINE_AA)


def draw_faces(image: Image, faces: FaceDetections, style: AnnotationStyle = AnnotationStyle(), show_landmarks: bool = True) -> None:
    """Draw ``faces`` onto ``image`` in place (BGR uint8); used by :func:`annotate`."""
    scale = _scale(image)
    thickness = _thickness(style, scale)
    font_scale = _font_scale(style, scale)
    text_thickness = max(1, thickness // 2)
    radius = max(1, thickness)
    for box, score, points in zip(faces.xyxy, faces.scores, faces.landmarks):
        x1, y1, x2, y2 = (int(round(float(v))) for v in box)
        cv2.rectangle(image, (x1, y1), (x2, y2), style.box_color, thickness, cv2.LINE_AA)
        text = f"{style.label} {score:.2f}".strip()
        if style.label_below:  # the label's top at the box's bottom edge
            (_, text_h), base = cv2.getTextSize(text, FONT, font_scale, text_thickness)
            _label(image, text, x1, y2 + text_h + base, style.box_color, style.text_color, font_scale, text_thickness)
        else:
            _label(image, text, x1, y1, style.box_color, style.text_color, font_scale, text_thickness)
        if show_landmarks:
            for (px, py), color in zip(points, style.landmark_colors):
                cv2.circle(image, (int(round(float(px))), int(round(float(py)))), radius, color, cv2.FILLED, cv2.LINE_AA)


def annotate(image: npt.NDArray[np.uint8], faces: FaceDetections, style: AnnotationStyle = AnnotationStyle(), show_landmarks: bool = True) -> Image:
    """A BGR copy of ``image`` (gray/BGRA converted) with ``faces`` drawn on it."""
    out = to_bgr(image)
    draw_faces(out, faces, style, show_landmarks)
    return out


#: HUD text height relative to a 640 px long side, and how much of the picture shows through it.
HUD_FONT_SCALE = 0.42
HUD_SEE_THROUGH = 0.5


def _hud_corner(shape: tuple[int, ...], panel_w: int, panel_h: int, avoid: npt.NDArray[np.float32] | None) -> tuple[int, int]:
    """Top-left of the corner panel that covers the least face area (top-left first on ties)."""
    height, width = shape[:2]
    corners = [(0, 0), (0, height - panel_h), (width - panel_w, 0), (width - panel_w, height - panel_h)]
    if avoid is None or not len(avoid):
        return corners[0]
    boxes = np.asarray(avoid, np.float64).reshape(-1, 4)
    x, y = np.array(corners, np.float64).T[:, :, None]  # (4, 1) each: all corners at once
    w = np.clip(np.minimum(boxes[:, 2], x + panel_w) - np.maximum(boxes[:, 0], x), 0, None)
    h = np.clip(np.minimum(boxes[:, 3], y + panel_h) - np.maximum(boxes[:, 1], y), 0, None)
    covered = np.nansum(w * h, axis=1)
    return corners[int(np.argmin(covered))]  # the first of equally good corners


def draw_hud(image: npt.NDArray[np.uint8], lines: Sequence[str], in_place: bool = False, avoid: npt.NDArray[np.float32] | None = None) -> Image:
    """Text lines on a compact, see-through dark panel in a corner: the top-left one, unless
    another corner covers less of the face boxes in ``avoid`` ((n, 4) corners in image pixels).

    Only the panel's rectangle is blended (half the picture shows through, so a face under it
    stays visible); the text is white with a dark drop shadow, readable on any background. Sizes follow
    the image's long side like the boxes do. Returns a copy unless ``in_place`` (then ``image``
    must be BGR and is returned).
    """
    out = image if in_place else to_bgr(image)
    if not lines:
        return out
    scale = _scale(out)
    font_scale = max(0.3, HUD_FONT_SCALE * scale)
    thickness = max(1, round(scale))
    sizes = [cv2.getTextSize(line, FONT, font_scale, thickness) for line in lines]
    line_h = max(h + base for (_, h), base in sizes)
    pad = max(2, round(4 * scale))
    panel_w = min(out.shape[1], max(w for (w, _), _ in sizes) + 2 * pad)
    panel_h = min(out.shape[0], line_h * len(lines) + pad)
    left, top = _hud_corner(out.shape, panel_w, panel_h, avoid)
    if panel_w > 0 and panel_h > 0:
        region = out[top : top + panel_h, left : left + panel_w]
        cv2.convertScaleAbs(region, dst=region, alpha=HUD_SEE_THROUGH)  # in place: blend towards black
    shadow = thickness  # same thickness, shifted: Hershey glyphs get wider with thickness, so no outline
    for i, (line, ((_, h), base)) in enumerate(zip(lines, sizes)):
        x, y = left + pad, top + pad + line_h * i + h
        cv2.putText(out, line, (x + shadow, y + shadow), FONT, font_scale, (0, 0, 0), thickness, cv2.LINE_AA)
        cv2.putText(out, line, (x, y), FONT, font_scale, (255, 255, 255), thickness, cv2.LINE_AA)
    return out


#: pixels between the two pictures of a side-by-side comparison
SIDE_BY_SIDE_GAP = 4


def side_by_side(left: npt.NDArray[np.uint8], right: npt.NDArray[np.uint8], gap: int = SIDE_BY_SIDE_GAP) -> Image:
    """Two BGR images next to each other on one canvas, the right one resized to the left's height."""
    left, right = to_bgr(left), to_bgr(right)
    height = left.shape[0]
    if right.shape[0] != height:
        width = max(1, round(right.shape[1] * height / right.shape[0]))
        right = cast(Image, cv2.resize(right, (width, height), interpolation=cv2.INTER_AREA))
    canvas = np.zeros((height, left.shape[1] + gap + right.shape[1], 3), np.uint8)
    canvas[:, : left.shape[1]] = left
    canvas[:, left.shape[1] + gap :] = right
    return canvas
