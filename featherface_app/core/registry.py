"""The models the app can offer: ONNX files in the bundled and user model folders, loaded once.

Loading is the slow, failure-prone step (a broken file, lying metadata), so it happens here, once
per file, with a :class:`ModelLoadError` that names the file; a loaded detector stays warm in the
cache so switching models later costs nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from .detector import FaceDetector, load_detector
from .paths import bundled_models_dir, user_models_dir

log = logging.getLogger(__name__)


def default_model_dirs() -> list[Path]:
    """Bundled models first, then the user's own folder."""
    return [bundled_models_dir(), user_models_dir()]


def unique_label(name: str, path: Path, taken: Iterable[str]) -> str:
    """``name``, or ``name (file stem)`` when another loaded model already uses that name."""
    taken = set(taken)
    if name not in taken:
        return name
    label = f"{name} ({path.stem})"
    n = 2
    while label in taken:
        label, n = f"{name} ({path.stem} {n})", n + 1
    return label


class ModelRegistry:
    """ONNX files found in ``dirs`` (missing folders are fine) and a cache of loaded detectors.

    Thread-safe: the GUI may list while a worker loads.
    """

    def __init__(self, dirs: Sequence[Path | str] | None = None, threads: int = 0) -> None:
        self.dirs = [Path(d) for d in (default_model_dirs() if dirs is None else dirs)]
        self.threads = threads
        self._lock = threading.Lock()
        self._loaded: dict[Path, FaceDetector] = {}

    def available(self) -> list[Path]:
        """Every ``*.onnx`` in the folders, sorted by name within each folder, without duplicates."""
        seen: set[Path] = set()
        found: list[Path] = []
        for folder in self.dirs:
            if not folder.is_dir():
                continue
            for path in sorted(folder.glob("*.onnx"), key=lambda p: p.name.lower()):
                key = path.resolve()
                if key not in seen and path.is_file():
                    seen.add(key)
                    found.append(path)
        return found

    def load(self, path: Path | str) -> FaceDetector:
        """The warm detector for ``path`` (loaded on first use); raises ``ModelLoadError``."""
        key = Path(path).resolve()
        with self._lock:
            cached = self._loaded.get(key)
        if cached is not None:
            return cached
        detector = load_detector(key, threads=self.threads)  # outside the lock: may take seconds
        with self._lock:
            detector = self._loaded.setdefault(key, detector)
        log.info("loaded model %s (%s) from %s", detector.name, detector.info.variant, key)
        return detector

    def loaded(self) -> dict[Path, FaceDetector]:
        with self._lock:
            return dict(self._loaded)

    def forget(self, path: Path | str) -> None:
        """Drop a cached detector (e.g. the file changed on disk); the next ``load`` re-reads it."""
        with self._lock:
            self._loaded.pop(Path(path).resolve(), None)
