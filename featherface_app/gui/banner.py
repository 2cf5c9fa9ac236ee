"""A non-modal message strip above the video: errors stay visible without blocking the event loop.

Modal dialogs would stop the video (and any test driving the window); the banner shows the latest
message with its severity until the user closes it or the problem is resolved.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

LEVELS = ("info", "warning", "error")


class MessageBanner(QFrame):
    """Shows one message with a level (info / warning / error); hidden when empty. GUI thread."""

    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self._label = QLabel(self)
        self._label.setWordWrap(True)
        self._label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton(self)
        close.setText("✕")
        close.setToolTip("Dismiss")
        close.setAutoRaise(True)
        close.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self._label, 1)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self._level = "info"
        self.hide()

    @property
    def level(self) -> str:
        return self._level

    def text(self) -> str:
        return self._label.text()

    def show_message(self, text: str, level: str = "error") -> None:
        if level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
        self._level = level
        self._label.setText(text)
        self.setProperty("level", level)
        self.style().unpolish(self)
        self.style().polish(self)
        self.show()

    def dismiss(self) -> None:
        self._label.clear()
        self.hide()
        self.dismissed.emit()
