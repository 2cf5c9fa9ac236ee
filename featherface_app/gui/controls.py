"""The side panel: source, model choice and compare, detection thresholds, playback and output.

Buttons are bound to the window's QActions (one checked state per command); the panel's own
widgets report user changes through a few signals and never talk to the core directly.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from featherface_app.core.compare import Agreement

from .actions import WindowActions
from .elided import ElidedLabel
from .settings import CAMERA_SIZES, COMPARE_LAYOUTS, INPUT_SIZES, GuiSettings

LAYOUT_LABELS = {"side-by-side": "Side by side", "overlay": "Overlay (two colours)"}


def _button(action: QAction, text_beside: bool = True) -> QToolButton:
    button = QToolButton()
    button.setDefaultAction(action)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon if text_beside else Qt.ToolButtonStyle.ToolButtonIconOnly)
    button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return button


class LabelledSlider(QWidget):
    """A 0.01-step slider over [low, high] with its value printed beside it."""

    value_changed = Signal(float)

    def __init__(self, low: float, high: float, value: float, tip: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(round(low * 100), round(high * 100))
        self.slider.setPageStep(5)
        self.slider.setToolTip(tip)
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.label = QLabel()
        self.label.setObjectName("sliderValue")
        self.label.setMinimumWidth(self.label.fontMetrics().horizontalAdvance(f"{max(abs(low), abs(high)):.2f}") + 4)
        self.label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)
        self.slider.valueChanged.connect(self._on_slider)
        self.set_value(value)

    def value(self) -> float:
        return self.slider.value() / 100.0

    def set_value(self, value: float) -> None:
        self.slider.setValue(round(value * 100))
        self.label.setText(f"{self.value():.2f}")

    def _on_slider(self, raw: int) -> None:
        self.label.setText(f"{raw / 100:.2f}")
        self.value_changed.emit(raw / 100.0)


class ControlPanel(QWidget):
    """Left-hand panel. GUI thread only.

    Signals: ``model_chosen(name)`` and ``compare_model_chosen(name)`` when the user picks a model,
    ``compare_layout_chosen(key)``, ``detection_changed()`` (confidence, NMS or input size).
    """

    model_chosen = Signal(str)
    compare_model_chosen = Signal(str)
    compare_layout_chosen = Signal(str)
    detection_changed = Signal()

    def __init__(self, actions: WindowActions, settings: GuiSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("controlPanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(10)
        layout.addWidget(self._source_group(actions, settings))
        layout.addWidget(self._model_group(actions, settings))
        layout.addWidget(self._detection_group(actions, settings))
        layout.addWidget(self._output_group(actions))
        layout.addStretch(1)
        self.shortcut_hint = QLabel("Space pause · Ctrl+R record · Ctrl+S screenshot · Ctrl+O video · 1-9 model · C compare · L landmarks · F fullscreen")
        self.shortcut_hint.setObjectName("caption")
        self.shortcut_hint.setWordWrap(True)
        layout.addWidget(self.shortcut_hint)

    # -- construction ------------------------------------------------------------------------
    def _source_group(self, actions: WindowActions, settings: GuiSettings) -> QGroupBox:
        box = QGroupBox("Source")
        self.source_label = ElidedLabel("–")  # file names can be long: elided, whole in the tooltip
        self.source_label.setObjectName("sourceLabel")
        buttons = QGridLayout()
        for i, action in enumerate((actions.use_sample, actions.use_camera, actions.open_video, actions.open_image)):
            buttons.addWidget(_button(action), i // 2, i % 2)
        self.camera_index = QSpinBox()
        self.camera_index.setRange(0, 63)
        self.camera_index.setValue(settings.camera_index)
        self.camera_index.setToolTip("OpenCV camera device number")
        self.camera_size = QComboBox()
        self.camera_size.addItems(list(CAMERA_SIZES))
        self.camera_size.setCurrentText(settings.camera_size)
        self.camera_size.setToolTip("Resolution requested from the camera")
        camera_row = QHBoxLayout()
        camera_row.addWidget(QLabel("Camera"))
        camera_row.addWidget(self.camera_index)
        camera_row.addWidget(self.camera_size, 1)
        layout = QVBoxLayout(box)
        layout.addWidget(self.source_label)
        layout.addLayout(buttons)
        layout.addLayout(camera_row)
        return box

    def _model_group(self, actions: WindowActions, settings: GuiSettings) -> QGroupBox:
        box = QGroupBox("Model")
        self.model_box = QComboBox()
        self.model_box.setToolTip("The model that runs on every frame (keys 1-9)")
        self.model_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.model_box.setMinimumContentsLength(12)
        self.model_box.activated.connect(lambda i: self._emit_name(self.model_box, i, self.model_chosen))
        self.compare_box = QComboBox()
        self.compare_box.setToolTip("The second model in compare mode")
        self.compare_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.compare_box.setMinimumContentsLength(12)
        self.compare_box.activated.connect(lambda i: self._emit_name(self.compare_box, i, self.compare_model_chosen))
        self.layout_box = QComboBox()
        for key in COMPARE_LAYOUTS:
            self.layout_box.addItem(LAYOUT_LABELS[key], key)
        self.layout_box.setCurrentIndex(max(0, self.layout_box.findData(settings.compare_layout)))
        self.layout_box.activated.connect(lambda i: self.compare_layout_chosen.emit(str(self.layout_box.itemData(i))))
        self.agreement_label = QLabel()
        self.agreement_label.setObjectName("agreementLabel")
        self.agreement_label.setWordWrap(True)
        self.agreement_label.setToolTip("Faces matched one-to-one by IoU ≥ 0.5, and faces only one model found")
        form = QFormLayout()
        form.addRow("Model A", self.model_box)
        form.addRow(_button(actions.compare))
        form.addRow("Model B", self.compare_box)
        form.addRow("Show", self.layout_box)
        layout = QVBoxLayout(box)
        layout.addLayout(form)
        layout.addWidget(self.agreement_label)
        layout.addWidget(_button(actions.open_model))
        self.set_compare_enabled(settings.compare)
        return box

    def _detection_group(self, actions: WindowActions, settings: GuiSettings) -> QGroupBox:
        box = QGroupBox("Detection")
        self.confidence = LabelledSlider(0.05, 0.95, settings.confidence, "Minimum face score shown")
        self.nms = LabelledSlider(0.10, 0.90, settings.nms_iou, "Overlap (IoU) above which NMS merges boxes")
        self.input_size = QComboBox()
        for size in INPUT_SIZES:
            self.input_size.addItem(f"{size} px long side" if size else "Original size", size)
        self.input_size.setCurrentIndex(max(0, self.input_size.findData(settings.input_size)))
        self.input_size.setToolTip("The frame is resized to this long side before the model runs")
        self.confidence.value_changed.connect(lambda _: self.detection_changed.emit())
        self.nms.value_changed.connect(lambda _: self.detection_changed.emit())
        self.input_size.activated.connect(lambda _: self.detection_changed.emit())
        form = QFormLayout(box)
        form.addRow("Confidence", self.confidence)
        form.addRow("NMS IoU", self.nms)
        form.addRow("Input", self.input_size)
        form.addRow(_button(actions.landmarks))
        return box

    def _output_group(self, actions: WindowActions) -> QGroupBox:
        box = QGroupBox("Playback and output")
        # Record on its own row: its text grows to "Stop recording" while it records
        buttons = QGridLayout()
        buttons.addWidget(_button(actions.pause), 0, 0)
        buttons.addWidget(_button(actions.screenshot), 0, 1)
        buttons.addWidget(_button(actions.record), 1, 0, 1, 2)
        self.output_label = ElidedLabel()  # a folder path: elided in the middle, whole in the tooltip
        self.output_label.setObjectName("caption")
        self.output_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.recording_label = ElidedLabel()  # "● REC …" / "Saved <file name> (n frames)"
        self.recording_label.setObjectName("recordingLabel")
        layout = QVBoxLayout(box)
        layout.addLayout(buttons)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.output_label, 1)
        folder_row.addWidget(_button(actions.choose_output, text_beside=False))
        layout.addLayout(folder_row)
        layout.addWidget(self.recording_label)
        return box

    # -- reading and showing state ----------------------------------------------------------
    @staticmethod
    def _emit_name(box: QComboBox, index: int, signal: SignalInstance) -> None:
        name = box.itemData(index)
        if name:
            signal.emit(str(name))

    @property
    def input_long_side(self) -> int | None:
        size = int(self.input_size.currentData())
        return size or None

    @property
    def compare_layout(self) -> str:
        return str(self.layout_box.currentData())

    def camera_wh(self) -> tuple[int, int]:
        width, height = self.camera_size.currentText().split("x")
        return int(width), int(height)

    def set_models(self, names: list[str], loading: int, active: str | None, second: str | None) -> None:
        """Refill both model lists without emitting choice signals."""
        for box, current in ((self.model_box, active), (self.compare_box, second)):
            box.blockSignals(True)
            box.clear()
            for number, name in enumerate(names, start=1):
                box.addItem(f"{number}  {name}" if number <= 9 else name, name)
            if loading:
                box.addItem(f"loading {loading} model{'s' if loading > 1 else ''}…", "")
                box.model().item(box.count() - 1).setEnabled(False)  # type: ignore[attr-defined]
            if current is not None and current in names:
                box.setCurrentIndex(names.index(current))
            box.blockSignals(False)

    def set_compare_enabled(self, enabled: bool) -> None:
        self.compare_box.setEnabled(enabled)
        self.layout_box.setEnabled(enabled)
        if not enabled:
            self.agreement_label.setText("Compare off: press C to run two models on each frame.")

    def show_agreement(self, agreement: Agreement | None, name_a: str, name_b: str) -> None:
        if agreement is None or not self.compare_box.isEnabled():
            return  # a compare frame still in flight when compare was turned off keeps the hint
        mean = f", mean {agreement.mean_iou:.2f}" if agreement.matched else ""
        faces = "face" if agreement.matched == 1 else "faces"
        self.agreement_label.setText(
            f"<b>{agreement.matched}</b> {faces} found by both (IoU ≥ 0.5{mean})<br>"
            f"<b>{agreement.only_a}</b> only by A · <b>{agreement.only_b}</b> only by B · "
            f"agreement {agreement.ratio:.0%}"
        )
        self.agreement_label.setToolTip(f"A = {name_a}\nB = {name_b}")
