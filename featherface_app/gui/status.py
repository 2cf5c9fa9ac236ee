"""The status bar: its permanent text — source, models, speed, recording — refreshed a few times a
second from what the window already knows (never per frame), and passing messages that never run
under that text. GUI thread."""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

if TYPE_CHECKING:
    from .main_window import MainWindow

STATUS_HZ = 4
#: the longest source name the permanent text shows, in average character widths (whole in the tooltip)
SOURCE_CHARS = 36
#: QStatusBar's own margins around a passing message (left 6, and 2 before the first permanent widget)
MESSAGE_MARGINS = 8


class FittingStatusBar(QStatusBar):
    """A status bar whose passing message is elided in the middle (a path keeps its file name) to
    the room left of the permanent texts, whole in the tooltip and in the log; Qt's own would be
    cut off mid-word on a narrow window. It is fitted again when that room changes (a REC timer
    appears, the window is resized). ``currentMessage()`` is the whole message."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._whole = ""
        self._deadline: float | None = None
        self._permanent: list[QWidget] = []
        self.messageChanged.connect(self._on_message_changed)

    def addPermanentWidget(self, widget: QWidget, stretch: int | None = 0) -> None:  # noqa: N802 (Qt override)
        self._permanent.append(widget)
        widget.installEventFilter(self)
        super().addPermanentWidget(widget, stretch or 0)

    def message_room(self) -> int:
        """The width Qt paints a passing message in: up to the first shown permanent widget."""
        right = next((w.x() for w in self._permanent if w.isVisible()), self.width() - 4)
        return max(0, right - MESSAGE_MARGINS)

    def shown_message(self) -> str:
        """What is painted now (the message, or its elided form)."""
        return super().currentMessage()

    def currentMessage(self) -> str:  # noqa: N802 (Qt override)
        return self._whole if super().currentMessage() else ""

    def showMessage(self, message: str, timeout: int | None = 0) -> None:  # noqa: N802 (Qt override)
        self._whole = message
        self._deadline = time.monotonic() + timeout / 1000 if timeout else None
        self._fit(force=True)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() in (QEvent.Type.Move, QEvent.Type.Resize, QEvent.Type.Show, QEvent.Type.Hide):
            self._fit()
        return False

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._fit()

    def _fit(self, force: bool = False) -> None:
        if not self._whole:
            return
        shown = self.fontMetrics().elidedText(self._whole, Qt.TextElideMode.ElideMiddle, self.message_room())
        if force or shown != super().currentMessage():
            left_ms = 0 if self._deadline is None else max(1, round((self._deadline - time.monotonic()) * 1000))
            super().showMessage(shown, left_ms)
            self.setToolTip(self._whole if shown != self._whole else "")

    def _on_message_changed(self, shown: str) -> None:
        if not shown:
            self._whole = ""
            self.setToolTip("")


class StatusText:
    """Four labels in the status bar and the timer that refreshes them."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.source, self.models, self.speed, self.recording = QLabel(), QLabel(), QLabel(), QLabel()
        self.recording.setObjectName("statusRecording")
        window.setStatusBar(FittingStatusBar(window))
        for label in (self.source, self.models, self.speed, self.recording):
            window.statusBar().addPermanentWidget(label)
        self.timer = QTimer(window)
        self.timer.setInterval(1000 // STATUS_HZ)
        self.timer.timeout.connect(self.update)

    def source_room(self) -> int:
        return self.source.fontMetrics().averageCharWidth() * SOURCE_CHARS

    def update(self) -> None:
        w = self.window
        info = w.sources.info
        if info is None:
            source = "opening…" if w.sources.opening else "no source"
        else:
            state = "paused" if w.commands.pause.isChecked() else ("playing" if w.sources.running else "stopped")
            source = f"{info.name} ({state})"
        self.source.setText(self.source.fontMetrics().elidedText(f"Source: {source}", Qt.TextElideMode.ElideMiddle, self.source_room()))
        self.source.setToolTip(f"Source: {source}" if "…" in self.source.text() else "")
        active, second = w.processor.active_name, w.processor.compare_name
        models = active or ("loading…" if w.models.loading else "no model")
        if second:
            models = f"{active} vs {second}"
        self.models.setText(f"Model: {models}")
        fps = w.history.current_fps(active) if active else math.nan
        if w.last_frame is not None and math.isfinite(fps):
            size = w.processor.options.input_long_side
            self.speed.setText(f"{fps:.1f} FPS · input {size or 'original'}")
        else:
            self.speed.setText("")
        if w.recording.recording:
            seconds = int(w.recording.elapsed_s)
            recorder = w.recording.recorder
            written = recorder.frames_written if recorder else 0
            text = f"● REC {seconds // 60:02d}:{seconds % 60:02d}"
            self.recording.setText(text)
            w.controls.recording_label.setText(f"{text} · {written} frames")
        else:
            self.recording.setText("")
