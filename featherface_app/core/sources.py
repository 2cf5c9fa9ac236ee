"""Frame sources: camera, network stream, video file, still image and the bundled sample clip,
behind one protocol.

Every source hands out BGR ``uint8`` frames (``Frame``) from ``read()``; ``None`` means the stream
ended normally, a fault raises :class:`SourceError` (:class:`CameraError` for cameras) with a
message that names the device or file. Sources are driven by one thread at a time (the capture
loop); ``close()`` may be called from another thread once that thread has stopped reading.

Network streams (``rtsp://``, ``http(s)://``…) open through OpenCV's FFmpeg backend; their
credentials (``user:pass@``) never reach a message, a log line or a source's ``name``
(:func:`redact_url`).
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, cast, runtime_checkable
from urllib.parse import urlsplit

import cv2
import numpy as np
import numpy.typing as npt

from .errors import CameraError, SourceError
from .paths import sample_clip_path

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm", ".pbm"})
#: what counts as a video when a folder is searched (``detect DIR``) and in the file chooser; any
#: other path is still opened as a video when named on its own.
VIDEO_SUFFIXES = frozenset({".mp4", ".mkv", ".avi", ".mov", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv"})
#: a video whose container claims more than this is treated as "frame rate unknown".
MAX_PLAUSIBLE_FPS = 1000.0
#: consecutive failed camera reads tolerated before the camera counts as lost.
CAMERA_FAILED_READS = 5
IMAGE_FPS = 15.0
#: a larger jump between two frames' timestamps (a seek, a loop) is not waited for.
MAX_FRAME_GAP_MS = 5000.0
#: URL schemes opened as network streams (everything else with ``://`` is refused, not taken as a path)
STREAM_SCHEMES = frozenset({"rtsp", "rtsps", "rtmp", "rtmps", "http", "https", "udp", "tcp", "srt", "mms", "hls"})
#: how long opening a stream, and then each read, may block before it counts as failed
STREAM_OPEN_TIMEOUT_S = 10.0
STREAM_READ_TIMEOUT_S = 10.0
_CREDENTIALS = re.compile(r"(?<=://)[^/@\s]+@")


@dataclass(frozen=True)
class Frame:
    """One captured frame.

    ``image`` BGR uint8 (H, W, 3) — grayscale (H, W) only from sources that say so; ``index``
    counts frames from 0 per source; ``captured_ns`` is ``time.monotonic_ns()`` when the read
    finished; ``capture_ms`` is how long the read (grab + decode) took; ``media_ms`` is the
    frame's timestamp inside a file (None for cameras and images).
    """

    image: npt.NDArray[np.uint8]
    index: int
    captured_ns: int
    capture_ms: float = field(default=0.0)
    media_ms: float | None = None


@runtime_checkable
class FrameSource(Protocol):
    """What the capture loop needs from a source.

    ``fps`` is the nominal rate (0.0 when unknown). ``live`` is True when ``read()`` itself waits
    for the next frame at real-time rate (a camera, or a file opened with ``realtime=True``), so
    nobody else must pace it.
    """

    name: str
    fps: float
    live: bool

    def read(self) -> Frame | None: ...

    def close(self) -> None: ...


def sane_fps(value: float) -> float:
    """A container's frame-rate claim, or 0.0 when it is missing or absurd."""
    return float(value) if math.isfinite(value) and 0.0 < value <= MAX_PLAUSIBLE_FPS else 0.0


