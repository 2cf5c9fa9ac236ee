"""Threads the GUI owns: the inference worker and a background job runner.

:class:`InferenceWorker` drives the core :class:`~featherface_app.core.loop.FrameLoop` (newest
frame from the capture mailbox → processor → sinks); its last sink hands the annotated result to
the GUI — only after the GUI acknowledged the previous one, so a slow paint drops frames instead of
queueing them. :class:`JobRunner` runs blocking calls (loading a model, opening a camera,
finalising a recording) so the GUI thread never waits on them.

Both stop cooperatively: ``stop()`` sets a flag the loop checks at least every
:data:`POLL_S` seconds, then waits for the thread.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from featherface_app.core.errors import ModelRetiredError, describe
from featherface_app.core.loop import POLL_S, FrameLoop, Sink
from featherface_app.core.mailbox import LatestMailbox
from featherface_app.core.pipeline import FrameProcessor, ProcessedFrame
from featherface_app.core.sources import Frame

log = logging.getLogger(__name__)

STOP_TIMEOUT_MS = 5000

__all__ = ["POLL_S", "InferenceWorker", "Job", "JobRunner", "describe"]


class _ViewSink:
    """The loop's last sink: hands the frame to the GUI thread and closes the gate until the
    GUI acknowledges it (worker thread)."""

    def __init__(self, worker: InferenceWorker) -> None:
        self.worker = worker

    def write(self, processed: ProcessedFrame) -> None:
        self.worker._consumed.clear()
        self.worker.frame_ready.emit(processed)

    def close(self) -> None:
        """The view outlives the loop."""


class InferenceWorker(QThread):
    """Drives the core :class:`FrameLoop` on the newest frame; lives on its own thread.

    Signals (queued to the GUI thread): ``frame_ready(ProcessedFrame)``; ``failed(str)`` when a
    frame cannot be processed (reported once per distinct message, the loop goes on);
    ``sink_failed(sink, str)`` when a sink (the recorder) raised — the loop has removed it;
    ``model_retired(name, fallback)`` (before ``failed``) when the processor took a failing model
    off, so the model selection can follow.
    """

    frame_ready = Signal(object)
    failed = Signal(str)
    sink_failed = Signal(object, str)
    model_retired = Signal(str, object)

    def __init__(self, processor: FrameProcessor, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("InferenceWorker")
        self.processor = processor
        self._consumed = threading.Event()
        self._consumed.set()
        self._stop = threading.Event()
        self._last_error = ""
        self.loop = FrameLoop(processor, sinks=[_ViewSink(self)], on_error=self._on_error, on_sink_failed=self._on_sink_failed)

    @property
    def frames_processed(self) -> int:
        return self.loop.frames_processed

    @property
    def errors(self) -> int:
        return self.loop.errors

    # -- control, from the GUI thread --------------------------------------------------------
    def set_mailbox(self, mailbox: LatestMailbox[Frame] | None) -> None:
        """Read frames from ``mailbox`` from now on (None: idle)."""
        self.loop.set_mailbox(mailbox)

    def add_sink(self, sink: Sink) -> None:
        """Also pass every processed frame to ``sink`` on the worker thread, before the view."""
        self.loop.add_sink(sink, first=True)

    def remove_sink(self, sink: Sink) -> None:
        self.loop.remove_sink(sink)

    def acknowledge(self) -> None:
        """The GUI has taken the last frame; the worker may deliver the next one."""
        self._consumed.set()

    def stop(self, timeout_ms: int = STOP_TIMEOUT_MS) -> bool:
        """Ask the loop to end and wait for it; True when the thread has finished."""
        self._stop.set()
        self._consumed.set()
        return self.wait(timeout_ms) if self.isRunning() else True

    # -- the worker thread ---------------------------------------------------------------------
    def run(self) -> None:
        try:
            while not self._stop.is_set():
                if not self._consumed.wait(POLL_S):
                    continue
                if self.loop.step(POLL_S) is not None:
                    self._last_error = ""
        finally:
            self.processor.close()  # compare mode's second inference thread, if it runs

    def _on_error(self, exc: Exception, frame: Frame) -> None:
        if isinstance(exc, ModelRetiredError):
            self.model_retired.emit(exc.model, exc.fallback)
        message = describe(exc)
        if message != self._last_error:
            log.error("processing frame %d failed: %s", frame.index, message)
            self.failed.emit(message)
            self._last_error = message

    def _on_sink_failed(self, sink: Sink, exc: Exception) -> None:
        self.sink_failed.emit(sink, describe(exc))


@dataclass
class Job:
    """A blocking call to run off the GUI thread. ``discard`` disposes of a result nobody wants
    (e.g. closes a source that finished opening after the window closed)."""

    kind: str
    call: Callable[[], Any]
    context: dict[str, Any] = field(default_factory=dict)
    discard: Callable[[Any], None] | None = None


class JobRunner(QThread):
    """Runs :class:`Job` s one after another on its own thread.

    On ``stop`` queued jobs are skipped, unless ``finish_queued`` (jobs that must not be lost,
    such as finalising a recording).

    ``finished_job(job, result)`` / ``failed_job(job, message)`` arrive on the GUI thread.
    """

    finished_job = Signal(object, object)
    failed_job = Signal(object, str)

    def __init__(self, name: str, parent: QObject | None = None, finish_queued: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.finish_queued = finish_queued
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._stopping = threading.Event()

    def submit(self, job: Job) -> None:
        if self._stopping.is_set():
            return
        self._queue.put(job)

    def stop(self, timeout_ms: int = STOP_TIMEOUT_MS) -> bool:
        """Skip queued jobs (see ``finish_queued``), let the running one finish, wait."""
        self._stopping.set()
        self._queue.put(None)
        return self.wait(timeout_ms) if self.isRunning() else True

    def run(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            if self._stopping.is_set() and not self.finish_queued:  # never started: nothing to dispose of
                continue
            try:
                result = job.call()
            except Exception as exc:
                log.info("%s job failed: %s", job.kind, describe(exc))
                if not self._stopping.is_set():
                    self.failed_job.emit(job, describe(exc))
                continue
            if self._stopping.is_set():
                if job.discard is not None:
                    try:
                        job.discard(result)
                    except Exception:
                        log.exception("discarding the result of a %s job failed", job.kind)
                continue
            self.finished_job.emit(job, result)
