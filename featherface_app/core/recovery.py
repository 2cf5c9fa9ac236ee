"""Repair of recordings cut off by ``kill -9``, a crash, power loss or a full disk.

Such a Matroska file plays up to its last complete cluster but has no duration and no index
(cues), so players show no length and cannot seek. Copying its packets into a new file (no
re-encoding) writes both; the copy then replaces the original atomically. Files another process
is still recording are locked (see :func:`~.recorder.lock_file`) and left alone.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import av

from .errors import RecordingError
from .recorder import lock_file, unlock_file

log = logging.getLogger(__name__)

#: the names our recorder gives its files (see :func:`~.recorder.timestamped_name`)
RECORDING_GLOB = "featherface_*.mkv"
_PART_SUFFIX = ".repairing"


@dataclass(frozen=True)
class Repair:
    """One repaired file: its path, the frames it holds and the duration now written into it."""

    path: Path
    frames: int
    duration_s: float


def lacks_duration(path: Path) -> bool:
    """True when ``path`` opens as a video but its container states no duration."""
    try:
        with av.open(str(path)) as container:
            return bool(container.streams.video) and container.duration is None
    except (av.FFmpegError, OSError):
        return False  # not ours to judge: unreadable files are left as they are


def repair_recording(path: Path | str) -> Repair:
    """Rewrite ``path`` with a duration and an index (packets copied, nothing re-encoded).

    Raises :class:`RecordingError` when it holds no readable frame or cannot be rewritten; the
    original is then left untouched.
    """
    path = Path(path)
    part = path.with_name(path.name + _PART_SUFFIX)
    frames, last_s = 0, 0.0
    try:
        with av.open(str(path)) as source, av.open(str(part), "w", format="matroska") as target:
            stream_in = source.streams.video[0]
            stream_out = target.add_stream_from_template(stream_in)
            try:
                for packet in source.demux(stream_in):
                    if packet.dts is None or packet.size == 0:
                        continue
                    end = packet.pts + (packet.duration or 0) if packet.pts is not None else packet.dts
                    last_s = max(last_s, float(end * packet.time_base))
                    packet.stream = stream_out
                    target.mux(packet)
                    frames += 1
            except (av.FFmpegError, OSError) as exc:  # the cut-off tail
                log.info("%s ends in a damaged cluster after %d frames (%s)", path.name, frames, exc)
        if frames == 0:
            raise RecordingError(f"{path.name} holds no readable frame")
        os.replace(part, path)
    except (av.FFmpegError, OSError, IndexError) as exc:
        part.unlink(missing_ok=True)
        raise RecordingError(f"Cannot repair {path}: {getattr(exc, 'strerror', None) or exc}") from exc
    except RecordingError:
        part.unlink(missing_ok=True)
        raise
    return Repair(path, frames, last_s)


def repair_folder(folder: Path | str, pattern: str = RECORDING_GLOB) -> list[Repair]:
    """Repair every recording in ``folder`` that lacks a duration and is not being recorded.

    Failures are logged and skipped (one bad file must not stop the others); returns what was
    repaired. A missing folder has nothing to repair.
    """
    folder = Path(folder)
    repaired: list[Repair] = []
    try:
        candidates = sorted(folder.glob(pattern))
    except OSError:
        return repaired
    for path in candidates:
        try:
            lock = lock_file(path)
        except BlockingIOError:
            log.info("%s is being recorded right now; not repaired", path)
            continue
        except OSError:
            continue
        try:
            if not lacks_duration(path):
                continue
            result = repair_recording(path)
            log.info("repaired interrupted recording %s: %d frames, %.1f s", path, result.frames, result.duration_s)
            repaired.append(result)
        except RecordingError as exc:
            log.warning("%s", exc)
        finally:
            unlock_file(lock)
    return repaired
