"""Progress of a long headless run on stderr (stdout stays for results and ``--json``).

On a terminal: one line rewritten in place, at most every :data:`REFRESH_S`, cleared before
anything else is printed. Otherwise (a pipe, a log file, CI): a plain line every
:data:`INTERVAL_S`, so a run that ends sooner prints nothing extra.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

#: seconds between two redraws of the terminal line.
REFRESH_S = 0.1
#: seconds between two progress lines when stderr is not a terminal.
INTERVAL_S = 2.0
#: the terminal line appears only once an input has taken this long (single images stay quiet).
TTY_DELAY_S = 0.3


class Progress:
    """``[input/inputs] label: done/total frames (pct), fps`` for the current input.

    ``stream`` defaults to ``sys.stderr`` (nothing is written when there is none, as in a
    windowed build); ``tty`` defaults to ``stream.isatty()``. ``clock`` is in seconds.
    """

    def __init__(self, inputs: int, stream: TextIO | None = None, tty: bool | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.inputs = inputs
        self.stream = sys.stderr if stream is None else stream
        self.tty = bool(tty if tty is not None else (self.stream is not None and self.stream.isatty()))
        self.clock = clock
        self._number = 0
        self._label = ""
        self._total = 0
        self._done = 0
        self._started = 0.0
        self._last_shown = clock()
        self._drawn = False

    def start(self, number: int, label: str, total: int) -> None:
        """Input ``number`` (1-based) of :attr:`inputs` begins; ``total`` frames (0: unknown)."""
        self._number, self._label, self._total, self._done = number, label, total, 0
        self._started = self.clock()

    def update(self, done: int) -> None:
        """``done`` frames of the current input are through; shows a line when one is due."""
        self._done = done
        now = self.clock()
        if self.stream is None:
            return
        if self.tty:
            if now - self._started >= TTY_DELAY_S and now - self._last_shown >= REFRESH_S:
                self.stream.write("\r" + self.line(now) + "\x1b[K")
                self.stream.flush()
                self._drawn = True
                self._last_shown = now
        elif now - self._last_shown >= INTERVAL_S:
            self.stream.write(f"progress: {self.line(now)}\n")
            self.stream.flush()
            self._last_shown = now

    def line(self, now: float | None = None) -> str:
        """The progress text without decoration, e.g. ``[1/2] clip.mp4: 120/270 frames (44%), 31.2 fps``."""
        elapsed = (self.clock() if now is None else now) - self._started
        total = max(self._total, self._done)  # a container's count can be an estimate
        counted = f"{self._done}/{total} frames ({100 * self._done / total:.0f}%)" if self._total > 0 else f"{self._done} frames"
        rate = f", {self._done / elapsed:.1f} fps" if elapsed > 0 and self._done else ""
        return f"[{self._number}/{self.inputs}] {self._label}: {counted}{rate}"

    def clear(self) -> None:
        """Remove the terminal line (before printing anything else); a no-op otherwise."""
        if self._drawn and self.stream is not None:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._drawn = False
