"""The main window: wires sources, models, the inference worker, recording, plots and controls.

The window lives on the GUI thread and only paints and reacts: capture runs in the core capture
loop's thread, inference in :class:`~.worker.InferenceWorker`, model loading, source opening and
recording finalisation in job threads. Every failure ends up in the banner above the video (never
a modal dialog) and the app keeps running with what still works.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, QUrl
from PySide6.QtGui import QCloseEvent, QDesktopServices, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from featherface_app import STARTED_MONOTONIC, __version__
from featherface_app.core.detector import DetectOptions
from featherface_app.core.paths import bundled_models_dir, log_dir
from featherface_app.core.pipeline import CompareMode, FrameProcessor, ProcessedFrame
from featherface_app.core.registry import ModelRegistry
from featherface_app.core.sources import IMAGE_SUFFIXES
from featherface_app.logs import log_file_path

from .actions import WindowActions
from .banner import MessageBanner
from .controls import ControlPanel
from .icons import icon
from .models import Loader, ModelCatalogue, ModelEntry
from .plots import PlotPanel, StatsHistory
from .recording import RecordingController, RecordingSummary
from .settings import GuiSettings, load_settings, open_settings, save_settings
from .source_control import SourceController, SourceInfo
from .video_view import VideoView
from .worker import InferenceWorker

log = logging.getLogger(__name__)

STATUS_HZ = 4
MODEL_SUFFIX = ".onnx"
VIDEO_FILTER = "Videos (*.mp4 *.mkv *.avi *.mov *.webm *.m4v *.mpg *.mpeg *.wmv);;All files (*)"
IMAGE_FILTER = "Images (" + " ".join(f"*{s}" for s in sorted(IMAGE_SUFFIXES)) + ");;All files (*)"
MODEL_FILTER = "ONNX models (*.onnx);;All files (*)"
COMPARE_MODES = {"side-by-side": CompareMode.SIDE_BY_SIDE, "overlay": CompareMode.OVERLAY}
#: shipped models shown first: V1 as model A, V2 as compare model B (unless settings say otherwise).
DEFAULT_MODEL_A = "featherface_v1_cbam.onnx"
DEFAULT_MODEL_B = "featherface_v2_eca.onnx"
NO_MODELS_MESSAGE = "No models found. Open an ONNX face detector with Ctrl+M (File → Open model)."


@dataclass
class LaunchOptions:
    """What the command line asks for; None means "as remembered" (or the default)."""

    source: str | None = None
    #: the complete model list (tests); None: the shipped and user models folders.
    models: list[Path] | None = None
    #: extra model files to load as well (``--model``); the first one is shown first.
    extra_models: list[Path] = field(default_factory=list)
    #: a model to show first: a path, or a name / variant / file name of a listed model.
    model: str | None = None
    output_dir: Path | None = None


class MainWindow(QMainWindow):
    """FeatherFace Live's window. GUI thread; see the module docstring for the other threads."""

    def __init__(
        self,
        launch: LaunchOptions | None = None,
        store: QSettings | None = None,
        loader: Loader | None = None,
    ) -> None:
        super().__init__()
        self.launch = launch or LaunchOptions()
        self.store = store if store is not None else open_settings()
        self.settings: GuiSettings = load_settings(self.store)
        if self.launch.output_dir is not None:
            self.settings.output_dir = str(self.launch.output_dir)
        self._closing = False
        self._closed_cleanly = False
        self._automatic_source = False
        self._remembered: set[str] = set()
        self._opened_note = ""
        self._active: str | None = None
        self._second: str | None = None
        first_extra = str(self.launch.extra_models[0]) if self.launch.extra_models else None
        requested_a = self._resolve_wanted(self.launch.model or first_extra or self.settings.model_a)
        requested_b = self._resolve_wanted(self.settings.model_b)
        #: files asked for by the command line or settings: listed even when outside the models folders.
        self._requested_files = [Path(w) for w in (requested_a, requested_b) if w and Path(w).is_file()]
        self._wanted_a = requested_a or self._shipped_default(DEFAULT_MODEL_A)
        defaults_b = (self._shipped_default(DEFAULT_MODEL_B), self._shipped_default(DEFAULT_MODEL_A))
        self._wanted_b = requested_b or next((d for d in defaults_b if d and d != self._wanted_a), None)
        self.last_frame: ProcessedFrame | None = None
        self.last_recording: RecordingSummary | None = None
        self.frames_shown = 0
        self.first_faces_logged = False

        s = self.settings
        self.processor = FrameProcessor(
            options=DetectOptions(confidence=s.confidence, nms_iou=s.nms_iou, input_long_side=s.input_size or None),
            show_landmarks=s.show_landmarks,
        )
        self.worker = InferenceWorker(self.processor, self)
        self.sources = SourceController(self.worker, self)
        self.recording = RecordingController(self.worker, self)
        self.registry = ModelRegistry()
        self.models = ModelCatalogue(self.processor, loader or self.registry.load, self)
        self.history = StatsHistory(s.plot_seconds)
        self.commands = WindowActions.create(self)

        self._build_ui()
        self._connect()
        self._restore_geometry()
        self.worker.start()
        self.plots.start()
        self.status_timer.start()
        self._load_initial_models()
        self._open_initial_source()

    # -- construction ----------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.setWindowTitle("FeatherFace Live")
        self.setWindowIcon(icon("app"))
        self.setAcceptDrops(True)
        a = self.commands
        a.landmarks.setChecked(self.settings.show_landmarks)
        a.compare.setChecked(self.settings.compare)

        self.view = VideoView()
        self.banner = MessageBanner()
        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(0, 0, 0, 0)
        centre_layout.setSpacing(0)
        centre_layout.addWidget(self.banner)
        centre_layout.addWidget(self.view, 1)

        self.controls = ControlPanel(a, self.settings)
        self.controls.output_label.setText(f"Output: {self.settings.output_path()}")
        scroll = QScrollArea()
        scroll.setObjectName("controlScroll")
        scroll.setWidget(self.controls)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(self.controls.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width() + 6)
        self.plots = PlotPanel(self.history, self.settings.plot_stage)
        self.plots.setMinimumWidth(300)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(scroll)
        self.splitter.addWidget(centre)
        self.splitter.addWidget(self.plots)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.splitter.setSizes([290, 880, 360])
        self.splitter.setChildrenCollapsible(False)
        self.side_panels = (scroll, self.plots)
        self.setCentralWidget(self.splitter)

        self._build_menus()
        self.toolbar = QToolBar("Main")
        self.toolbar.setObjectName("mainToolbar")
        self.toolbar.setMovable(False)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for action in (a.use_sample, a.use_camera, a.open_video, a.open_image, None, a.pause, a.record, a.screenshot, None, a.compare, a.open_model):
            if action is None:
                self.toolbar.addSeparator()
            else:
                self.toolbar.addAction(action)
        self.addToolBar(self.toolbar)

        self.status_source = QLabel()
        self.status_models = QLabel()
        self.status_speed = QLabel()
        self.status_recording = QLabel()
        self.status_recording.setObjectName("statusRecording")
        for label in (self.status_source, self.status_models, self.status_speed, self.status_recording):
            self.statusBar().addPermanentWidget(label)
        self.status_timer = QTimer(self)
        self.status_timer.setInterval(1000 // STATUS_HZ)
        self.status_timer.timeout.connect(self._update_status)
        self.resize(1500, 880)
        self.view.setFocus()

    def _build_menus(self) -> None:
        a = self.commands
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        for action in (a.use_sample, a.use_camera, a.open_video, a.open_image, a.reopen_source, None, a.open_model, None,
                       a.choose_output, a.screenshot, a.record, None, a.quit):
            file_menu.addSeparator() if action is None else file_menu.addAction(action)
        view_menu = menu.addMenu("&View")
        for action in (a.pause, a.compare, a.landmarks, a.fullscreen):
            view_menu.addAction(action)
        self.models_menu = view_menu.addMenu("&Models")
        for action in a.pick_model:
            self.models_menu.addAction(action)
        # on the window itself too, so every shortcut works while menus and toolbar are hidden (fullscreen)
        self.addActions(a.all())
        help_menu = menu.addMenu("&Help")
        self.open_log_action = help_menu.addAction("Open &log folder")
        self.open_log_action.setStatusTip("Show the folder with featherface.log (what to attach to a bug report)")
        self.open_log_action.triggered.connect(self.open_log_folder)
        about = help_menu.addAction("&About FeatherFace Live")
        about.triggered.connect(self._show_about)

    def _connect(self) -> None:
        a = self.commands
        self.worker.frame_ready.connect(self._on_frame_ready)
        self.worker.failed.connect(self._on_processing_failed)
        self.worker.sink_failed.connect(lambda _sink, message: self.show_error(f"Output stopped: {message}"))
        self.sources.opened.connect(self._on_source_opened)
        self.sources.open_failed.connect(self._on_source_open_failed)
        self.sources.ended.connect(self._on_source_ended)
        self.sources.lost.connect(self._on_source_lost)
        self.sources.reconnected.connect(lambda info: self.show_info(f"{info.name} is back.", banner=True))
        self.models.loaded.connect(self._on_model_loaded)
        self.models.load_failed.connect(self._on_model_failed)
        self.models.changed.connect(self._apply_models)
        self.recording.started.connect(self._on_recording_started)
        self.recording.finished.connect(self._on_recording_finished)
        self.recording.failed.connect(self._on_recording_failed)

        a.open_video.triggered.connect(self._choose_video)
        a.open_image.triggered.connect(self._choose_image)
        a.open_model.triggered.connect(self._choose_model)
        a.use_sample.triggered.connect(lambda: self.open_source("sample"))
        a.use_camera.triggered.connect(self._open_camera)
        a.reopen_source.triggered.connect(self._reopen_source)
        a.choose_output.triggered.connect(self._choose_output)
        a.pause.toggled.connect(self._on_pause_toggled)
        a.record.toggled.connect(self._on_record_toggled)
        a.screenshot.triggered.connect(self.save_screenshot)
        a.compare.toggled.connect(self._on_compare_toggled)
        a.landmarks.toggled.connect(self._on_landmarks_toggled)
        a.fullscreen.toggled.connect(self._on_fullscreen_toggled)
        a.exit_fullscreen.triggered.connect(lambda: a.fullscreen.setChecked(False))
        a.quit.triggered.connect(self.close)
        for action in a.pick_model:
            action.triggered.connect(lambda _=False, slot=int(action.data()): self.select_model_slot(slot))

        c = self.controls
        c.model_chosen.connect(self.select_model)
        c.compare_model_chosen.connect(self.select_compare_model)
        c.compare_layout_chosen.connect(self.set_compare_layout)
        c.detection_changed.connect(self._on_detection_changed)
        c.camera_index.valueChanged.connect(lambda v: setattr(self.settings, "camera_index", int(v)))
        c.camera_size.currentTextChanged.connect(lambda t: setattr(self.settings, "camera_size", t))
        self.plots.stage_box.currentIndexChanged.connect(lambda _: setattr(self.settings, "plot_stage", self.plots.stage))
        self.banner.dismissed.connect(self.view.setFocus)

    def _restore_geometry(self) -> None:
        geometry = self.store.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)

    # -- messages ----------------------------------------------------------------------------------
    def show_error(self, message: str) -> None:
        log.error("%s", message)
        self.banner.show_message(message, "error")
        self.statusBar().showMessage(message.splitlines()[0], 8000)

    def show_warning(self, message: str) -> None:
        log.warning("%s", message)
        self.banner.show_message(message, "warning")
        self.statusBar().showMessage(message.splitlines()[0], 8000)

    def show_info(self, message: str, banner: bool = False) -> None:
        log.info("%s", message)
        if banner and not (self.banner.isVisible() and self.banner.text() == NO_MODELS_MESSAGE):  # that one matters more
            self.banner.show_message(message, "info")
        self.statusBar().showMessage(message, 6000)

    # -- sources -----------------------------------------------------------------------------------
    def _open_initial_source(self) -> None:
        """The command line's source, else the remembered one, else the camera if one opens
        (the sample clip when none does)."""
        spec = self.launch.source or self.settings.source
        if not spec:
            self._automatic_source = True
            spec = f"camera:{self.settings.camera_index}"
        self.open_source(spec)

    def open_source(self, spec: str | Path) -> None:
        """Switch to ``spec`` (``sample``, ``camera:N``, or a file); the old source plays until
        the new one has opened."""
        spec = str(spec)
        width, height = self.controls.camera_wh()
        self.statusBar().showMessage(f"Opening {spec}…")
        if self.sources.info is None:
            self.view.set_placeholder(f"Opening {spec}…")
        self.sources.open(spec, width, height)

    def _open_camera(self) -> None:
        self.open_source(f"camera:{self.controls.camera_index.value()}")

    def _reopen_source(self) -> None:
        info = self.sources.info
        self.open_source(info.spec if info is not None else "sample")

    def _on_source_opened(self, info: SourceInfo) -> None:
        if self.recording.recording:
            self.recording.stop("source changed")
        if not self._automatic_source and (info.spec == "sample" or info.spec.startswith("camera:")):
            self.settings.source = info.spec  # files are not remembered: they may be gone next time
        self._automatic_source = False
        self.controls.source_label.setText(self._describe_source(info))
        if self.banner.isVisible() and self.banner.level != "error" and self.banner.text() != NO_MODELS_MESSAGE:
            self.banner.dismiss()  # "end of video" and the like; "no models" stays until a model loads
        self.show_info(self._opened_note or f"Playing {info.name}")
        self._opened_note = ""

    @staticmethod
    def _describe_source(info: SourceInfo) -> str:
        if info.spec == "sample":
            kind = "Sample clip"
        elif info.spec.startswith("camera:"):
            kind = f"Camera {info.spec.partition(':')[2]}"
        else:
            kind = "Image" if Path(info.spec).suffix.lower() in IMAGE_SUFFIXES else "Video"
        rate = f", {info.fps:.0f} fps" if info.fps > 0 else ""
        return f"<b>{kind}</b>{rate}" if info.spec == "sample" else f"<b>{kind}</b>: {info.name}{rate}"

    def _on_source_open_failed(self, spec: str, message: str) -> None:
        if self.sources.info is None and spec != "sample" and self.sources.opening is None:
            if self._automatic_source:  # no camera on this machine: the sample is the default
                self._opened_note = f"No camera opened ({message}); playing the sample clip."
            else:
                self.show_error(f"{message}\nShowing the sample clip instead.")
            self.sources.open("sample")
            return
        still = f"\nStill showing {self.sources.info.name}." if self.sources.info is not None else ""
        self.show_error(f"{message}{still}")
        if self.sources.info is None:
            self.view.set_placeholder("No video. Choose a source: sample, camera, video or image.")

    def _on_source_ended(self, info: SourceInfo) -> None:
        if self.recording.recording:
            self.recording.stop("source ended")
        self.show_info(f"End of {info.name}. Press F5 to play it again.", banner=True)

    def _on_source_lost(self, info: SourceInfo, message: str) -> None:
        if self.recording.recording:
            self.recording.stop("source lost")
        if self.sources.reconnecting:
            self.show_error(f"{message}\nTrying to reconnect every few seconds; choose another source to stop.")
        else:
            self.show_error(f"{message}\nChoose another source to continue.")

    def _choose_video(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open video", self._last_dir(), VIDEO_FILTER)
        if path:
            self.open_source(path)

    def _choose_image(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open image", self._last_dir(), IMAGE_FILTER)
        if path:
            self.open_source(path)

    def _last_dir(self) -> str:
        info = self.sources.info
        if info is not None and Path(info.spec).is_file():
            return str(Path(info.spec).parent)
        return str(Path.home())

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        if not paths:
            return
        event.acceptProposedAction()
        self.open_paths(paths)

    def open_paths(self, paths: list[Path]) -> None:
        """Dropped files: ONNX files are added as models, the first other file becomes the source."""
        media = [p for p in paths if p.suffix.lower() != MODEL_SUFFIX]
        for path in paths:
            if path.suffix.lower() == MODEL_SUFFIX:
                self.add_model(path, select=True)
        if media:
            self.open_source(media[0])

    # -- models ------------------------------------------------------------------------------------
    @staticmethod
    def _resolve_wanted(text: str | None) -> str | None:
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

    @staticmethod
    def _shipped_default(file_name: str) -> str | None:
        path = bundled_models_dir() / file_name
        return str(path.resolve()) if path.is_file() else None

    def _load_initial_models(self) -> None:
        if self.launch.models is not None:
            paths = list(self.launch.models)
        else:
            try:
                paths = self.registry.available()
            except Exception as exc:  # a broken models folder must not stop the window
                self.show_error(f"Cannot list the models folder: {exc}")
                paths = []
            paths += [Path(p) for p in self.settings.user_models if Path(p).is_file()]
        paths += list(self.launch.extra_models) + self._requested_files
        unique: dict[str, Path] = {}
        for path in paths:
            unique.setdefault(str(path.resolve()), path)
        wanted = (self._wanted_a, self._wanted_b)  # model A loads first, then B, then the rest
        ordered = sorted(unique.values(), key=lambda p: wanted.index(str(p.resolve())) if str(p.resolve()) in wanted else len(wanted))
        if not ordered:
            self.show_warning(NO_MODELS_MESSAGE)
        for path in ordered:
            self.models.add(path)

    def add_model(self, path: Path | str, select: bool = False, remember: bool = True) -> ModelEntry:
        """Load ``path`` on the loader thread; ``select`` makes it model A once it is ready;
        ``remember`` lists it again on the next start (models the user opened)."""
        path = Path(path)
        if remember:
            self._remembered.add(str(path.resolve()))
        entry = self.models.add(path)
        if select:
            if entry.ready:
                self.select_model(entry.name)
            else:
                self._wanted_a = str(path.resolve())
        self.statusBar().showMessage(f"Loading model {path.name}…")
        return entry

    def _choose_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open ONNX model", str(Path.home()), MODEL_FILTER)
        if path:
            self.add_model(path, select=True)

    def _matches(self, entry: ModelEntry, wanted: str | None) -> bool:
        if not wanted:
            return False
        if str(entry.path.resolve()) == wanted:
            return True
        detector = entry.detector
        return detector is not None and wanted in (entry.name, detector.info.variant, entry.path.stem, entry.path.name)

    def _on_model_loaded(self, entry: ModelEntry) -> None:
        if self._matches(entry, self._wanted_a):
            self._active = entry.name
            self._wanted_a = None
        elif self._matches(entry, self._wanted_b):
            self._second = entry.name
            self._wanted_b = None
        if str(entry.path.resolve()) in self._remembered and str(entry.path) not in self.settings.user_models:
            self.settings.user_models.append(str(entry.path))
        if self.banner.isVisible() and self.banner.text() == NO_MODELS_MESSAGE:
            self.banner.dismiss()
        self.statusBar().showMessage(f"Model ready: {entry.name}", 4000)

    def _on_model_failed(self, path: str, message: str) -> None:
        name = Path(path).name
        self.show_error(f"Cannot use model {name}: {message.removeprefix(f'{name}: ')}")
        if path in self.settings.user_models:
            self.settings.user_models.remove(path)

    def ready_model_names(self) -> list[str]:
        return [e.name for e in self.models.ready()]

    def select_model(self, name: str) -> None:
        """Make ``name`` model A; applies from the next frame (the session is already warm)."""
        if name not in self.ready_model_names():
            self.show_warning(f"Model {name} is not loaded")
            return
        if name == self._second:
            self._second = self._active
        self._active = name
        self._apply_models()
        self.statusBar().showMessage(f"Model A: {name}", 3000)

    def select_compare_model(self, name: str) -> None:
        if name == self._active:
            self._active, self._second = self._second, name
        else:
            self._second = name
        self._apply_models()

    def select_model_slot(self, slot: int) -> None:
        names = self.ready_model_names()
        if slot < len(names):
            self.select_model(names[slot])
        else:
            self.statusBar().showMessage(f"There is no model {slot + 1}; {len(names)} loaded", 3000)

    def set_compare_layout(self, key: str) -> None:
        self.settings.compare_layout = key
        index = self.controls.layout_box.findData(key)
        if index >= 0 and index != self.controls.layout_box.currentIndex():
            self.controls.layout_box.setCurrentIndex(index)
        self._apply_models()

    def _on_compare_toggled(self, on: bool) -> None:
        self.settings.compare = on
        self.controls.set_compare_enabled(on)
        if on and len(self.ready_model_names()) < 2 and not self.models.loading:
            self.show_warning("Compare needs two models: open another one with Ctrl+M (File → Open model).")
            self.commands.compare.setChecked(False)
            return
        self._apply_models()

    def _on_processing_failed(self, message: str) -> None:
        """A model that failed at run time has been taken off by the processor: show its choice
        (the last model that worked, compare off) so a later refresh does not put it back."""
        self.show_error(f"Processing failed: {message}")
        active, second = self.processor.active_name, self.processor.compare_name
        if active is not None and active != self._active:
            self._active = active
        if second is None and self.commands.compare.isChecked():
            self.commands.compare.setChecked(False)  # toggling re-applies the models
        else:
            self._apply_models()

    def _apply_models(self) -> None:
        """Bring the processor in line with the chosen models and compare mode (any order of
        arrival of loaded models), then refresh the model lists."""
        names = self.ready_model_names()
        if names:
            if self._active not in names:
                self._active = names[0]
            self.processor.set_active(self._active)
            others = [n for n in names if n != self._active]
            if self.commands.compare.isChecked() and others:
                if self._second not in others:
                    self._second = others[0]
                self.processor.set_compare(self._second, COMPARE_MODES[self.settings.compare_layout])
            else:
                self.processor.set_compare(None)
            self.settings.model_a = str(self.models.by_name(self._active).path)  # type: ignore[union-attr]
            if self._second in names:
                self.settings.model_b = str(self.models.by_name(self._second).path)  # type: ignore[union-attr]
        self.controls.set_models(names, self.models.loading, self._active, self._second)
        for slot, action in enumerate(self.commands.pick_model):
            action.setText(f"&{slot + 1}  {names[slot]}" if slot < len(names) else f"Model {slot + 1}")
            action.setEnabled(slot < len(names))

    # -- frames ------------------------------------------------------------------------------------
    def _on_frame_ready(self, processed: ProcessedFrame) -> None:
        try:
            self.view.set_frame(processed.image_bgr)
        finally:
            self.worker.acknowledge()  # whatever happened, the worker must not wait forever
        self.last_frame = processed
        self.frames_shown += 1
        if not self.first_faces_logged and processed.results and len(processed.results[0].detections):
            self.first_faces_logged = True  # start-up marker: packaging/measure_startup.py waits for it
            log.info("first detected frame shown (%d faces), %.2f s after start",
                     len(processed.results[0].detections), time.monotonic() - STARTED_MONOTONIC)
        for result in processed.results:
            self.history.add(result)
        if processed.agreement is not None and len(processed.results) == 2:
            self.controls.show_agreement(processed.agreement, processed.results[0].model_name, processed.results[1].model_name)

    def _on_detection_changed(self) -> None:
        c = self.controls
        self.settings.confidence = c.confidence.value()
        self.settings.nms_iou = c.nms.value()
        self.settings.input_size = c.input_long_side or 0
        self.processor.update_options(confidence=c.confidence.value(), nms_iou=c.nms.value(), input_long_side=c.input_long_side)

    def _on_landmarks_toggled(self, on: bool) -> None:
        self.settings.show_landmarks = on
        self.processor.set_show_landmarks(on)

    def _on_pause_toggled(self, paused: bool) -> None:
        self.sources.set_paused(paused)
        self.commands.set_icon(self.commands.pause, "play" if paused else "pause")
        self.commands.pause.setText("Resume" if paused else "&Pause")
        self.statusBar().showMessage("Paused (Space to resume)" if paused else "Resumed", 3000)

    def _on_fullscreen_toggled(self, on: bool) -> None:
        for widget in (*self.side_panels, self.toolbar, self.menuBar()):
            widget.setVisible(not on)
        self.showFullScreen() if on else self.showNormal()

    # -- screenshot and recording ------------------------------------------------------------------
    def output_dir(self) -> Path:
        return self.settings.output_path()

    def set_output_dir(self, folder: Path | str) -> None:
        self.settings.output_dir = str(folder)
        self.controls.output_label.setText(f"Output: {folder}")

    def _choose_output(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder for recordings and screenshots", str(self.output_dir()))
        if folder:
            self.set_output_dir(folder)

    def save_screenshot(self) -> Path | None:
        """Write the annotated frame on screen as a PNG into the output folder."""
        image = self.view.image_bgr
        if image is None:
            self.show_warning("Nothing to save yet: no frame has been shown.")
            return None
        folder = self.output_dir()
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")[:-3]
        path = folder / f"featherface_{stamp}.png"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            ok, encoded = cv2.imencode(".png", image)
            if not ok:
                raise OSError("PNG encoding failed")
            path.write_bytes(encoded.tobytes())
        except OSError as exc:
            self.show_error(f"Cannot save the screenshot into {folder}: {exc.strerror or exc}")
            return None
        self.show_info(f"Screenshot saved: {path}")
        return path

    def _on_record_toggled(self, on: bool) -> None:
        if on == self.recording.recording:
            return
        if not on:
            self.recording.stop("stopped by user")
            return
        image = self.view.image_bgr
        info = self.sources.info
        if image is None or info is None:
            self._set_record_checked(False)
            self.show_warning("Nothing to record yet: no video is playing.")
            return
        fps = info.fps if info.fps > 0 else (self.last_frame.fps if self.last_frame and self.last_frame.fps > 0 else 30.0)
        height, width = image.shape[:2]
        if self.recording.start(self.output_dir(), fps, (width, height)) is None:
            self._set_record_checked(False)

    def _set_record_checked(self, on: bool) -> None:
        self.commands.record.blockSignals(True)
        self.commands.record.setChecked(on)
        self.commands.record.blockSignals(False)
        self.commands.set_icon(self.commands.record, "stop" if on else "record")
        self.commands.record.setText("Stop &recording" if on else "&Record")

    def _on_recording_started(self, path: Path) -> None:
        self._set_record_checked(True)
        self.show_info(f"Recording to {path}")

    def _on_recording_finished(self, summary: RecordingSummary) -> None:
        if not self.recording.recording:
            self._set_record_checked(False)
        self.last_recording = summary
        self.controls.recording_label.setText(f"Saved {summary.path.name if summary.path else '?'} ({summary.frames} frames)")
        self.show_info(f"Recording saved ({summary.reason}): {summary.path} — {summary.frames} frames")

    def _on_recording_failed(self, message: str) -> None:
        if not self.recording.recording:
            self._set_record_checked(False)
        self.show_error(message)

    # -- status ------------------------------------------------------------------------------------
    def _update_status(self) -> None:
        info = self.sources.info
        paused = self.commands.pause.isChecked()
        if info is None:
            source = "opening…" if self.sources.opening else "no source"
        else:
            state = "paused" if paused else ("playing" if self.sources.running else "stopped")
            source = f"{info.name} ({state})"
        self.status_source.setText(f"Source: {source}")
        active, second = self.processor.active_name, self.processor.compare_name
        models = active or ("loading…" if self.models.loading else "no model")
        if second:
            models = f"{active} vs {second}"
        self.status_models.setText(f"Model: {models}")
        frame = self.last_frame
        fps = self.history.current_fps(active) if active else math.nan
        if frame is not None and math.isfinite(fps):
            size = self.processor.options.input_long_side
            self.status_speed.setText(f"{fps:.1f} FPS · input {size or 'original'}")
        else:
            self.status_speed.setText("")
        if self.recording.recording:
            seconds = int(self.recording.elapsed_s)
            recorder = self.recording.recorder
            written = recorder.frames_written if recorder else 0
            text = f"● REC {seconds // 60:02d}:{seconds % 60:02d}"
            self.status_recording.setText(text)
            self.controls.recording_label.setText(f"{text} · {written} frames")
        else:
            self.status_recording.setText("")

    @staticmethod
    def log_folder() -> Path:
        """The folder of the log file being written (or where it would be)."""
        path = log_file_path()
        return path.parent if path is not None else log_dir()

    def open_log_folder(self) -> None:
        """Open the log folder in the file manager; where none opens, show its path."""
        folder = self.log_folder()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self.show_error(f"The log folder {folder} cannot be created: {exc.strerror or exc}")
            return
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            self.show_info(f"Log folder: {folder}", banner=True)

    def _show_about(self) -> None:
        log_file = log_file_path()
        box = QMessageBox(QMessageBox.Icon.Information, "About FeatherFace Live",
                          f"FeatherFace Live {__version__}\nFace detection with FeatherFace V1 (CBAM) and V2 (ECA) "
                          "on live video, side by side.\n\nLog file: " + (str(log_file) if log_file else "none (console only)"),
                          QMessageBox.StandardButton.Ok, self)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.show()

    # -- shutdown ----------------------------------------------------------------------------------
    def save_state(self) -> None:
        self.settings.plot_stage = self.plots.stage
        save_settings(self.store, self.settings)
        self.store.setValue("window/geometry", self.saveGeometry())
        self.store.sync()

    def shutdown(self) -> bool:
        """Finalise recording, stop capture (releasing the source) and every thread; idempotent.
        True when every thread stopped within its time limit."""
        if self._closing:
            return self._closed_cleanly
        self._closing = True
        self.plots.stop()
        self.status_timer.stop()
        try:
            self.save_state()
        except Exception:  # settings are a convenience; never block closing on them
            log.exception("saving settings failed")
        recording_ok = self.recording.shutdown()
        sources_ok = self.sources.shutdown()
        worker_ok = self.worker.stop()
        models_ok = self.models.shutdown()
        log.info("window closed (recording %s, capture %s, worker %s, loader %s)", recording_ok, sources_ok, worker_ok, models_ok)
        self._closed_cleanly = recording_ok and sources_ok and worker_ok and models_ok
        return self._closed_cleanly

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        self.shutdown()
        event.accept()

