"""Crash-safe recording of annotated frames: H.264 (libx264, shipped in PyAV's wheels) in Matroska.

Why Matroska: a Matroska file is a header followed by self-contained clusters; a player can
decode every complete cluster without an index, so a file cut off anywhere (``kill -9``, full
disk, power to the process lost) plays up to its last complete cluster. We close a cluster every
``CLUSTER_MS`` (0.5 s) and flush each packet to the OS (``flush_packets``), and x264 runs with
``tune=zerolatency`` (no look-ahead, no B-frames) and a one-second GOP, so at most about half a
second is lost. A normal ``stop()`` also writes the index (cues) and duration. Fragmented MP4
would be as safe but only at fragment (keyframe) granularity and with less tolerant demuxers;
OpenCV's own writer cannot produce H.264 at all with the pip wheels.

A file cut off that way has no duration and no index (players show no length and cannot seek);
:mod:`.recovery` rewrites such files at the next start. While a recording runs, its file holds an
advisory lock (``flock``) so that repair never touches a file another process is still writing.

Encoding runs on its own thread behind a bounded queue: ``write()`` never blocks the inference
thread (unless asked to) and counts the frames it had to drop. Timestamps come from the frames'
capture times when given, so the file plays at real speed even when inference is slower than the
source; the stream's nominal rate is the source frame rate. A pause (``set_paused``) leaves no
frozen gap in the file. Frames of another size than the first (compare mode turned on) are fitted
into the stream's canvas with black borders, keeping their aspect.

When writing fails (disk full, file size limit), the file is closed, the frames it really holds
are counted (``frames_kept``), and ``error`` says what happened in words a user can act on:
"Recording stopped: disk full; 146 frames kept in …".
"""

from __future__ import annotations

import datetime as dt
import errno
import logging
import os
import queue
import shutil
import threading
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any, cast

import av
import cv2
import numpy as np
import numpy.typing as npt

from .errors import RecordingError

log = logging.getLogger(__name__)

CLUSTER_MS = 500
DEFAULT_FPS = 30.0
QUEUE_FRAMES = 64
STOP_TIMEOUT_S = 20.0
_TIME_BASE = Fraction(1, 1000)  # Matroska's native millisecond clock
#: a recording is not started with less free space than this (the next one after a full disk)
MIN_FREE_BYTES = 2 * 1024 * 1024
_DISK_FULL = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})

try:  # POSIX advisory locks; elsewhere a running recording is only protected by its name
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


def write_failure_reason(exc: BaseException) -> str:
    """Why a write failed, in words: "disk full", "file size limit reached (File too large)"..."""
    code = getattr(exc, "errno", None)
    detail = getattr(exc, "strerror", None) or str(exc)
    if code in _DISK_FULL:
        return "disk full"
    if code == errno.EFBIG:
        return f"file size limit reached ({detail})"
    return detail


def lock_file(path: Path) -> int | None:
    """Take an exclusive advisory lock on ``path``; returns the descriptor holding it, or None
    where locks are not available. Raises BlockingIOError when another holder has it."""
    if fcntl is None:
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise
    return fd


def unlock_file(fd: int | None) -> None:
    if fd is not None:
        os.close(fd)  # closing the descriptor releases the flock


def count_packets(path: Path) -> int:
    """Video packets (frames) a player can read from ``path``, stopping at a cut-off end."""
    count = 0
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                return 0
            try:
                for packet in container.demux(container.streams.video[0]):
                    count += packet.size > 0
            except (av.FFmpegError, OSError):  # the last cluster was cut off mid-way
                pass
    except (av.FFmpegError, OSError):
        return 0
    return count


