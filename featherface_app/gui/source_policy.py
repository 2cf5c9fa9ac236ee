"""What the window does about sources: which one to start with, what to say when one opens, ends,
is lost or fails to open, and the file choosers. GUI thread.

The mechanics (opening off the GUI thread, the capture loop, reconnecting a camera) live in
:class:`~.source_control.SourceController`; this is the policy on top: the camera when one opens,
else the sample clip; a failed source leaves the current one playing; a recording stops with its
source.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog

from featherface_app.core.sources import IMAGE_SUFFIXES, VIDEO_SUFFIXES, redact_url

from .model_choice import MODEL_SUFFIX, NO_MODELS_MESSAGE
from .source_control import SourceInfo

if TYPE_CHECKING:
    from .main_window import MainWindow

VIDEO_FILTER = "Videos (" + " ".join(f"*{s}" for s in sorted(VIDEO_SUFFIXES)) + ");;All files (*)"
IMAGE_FILTER = "Images (" + " ".join(f"*{s}" for s in sorted(IMAGE_SUFFIXES)) + ");;All files (*)"


def describe_source(info: SourceInfo) -> str:
    """Rich text for the panel: kind, name and frame rate."""
    if info.spec == "sample":
        kind = "Sample clip"
    elif info.spec.startswith("camera:"):
        kind = f"Camera {info.spec.partition(':')[2]}"
    else:
        kind = "Image" if Path(info.spec).suffix.lower() in IMAGE_SUFFIXES else "Video"
    rate = f", {info.fps:.0f} fps" if info.fps > 0 else ""
    return f"<b>{kind}</b>{rate}" if info.spec == "sample" else f"<b>{kind}</b>: {info.name}{rate}"


class SourcePolicy:
    """The window's source decisions; see the module docstring."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self._automatic = False
        self._opened_note = ""

    def connect(self) -> None:
        w, a, sources = self.window, self.window.commands, self.window.sources
        sources.opened.connect(self._on_opened)
        sources.open_failed.connect(self._on_open_failed)
        sources.ended.connect(self._on_ended)
        sources.lost.connect(self._on_lost)
        sources.reconnected.connect(lambda info: w.show_info(f"{info.name} is back.", banner=True))
        a.open_video.triggered.connect(lambda: self._choose("Open video", VIDEO_FILTER))
        a.open_image.triggered.connect(lambda: self._choose("Open image", IMAGE_FILTER))
        a.use_sample.triggered.connect(lambda: self.open("sample"))
        a.use_camera.triggered.connect(lambda: self.open(f"camera:{w.controls.camera_index.value()}"))
        a.reopen_source.triggered.connect(self._reopen)

    def open_initial(self) -> None:
        """The command line's source, else the remembered one, else the camera if one opens
        (the sample clip when none does)."""
        w = self.window
        spec = w.launch.source or w.settings.source
        if not spec:
            self._automatic = True
            spec = f"camera:{w.settings.camera_index}"
        self.open(spec)

    def open(self, spec: str | Path) -> None:
        """Switch to ``spec`` (``sample``, ``camera:N``, or a file); the old source plays until
        the new one has opened."""
        w = self.window
        spec = str(spec)
        width, height = w.controls.camera_wh()
        w.statusBar().showMessage(f"Opening {redact_url(spec)}…")
        if w.sources.info is None:
            w.view.set_placeholder(f"Opening {redact_url(spec)}…")
        w.sources.open(spec, width, height)

    def open_paths(self, paths: list[Path]) -> None:
        """Dropped files: ONNX files are added as models, the first other file becomes the source."""
        media = [p for p in paths if p.suffix.lower() != MODEL_SUFFIX]
        for path in paths:
            if path.suffix.lower() == MODEL_SUFFIX:
                self.window.add_model(path, select=True)
        if media:
            self.open(media[0])

    def _reopen(self) -> None:
        info = self.window.sources.info
        self.open(info.spec if info is not None else "sample")

    def _choose(self, title: str, filters: str) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, title, self._last_dir(), filters)
        if path:
            self.open(path)

    def _last_dir(self) -> str:
        info = self.window.sources.info
        if info is not None and Path(info.spec).is_file():
            return str(Path(info.spec).parent)
        return str(Path.home())

    def _stop_recording(self, reason: str) -> None:
        if self.window.recording.recording:
            self.window.recording.stop(reason)

    def _on_opened(self, info: SourceInfo) -> None:
        w = self.window
        self._stop_recording("source changed")
        if not self._automatic and (info.spec == "sample" or info.spec.startswith("camera:")):
            w.settings.source = info.spec  # files are not remembered: they may be gone next time
        self._automatic = False
        w.controls.source_label.setText(describe_source(info))
        if w.banner.isVisible() and w.banner.level != "error" and w.banner.text() != NO_MODELS_MESSAGE:
            w.banner.dismiss()  # "end of video" and the like; "no models" stays until a model loads
        w.show_info(self._opened_note or f"Playing {info.name}")
        self._opened_note = ""

    def _on_open_failed(self, spec: str, message: str) -> None:
        w = self.window
        if w.sources.info is None and spec != "sample" and w.sources.opening is None:
            if self._automatic:  # no camera on this machine: the sample is the default
                self._opened_note = f"No camera opened ({message}); playing the sample clip."
            else:
                w.show_error(f"{message}\nShowing the sample clip instead.")
            w.sources.open("sample")
            return
        still = f"\nStill showing {w.sources.info.name}." if w.sources.info is not None else ""
        w.show_error(f"{message}{still}")
        if w.sources.info is None:
            w.view.set_placeholder("No video. Choose a source: sample, camera, video or image.")

    def _on_ended(self, info: SourceInfo) -> None:
        self._stop_recording("source ended")
        self.window.show_info(f"End of {info.name}. Press F5 to play it again.", banner=True)

    def _on_lost(self, info: SourceInfo, message: str) -> None:
        self._stop_recording("source lost")
        if self.window.sources.reconnecting:
            self.window.show_error(f"{message}\nTrying to reconnect every few seconds; choose another source to stop.")
        else:
            self.window.show_error(f"{message}\nChoose another source to continue.")
