"""The main window: the assembler. It builds the parts, connects them and handles window events;
the decisions live in their own homes — the model choice in :mod:`.model_choice` (over the core
:class:`~featherface_app.core.selection.ModelSelection`), source policy in :mod:`.source_policy`,
status text in :mod:`.status`, the Record button in :mod:`.record_control`, the output folder and
screenshots in :mod:`.outputs`, menus in :mod:`.menus` and :mod:`.help_menu`.

The window lives on the GUI thread and only paints and reacts: capture runs in the core capture
loop's thread, inference in :class:`~.worker.InferenceWorker`, model loading, source opening and
recording finalisation in job threads. Every failure ends up in the banner above the video (never
a modal dialog) and the app keeps running with what still works.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QMainWindow, QMenu, QScrollArea, QSplitter, QVBoxLayout, QWidget

from featherface_app import STARTED_MONOTONIC
from featherface_app.core.detector import DetectOptions
from featherface_app.core.pipeline import FrameProcessor, ProcessedFrame
from featherface_app.core.registry import ModelRegistry

from . import help_menu, menus, outputs, playback_bar
from .actions import WindowActions
from .banner import MessageBanner
from .controls import ControlPanel
from .icons import icon
from .info_panel import ModelInfoPanel
from .input_policy import InputPolicy
from .model_choice import DEFAULT_MODEL_A, DEFAULT_MODEL_B, NO_MODELS_MESSAGE, ModelChoice
from .models import Loader, ModelCatalogue, ModelEntry
from .plots import PlotPanel, StatsHistory
from .record_control import RecordControl
from .recording import RecordingController, RecordingSummary
from .settings import GuiSettings, load_settings, open_settings, save_settings
from .source_control import SourceController
from .source_policy import SourcePolicy
from .status import StatusText
from .video_view import VideoView
from .window_fit import WindowFit
from .worker import InferenceWorker

log = logging.getLogger(__name__)

__all__ = ["DEFAULT_MODEL_A", "DEFAULT_MODEL_B", "NO_MODELS_MESSAGE", "LaunchOptions", "MainWindow"]


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

    models_menu: QMenu  # set by menus.build_menus
    open_log_action: QAction  # set by help_menu.add_help_menu
    info_panel: ModelInfoPanel  # set by menus.build_menus (View → Model info)

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
        self.worker.add_sink(self.history)  # every processed frame, on the inference thread
        self.commands = WindowActions.create(self)
        self.model_choice = ModelChoice(self)
        self.source_policy = SourcePolicy(self)
        self.record_control = RecordControl(self)
        self.input_policy = InputPolicy(self)

        self._build_ui()
        self._connect()
        self.fit = WindowFit(self)  # size and place on the screen, collapsible side panels
        self.fit.restore()
        self.worker.start()
        self.plots.start()
        self.status_timer.start()
        self.model_choice.load_initial()
        self.source_policy.open_initial()

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
        self.playback = playback_bar.attach(self, centre_layout)  # shown while a video file plays

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

        menus.build_menus(self)
        self.toolbar = menus.build_toolbar(self)

        self.status = StatusText(self)
        self.status_source, self.status_models = self.status.source, self.status.models
        self.status_speed, self.status_recording, self.status_timer = self.status.speed, self.status.recording, self.status.timer
        self.view.setFocus()

    def _connect(self) -> None:
        a = self.commands
        self.worker.frame_ready.connect(self._on_frame_ready)
        self.worker.failed.connect(self._on_processing_failed)
        self.worker.sink_failed.connect(lambda _sink, message: self.show_error(f"Output stopped: {message}"))
        self.source_policy.connect()
        self.model_choice.connect()
        self.record_control.connect()
        self.input_policy.attach()  # after the handlers above: still-image reruns, "Original size" cap
        a.choose_output.triggered.connect(lambda: outputs.choose_output(self))
        a.pause.toggled.connect(self._on_pause_toggled)
        a.screenshot.triggered.connect(self.save_screenshot)
        a.landmarks.toggled.connect(self._on_landmarks_toggled)
        a.fullscreen.toggled.connect(self._on_fullscreen_toggled)
        a.exit_fullscreen.triggered.connect(lambda: a.fullscreen.setChecked(False))
        a.quit.triggered.connect(self.close)
        c = self.controls
        c.detection_changed.connect(self._on_detection_changed)
        c.camera_index.valueChanged.connect(lambda v: setattr(self.settings, "camera_index", int(v)))
        c.camera_size.currentTextChanged.connect(lambda t: setattr(self.settings, "camera_size", t))
        self.plots.stage_box.currentIndexChanged.connect(lambda _: setattr(self.settings, "plot_stage", self.plots.stage))
        self.banner.dismissed.connect(self.view.setFocus)

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

    # -- sources and dropped files -----------------------------------------------------------------
    def open_source(self, spec: str | Path) -> None:
        """Switch to ``spec`` (``sample``, ``camera:N``, or a file); see :class:`SourcePolicy`."""
        self.source_policy.open(spec)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        if not paths:
            return
        event.acceptProposedAction()
        self.source_policy.open_paths(paths)

    # -- models (owned by ModelChoice and the core ModelSelection) -----------------------------------
    def add_model(self, path: Path | str, select: bool = False, remember: bool = True) -> ModelEntry:
        return self.model_choice.add(path, select, remember)

    def ready_model_names(self) -> list[str]:
        """Ready models in key order (key 1 first)."""
        return self.model_choice.selection.names()

    def select_model(self, name: str) -> None:
        self.model_choice.select_a(name)

    def set_compare_layout(self, key: str) -> None:
        self.model_choice.set_layout(key)

    def _on_processing_failed(self, message: str) -> None:
        """The selection already followed a model the processor retired (``model_retired``)."""
        self.show_error(f"Processing failed: {message}")

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
            log.info("first detected frame shown (%d faces), %.2f s after start", len(processed.results[0].detections), time.monotonic() - STARTED_MONOTONIC)
        if processed.agreement is not None and len(processed.results) == 2:
            self.controls.show_agreement(processed.agreement, processed.results[0].model_name, processed.results[1].model_name)

    def _on_detection_changed(self) -> None:
        c = self.controls
        self.settings.confidence = c.confidence.value()
        self.settings.nms_iou = c.nms.value()
        self.processor.update_options(confidence=c.confidence.value(), nms_iou=c.nms.value())  # input size: InputPolicy

    def _on_landmarks_toggled(self, on: bool) -> None:
        self.settings.show_landmarks = on
        self.processor.set_show_landmarks(on)

    def _on_pause_toggled(self, paused: bool) -> None:
        self.sources.set_paused(paused)
        self.recording.set_paused(paused)
        self.commands.set_icon(self.commands.pause, "play" if paused else "pause")
        self.commands.pause.setText("Resume" if paused else "&Pause")
        self.statusBar().showMessage("Paused (Space to resume)" if paused else "Resumed", 3000)

    def _on_fullscreen_toggled(self, on: bool) -> None:
        self.fit.set_fullscreen(on)

    # -- output folder and screenshots ---------------------------------------------------------------
    def output_dir(self) -> Path:
        return self.settings.output_path()

    def set_output_dir(self, folder: Path | str) -> None:
        self.settings.output_dir = str(folder)
        self.controls.output_label.setText(f"Output: {folder}")

    def save_screenshot(self) -> Path | None:
        """Write the annotated frame on screen as a PNG into the output folder."""
        return outputs.save_screenshot(self)

    def _update_status(self) -> None:
        self.status.update()

    log_folder = staticmethod(help_menu.log_folder)

    # -- shutdown ----------------------------------------------------------------------------------
    def save_state(self) -> None:
        self.settings.plot_stage = self.plots.stage
        save_settings(self.store, self.settings)
        self.fit.save()
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
