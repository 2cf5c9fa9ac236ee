"""Keep the video pipeline's per-frame buffers in the heap instead of fresh pages (glibc only).

Every frame allocates a few buffers of 1-4 MB: the padded frame, the float input tensor, the
annotated copy. Above glibc's mmap threshold (128 KB until it adapts) each one is mapped and
unmapped again, so all its pages fault afresh on every frame. Measured with ``bench_one`` on a
loaded 2-core machine: pre-processing a 640x480 frame took 7.6 ms that way and 1.2 ms with the
buffers reused from the heap. Elsewhere (macOS, Windows, musl) this is a no-op.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys

log = logging.getLogger(__name__)

# mallopt parameters from glibc's <malloc.h>
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
#: allocations below this come from the heap (a 4K BGR frame is 25 MB)
MMAP_THRESHOLD_BYTES = 32 << 20
#: freed heap memory kept for reuse before it is given back to the system
TRIM_THRESHOLD_BYTES = 64 << 20


def keep_frame_buffers_resident() -> bool:
    """Raise glibc's mmap and trim thresholds for this process; True when it took effect."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    done = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES))
    log.debug("glibc mmap threshold %d MB, trim threshold %d MB: %s", MMAP_THRESHOLD_BYTES >> 20, TRIM_THRESHOLD_BYTES >> 20, done)
    return done