class Pacer:
    """Works out how long to wait so frames leave at their real-time rate.

    Uses the gap between the frames' media timestamps when known (variable-frame-rate files),
    else ``1 / fps``; never bursts to catch up after a stall (it restarts its clock instead).
    """

    def __init__(self, fps: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.period_s = 1.0 / fps if fps > 0 else 0.0
        self._clock = clock
        self._due: float | None = None
        self._last_media_ms: float | None = None

    def delay(self, media_ms: float | None = None) -> float:
        """Seconds to wait before handing out the frame stamped ``media_ms``."""
        now = self._clock()
        step = self.period_s
        last, self._last_media_ms = self._last_media_ms, media_ms
        if media_ms is not None and last is not None and 0 < media_ms - last <= MAX_FRAME_GAP_MS:
            step = (media_ms - last) / 1e3
        if self._due is None or step <= 0:
            self._due = now
            return 0.0
        self._due += step
        if self._due < now - step:  # fell behind by more than a frame: restart the clock
            self._due = now
        return max(0.0, self._due - now)


def _to_bgr(image: npt.NDArray[Any]) -> npt.NDArray[np.uint8]:
    """Any OpenCV-decoded image (8/16-bit, gray, BGRA) as BGR uint8."""
    if image.dtype != np.uint8:  # 16-bit PNG/TIFF, float TIFF: scale the type's range to 0..255
        top = float(np.iinfo(image.dtype).max) if np.issubdtype(image.dtype, np.integer) else 1.0
        image = cv2.convertScaleAbs(image, alpha=255.0 / top)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    elif image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    return cast(npt.NDArray[np.uint8], np.ascontiguousarray(image))


class _CaptureSource:
    """What the camera, stream and file sources share: an OpenCV capture whose first frame,
    decoded while opening (to fail fast), is handed out first; numbered frames; ``close``."""

    name: str
    _capture: cv2.VideoCapture | None = None
    _pending: tuple[npt.NDArray[Any], float] | None = None
    _index = 0

    def _read_capture(self) -> npt.NDArray[Any] | None:
        """One decoded image, or None where the capture gave none (end, or a failed read)."""
        assert self._capture is not None, "read after close"
        ok, image = self._capture.read()
        return image if ok and image is not None and image.size else None

    def _grab(self) -> npt.NDArray[Any] | None:
        """One image; OpenCV's decoder errors become a :class:`SourceError` naming the source."""
        try:
            return self._read_capture()
        except cv2.error as exc:
            raise SourceError(self._decode_failure(exc)) from exc

    def _decode_failure(self, exc: cv2.error) -> str:
        return f"{self.name} failed after frame {self._index}: {exc}"

    def _next_image(self, grab: Callable[[], npt.NDArray[Any] | None]) -> tuple[npt.NDArray[Any] | None, float]:
        """The pending first frame, else ``grab()``; with the time it took to decode (ms)."""
        if self._pending is not None:
            pending, self._pending = self._pending, None
            return pending
        t0 = time.perf_counter()
        image = grab()
        return image, (time.perf_counter() - t0) * 1e3

    def _frame(self, image: npt.NDArray[Any], capture_ms: float, media_ms: float | None = None) -> Frame:
        frame = Frame(_to_bgr(image), self._index, time.monotonic_ns(), capture_ms, media_ms)
        self._index += 1
        return frame

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None


class CameraSource(_CaptureSource):
    """A webcam through OpenCV's device index, opened at a requested size.

    Fails fast: the constructor raises :class:`CameraError` if the device does not open or its
    first read fails, and releases the device before raising.
    """

    live = True

    def __init__(self, index: int = 0, width: int = 640, height: int = 480) -> None:
        self.name = f"camera:{index}"
        self.index = index
        capture = cv2.VideoCapture(index)
        if not capture.isOpened():
            capture.release()
            raise CameraError(f"Camera {index} could not be opened (no such device, or it is in use by another program)")
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        t0 = time.perf_counter()
        ok, image = capture.read()
        if not ok or image is None or image.size == 0:
            capture.release()
            raise CameraError(f"Camera {index} opened but delivered no frame")
        self._capture: cv2.VideoCapture | None = capture
        self.fps = sane_fps(capture.get(cv2.CAP_PROP_FPS))
        self._pending: tuple[npt.NDArray[Any], float] | None = (image, (time.perf_counter() - t0) * 1e3)
        self._index = 0
        log.info("opened %s at %dx%d, %.1f fps", self.name, image.shape[1], image.shape[0], self.fps)

    def read(self) -> Frame | None:
        if self._capture is None:
            raise CameraError(f"{self.name} is closed")
        image, capture_ms = self._next_image(self._grab)
        assert image is not None  # _grab raises instead
        return self._frame(image, capture_ms)

    def _grab(self) -> npt.NDArray[Any]:
        for _ in range(CAMERA_FAILED_READS):
            image = self._read_capture()
            if image is not None:
                return image
        raise CameraError(f"Camera {self.index} stopped delivering frames (unplugged or taken by another program?)")


def is_stream_url(spec: str | Path) -> bool:
    """True for ``scheme://…`` with a scheme in :data:`STREAM_SCHEMES` (case-insensitive)."""
    text = str(spec).strip()
    return "://" in text and urlsplit(text).scheme.lower() in STREAM_SCHEMES


def redact_url(text: str) -> str:
    """``text`` with every URL's ``user:password@`` replaced by ``***@`` (safe to log or show)."""
    return _CREDENTIALS.sub("***@", text)


def _stream_failure(url: str, timeout_s: float) -> str:
    """Why FFmpeg cannot open ``url`` ("Connection refused", "Server returned 404 Not Found"...),
    asked through PyAV because OpenCV only says yes or no; never contains the URL itself."""
    try:
        import av

        with av.open(url, timeout=(timeout_s, timeout_s)) as container:
            if not container.streams.video:
                return "it has no video stream"
    except Exception as exc:  # av.error.*: the errno text; anything else by its type
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        return redact_url(str(reason))
    return "OpenCV's FFmpeg backend could not decode it"


class StreamSource(_CaptureSource):
    """A network stream (RTSP, HTTP(S), RTMP…) through OpenCV's FFmpeg backend.

    Opens with a timeout and fails fast like :class:`CameraSource`: the constructor raises
    :class:`SourceError` with the reason (connection refused, not found, no video) and releases
    the capture. A stream that states a frame count is a file served over the network: it is
    paced by the capture loop (``live`` False) and its end is an ordinary end. Otherwise it is
    live: ``read`` waits for the sender, and failed reads mean the stream was lost
    (:class:`SourceError`; the GUI then tries to reconnect, as for a camera).
    ``name`` and every message carry the URL without its credentials.
    """

    def __init__(self, url: str, open_timeout_s: float = STREAM_OPEN_TIMEOUT_S, read_timeout_s: float = STREAM_READ_TIMEOUT_S) -> None:
        self.url = url.strip()
        self.name = redact_url(self.url)
        params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, round(open_timeout_s * 1000), cv2.CAP_PROP_READ_TIMEOUT_MSEC, round(read_timeout_s * 1000)]
        t0 = time.perf_counter()
        capture = cv2.VideoCapture(self.url, cv2.CAP_FFMPEG, params)
        ok, image = capture.read() if capture.isOpened() else (False, None)
        if not ok or image is None or image.size == 0:
            capture.release()
            reason = _stream_failure(self.url, open_timeout_s)
            raise SourceError(f"Cannot open the stream {self.name}: {reason}")
        self._capture: cv2.VideoCapture | None = capture
        self.fps = sane_fps(capture.get(cv2.CAP_PROP_FPS))
        self.frame_count = max(0, int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0))
        self.live = self.frame_count == 0
        self._pending: tuple[npt.NDArray[Any], float] | None = (image, (time.perf_counter() - t0) * 1e3)
        self._index = 0
        log.info(
            "opened stream %s at %dx%d, %.1f fps (%s)",
            self.name,
            image.shape[1],
            image.shape[0],
            self.fps,
            "live" if self.live else f"{self.frame_count} frames",
        )

    def read(self) -> Frame | None:
        if self._capture is None:
            raise SourceError(f"The stream {self.name} is closed")
        image, capture_ms = self._next_image(self._grab)
        if image is None:
            if not self.live and self._index >= self.frame_count - max(2, self.frame_count // 50):
                return None  # a file served over the network ended (its count is an estimate)
            raise SourceError(f"The stream {self.name} was lost after frame {self._index} (the sender stopped or the network dropped)")
        media_ms = None if self.live else float(self._capture.get(cv2.CAP_PROP_POS_MSEC))
        return self._frame(image, capture_ms, media_ms)

    def _decode_failure(self, exc: cv2.error) -> str:
        return f"The stream {self.name} failed after frame {self._index}: {redact_url(str(exc))}"


@dataclass(frozen=True)
class MediaFacts:
    """What a file's container promises: frames (0 when unknown) and duration in ms (0.0 when
    unknown). A decode that ends well short of both means the file was cut or damaged."""

    frames: int = 0
    duration_ms: float = 0.0


def media_facts(path: Path) -> MediaFacts:
    """The container's frame count and duration, read with PyAV (no decoding)."""
    try:
        import av

        with av.open(str(path)) as container:
            if not container.streams.video:
                return MediaFacts()
            stream = container.streams.video[0]
            duration_ms = 0.0
            if stream.duration is not None and stream.time_base is not None:
                duration_ms = float(stream.duration * stream.time_base) * 1e3
            elif container.duration is not None:
                duration_ms = container.duration / 1e3
            return MediaFacts(max(0, int(stream.frames or 0)), duration_ms)
    except Exception:  # unreadable by PyAV: OpenCV's open will say why
        return MediaFacts()


def _open_failure(path: Path) -> str:
    """Why FFmpeg cannot read ``path`` (e.g. "moov atom not found" for an MP4 cut short)."""
    try:
        import av

        with av.open(str(path)) as container:
            if not container.streams.video:
                return "it has no video stream"
            next(container.decode(video=0))
    except StopIteration:
        return "it has no frames"
    except Exception as exc:  # av.error.InvalidDataError etc.
        return f"it looks damaged or truncated ({getattr(exc, 'strerror', None) or exc})"
    return "OpenCV cannot decode it"


class VideoFileSource(_CaptureSource):
    """A video file decoded by OpenCV (FFmpeg), with the controls a player needs.

    ``loop`` (settable at any time) restarts at the end; ``realtime`` makes ``read()`` wait so
    frames come out at the file's frame rate (otherwise as fast as they decode, and the capture
    loop may pace them). ``seek_ms`` / ``seek_frame`` (any thread) take effect at the next
    ``read``; ``position_ms`` / ``position_frame`` tell where the last frame handed out was, and
    ``duration_ms`` / ``frame_count`` how long the file is — what a position slider needs.

    A file cut or damaged in the middle (decoding ends well before the frame count or duration
    its container states) raises :class:`SourceError` saying so instead of ending normally; when
    looping it is logged and played again. It never hangs.
    """

    seekable = True

    def __init__(self, path: Path | str, loop: bool = False, realtime: bool = False, name: str | None = None) -> None:
        self.path = Path(path)
        self.name = name or self.path.name
        self.loop = loop
        self.live = realtime
        self._capture: cv2.VideoCapture | None = None
        self._pending: tuple[npt.NDArray[Any], float] | None = None
        self._index = 0
        self._lock = threading.Lock()
        self._seek_to: int | None = None
        self._warned_truncated = False
        self.position_frame = -1
        self.position_ms = 0.0
        self._pending = self._open()
        capture = self._capture
        self.fps = sane_fps(capture.get(cv2.CAP_PROP_FPS)) if capture is not None else 0.0
        facts = media_facts(self.path)
        opencv_frames = max(0, int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)) if capture is not None else 0
        self.facts = facts
        self.frame_count = facts.frames or opencv_frames
        self.duration_ms = facts.duration_ms or (self.frame_count * 1e3 / self.fps if self.fps else 0.0)
        self._pacer = Pacer(self.fps) if realtime else None

    def _open(self) -> tuple[npt.NDArray[Any], float]:
        """Open the file and decode its first frame (returned with its decode time in ms)."""
        if not self.path.is_file():
            raise SourceError(f"Video file not found: {self.path}")
        capture = cv2.VideoCapture(str(self.path))
        t0 = time.perf_counter()
        ok, image = capture.read() if capture.isOpened() else (False, None)
        if not ok or image is None or image.size == 0:
            capture.release()
            raise SourceError(f"Cannot read video file {self.path.name}: {_open_failure(self.path)}")
        self._capture = capture
        return image, (time.perf_counter() - t0) * 1e3

    # -- controls (any thread) --------------------------------------------------------------
    @property
    def seek_pending(self) -> bool:
        return self._seek_to is not None

    def seek_frame(self, index: int) -> None:
        """Make the next ``read`` hand out frame ``index`` (clamped to the file)."""
        last = self.frame_count - 1 if self.frame_count > 0 else None
        index = max(0, int(index) if last is None else min(int(index), last))
        with self._lock:
            self._seek_to = index

    def seek_ms(self, position_ms: float) -> None:
        """Make the next ``read`` hand out the frame at ``position_ms`` (clamped to the file)."""
        if self.fps <= 0:
            raise SourceError(f"{self.name} has no known frame rate; it cannot be positioned by time")
        self.seek_frame(math.floor(max(0.0, position_ms) * self.fps / 1e3 + 1e-6))

    # -- the capture thread -----------------------------------------------------------------
    def _apply_seek(self) -> None:
        with self._lock:
            target, self._seek_to = self._seek_to, None
        if target is None or self._capture is None:
            return
        self._pending = None
        if not self._capture.set(cv2.CAP_PROP_POS_FRAMES, target):
            log.warning("%s: seeking to frame %d failed", self.name, target)
        self._pacer = Pacer(self.fps) if self._pacer is not None else None

    def _truncation(self) -> str | None:
        """Why the end just reached is too early, or None when the file ended where it should."""
        decoded = self.position_frame + 1
        if self.facts.frames > 0:
            missing = self.facts.frames - decoded
            if missing > max(2, self.facts.frames // 50):
                return f"it ends after frame {decoded} of the {self.facts.frames} its header lists"
            return None
        if self.facts.duration_ms > 0 and self.fps > 0:
            reached_ms = self.position_ms + 1e3 / self.fps
            if self.facts.duration_ms - reached_ms > max(2e3 / self.fps, self.facts.duration_ms / 50):
                return f"it ends at {reached_ms / 1e3:.1f} s of the {self.facts.duration_ms / 1e3:.1f} s its header states"
        return None

    def read(self) -> Frame | None:
        if self._capture is None:
            raise SourceError(f"{self.name} is closed")
        self._apply_seek()
        image, capture_ms = self._next_image(self._grab)
        if image is None:
            cut = self._truncation()
            if cut is not None and not (self.loop and self._warned_truncated):
                message = f"{self.path.name} is damaged or truncated: {cut}"
                if not self.loop:
                    raise SourceError(message)
                log.warning("%s; playing it again from the start", message)
                self._warned_truncated = True
            if not self.loop:
                return None
            self.close()
            image, capture_ms = self._open()  # raises if the file vanished or no longer decodes
        media_ms = float(self._capture.get(cv2.CAP_PROP_POS_MSEC)) if self._capture is not None else None
        if self._capture is not None:
            self.position_frame = max(0, int(self._capture.get(cv2.CAP_PROP_POS_FRAMES)) - 1)
            self.position_ms = media_ms or 0.0
        if self._pacer is not None:
            time.sleep(self._pacer.delay(media_ms))
        return self._frame(image, capture_ms, media_ms)

    def _decode_failure(self, exc: cv2.error) -> str:
        return f"Decoding {self.path.name} failed after frame {self._index}: {exc}"


class PausableSource:
    """A :class:`FrameSource` whose ``read`` waits while paused, so a video does not advance.

    ``step(n)`` hands out one frame while paused: the next one (``n=1``), or — for a seekable
    source (a file) — the frame ``n`` away from the one on screen (``n=-1``: the previous one).
    ``seek_ms`` / ``seek_frame`` pass through to a seekable source and show the new frame even
    while paused. ``release()`` ends a paused wait (the read then returns None) so the capture
    loop can stop. Thread use: ``read`` on the capture thread, everything else from any thread.
    """

    def __init__(self, source: FrameSource) -> None:
        self.inner = source
        self.name = source.name
        self.fps = source.fps
        self.live = source.live
        self._cond = threading.Condition()
        self._paused = False
        self._released = False
        self._steps: list[int] = []
        #: set while the capture thread waits inside ``read`` because of the pause
        self.holding = threading.Event()

    @property
    def seekable(self) -> bool:
        return bool(getattr(self.inner, "seekable", False))

    @property
    def paused(self) -> bool:
        return self._paused

    def pause(self, paused: bool) -> None:
        with self._cond:
            self._paused = paused
            self._cond.notify_all()

    def step(self, frames: int = 1) -> None:
        """While paused, let one frame through, ``frames`` away from the current one.
        Raises :class:`SourceError` for a backward or multi-frame step on a live source."""
        if frames != 1 and not self.seekable:
            raise SourceError(f"{self.name} cannot step by {frames} frames: only files can be positioned")
        with self._cond:
            self._steps.append(frames)
            self._cond.notify_all()

    def has_steps(self) -> bool:
        """A step asked for has not been handed out yet."""
        with self._cond:
            return bool(self._steps)

    def seek_frame(self, index: int) -> None:
        self._seekable_inner().seek_frame(index)
        if self._paused:  # show the frame sought to even while paused
            self.step(0)

    def seek_ms(self, position_ms: float) -> None:
        self._seekable_inner().seek_ms(position_ms)
        if self._paused:
            self.step(0)

    def _seekable_inner(self) -> VideoFileSource:
        if not isinstance(self.inner, VideoFileSource):
            raise SourceError(f"{self.name} cannot be positioned: only video files can")
        return self.inner

    def release(self) -> None:
        with self._cond:
            self._released = True
            self._cond.notify_all()

    def read(self) -> Frame | None:
        with self._cond:
            if self._paused and not self._steps and not self._released:
                self.holding.set()
                self._cond.wait_for(lambda: not self._paused or self._steps or self._released)
                self.holding.clear()
            if self._released:
                return None
            step = self._steps.pop(0) if self._steps else 1
        if step != 1 and isinstance(self.inner, VideoFileSource):
            if step != 0:
                self.inner.seek_frame(max(0, self.inner.position_frame + step))
            elif self.inner.position_frame >= 0 and not self.inner.seek_pending:
                self.inner.seek_frame(self.inner.position_frame)  # step(0): show the current frame again
        return self.inner.read()

    def close(self) -> None:
        self.inner.close()


def read_image(path: Path | str) -> npt.NDArray[np.uint8]:
    """Decode an image file to BGR uint8 (any bit depth / channels); works with unicode paths."""
    path = Path(path)
    try:
        data = np.fromfile(str(path), dtype=np.uint8)
    except OSError as exc:
        raise SourceError(f"Cannot read image {path}: {exc.strerror or exc}") from exc
    image = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
    if image is None or image.size == 0:
        raise SourceError(f"Cannot read image {path.name}: not an image format OpenCV can decode")
    return _to_bgr(image)


class ImageSource:
    """A still image repeated at a nominal rate so the pipeline (and its FPS) runs as for video."""

    def __init__(self, path: Path | str, fps: float = IMAGE_FPS, realtime: bool = False) -> None:
        self.path = Path(path)
        self.name = self.path.name
        self.fps = fps
        self.live = realtime
        self._image: npt.NDArray[np.uint8] | None = read_image(self.path)
        self._image.setflags(write=False)
        #: the image's (width, height) in pixels
        self.size_wh = (int(self._image.shape[1]), int(self._image.shape[0]))
        self._index = 0
        self._pacer = Pacer(fps) if realtime else None

    def read(self) -> Frame | None:
        if self._image is None:
            raise SourceError(f"{self.name} is closed")
        if self._pacer is not None:
            time.sleep(self._pacer.delay())
        frame = Frame(self._image, self._index, time.monotonic_ns(), 0.0)
        self._index += 1
        return frame

    def close(self) -> None:
        self._image = None


class SampleSource(VideoFileSource):
    """The bundled sample clip, looped: something to show on a machine with no camera."""

    def __init__(self, realtime: bool = False, path: Path | None = None) -> None:
        clip = path or sample_clip_path()
        if not clip.is_file():
            raise SourceError(f"The bundled sample clip is missing ({clip}); reinstall the app or pick another source")
        super().__init__(clip, loop=True, realtime=realtime, name="sample")


def open_source(spec: str | Path, *, width: int = 640, height: int = 480, realtime: bool = False) -> FrameSource:
    """Open ``sample``, ``camera:N``, a stream URL (``rtsp://``, ``http(s)://``…) or a path
    (image by suffix, otherwise video).

    Raises :class:`SourceError` / :class:`CameraError` with a message fit for the user.
    """
    text = str(spec).strip()
    if text == "sample":
        return SampleSource(realtime=realtime)
    if is_stream_url(text):
        return StreamSource(text)
    if "://" in text and re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", text):
        scheme = text.partition("://")[0]
        raise SourceError(f"Unsupported stream type '{scheme}://' in {redact_url(text)}: use rtsp://, http(s)://, rtmp://, udp://, srt:// or a file")
    if text.startswith("camera:"):
        index_text = text.partition(":")[2]
        if not index_text.isdigit():
            raise SourceError(f"Bad camera source '{text}': expected camera:N with N a device number")
        return CameraSource(int(index_text), width, height)
    path = Path(text).expanduser()
    if not path.exists():
        raise SourceError(f"No such file: {path}")
    if path.is_dir():
        raise SourceError(f"{path} is a folder, not a video or image file")
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return ImageSource(path, realtime=realtime)
    return VideoFileSource(path, realtime=realtime)
