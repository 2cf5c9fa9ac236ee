"""A one-line label that never asks for more width than its panel has: text that does not fit is
elided (``…``) and shown whole in the tooltip. GUI thread.

Used for texts whose length the app does not control (file names, folders, the "Saved …" line):
a plain ``QLabel`` would widen its panel (and be cut off by the panel's edge) instead.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent, QTextDocument
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

#: the least width the label asks for, in average character widths
MIN_CHARS = 6


def plain_text(text: str) -> str:
    """``text`` without its rich-text tags (plain text comes back unchanged)."""
    if "<" not in text and "&" not in text:
        return text
    document = QTextDocument()
    document.setHtml(text)
    return document.toPlainText()


class ElidedLabel(QLabel):
    """A single-line label eliding its text to its width (``mode``: where the ``…`` goes).

    ``text()`` is always the whole text; the tooltip carries it while it is elided. Rich text is
    shown as it is while it fits, else as elided plain text.
    """

    def __init__(self, text: str = "", mode: Qt.TextElideMode = Qt.TextElideMode.ElideMiddle, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self._mode = mode
        self._own_tip = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def text(self) -> str:  # the whole text, not what is painted
        return self._full

    def setText(self, text: str) -> None:  # noqa: N802 (Qt override)
        self._full = text
        self._fit()
        self.updateGeometry()

    def shown_text(self) -> str:
        """What the label paints now (the text, or its elided form)."""
        return super().text()

    @property
    def elided(self) -> bool:
        return self.shown_text() != self._full

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(self.fontMetrics().averageCharWidth() * MIN_CHARS, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        width = self.fontMetrics().horizontalAdvance(plain_text(self._full)) + 2 * self.margin() + 2
        return QSize(width, super().sizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        plain = plain_text(self._full)
        room = max(0, self.contentsRect().width() - 2 * self.margin())
        metrics = self.fontMetrics()
        if metrics.horizontalAdvance(plain) <= room:
            shown = self._full
        else:
            shown = metrics.elidedText(plain, self._mode, room)
        if super().text() != shown:
            super().setText(shown)
        self.setToolTip(plain if shown != self._full else "")
