"""The status bar's permanent text — source, models, speed, recording — refreshed a few times a
second from what the window already knows (never per frame). GUI thread."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel

if TYPE_CHECKING:
    from .main_window import MainWindow

STATUS_HZ = 4


class StatusText:
    """Four labels in the status bar and the timer that refreshes them."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.source, self.models, self.speed, self.recording = QLabel(), QLabel(), QLabel(), QLabel()
        self.recording.setObjectName("statusRecording")
        for label in (self.source, self.models, self.speed, self.recording):
            window.statusBar().addPermanentWidget(label)
        self.timer = QTimer(window)
        self.timer.setInterval(1000 // STATUS_HZ)
        self.timer.timeout.connect(self.update)

    def update(self) -> None:
        w = self.window
        info = w.sources.info
        if info is None:
            source = "opening…" if w.sources.opening else "no source"
        else:
            state = "paused" if w.commands.pause.isChecked() else ("playing" if w.sources.running else "stopped")
            source = f"{info.name} ({state})"
        self.source.setText(f"Source: {source}")
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
