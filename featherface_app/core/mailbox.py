"""One-slot, latest-wins hand-off between a producer thread and a consumer thread.

When the consumer (inference) is slower than the producer (capture), old items are overwritten
rather than queued, so latency stays at one frame and memory stays flat; ``dropped`` counts them.
"""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

T = TypeVar("T")


class LatestMailbox(Generic[T]):
    """``put`` overwrites, ``take`` waits for an item not yet taken, ``close`` wakes every waiter.

    Safe for any number of threads. After ``close`` puts are ignored and ``take`` returns None
    once the slot is empty.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._item: T | None = None
        self._full = False
        self._closed = False
        self.dropped = 0
        self.put_count = 0

    def put(self, item: T) -> bool:
        """Store ``item`` (overwriting an untaken one, which counts as dropped); False if closed."""
        with self._cond:
            if self._closed:
                return False
            if self._full:
                self.dropped += 1
            self._item = item
            self._full = True
            self.put_count += 1
            self._cond.notify()
            return True

    def take(self, timeout: float | None = None) -> T | None:
        """The newest untaken item, waiting up to ``timeout`` s; None on timeout or when closed."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._full or self._closed, timeout):
                return None
            if not self._full:
                return None
            item, self._item, self._full = self._item, None, False
            return item

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    @property
    def closed(self) -> bool:
        with self._cond:
            return self._closed
