"""The Record button: start and stop through :class:`~.recording.RecordingController`, and keep
the button, the panel and the messages in step with what the recording really did. GUI thread."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .recording import RecordingSummary

if TYPE_CHECKING:
    from .main_window import MainWindow


class RecordControl:
    """Connects the record action to the recording controller; see the module docstring."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window

    def connect(self) -> None:
        w = self.window
        w.commands.record.toggled.connect(self._on_toggled)
        w.recording.started.connect(self._on_started)
        w.recording.finished.connect(self._on_finished)
        w.recording.failed.connect(self._on_failed)

    def _on_toggled(self, on: bool) -> None:
        w = self.window
        if on == w.recording.recording:
            return
        if not on:
            w.recording.stop("stopped by user")
            return
        image = w.view.image_bgr
        info = w.sources.info
        if image is None or info is None:
            self.set_checked(False)
            w.show_warning("Nothing to record yet: no video is playing.")
            return
        last = w.last_frame
        fps = info.fps if info.fps > 0 else (last.fps if last is not None and last.fps > 0 else 30.0)
        height, width = image.shape[:2]
        if w.recording.start(w.output_dir(), fps, (width, height)) is None:
            self.set_checked(False)

    def set_checked(self, on: bool) -> None:
        """Show the recording state on the button without starting or stopping anything."""
        record = self.window.commands.record
        record.blockSignals(True)
        record.setChecked(on)
        record.blockSignals(False)
        self.window.commands.set_icon(record, "stop" if on else "record")
        record.setText("Stop &recording" if on else "&Record")

    def _on_started(self, path: Path) -> None:
        self.set_checked(True)
        self.window.show_info(f"Recording to {path}")

    def _on_finished(self, summary: RecordingSummary) -> None:
        w = self.window
        if not w.recording.recording:
            self.set_checked(False)
        w.last_recording = summary
        w.controls.recording_label.setText(summary.message)
        w.show_info(f"{summary.message} ({summary.reason})")

    def _on_failed(self, message: str) -> None:
        if not self.window.recording.recording:
            self.set_checked(False)
        self.window.controls.recording_label.setText(message.splitlines()[0])
        self.window.show_error(message)
