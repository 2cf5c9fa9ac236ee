"""The video surface: paints the latest annotated frame, scaled to fit, on the GUI thread.

This is the only place a numpy frame becomes a ``QImage``; the core hands over BGR ``uint8``
arrays and never sees Qt. The array is kept alive as long as the ``QImage`` that wraps it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

BACKGROUND = QColor(18, 20, 24)


def bgr_to_qimage(image_bgr: npt.NDArray[np.uint8]) -> QImage:
    """Wrap a HxWx3 BGR (or HxW grey) uint8 array without copying; the caller keeps the array alive."""
    if image_bgr.ndim == 2:
        image_bgr = np.ascontiguousarray(image_bgr)
        height, width = image_bgr.shape
        return QImage(image_bgr.data, width, height, image_bgr.strides[0], QImage.Format.Format_Grayscale8)
    if image_bgr.ndim != 3 or image_bgr.shape[2] != 3 or image_bgr.dtype != np.uint8:
        raise ValueError(f"expected an HxWx3 uint8 BGR image, got {image_bgr.shape} {image_bgr.dtype}")
    image_bgr = np.ascontiguousarray(image_bgr)
    height, width = image_bgr.shape[:2]
    return QImage(image_bgr.data, width, height, image_bgr.strides[0], QImage.Format.Format_BGR888)


class VideoView(QWidget):
    """Shows one frame at a time, letterboxed with its aspect ratio kept. Lives on the GUI thread."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("videoView")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 200)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._array: npt.NDArray[np.uint8] | None = None
        self._image: QImage | None = None
        self._placeholder = "Starting…"
        self.frames_shown = 0

    def sizeHint(self) -> QSize:
        return QSize(960, 600)

    @property
    def image_bgr(self) -> npt.NDArray[np.uint8] | None:
        """The frame on screen (read-only view), or None before the first frame."""
        return self._array

    def set_frame(self, image_bgr: npt.NDArray[np.uint8]) -> None:
        """Show ``image_bgr`` (not modified, not copied; keep it unchanged afterwards)."""
        self._image = bgr_to_qimage(image_bgr)
        self._array = image_bgr
        self.frames_shown += 1
        self.update()

    def clear(self, placeholder: str) -> None:
        """Drop the frame and show ``placeholder`` text instead (e.g. while a source opens)."""
        self._array = None
        self._image = None
        self._placeholder = placeholder
        self.update()

    def set_placeholder(self, text: str) -> None:
        self._placeholder = text
        if self._image is None:
            self.update()

    def target_rect(self) -> QRectF:
        """Where the frame is drawn: centred, as large as fits, aspect ratio kept."""
        if self._image is None:
            return QRectF()
        width, height = self._image.width(), self._image.height()
        scale = min(self.width() / width, self.height() / height)
        drawn_w, drawn_h = width * scale, height * scale
        return QRectF((self.width() - drawn_w) / 2, (self.height() - drawn_h) / 2, drawn_w, drawn_h)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        if self._image is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(self.target_rect(), self._image)
        else:
            font = QFont(self.font())
            font.setPointSizeF(font.pointSizeF() * 1.4)
            painter.setFont(font)
            painter.setPen(QColor(170, 176, 186))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._placeholder)
        painter.end()
