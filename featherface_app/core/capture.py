"""The capture thread: read a source, put each frame into the latest-wins mailbox.

Files are paced at their frame rate (a camera paces itself) unless ``realtime=False`` asks for
frames as fast as they decode (benchmarks, endurance runs). A fault is handed to ``on_error`` and
kept in ``error`` — never swallowed — and the loop ends; the normal end of a file calls
``on_end``. The loop owns the source: it closes it when it ends, whoever stops it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from .mailbox import LatestMailbox
from .sources import Frame, FrameSource, Pacer

log = logging.getLogger(__name__)

#: how long ``stop()`` waits for the thread by default (a blocked camera read may take this long).
STOP_TIMEOUT_S = 3.0


class CaptureLoop:
    """``start()`` a daemon thread that reads ``source`` into ``mailbox``; ``stop()`` ends it.

    Callbacks run on the capture thread: ``on_error(exc)`` once on a fault, ``on_end()`` once when
    the source ends normally. ``close_mailbox=True`` closes the mailbox when the loop ends, which
    wakes a consumer blocked in ``take``.
    """

    def __init__(
        self,
        source: FrameSource,
        mailbox: LatestMailbox[Frame],
        on_error: Callable[[Exception], None] | None = None,
        on_end: Callable[[], None] | None = None,
        realtime: bool = True,
        max_frames: int | None = None,
        close_mailbox: bool = False,
    ) -> None:
        self.source = source
        self.mailbox = mailbox
        self.on_error = on_error
        self.on_end = on_end
        self.realtime = realtime
        self.max_frames = max_frames
        self.close_mailbox = close_mailbox
        self.frames_read = 0
        self.error: Exception | None = None
        self.finished = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"capture[{source.name}]", daemon=True)

    def start(self) -> None:
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        pace = Pacer(self.source.fps) if self.realtime and not self.source.live else None
        try:
            while not self._stop.is_set():
                if self.max_frames is not None and self.frames_read >= self.max_frames:
                    break
                frame = self.source.read()
                if frame is None:
                    log.info("source %s ended after %d frames", self.source.name, self.frames_read)
                    if self.on_end is not None:
                        self.on_end()
                    break
                if pace is not None and self._stop.wait(pace.delay(frame.media_ms)):
                    break
                self.mailbox.put(frame)
                self.frames_read += 1
        except Exception as exc:  # every fault reaches the owner, whatever its type
            self.error = exc
            log.error("capture from %s failed: %s", self.source.name, exc)
            if self.on_error is not None:
                try:
                    self.on_error(exc)
                except Exception:
                    log.exception("the capture error callback itself failed")
        finally:
            try:
                self.source.close()
            except Exception:
                log.exception("closing source %s failed", self.source.name)
            if self.close_mailbox:
                self.mailbox.close()
            self.finished.set()

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> bool:
        """Ask the thread to end and wait up to ``timeout`` s; True when it ended (source closed).

        If the thread is stuck inside a blocking read, it closes the source as soon as that read
        returns; this call does not wait longer than ``timeout``.
        """
        self._stop.set()
        if not self._thread.is_alive():
            if self._thread.ident is None:  # never started: nobody else will close the source
                self.source.close()
                self.finished.set()
            return True
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("capture thread for %s did not stop within %.1f s", self.source.name, timeout)
            return False
        return True
