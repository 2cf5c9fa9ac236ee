"""The one per-frame loop: newest frame → :class:`FrameProcessor` → every sink.

The GUI's inference thread, ``bench``, ``detect`` and the reliability harness all drive this loop,
so "what happens to a frame" is written once. A sink is anything with ``write(processed)`` and
``close()`` (the view, a recording, the detections writers of ``detect``, statistics); a sink that
raises is removed from the loop and its error handed to ``on_sink_failed`` (and kept in
``sink_errors``), so one broken output never stops the others or the loop.

Thread use: ``step``/``feed``/``run`` on one thread (the inference thread); ``add_sink``,
``remove_sink`` and ``set_mailbox`` from any thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Protocol

from .errors import describe
from .mailbox import LatestMailbox
from .pipeline import FrameProcessor, ProcessedFrame
from .sources import Frame

log = logging.getLogger(__name__)

#: how long ``step`` waits for a frame by default, and how often ``run`` checks its stop flag.
POLL_S = 0.05


class Sink(Protocol):
    """Where processed frames go. ``write`` runs on the loop's thread; ``close`` once, by the owner."""

    def write(self, processed: ProcessedFrame) -> None: ...

    def close(self) -> None: ...


class FrameLoop:
    """Processes frames and hands each result to the sinks, in the order they were added.

    ``on_error(exc, frame)`` receives processing failures and the loop goes on; without it they
    propagate to the caller (``bench``, ``detect``). ``on_sink_failed(sink, exc)`` is told about
    a sink that raised (the sink is already removed; closing it is up to its owner).
    """

    def __init__(
        self,
        processor: FrameProcessor,
        mailbox: LatestMailbox[Frame] | None = None,
        sinks: Iterable[Sink] = (),
        on_error: Callable[[Exception, Frame], None] | None = None,
        on_sink_failed: Callable[[Sink, Exception], None] | None = None,
    ) -> None:
        self.processor = processor
        self.on_error = on_error
        self.on_sink_failed = on_sink_failed
        self._lock = threading.Lock()
        self._mailbox = mailbox
        self._sinks: list[Sink] = list(sinks)
        self.frames_processed = 0
        self.errors = 0
        self.sink_errors: list[tuple[Sink, Exception]] = []

    # -- wiring (any thread) ---------------------------------------------------------------
    def set_mailbox(self, mailbox: LatestMailbox[Frame] | None) -> None:
        """Take frames from ``mailbox`` from the next ``step`` on (None: idle)."""
        with self._lock:
            self._mailbox = mailbox

    def add_sink(self, sink: Sink, first: bool = False) -> None:
        """Also hand every processed frame to ``sink`` (``first``: before the sinks already there)."""
        with self._lock:
            if sink not in self._sinks:
                self._sinks.insert(0 if first else len(self._sinks), sink)

    def remove_sink(self, sink: Sink) -> bool:
        """Stop feeding ``sink`` (it is not closed); False when it was not (or no longer) there."""
        with self._lock:
            if sink in self._sinks:
                self._sinks.remove(sink)
                return True
            return False

    @property
    def sinks(self) -> list[Sink]:
        with self._lock:
            return list(self._sinks)

    # -- the loop's thread ------------------------------------------------------------------
    def feed(self, frame: Frame) -> ProcessedFrame | None:
        """Process ``frame`` and pass the result to every sink; None when processing failed and
        ``on_error`` took the error."""
        try:
            processed = self.processor.process(frame)
        except Exception as exc:  # every fault reaches the owner; the loop carries on
            self.errors += 1
            if self.on_error is None:
                raise
            self.on_error(exc, frame)
            return None
        self.frames_processed += 1
        for sink in self.sinks:
            try:
                sink.write(processed)
            except Exception as exc:  # a broken output is dropped, never the loop
                self._drop(sink, exc)
        return processed

    def step(self, timeout: float = POLL_S) -> ProcessedFrame | None:
        """Take the newest frame (waiting up to ``timeout`` s) and ``feed`` it; None without one."""
        with self._lock:
            mailbox = self._mailbox
        if mailbox is None:
            time.sleep(timeout)
            return None
        frame = mailbox.take(timeout=timeout)
        return None if frame is None else self.feed(frame)

    def run(self, stop: threading.Event) -> None:
        """``step`` until ``stop`` is set or the mailbox is closed and empty."""
        while not stop.is_set():
            with self._lock:
                mailbox = self._mailbox
            if mailbox is None:
                stop.wait(POLL_S)
                continue
            frame = mailbox.take(timeout=POLL_S)
            if frame is not None:
                self.feed(frame)
            elif mailbox.closed:
                return

    def close(self) -> list[tuple[Sink, Exception]]:
        """Remove and close every sink; returns the sinks whose ``close`` raised, with the error."""
        with self._lock:
            sinks, self._sinks = self._sinks, []
        failed = []
        for sink in sinks:
            try:
                sink.close()
            except Exception as exc:
                log.error("closing a sink failed: %s", describe(exc))
                failed.append((sink, exc))
        return failed

    def _drop(self, sink: Sink, exc: Exception) -> None:
        if not self.remove_sink(sink):
            return
        log.error("sink %s failed and was removed: %s", type(sink).__name__, describe(exc))
        self.sink_errors.append((sink, exc))
        if self.on_sink_failed is not None:
            try:
                self.on_sink_failed(sink, exc)
            except Exception:
                log.exception("the sink-failure callback itself failed")
