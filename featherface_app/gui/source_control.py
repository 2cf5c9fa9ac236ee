"""Opens frame sources off the GUI thread and runs the core capture loop for the current one.

Opening a camera can take seconds, so :meth:`SourceController.open` only queues the request; the
current source keeps playing until the new one has opened, and a source that fails to open leaves
it untouched. The core :class:`~featherface_app.core.capture.CaptureLoop` calls back on its own
thread; those calls become Qt signals here, tagged with a generation number so a late callback
from a source already replaced is ignored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal

from featherface_app.core.capture import CaptureLoop
from featherface_app.core.errors import SourceError
from featherface_app.core.mailbox import LatestMailbox
from featherface_app.core.sources import Frame, FrameSource, ImageSource, PausableSource, VideoFileSource, is_stream_url, open_source, redact_url

from .worker import InferenceWorker, Job, JobRunner, describe

log = logging.getLogger(__name__)

CAPTURE_STOP_TIMEOUT_S = 3.0
#: how often a lost camera is tried again
RECONNECT_INTERVAL_MS = 2000


def reconnectable(spec: str) -> bool:
    """Sources that may come back by themselves: cameras (re-plugged) and network streams."""
    return spec.startswith("camera:") or is_stream_url(spec)


__all__ = ["PausableSource", "Position", "SourceController", "SourceInfo", "reconnectable"]


@dataclass(frozen=True)
class Position:
    """Where a video file is: for a position slider (``frame`` of ``frames``, ``ms`` of ``duration_ms``)."""

    frame: int
    frames: int
    ms: float
    duration_ms: float
    loop: bool


@dataclass(frozen=True)
class SourceInfo:
    """What the window shows about the running source."""

    spec: str
    name: str
    fps: float
    live: bool


class SourceController(QObject):
    """Owns the current source, its capture loop and mailbox; lives on the GUI thread.

    A still image is held: its frame is read only on :meth:`rerun` (the window calls it when the
    image opened and whenever a setting that changes the result changed).

    Signals: ``opened(SourceInfo)``; ``open_failed(spec, message)`` (the previous source, if any,
    still runs); ``ended(SourceInfo)`` when a file reaches its end; ``lost(SourceInfo, message)``
    when a running source faults (camera unplugged, stream dropped, file damaged); a lost camera
    or network stream is then tried again every ``RECONNECT_INTERVAL_MS`` until it opens
    (``reconnected(SourceInfo)``) or the user opens another source. Stream URLs are logged
    without their credentials.
    """

    opened = Signal(object)
    open_failed = Signal(str, str)
    ended = Signal(object)
    lost = Signal(object, str)
    reconnected = Signal(object)
    _capture_ended = Signal(int)
    _capture_failed = Signal(int, str)

    def __init__(self, worker: InferenceWorker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.opener = JobRunner("source-opener", self)
        self.opener.finished_job.connect(self._on_opened)
        self.opener.failed_job.connect(self._on_open_failed)
        self._capture_ended.connect(self._on_capture_ended)
        self._capture_failed.connect(self._on_capture_failed)
        self._generation = 0
        self._loop: CaptureLoop | None = None
        self._source: PausableSource | None = None
        self._paused = False
        #: the source is a still image: its frame goes through the models once, and again only
        #: when :meth:`rerun` is called (something that changes the result changed)
        self.still = False
        self.still_size_wh: tuple[int, int] | None = None
        self.info: SourceInfo | None = None
        self.opening: str | None = None
        self._shut_down = False
        self._camera_size = (640, 480)
        #: the lost camera being tried again (None: not reconnecting)
        self.reconnecting: str | None = None
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.setInterval(RECONNECT_INTERVAL_MS)
        self._retry.timeout.connect(self._try_reconnect)
        self.opener.start()

    @property
    def running(self) -> bool:
        return self._loop is not None and self._loop.running

    @property
    def held(self) -> bool:
        """Paused, and the capture thread is waiting for the resume (no frame in flight)."""
        return self._source is not None and self._source.holding.is_set()

    @property
    def capture_loop(self) -> CaptureLoop | None:
        return self._loop

    def open(self, spec: str, width: int = 640, height: int = 480) -> None:
        """Queue opening ``spec`` (``sample``, ``camera:N`` or a path); answered by a signal."""
        self._stop_reconnecting()
        self.opening = spec
        self._camera_size = (width, height)
        self.opener.submit(self._open_job("source", spec, width, height))

    @staticmethod
    def _open_job(kind: str, spec: str, width: int, height: int) -> Job:
        return Job(
            kind,
            lambda: open_source(spec, width=width, height=height, realtime=True),
            {"spec": spec},
            discard=lambda source: source.close() if source is not None else None,
        )

    def _try_reconnect(self) -> None:
        if self.reconnecting is not None and not self._shut_down:
            self.opener.submit(self._open_job("reconnect", self.reconnecting, *self._camera_size))

    def _stop_reconnecting(self) -> None:
        self.reconnecting = None
        self._retry.stop()

    def set_paused(self, paused: bool) -> None:
        self._paused = paused
        if self._source is not None:
            self._source.pause(paused or self.still)

    def rerun(self) -> None:
        """A still image: put its frame through the models once more (a model, threshold, input
        size or the landmarks changed). No-op for video; several calls before the frame went
        through still give one run."""
        if self.still and self._source is not None and not self._source.has_steps():
            self._source.step(1)

    # -- playback of video files (a position slider, a loop toggle, frame steps) ----------------
    def _file(self) -> VideoFileSource | None:
        inner = self._source.inner if self._source is not None else None
        return inner if isinstance(inner, VideoFileSource) else None

    def position(self) -> Position | None:
        """Where the playing video file is; None for cameras, streams and images."""
        video = self._file()
        if video is None:
            return None
        return Position(video.position_frame, video.frame_count, video.position_ms, video.duration_ms, video.loop)

    def seek_ms(self, position_ms: float) -> None:
        """Jump the playing file to ``position_ms`` (shown even while paused); SourceError if
        the source is not a file."""
        if self._source is None:
            raise SourceError("Nothing is playing")
        self._source.seek_ms(position_ms)

    def step(self, frames: int = 1) -> None:
        """While paused: show the frame ``frames`` away (1: next, -1: previous)."""
        if self._source is None:
            raise SourceError("Nothing is playing")
        self._source.step(frames)

    def set_loop(self, loop: bool) -> None:
        """Play the current file again from the start when it ends (no-op for other sources)."""
        video = self._file()
        if video is not None:
            video.loop = loop

    def _on_opened(self, job: Job, source: FrameSource) -> None:
        spec = str(job.context["spec"])
        if job.kind == "reconnect":
            if self.reconnecting != spec or self._shut_down:  # the user moved on meanwhile
                source.close()
                return
            self.play(source, spec)
            log.info("%s is back", redact_url(spec))
            self.reconnected.emit(self.info)
            return
        if job.kind != "source":
            return
        if self.opening == spec:
            self.opening = None
        if self._shut_down:  # opened just before the window closed; its signal came after
            source.close()
            return
        self.play(source, spec)

    def play(self, source: FrameSource, spec: str) -> None:
        """Replace the current source with an already opened one (this controller now owns it)."""
        self._stop_reconnecting()
        self.stop()
        self._generation += 1
        generation = self._generation
        wrapped = PausableSource(source)
        # a still image is held like a paused video: a frame goes through on each rerun(), the
        # first one when a listener of ``opened`` (the window's input policy) has set the options
        self.still = isinstance(source, ImageSource)
        self.still_size_wh = source.size_wh if isinstance(source, ImageSource) else None
        wrapped.pause(self._paused or self.still)
        mailbox: LatestMailbox[Frame] = LatestMailbox()
        self._loop = CaptureLoop(
            wrapped,
            mailbox,
            on_error=lambda exc: self._capture_failed.emit(generation, describe(exc)),
            on_end=lambda: self._capture_ended.emit(generation),
            realtime=True,
        )
        self._source = wrapped
        self.info = SourceInfo(spec, source.name, source.fps, source.live)
        self.worker.set_mailbox(mailbox)
        self._loop.start()
        log.info("playing %s (%s, %.1f fps)", redact_url(spec), source.name, source.fps)
        self.opened.emit(self.info)

    def _on_open_failed(self, job: Job, message: str) -> None:
        if job.kind == "reconnect":
            if self.reconnecting == job.context["spec"] and not self._shut_down:
                self._retry.start()  # still gone: try again later, quietly
            return
        if job.kind != "source":
            return
        spec = str(job.context["spec"])
        if self.opening == spec:
            self.opening = None
        self.open_failed.emit(spec, message)

    def _on_capture_ended(self, generation: int) -> None:
        if generation == self._generation and self.info is not None:
            self.ended.emit(self.info)

    def _on_capture_failed(self, generation: int, message: str) -> None:
        if generation == self._generation and self.info is not None:
            self.stop()  # the loop is ending by itself: join it so ``running`` is false for listeners
            if reconnectable(self.info.spec):
                self.reconnecting = self.info.spec
                self._retry.start()
            self.lost.emit(self.info, message)

    def stop(self) -> bool:
        """Stop capturing and release the source (the loop closes it); True when it stopped in time."""
        self.worker.set_mailbox(None)
        loop, source = self._loop, self._source
        self._loop = self._source = None
        self._generation += 1  # callbacks still in flight from the old loop are ignored
        if loop is None:
            return True
        if source is not None:
            source.release()
        return loop.stop(CAPTURE_STOP_TIMEOUT_S)

    def shutdown(self) -> bool:
        """Stop capture and the opener thread (a source still opening is closed when it arrives)."""
        self._shut_down = True
        self._stop_reconnecting()
        stopped = self.stop()
        return self.opener.stop() and stopped
