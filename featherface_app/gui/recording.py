"""Start/stop recording of the annotated video with the core :class:`Recorder`.

The inference worker feeds the recorder (``Recorder.write`` never blocks); finalising a file can
take a moment, so a user-initiated stop finishes on a background thread while the video keeps
running. Whatever ends a recording — the user, the source ending or failing, a full disk, the
window closing — goes through :meth:`RecordingController.stop`, which always finalises the file.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from featherface_app.core.errors import RecordingError
from featherface_app.core.pipeline import ProcessedFrame
from featherface_app.core.recorder import Recorder

from .worker import InferenceWorker, Job, JobRunner

log = logging.getLogger(__name__)

CLOSE_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class RecordingSummary:
    """What a finished recording left behind."""

    path: Path | None
    frames: int
    dropped: int
    reason: str
    error: str | None


class RecordingController(QObject):
    """Owns at most one running :class:`Recorder`. GUI thread.

    Signals: ``started(Path)``, ``finished(RecordingSummary)`` once the file is finalised,
    ``failed(str)`` when a recording cannot start or breaks off (disk full, encoder error).
    """

    started = Signal(object)
    finished = Signal(object)
    failed = Signal(str)
    _encoder_failed = Signal(object, str)

    def __init__(self, worker: InferenceWorker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.recorder: Recorder | None = None
        self.started_s = 0.0
        self.finaliser = JobRunner("recording-finaliser", self, finish_queued=True)
        self.finaliser.finished_job.connect(self._on_finalised)
        self.finaliser.failed_job.connect(lambda job, message: self.failed.emit(message))
        self._encoder_failed.connect(self._on_encoder_failed)
        self.finaliser.start()

    @property
    def recording(self) -> bool:
        return self.recorder is not None

    @property
    def elapsed_s(self) -> float:
        return time.monotonic() - self.started_s if self.recorder is not None else 0.0

    def start(self, folder: Path, fps: float, frame_size: tuple[int, int]) -> Path | None:
        """Open a new timestamped file in ``folder``; on failure emit ``failed`` and return None."""
        if self.recorder is not None:
            return self.recorder.path
        try:
            recorder = Recorder(folder, fps, frame_size, on_error=self._on_error_callback)
            path = recorder.start()
        except RecordingError as exc:
            self.failed.emit(str(exc))
            return None
        self.recorder = recorder
        self.started_s = time.monotonic()
        self.worker.set_sink(self._write)
        self.started.emit(path)
        return path

    def _write(self, processed: ProcessedFrame) -> None:
        """Worker thread: queue the annotated frame, timed by its capture time."""
        recorder = self.recorder
        if recorder is not None:
            recorder.write(processed.image_bgr, processed.captured_ns)

    def _on_error_callback(self, error: RecordingError) -> None:
        """Encoder thread: hand the failure to the GUI thread."""
        self._encoder_failed.emit(error, str(error))

    def _on_encoder_failed(self, error: RecordingError, message: str) -> None:
        if self.recorder is not None and self.recorder.error is error:
            self.failed.emit(message)
            self.stop("write failed")

    def stop(self, reason: str, wait: bool = False) -> RecordingSummary | None:
        """Stop feeding frames and finalise the file; ``wait`` does it now (window closing),
        otherwise on the finaliser thread, announced by ``finished``."""
        recorder, self.recorder = self.recorder, None
        self.worker.set_sink(None)
        if recorder is None:
            return None
        if wait:
            recorder.stop(CLOSE_TIMEOUT_S)
            summary = self._summary(recorder, reason)
            self.finished.emit(summary)
            return summary
        self.finaliser.submit(Job("finalise", lambda: (recorder.stop(), self._summary(recorder, reason))[1]))
        return None

    def _on_finalised(self, job: Job, summary: RecordingSummary) -> None:
        self.finished.emit(summary)

    @staticmethod
    def _summary(recorder: Recorder, reason: str) -> RecordingSummary:
        error = str(recorder.error) if recorder.error else None
        log.info("recording %s ended (%s): %d frames, %d dropped", recorder.path, reason, recorder.frames_written, recorder.dropped)
        return RecordingSummary(recorder.path, recorder.frames_written, recorder.dropped, reason, error)

    def shutdown(self) -> bool:
        """Finalise a running recording now and wait for a finalisation already under way."""
        self.stop("window closed", wait=True)
        return self.finaliser.stop(int(CLOSE_TIMEOUT_S * 1000) + 2000)
