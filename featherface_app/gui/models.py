"""The models the window knows: loaded off the GUI thread, kept warm, registered with the processor.

Each ONNX file is loaded once (an onnxruntime session plus a warm-up run) on the loader thread and
added to the core :class:`~featherface_app.core.pipeline.FrameProcessor` under a display name that
is unique in the window, so switching models later only swaps a reference. A file that fails to
load is reported and left out of the list.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from featherface_app.core.detector import FaceDetector
from featherface_app.core.pipeline import FrameProcessor
from featherface_app.core.registry import unique_label

from .worker import Job, JobRunner

log = logging.getLogger(__name__)

Loader = Callable[[Path], FaceDetector]


@dataclass
class ModelEntry:
    """One model file; ``name`` and ``detector`` are set once it has loaded."""

    path: Path
    name: str = ""
    detector: FaceDetector | None = None

    @property
    def ready(self) -> bool:
        return self.detector is not None

    @property
    def label(self) -> str:
        return self.name or f"{self.path.name} (loading…)"


def _key(path: Path) -> str:
    try:
        return str(path.resolve())
    except OSError:
        return str(path.absolute())


class ModelCatalogue(QObject):
    """Ordered model list of the window. GUI thread; loading happens on ``self.loader``.

    Signals: ``loaded(ModelEntry)``, ``load_failed(path, message)``. The order models are offered
    in, and which run, belong to the core :class:`~featherface_app.core.selection.ModelSelection`.
    """

    loaded = Signal(object)
    load_failed = Signal(str, str)

    def __init__(self, processor: FrameProcessor, load: Loader, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.processor = processor
        self._load = load
        self.entries: list[ModelEntry] = []
        self.loader = JobRunner("model-loader", self)
        self.loader.finished_job.connect(self._on_loaded)
        self.loader.failed_job.connect(self._on_failed)
        self.loader.start()

    def find(self, path: Path | str) -> ModelEntry | None:
        key = _key(Path(path))
        return next((e for e in self.entries if _key(e.path) == key), None)

    def by_name(self, name: str) -> ModelEntry | None:
        return next((e for e in self.entries if e.name == name), None)

    @property
    def loading(self) -> int:
        return sum(1 for e in self.entries if not e.ready)

    def add(self, path: Path | str) -> ModelEntry:
        """Queue ``path`` for loading (no-op if it is already listed); returns its entry."""
        path = Path(path)
        existing = self.find(path)
        if existing is not None:
            return existing
        entry = ModelEntry(path)
        self.entries.append(entry)
        self.loader.submit(Job("model", lambda: self._load(path), {"entry": entry}))
        return entry

    def _on_loaded(self, job: Job, detector: FaceDetector) -> None:
        entry: ModelEntry = job.context["entry"]
        if entry not in self.entries:  # removed while loading
            return
        entry.name = unique_label(detector.name or entry.path.stem, entry.path, (e.name for e in self.entries if e.name))
        entry.detector = detector
        self.processor.add_detector(entry.name, detector)
        log.info("model ready: %s (%s)", entry.name, entry.path)
        self.loaded.emit(entry)

    def _on_failed(self, job: Job, message: str) -> None:
        entry: ModelEntry = job.context["entry"]
        if entry in self.entries:
            self.entries.remove(entry)
        log.warning("model %s failed to load: %s", entry.path, message)
        self.load_failed.emit(str(entry.path), message)

    def shutdown(self) -> bool:
        return self.loader.stop()
