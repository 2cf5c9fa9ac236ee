"""Threads the GUI owns: the inference worker and a background job runner.

:class:`InferenceWorker` takes the newest frame from the capture mailbox, runs the core
:class:`~featherface_app.core.pipeline.FrameProcessor` on it and hands the annotated result to the
GUI — only after the GUI acknowledged the previous one, so a slow paint drops frames instead of
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

from featherface_app.core.errors import FeatherFaceError
from featherface_app.core.mailbox import LatestMailbox
from featherface_app.core.pipeline import FrameProcessor, ProcessedFrame
from featherface_app.core.sources import Frame

log = logging.getLogger(__name__)

POLL_S = 0.05
STOP_TIMEOUT_MS = 5000

FrameSink = Callable[[ProcessedFrame], None]


def describe(exc: BaseException) -> str:
    """A message for the user: our own errors already read well, others get their type name."""
    if isinstance(exc, FeatherFaceError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


class InferenceWorker(QThread):
    """Runs ``processor.process`` on the newest frame; lives on its own thread.

    Signals (queued to the GUI thread): ``frame_ready(ProcessedFrame)``; ``failed(str)`` when a
    frame cannot be processed (reported once per distinct message, the loop goes on);
    ``sink_failed(str)`` when the frame sink (the recorder) raised — the sink is then removed.
    """

    frame_ready = Signal(object)
    failed = Signal(str)
    sink_failed = Signal(str)

    def __init__(self, processor: FrameProcessor, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("InferenceWorker")
        self.processor = processor
        self._lock = threading.Lock()
        self._mailbox: LatestMailbox[Frame] | None = None
        self._sink: FrameSink | None = None
        self._consumed = threading.Event()
        self._consumed.set()
        self._stop = threading.Event()
        self.frames_processed = 0
        self.errors = 0

    # -- control, from the GUI thread --------------------------------------------------------
    def set_mailbox(self, mailbox: LatestMailbox[Frame] | None) -> None:
        """Read frames from ``mailbox`` from now on (None: idle)."""
        with self._lock:
            self._mailbox = mailbox

    def set_sink(self, sink: FrameSink | None) -> None:
        """Also pass every processed frame to ``sink`` on the worker thread (the recorder)."""
        with self._lock:
            self._sink = sink

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
        last_error = ""
        while not self._stop.is_set():
            if not self._consumed.wait(POLL_S):
                continue
            with self._lock:
                mailbox = self._mailbox
            if mailbox is None:
                self._stop.wait(POLL_S)
                continue
            frame = mailbox.take(timeout=POLL_S)
            if frame is None or self._stop.is_set():
                continue
            try:
                processed = self.processor.process(frame)
            except Exception as exc:  # every fault reaches the user; the loop carries on
                self.errors += 1
                message = describe(exc)
                if message != last_error:
                    log.error("processing frame %d failed: %s", frame.index, message)
                    self.failed.emit(message)
                    last_error = message
                continue
            last_error = ""
            self.frames_processed += 1
            self._feed_sink(processed)
            self._consumed.clear()
            self.frame_ready.emit(processed)

    def _feed_sink(self, processed: ProcessedFrame) -> None:
        with self._lock:
            sink = self._sink
        if sink is None:
            return
        try:
            sink(processed)
        except Exception as exc:
            with self._lock:
                if self._sink is sink:
                    self._sink = None
            log.error("frame sink failed: %s", exc)
            self.sink_failed.emit(describe(exc))


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
