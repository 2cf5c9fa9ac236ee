"""Start/stop recording of the annotated video with the core :class:`Recorder`.

The recorder is a sink of the inference worker's frame loop (``Recorder.write`` never blocks);
finalising a file can take a moment, so a user-initiated stop finishes on a background thread
while the video keeps running. Whatever ends a recording — the user, the source ending or failing,
a full disk, the window closing — goes through :meth:`RecordingController.stop`, which always
finalises the file.

What the user is told is what the file holds: after a write failure the frames are counted from
the finished file, ``failed`` carries "Recording stopped: disk full; 146 frames kept in …", and
``finished`` is only announced when a file was kept. A Record press just after a recording
stopped by itself is taken as the "stop" it was meant to be, not as the start of a new one.
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
from featherface_app.core.recovery import Repair, repair_folder

from .worker import InferenceWorker, Job, JobRunner

log = logging.getLogger(__name__)

CLOSE_TIMEOUT_S = 10.0
#: the reason the window gives when the user stops a recording (any other reason: it stopped by itself)
USER_STOP_REASON = "stopped by user"
CLOSE_REASON = "window closed"
#: a start asked for within this many seconds after a recording stopped by itself is refused once
RESTART_GRACE_S = 3.0


@dataclass(frozen=True)
class RecordingSummary:
    """What a finished recording left behind: ``frames`` is what the file really holds."""

    path: Path | None
    frames: int
    dropped: int
    reason: str
    error: str | None

    @property
    def message(self) -> str:
        """One line for the panel: "Saved NAME (N frames)", or the failure as it happened."""
        if self.error is not None:
            return self.error
        if self.path is None:
            return "Nothing was recorded"
        return f"Saved {self.path.name} ({self.frames} frames)"


def describe_repairs(repairs: list[Repair]) -> str:
    """ "Repaired 2 interrupted recordings (…): a.mkv, b.mkv" for the banner."""
    names = ", ".join(r.path.name for r in repairs[:3]) + (" …" if len(repairs) > 3 else "")
    plural = "s" if len(repairs) != 1 else ""
    return f"Repaired {len(repairs)} interrupted recording{plural} (now with a duration, so players can seek): {names}"


class _RecorderFeed:
    """The frame-loop sink that feeds a :class:`Recorder` (worker thread).

    Never raises: a recorder that failed refuses frames and reports through its ``on_error``, so
    the user hears about the failure once, with the frames really kept, after finalisation.
    """

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder

    def write(self, processed: ProcessedFrame) -> None:
        self.recorder.write(processed.image_bgr, processed.captured_ns)

    def close(self) -> None:
        """The controller finalises the recorder (off the worker thread)."""


class RecordingController(QObject):
    """Owns at most one running :class:`Recorder`. GUI thread.

    Signals: ``started(Path)``; ``finished(RecordingSummary)`` once the file is finalised and a
    file was kept; ``failed(str)`` when a recording cannot start, or broke off (disk full,
    encoder error) — then once the file is finalised, naming the frames really kept;
    ``repaired(str)`` after :meth:`repair` rewrote interrupted files.
    """

    started = Signal(object)
    finished = Signal(object)
    failed = Signal(str)
    repaired = Signal(str)
    _encoder_failed = Signal(object, str)

    def __init__(self, worker: InferenceWorker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.recorder: Recorder | None = None
        self._sink: _RecorderFeed | None = None
        self.started_s = 0.0
        self.paused = False
        self.restart_grace_s = RESTART_GRACE_S
        #: (monotonic s, what happened) of the last recording that stopped without the user
        self._stopped_by_itself: tuple[float, str] | None = None
        self.finaliser = JobRunner("recording-finaliser", self, finish_queued=True)
        self.finaliser.finished_job.connect(self._on_finalised)
        self.finaliser.failed_job.connect(lambda job, message: self.failed.emit(message))
        self._encoder_failed.connect(self._on_encoder_failed)
        worker.sink_failed.connect(self._on_sink_failed)
        self.finaliser.start()

    @property
    def recording(self) -> bool:
        return self.recorder is not None

    @property
    def elapsed_s(self) -> float:
        """Seconds of video in the file so far: the REC timer (it stands still while paused)."""
        return self.recorder.recorded_s if self.recorder is not None else 0.0

    def set_paused(self, paused: bool) -> None:
        """Pause/resume the running recording (and the next one): no frames, no timer, no gap."""
        self.paused = paused
        if self.recorder is not None:
            self.recorder.set_paused(paused)

    def start(self, folder: Path, fps: float, frame_size: tuple[int, int]) -> Path | None:
        """Open a new timestamped file in ``folder``; on failure emit ``failed`` and return None.

        Right after a recording stopped by itself (``restart_grace_s``), the first call is refused
        with a ``failed`` that says so: that key press was meant to stop the recording.
        """
        if self.recorder is not None:
            return self.recorder.path
        stopped, self._stopped_by_itself = self._stopped_by_itself, None
        if stopped is not None and time.monotonic() - stopped[0] < self.restart_grace_s:
            self.failed.emit(f"The recording had already stopped ({stopped[1]}); no new one was started. Press Record again to start a new recording.")
            return None
        try:
            recorder = Recorder(folder, fps, frame_size, on_error=self._on_error_callback)
            path = recorder.start()
        except RecordingError as exc:
            self.failed.emit(str(exc))
            return None
        recorder.set_paused(self.paused)
        self.recorder = recorder
        self.started_s = time.monotonic()
        self._sink = _RecorderFeed(recorder)
        self.worker.add_sink(self._sink)
        self.started.emit(path)
        return path

    def _on_error_callback(self, error: RecordingError) -> None:
        """Encoder thread: hand the failure to the GUI thread."""
        self._encoder_failed.emit(error, str(error))

    def _on_encoder_failed(self, error: RecordingError, message: str) -> None:
        if self.recorder is not None and self.recorder.error is error:
            log.info("recording broke off (%s); finalising what was written", message)
            self.stop("write failed")

    def _on_sink_failed(self, sink: object, message: str) -> None:
        """The frame loop dropped our sink (it raised): finalise the file."""
        if self.recorder is not None and sink is self._sink:
            self.stop("write failed")

    def stop(self, reason: str, wait: bool = False) -> RecordingSummary | None:
        """Stop feeding frames and finalise the file; ``wait`` does it now (window closing),
        otherwise on the finaliser thread, announced by ``finished`` / ``failed``."""
        recorder, self.recorder = self.recorder, None
        sink, self._sink = self._sink, None
        if sink is not None:
            self.worker.remove_sink(sink)
        if recorder is None:
            return None
        if wait:
            recorder.stop(CLOSE_TIMEOUT_S)
            summary = self._summary(recorder, reason)
            self._announce(summary)
            return summary
        self.finaliser.submit(Job("finalise", lambda: (recorder.stop(), self._summary(recorder, reason))[1]))
        return None

    def _on_finalised(self, job: Job, result: object) -> None:
        if job.kind == "repair":
            if isinstance(result, list) and result:
                self.repaired.emit(describe_repairs(result))
        elif isinstance(result, RecordingSummary):
            self._announce(result)

    def _announce(self, summary: RecordingSummary) -> None:
        if summary.reason not in (USER_STOP_REASON, CLOSE_REASON):
            self._stopped_by_itself = (time.monotonic(), summary.error or summary.reason)
        if summary.error is not None:
            self.failed.emit(summary.error)
        elif summary.path is None and summary.reason != CLOSE_REASON:
            self.failed.emit("Nothing was recorded: no frame arrived before the recording stopped, so no file was kept")
        if summary.path is not None:
            self.finished.emit(summary)

    @staticmethod
    def _summary(recorder: Recorder, reason: str) -> RecordingSummary:
        error = str(recorder.error) if recorder.error else None
        log.info("recording %s ended (%s): %d frames kept, %d dropped", recorder.path, reason, recorder.frames_kept, recorder.dropped)
        return RecordingSummary(recorder.path, recorder.frames_kept, recorder.dropped, reason, error)

    def repair(self, folder: Path) -> None:
        """Rewrite interrupted recordings in ``folder`` on the finaliser thread (files being
        recorded are skipped); announced by ``repaired`` when there were any."""
        self.finaliser.submit(Job("repair", lambda: repair_folder(folder)))

    def shutdown(self) -> bool:
        """Finalise a running recording now and wait for a finalisation already under way."""
        self.stop(CLOSE_REASON, wait=True)
        return self.finaliser.stop(int(CLOSE_TIMEOUT_S * 1000) + 2000)
