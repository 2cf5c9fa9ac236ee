"""What the models are asked to run on: a still image only when its result can change, and no
"Original size" beyond :data:`MAX_ORIGINAL_SIDE`. GUI thread.

- A still image goes through the models once (the source controller holds it like a paused
  video); it runs again only when something that changes the result changes: the model choice
  or compare layout (a new selection snapshot), confidence, NMS, input size, or landmarks.
- "Original size" on a frame whose long side is over :data:`MAX_ORIGINAL_SIDE` (a 4000x3000
  photo: seconds per frame and gigabytes in compare mode) runs at that cap instead, says so once
  per source in the banner, and is not remembered: the next start uses the last sized choice.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from featherface_app.core.annotate import SIDE_BY_SIDE_GAP
from featherface_app.core.pipeline import CompareMode, ProcessedFrame
from featherface_app.core.selection import SelectionSnapshot

from .settings import GuiSettings

if TYPE_CHECKING:
    from .main_window import MainWindow

log = logging.getLogger(__name__)

#: the largest long side (px) "Original size" runs at
MAX_ORIGINAL_SIDE = 1920
#: remembered when "Original size" was capped and no sized choice was ever made
FALLBACK_SIZE = GuiSettings().input_size


class InputPolicy(QObject):
    """Reruns a still image on a change and caps "Original size"; see the module docstring."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        #: the long side of the frames seen (0: none yet)
        self.frame_side = 0
        self.capped = False
        self._warned_for: tuple[str, int] | None = None
        self._last_sized = window.settings.input_size or FALLBACK_SIZE
        self._running: tuple[object, ...] = ()
        self._rerun = QTimer(self)  # after the change reached the processor; many changes, one run
        self._rerun.setSingleShot(True)
        self._rerun.setInterval(0)
        self._rerun.timeout.connect(window.sources.rerun)

    def attach(self) -> None:
        """After the window's own handlers: the options are in the processor when these run."""
        w = self.window
        w.controls.detection_changed.connect(self.apply)
        w.commands.landmarks.toggled.connect(lambda _on: self._rerun.start())
        w.model_choice.selection.subscribe(self._on_selection)
        w.sources.opened.connect(self._on_opened)
        w.worker.frame_ready.connect(self._on_frame)

    def _on_selection(self, snap: SelectionSnapshot) -> None:
        """What runs changed (not just the list, or a model still loading): run the still again."""
        running = (snap.active, snap.running_second, snap.layout)
        if running != self._running:
            self._running = running
            self._rerun.start()

    def _on_opened(self, _info: object) -> None:
        """Before a still image's first run (it waits for :meth:`SourceController.rerun`)."""
        size = self.window.sources.still_size_wh
        self.frame_side = max(size) if size else 0  # a video's size comes with its first frame
        self.apply()

    def _on_frame(self, processed: ProcessedFrame) -> None:
        results = processed.results
        if not results:
            return
        height, width = processed.image_bgr.shape[:2]
        if len(results) == 2 and self.window.processor.compare_mode is CompareMode.SIDE_BY_SIDE:
            width = (width - SIDE_BY_SIDE_GAP) // 2  # two frames and a gap
        side = max(width, height)
        if side != self.frame_side:
            self.frame_side = side
            self.apply()

    def apply(self) -> None:
        """Give the processor the panel's input size, capped; remember only what was not capped."""
        w = self.window
        chosen = w.controls.input_long_side  # None: "Original size"
        if chosen is not None:
            self._last_sized = chosen
        self.capped = chosen is None and self.frame_side > MAX_ORIGINAL_SIDE
        size = MAX_ORIGINAL_SIDE if self.capped else chosen
        if w.processor.options.input_long_side != size:
            w.processor.update_options(input_long_side=size)
        w.settings.input_size = self._last_sized if self.capped else (chosen or 0)
        if self.capped:
            key = (w.sources.info.spec if w.sources.info else "", self.frame_side)
            if self._warned_for != key:
                self._warned_for = key
                w.show_warning(
                    f"Original size would run the models on {self.frame_side} px frames (seconds per frame, gigabytes of "
                    f"memory in compare mode): running at {MAX_ORIGINAL_SIDE} px instead. Choose 640 px for live speed."
                )
        self._rerun.start()
