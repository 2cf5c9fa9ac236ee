"""Sinks of the frame loop that write files: a recording, annotated images, detections as JSON
records and as CSV rows.

Each is a :class:`~featherface_app.core.loop.Sink` (``write(processed)``, ``close()``); a write
that cannot happen raises a :class:`FeatherFaceError` naming the file, so the loop can drop the
sink and the user reads why.
"""

from __future__ import annotations

import csv
import io
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2

from .detections import FaceDetections
from .errors import FeatherFaceError
from .pipeline import ProcessedFrame
from .recorder import Recorder

log = logging.getLogger(__name__)

CSV_COLUMNS = (
    "input", "frame", "face", "score", "x1", "y1", "x2", "y2",
    *(f"landmark{k}_{axis}" for k in range(5) for axis in ("x", "y")),
)  # fmt: skip


class RecorderSink:
    """Annotated frames into a :class:`Recorder`, timed by their capture time.

    ``block`` waits for queue space (offline ``detect``: no frame may be lost); live use drops
    frames instead (the recorder counts them). A recorder that has failed raises its error here.
    """

    def __init__(self, recorder: Recorder, block: bool = False) -> None:
        self.recorder = recorder
        self.block = block

    def write(self, processed: ProcessedFrame) -> None:
        if self.recorder.error is not None:
            raise self.recorder.error
        self.recorder.write(processed.image_bgr, processed.captured_ns, block=self.block)

    def close(self) -> None:
        self.recorder.stop()
        if self.recorder.error is not None:
            raise self.recorder.error


class VideoFileSink:
    """A crash-safe recording at ``path`` opened on the first frame (its size sets the video's)."""

    def __init__(self, path: Path, fps: float) -> None:
        self.path = path
        self.fps = fps
        self.output: Path | None = None
        self._inner: RecorderSink | None = None

    def write(self, processed: ProcessedFrame) -> None:
        if self._inner is None:
            height, width = processed.image_bgr.shape[:2]
            recorder = Recorder(self.path.parent, self.fps, (width, height), path=self.path)
            self.output = recorder.start()
            self._inner = RecorderSink(recorder, block=True)
        self._inner.write(processed)

    def close(self) -> None:
        if self._inner is not None:
            self._inner.close()


class ImageFileSink:
    """The annotated frame as a PNG at ``path`` (imencode + Python I/O, so unicode paths work)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.output: Path | None = None

    def write(self, processed: ProcessedFrame) -> None:
        ok, data = cv2.imencode(".png", processed.image_bgr)
        try:
            if not ok:
                raise OSError("PNG encoding failed")
            self.path.write_bytes(data.tobytes())
        except OSError as exc:
            raise FeatherFaceError(f"Cannot write {self.path}: {exc.strerror or exc}") from exc
        self.output = self.path

    def close(self) -> None:
        """Nothing stays open between frames."""


@dataclass(frozen=True)
class FrameRecord:
    """One frame's faces (the first model's, in the frame's pixels); empty when no model ran."""

    index: int
    faces: FaceDetections

    def to_json(self) -> dict[str, object]:
        """``{"index", "faces"}`` as ``detections.json`` holds it (see :meth:`FaceDetections.to_json`)."""
        return {"index": self.index, "faces": self.faces.to_json()}


class DetectionsRecords:
    """The first model's faces per frame as typed records (:class:`FrameRecord`), one per frame."""

    def __init__(self) -> None:
        self.frames: list[FrameRecord] = []

    def write(self, processed: ProcessedFrame) -> None:
        faces = processed.results[0].detections if processed.results else FaceDetections.empty()
        self.frames.append(FrameRecord(processed.frame_index, faces))

    def close(self) -> None:
        """The records stay readable after the loop is done."""


def _cell(value: float) -> str:
    return f"{value:.2f}" if math.isfinite(value) else ""


class CsvSink:
    """One row per face of the first model (columns :data:`CSV_COLUMNS`) into a UTF-8 CSV file.

    ``input_label`` fills the first column; ``detect`` sets it per input file, so one file holds
    every input. The header is written when the file opens (on construction).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.input_label = ""
        try:
            self._file: io.TextIOWrapper = path.open("w", newline="", encoding="utf-8", errors="backslashreplace")
        except OSError as exc:
            raise FeatherFaceError(f"Cannot write {path}: {exc.strerror or exc}") from exc
        self._writer = csv.writer(self._file)
        self._write_row(CSV_COLUMNS)

    def _write_row(self, row: Any) -> None:
        try:
            self._writer.writerow(row)
        except OSError as exc:
            raise FeatherFaceError(f"Cannot write {self.path}: {exc.strerror or exc}") from exc

    def write(self, processed: ProcessedFrame) -> None:
        if not processed.results:
            return
        faces = processed.results[0].detections
        for number, (box, score, points) in enumerate(zip(faces.xyxy, faces.scores, faces.landmarks)):
            cells = [_cell(float(v)) for v in (*box, *points.reshape(-1))]
            self._write_row([self.input_label, processed.frame_index, number, f"{float(score):.4f}", *cells])

    def close(self) -> None:
        try:
            self._file.close()
        except OSError as exc:
            raise FeatherFaceError(f"Cannot write {self.path}: {exc.strerror or exc}") from exc
