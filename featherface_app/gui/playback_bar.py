"""The playback bar under the video, shown only while a video file plays (the sample clip is one).

A position slider (refreshed from :meth:`SourceController.position` at 5 Hz; moving it seeks),
the time "m:ss / m:ss", a Loop toggle (remembered for files you open; the sample clip always
loops) and one-frame steps back and forward (keys ``,`` and ``.``; a step pauses first). GUI
thread; the window only calls :func:`attach`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QLabel, QSlider, QToolButton, QWidget

from featherface_app.core.errors import SourceError

from .source_control import Position, SourceInfo

if TYPE_CHECKING:
    from .main_window import MainWindow

REFRESH_MS = 200
STEP_BACK_KEY = ","
STEP_FORWARD_KEY = "."


def clock(ms: float) -> str:
    """``m:ss`` of a time in milliseconds."""
    seconds = max(0, int(ms // 1000))
    return f"{seconds // 60}:{seconds % 60:02d}"


class PlaybackBar(QWidget):
    """Slider, time, Loop and frame steps for the playing video file; see the module docstring."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.setObjectName("playbackBar")
        self.window_ = window
        self.sources = window.sources
        self._updating = False
        self.step_back = self._step_action("Previous frame", STEP_BACK_KEY, -1)
        self.step_forward = self._step_action("Next frame", STEP_FORWARD_KEY, 1)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("positionSlider")
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the window's shortcuts
        self.slider.setToolTip("Position in the video file (drag to seek)")
        self.slider.valueChanged.connect(self._on_slider)
        self.time_label = QLabel("0:00 / 0:00")
        self.loop_button = QToolButton()
        self.loop_button.setText("Loop")
        self.loop_button.setCheckable(True)
        self.loop_button.setChecked(window.settings.loop_video)
        self.loop_button.setToolTip("Play the file again from the start when it ends")
        self.loop_button.toggled.connect(self._on_loop)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        for action in (self.step_back, self.step_forward):
            button = QToolButton()
            button.setDefaultAction(action)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            layout.addWidget(button)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.time_label)
        self.loop_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout.addWidget(self.loop_button)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.sources.opened.connect(self._on_opened)
        self.sources.reconnected.connect(self._on_opened)
        self.sources.lost.connect(lambda *_: self.refresh())
        self.hide()

    def _step_action(self, text: str, key: str, frames: int) -> QAction:
        action = QAction("◀|" if frames < 0 else "|▶", self.window_)
        action.setShortcut(QKeySequence(key))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setToolTip(f"{text} ({key}; pauses first)")
        action.triggered.connect(lambda: self.step(frames))
        self.window_.addAction(action)  # the key works wherever the focus is in the window
        return action

    # -- actions ---------------------------------------------------------------------------------
    def step(self, frames: int) -> None:
        """Pause (if playing), then show the frame ``frames`` away; ignored unless a file plays."""
        if self.sources.position() is None:
            return
        pause = self.window_.commands.pause
        if not pause.isChecked():
            pause.setChecked(True)
        try:
            self.sources.step(frames)
        except SourceError as exc:
            self.window_.show_warning(str(exc))

    def _on_slider(self, value: int) -> None:
        if self._updating or self.sources.position() is None:
            return
        try:
            self.sources.seek_ms(float(value))
        except SourceError as exc:
            self.window_.show_warning(str(exc))
        self.time_label.setText(f"{clock(value)} / {clock(self.slider.maximum())}")

    def _on_loop(self, on: bool) -> None:
        self.sources.set_loop(on)
        info = self.sources.info
        if info is not None and info.spec != "sample":
            self.window_.settings.loop_video = on

    def _on_opened(self, info: SourceInfo) -> None:
        position = self.sources.position()
        if position is not None:
            if info.spec == "sample":  # the sample clip loops: show it, remember nothing
                self._set_loop_checked(position.loop)
            else:
                self._set_loop_checked(self.window_.settings.loop_video)
                self.sources.set_loop(self.window_.settings.loop_video)
        self.refresh()

    def _set_loop_checked(self, on: bool) -> None:
        self.loop_button.blockSignals(True)
        self.loop_button.setChecked(on)
        self.loop_button.blockSignals(False)

    # -- the 5 Hz refresh ------------------------------------------------------------------------
    def refresh(self) -> None:
        """Follow the playing file; hide the bar (and stop the timer) when no file plays."""
        position = self.sources.position()
        if position is None:
            self.timer.stop()
            self.hide()
            return
        self.show()
        if not self.timer.isActive():
            self.timer.start()
        self._show(position)

    def _show(self, position: Position) -> None:
        if self.slider.isSliderDown():
            return  # the user is dragging: their position wins
        self._updating = True
        try:
            self.slider.setRange(0, max(0, int(position.duration_ms)))
            self.slider.setSingleStep(max(1, int(position.duration_ms / max(1, position.frames))))
            self.slider.setPageStep(5000)
            self.slider.setValue(int(max(0.0, position.ms)))
        finally:
            self._updating = False
        self.time_label.setText(f"{clock(position.ms)} / {clock(position.duration_ms)}")


def attach(window: MainWindow, layout: QBoxLayout) -> PlaybackBar:
    """Build the bar and add it to ``layout`` (under the video)."""
    bar = PlaybackBar(window)
    layout.addWidget(bar)
    return bar
