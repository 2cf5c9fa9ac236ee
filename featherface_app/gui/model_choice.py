"""The window's side of the model choice: which files to load at start, user actions (keys 1..9,
the combo boxes, compare), and showing the core :class:`ModelSelection`'s snapshots.

The selection owns the choice; this class only feeds it (files loaded or failed, the user's picks,
a model the processor retired) and subscribes the processor and the widgets to it. GUI thread.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog

from featherface_app.core.paths import bundled_models_dir
from featherface_app.core.pipeline import CompareMode
from featherface_app.core.selection import ModelSelection, SelectionSnapshot

from .models import ModelEntry

if TYPE_CHECKING:
    from .main_window import MainWindow

log = logging.getLogger(__name__)

MODEL_SUFFIX = ".onnx"
MODEL_FILTER = "ONNX models (*.onnx);;All files (*)"
COMPARE_MODES = {"side-by-side": CompareMode.SIDE_BY_SIDE, "overlay": CompareMode.OVERLAY}
#: shipped models shown first: V2 (the design's model) as model A, V1 as compare model B (unless
#: settings say otherwise). Keys stay 1 = V1, 2 = V2 (core.selection.SHIPPED_ORDER).
DEFAULT_MODEL_A = "featherface_v2_eca.onnx"
DEFAULT_MODEL_B = "featherface_v1_cbam.onnx"
NO_MODELS_MESSAGE = "No models found. Open an ONNX face detector with Ctrl+M (File → Open model)."


def resolve_wanted(text: str | None) -> str | None:
    """A model to pick: an existing file (resolved path) or a model name / variant (e.g.
    ``v2-eca``); a file that no longer exists is ignored (None), not reported as an error."""
    if not text:
        return None
    path = Path(text).expanduser()
    if path.is_file():
        return str(path.resolve())
    if path.suffix.lower() != MODEL_SUFFIX and len(path.parts) == 1:
        return text
    log.info("model file %s no longer exists; the default model is shown instead", text)
    return None


def shipped_default(file_name: str) -> str | None:
    path = bundled_models_dir() / file_name
    return str(path.resolve()) if path.is_file() else None


class ModelChoice:
    """Connects the catalogue (loading), the selection (the choice) and the window's widgets."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        launch, settings = window.launch, window.settings
        first_extra = str(launch.extra_models[0]) if launch.extra_models else None
        requested_a = resolve_wanted(launch.model or first_extra or settings.model_a)
        requested_b = resolve_wanted(settings.model_b)
        #: files asked for by the command line or settings: listed even when outside the models folders.
        self.requested_files = [Path(w) for w in (requested_a, requested_b) if w and Path(w).is_file()]
        wanted_a = requested_a or shipped_default(DEFAULT_MODEL_A)
        defaults_b = (shipped_default(DEFAULT_MODEL_B), shipped_default(DEFAULT_MODEL_A))
        wanted_b = requested_b or next((d for d in defaults_b if d and d != wanted_a), None)
        self.selection = ModelSelection(bundled_models_dir(), wanted_a, wanted_b, settings.compare, settings.compare_layout)
        self._remembered: set[str] = set()

    def connect(self) -> None:
        w = self.window
        w.models.loaded.connect(self._on_loaded)
        w.models.load_failed.connect(self._on_failed)
        w.worker.model_retired.connect(self.selection.model_failed)
        w.commands.open_model.triggered.connect(self._choose_file)
        w.commands.compare.toggled.connect(self._on_compare_toggled)
        for action in w.commands.pick_model:
            action.triggered.connect(lambda _=False, slot=int(action.data()): self.select_slot(slot))
        w.controls.model_chosen.connect(self.select_a)
        w.controls.compare_model_chosen.connect(self.selection.choose_b)
        w.controls.compare_layout_chosen.connect(self.set_layout)
        self.selection.subscribe(self._show)

    # -- files -----------------------------------------------------------------------------------
    def load_initial(self) -> None:
        """Every model file to offer: the folders (or the test's list), remembered user models,
        ``--model`` files and requested files; A and B load first, keys follow the stable order."""
        w = self.window
        if w.launch.models is not None:
            paths = list(w.launch.models)
        else:
            try:
                paths = w.registry.available()
            except Exception as exc:  # a broken models folder must not stop the window
                w.show_error(f"Cannot list the models folder: {exc}")
                paths = []
            paths += [Path(p) for p in w.settings.user_models if Path(p).is_file()]
        paths += list(w.launch.extra_models) + self.requested_files
        unique: dict[str, Path] = {}
        for path in paths:
            unique.setdefault(str(path.resolve()), path)
        for path in unique.values():
            self.selection.expect(path, remember=str(path) in w.settings.user_models)
        wanted = (self.selection.wanted_a, self.selection.wanted_b)  # model A loads first, then B, then the rest
        ordered = sorted(unique.values(), key=lambda p: wanted.index(str(p.resolve())) if str(p.resolve()) in wanted else len(wanted))
        if not ordered:
            w.show_warning(NO_MODELS_MESSAGE)
        for path in ordered:
            w.models.add(path)

    def add(self, path: Path | str, select: bool = False, remember: bool = True) -> ModelEntry:
        """Load ``path`` on the loader thread; ``select`` makes it model A once it is ready;
        ``remember`` lists it again on the next start (models the user opened)."""
        path = Path(path)
        if remember:
            self._remembered.add(str(path.resolve()))
        self.selection.expect(path, remember=remember)
        entry = self.window.models.add(path)
        if select:
            if entry.ready:
                self.select_a(entry.name)
            else:
                self.selection.wanted_a = str(path.resolve())
        self.window.statusBar().showMessage(f"Loading model {path.name}…")
        return entry

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Open ONNX model", str(Path.home()), MODEL_FILTER)
        if path:
            self.add(path, select=True)

    def _on_loaded(self, entry: ModelEntry) -> None:
        w = self.window
        if str(entry.path.resolve()) in self._remembered and str(entry.path) not in w.settings.user_models:
            w.settings.user_models.append(str(entry.path))
        variant = entry.detector.info.variant if entry.detector is not None else ""
        self.selection.loaded(entry.path, entry.name, variant)
        if w.banner.isVisible() and w.banner.text() == NO_MODELS_MESSAGE:
            w.banner.dismiss()
        w.statusBar().showMessage(f"Model ready: {entry.name}", 4000)

    def _on_failed(self, path: str, message: str) -> None:
        name = Path(path).name
        self.window.show_error(f"Cannot use model {name}: {message.removeprefix(f'{name}: ')}")
        if path in self.window.settings.user_models:
            self.window.settings.user_models.remove(path)
        self.selection.load_failed(path)

    # -- the user's picks ------------------------------------------------------------------------
    def select_a(self, name: str) -> None:
        """Make ``name`` model A; applies from the next frame (the session is already warm)."""
        if not self.selection.choose_a(name):
            self.window.show_warning(f"Model {name} is not loaded")
            return
        self.window.statusBar().showMessage(f"Model A: {name}", 3000)

    def select_slot(self, slot: int) -> None:
        if self.selection.choose_slot(slot) is None:
            self.window.statusBar().showMessage(f"There is no model {slot + 1}; {len(self.selection.names())} loaded", 3000)

    def set_layout(self, key: str) -> None:
        self.window.settings.compare_layout = key
        box = self.window.controls.layout_box
        index = box.findData(key)
        if index >= 0 and index != box.currentIndex():
            box.setCurrentIndex(index)
        self.selection.set_compare(self.selection.compare, key)

    def _on_compare_toggled(self, on: bool) -> None:
        self.window.settings.compare = on
        self.window.controls.set_compare_enabled(on)
        if on and not self.selection.can_compare():
            self.window.show_warning("Compare needs two models: open another one with Ctrl+M (File → Open model).")
            self.window.commands.compare.setChecked(False)
            return
        self.selection.set_compare(on)

    # -- showing a snapshot ----------------------------------------------------------------------
    def _show(self, snap: SelectionSnapshot) -> None:
        """The processor runs the snapshot; the lists, keys and compare button show it."""
        w = self.window
        if snap.active is not None:
            w.processor.set_models(snap.active, snap.running_second, COMPARE_MODES[snap.layout])
            w.settings.model_a, model_b = self.selection.chosen_files()
            w.settings.model_b = model_b or w.settings.model_b
        if w.commands.compare.isChecked() != snap.compare:
            w.commands.compare.setChecked(snap.compare)  # re-enters through the toggle: same state
        names = list(snap.names)
        w.controls.set_models(names, snap.loading, snap.active, snap.second)
        for slot, action in enumerate(w.commands.pick_model):
            action.setText(f"&{slot + 1}  {names[slot]}" if slot < len(names) else f"Model {slot + 1}")
            action.setEnabled(slot < len(names))