def check_output_folder(folder: Path | str) -> Path:
    """Create ``folder`` if needed and prove a file can be written there; returns it.

    Raises :class:`RecordingError` naming the folder and the reason (read-only, not a folder,
    under ``/proc``, disk full). Used when a folder is chosen and at start-up, before it is
    remembered.
    """
    folder = Path(folder).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not folder.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "not a folder")
        probe = folder / f".featherface-write-test-{os.getpid()}"
        try:
            with open(probe, "wb") as handle:  # no fsync: a slow or network disk must not stall start-up
                handle.write(b"x")
        finally:
            probe.unlink(missing_ok=True)
    except (OSError, ValueError) as exc:
        raise RecordingError(f"Cannot write into {folder}: {getattr(exc, 'strerror', None) or exc}") from exc
    _check_free_space(folder)
    return folder


def _check_free_space(folder: Path) -> None:
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return  # cannot tell; the first write will say
    if free < MIN_FREE_BYTES:
        raise RecordingError(f"Cannot record into {folder}: the disk is full ({free // 1024} kB free)")


def timestamped_name(prefix: str = "featherface", suffix: str = ".mkv", now: dt.datetime | None = None) -> str:
    return f"{prefix}_{(now or dt.datetime.now()).strftime('%Y%m%d-%H%M%S')}{suffix}"


def _even(value: int) -> int:
    return max(2, value + (value % 2))


