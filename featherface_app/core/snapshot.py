"""Screenshots as PNG files that are either complete or absent.

A plain ``path.write_bytes`` creates the file before writing it, so a full disk leaves a 0-byte
PNG behind. Here the bytes go to a hidden sibling first, which is renamed into place only once it
was written (and synced) whole; on failure it is removed.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from .errors import RecordingError
from .recorder import write_failure_reason

log = logging.getLogger(__name__)


def save_png(path: Path | str, image_bgr: npt.NDArray[np.uint8]) -> Path:
    """Write ``image_bgr`` (BGR or gray uint8, not modified) as a PNG at ``path``; returns it.

    Raises :class:`RecordingError` ("Cannot save the screenshot … : disk full") and leaves no
    file, not even an empty one. Unicode paths work (imencode + Python I/O).
    """
    path = Path(path)
    ok, encoded = cv2.imencode(".png", image_bgr)
    if not ok:
        raise RecordingError(f"Cannot save the screenshot {path.name}: PNG encoding failed")
    part = path.with_name(f".{path.name}.part")
    try:
        with open(part, "wb") as handle:
            handle.write(encoded.tobytes())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(part, path)
    except (OSError, ValueError) as exc:
        with contextlib.suppress(OSError, ValueError):
            part.unlink(missing_ok=True)
        raise RecordingError(f"Cannot save the screenshot into {path.parent}: {write_failure_reason(exc)}") from exc
    return path