def fit_into(image: npt.NDArray[np.uint8], width: int, height: int) -> npt.NDArray[np.uint8]:
    """``image`` scaled to fit a ``width`` x ``height`` canvas with its aspect kept, centred on
    black borders (letterbox / pillarbox). Returns ``image`` itself when it already fits exactly."""
    h, w = image.shape[:2]
    if (w, h) == (width, height):
        return image
    scale = min(width / w, height / h)
    new_w, new_h = max(1, min(width, round(w * scale))), max(1, min(height, round(h * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    scaled = cv2.resize(image, (new_w, new_h), interpolation=interpolation)
    canvas = np.zeros((height, width, 3), np.uint8)
    top, left = (height - new_h) // 2, (width - new_w) // 2
    canvas[top : top + new_h, left : left + new_w] = scaled
    return canvas


def _reserve(folder: Path, name: str) -> Path:
    """Create an empty file named ``name`` (``-1``, ``-2``… appended if taken) and return it."""
    stem, suffix = Path(name).stem, Path(name).suffix
    for attempt in range(1000):
        path = folder / (name if attempt == 0 else f"{stem}-{attempt}{suffix}")
        try:
            with open(path, "xb"):
                return path
        except FileExistsError:
            continue
    raise RecordingError(f"Cannot find a free file name for {name} in {folder}")


class Recorder:
    """Records BGR frames to ``folder/featherface_YYYYmmdd-HHMMSS.mkv`` (or ``path``).

    ``frame_size`` is (width, height); frames of another size are fitted into it with their
    aspect kept (black borders; odd sizes are padded up to even, as H.264 needs). ``on_error`` is
    called once, on the encoder thread, when writing fails mid-way; the recording then stops by
    itself and keeps what was written, and after ``stop()`` ``error`` holds the final account
    (reason, frames kept, file). ``start`` raises :class:`RecordingError` when the folder cannot
    be written or the disk is full.
    """

    def __init__(
        self,
        folder: Path | str,
        fps: float,
        frame_size: tuple[int, int],
        *,
        path: Path | str | None = None,
        queue_frames: int = QUEUE_FRAMES,
        crf: int = 23,
        on_error: Callable[[RecordingError], None] | None = None,
    ) -> None:
        self.folder = Path(folder)
        self.fps = fps if fps and fps > 0 else DEFAULT_FPS
        width, height = frame_size
        if width < 1 or height < 1:
            raise RecordingError(f"Cannot record frames of size {width}x{height}")
        self.frame_size = (int(width), int(height))
        self.crf = crf
        self.on_error = on_error
        self._requested_path = Path(path) if path is not None else None
        self.path: Path | None = None
        self.frames_written = 0
        #: frames the finished file really holds (counted from the file after a write failure)
        self.frames_kept = 0
        self.dropped = 0
        self.error: RecordingError | None = None
        self._reason = "write failed"
        #: media time covered by the frames written so far, in seconds (pauses excluded)
        self.recorded_s = 0.0
        self._paused = False
        #: counts resumes; frames carry it so the encoder knows which came after a pause
        self._epoch = 0
        self._lock_fd: int | None = None
        self._queue: queue.Queue[tuple[npt.NDArray[np.uint8], int | None, int] | None] = queue.Queue(maxsize=queue_frames)
        self._accepting = False
        self._thread: threading.Thread | None = None
        self._container: av.container.OutputContainer | None = None
        self._stream: av.video.stream.VideoStream | None = None

    # -- control (any one thread) -----------------------------------------------------------
    def start(self) -> Path:
        """Open the file; raises :class:`RecordingError` naming the folder and the reason."""
        if self._thread is not None:
            raise RecordingError("This recorder was already started; make a new one")
        try:
            if self._requested_path is not None:
                self._requested_path.parent.mkdir(parents=True, exist_ok=True)
                self._requested_path.touch()
                path = self._requested_path
            else:
                self.folder.mkdir(parents=True, exist_ok=True)
                _check_free_space(self.folder)
                path = _reserve(self.folder, timestamped_name())
        except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
            where = self._requested_path or self.folder
            raise RecordingError(f"Cannot record into {where}: {getattr(exc, 'strerror', None) or exc}") from exc
        try:
            self._lock_fd = lock_file(path)
        except OSError as exc:
            log.warning("cannot lock %s (%s); a repair at the next start might touch it", path, exc)
        try:
            container = av.open(str(path), "w", format="matroska", options={"cluster_time_limit": str(CLUSTER_MS), "flush_packets": "1"})
            stream = container.add_stream("libx264", rate=Fraction(self.fps).limit_denominator(1001))
            stream.width, stream.height = (_even(v) for v in self.frame_size)
            stream.pix_fmt = "yuv420p"
            stream.time_base = _TIME_BASE
            stream.codec_context.time_base = _TIME_BASE
            stream.options = {"preset": "veryfast", "tune": "zerolatency", "crf": str(self.crf), "g": str(max(1, round(self.fps)))}
        except (av.FFmpegError, OSError, ValueError) as exc:
            unlock_file(self._lock_fd)
            self._lock_fd = None
            path.unlink(missing_ok=True)
            raise RecordingError(f"Cannot start recording to {path}: {exc}") from exc
        self._container, self._stream, self.path = container, stream, path
        self._accepting = True
        self._thread = threading.Thread(target=self._run, name="recorder", daemon=True)
        self._thread.start()
        log.info("recording to %s at %.2f fps, %dx%d", path, self.fps, stream.width, stream.height)
        return path

    @property
    def recording(self) -> bool:
        return self._accepting

    @property
    def paused(self) -> bool:
        return self._paused

    def set_paused(self, paused: bool) -> None:
        """While paused ``write`` refuses frames (uncounted); on resume the next frame follows the
        last one by one frame period, so the pause leaves no frozen stretch in the file and
        ``recorded_s`` does not run on. Any thread; idempotent."""
        if paused == self._paused:
            return
        if not paused:
            self._epoch += 1
        self._paused = paused

    def write(self, image: npt.NDArray[np.uint8], captured_ns: int | None = None, block: bool = False) -> bool:
        """Queue a BGR frame (copied); False if it was dropped or the recording is not running.

        ``captured_ns`` (monotonic ns) times the frame; without it frames follow each other at
        the nominal rate. ``block`` waits for queue space instead of dropping (offline use).
        """
        if not self._accepting or self._paused:
            return False
        item = (np.array(image, dtype=np.uint8, copy=True), captured_ns, self._epoch)
        try:
            self._queue.put(item, block=block)
        except queue.Full:
            self.dropped += 1
            return False
        return True

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> Path | None:
        """Finish encoding what is queued and finalise the file (idempotent); returns its path,
        or None when no frame was recorded (the empty file is removed)."""
        self._accepting = False
        thread = self._thread
        if thread is None:
            return self.path
        if thread.is_alive():
            self._queue.put(None)
            thread.join(timeout)
            if thread.is_alive():
                self.frames_kept = self.frames_written  # best known; the repair at the next start counts them
                log.error("recorder did not finish within %.0f s; %s may lack its index", timeout, self.path)
        return self.path

    # -- encoder thread ---------------------------------------------------------------------
    def _run(self) -> None:
        container, stream = self._container, self._stream
        if container is None or stream is None:
            return
        first_ns: int | None = None
        last_pts = -1
        period_ms = 1000.0 / self.fps
        offset_ms = 0.0  # time taken out of the file by pauses (frames without capture times)
        epoch = 0
        failed = False
        while True:
            item = self._queue.get()
            if item is None:
                break
            if failed:
                continue  # drain until the stop sentinel so writers never block
            image, captured_ns, frame_epoch = item
            if frame_epoch != epoch and last_pts >= 0:  # first frame after a pause: one period after the last
                if captured_ns is not None and first_ns is not None:
                    first_ns = captured_ns - round((last_pts + period_ms) * 1e6)
                offset_ms = self.frames_written * period_ms - (last_pts + period_ms)
            epoch = frame_epoch
            if captured_ns is not None:
                first_ns = captured_ns if first_ns is None else first_ns
                pts = round((captured_ns - first_ns) / 1e6)
            else:
                pts = round(self.frames_written * period_ms - offset_ms)
            pts = max(pts, last_pts + 1)
            try:
                self._encode(container, stream, image, pts)
                last_pts = pts
                self.frames_written += 1
                self.recorded_s = (pts + period_ms) / 1000.0
            except Exception as exc:  # av.error.OSError (disk full), encoder failures
                failed = True
                self._fail(exc)
        self._finalise(failed)

    def _encode(self, container: av.container.OutputContainer, stream: av.video.stream.VideoStream, image: npt.NDArray[Any], pts: int) -> None:
        width, height = self.frame_size
        bgr = cast(npt.NDArray[np.uint8], cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image)
        canvas = fit_into(bgr, width, height)
        if (stream.width, stream.height) != (width, height):
            canvas = cast(npt.NDArray[np.uint8], cv2.copyMakeBorder(canvas, 0, stream.height - height, 0, stream.width - width, cv2.BORDER_REPLICATE))
        frame = av.VideoFrame.from_ndarray(canvas, format="bgr24")
        frame.pts = pts
        frame.time_base = _TIME_BASE
        container.mux(stream.encode(frame))

    def _fail(self, exc: Exception) -> None:
        self._accepting = False
        self._reason = write_failure_reason(exc)
        self.error = RecordingError(f"Recording to {self.path} stopped after {self.frames_written} frames: {self._reason}")
        log.error("%s", self.error)
        if self.on_error is not None:
            try:
                self.on_error(self.error)
            except Exception:
                log.exception("the recording error callback itself failed")

    def _finalise(self, failed: bool) -> None:
        container, stream = self._container, self._stream
        self._container = self._stream = None
        if container is None or stream is None:
            return
        try:
            if not failed:
                container.mux(stream.encode(None))
        except Exception as exc:
            self._fail(exc)
        finally:
            try:
                container.close()
            except Exception as exc:  # after a write failure the trailer cannot be written either
                log.warning("closing %s: %s", self.path, exc)
            unlock_file(self._lock_fd)
            self._lock_fd = None
        path = self.path
        failed = failed or self.error is not None
        # after a failure, part of what was muxed may never have reached the disk: count the file
        self.frames_kept = count_packets(path) if failed and path is not None else self.frames_written
        if self.frames_kept == 0 and path is not None:  # nothing to play: leave no broken file
            log.info("recording %s got no frames; removing the empty file", path)
            path.unlink(missing_ok=True)
            self.path = None
        if failed:
            if self.path is not None:
                where = f"{self.frames_kept} frames kept in {path}"
            else:
                where = f"no frame could be kept (no file left in {path.parent if path else self.folder})"
            self.error = RecordingError(f"Recording stopped: {self._reason}; {where}")
            log.error("%s", self.error)
            return
        if self.path is not None:
            log.info("recording %s finished: %d frames, %d dropped", self.path, self.frames_written, self.dropped)
