"""Where the window writes: the output folder chooser and screenshots (PNG files that are
complete or absent, through the core's :func:`~featherface_app.core.snapshot.save_png`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog

from featherface_app.core.errors import RecordingError
from featherface_app.core.recorder import check_output_folder
from featherface_app.core.snapshot import save_png

if TYPE_CHECKING:
    from .main_window import MainWindow


def choose_output(window: MainWindow) -> None:
    folder = QFileDialog.getExistingDirectory(window, "Folder for recordings and screenshots", str(window.output_dir()))
    if folder:
        try:
            check_output_folder(folder)
        except RecordingError as exc:  # read-only, not a folder, full: say so, keep the old one
            window.show_error(str(exc))
            return
        window.set_output_dir(folder)


def save_screenshot(window: MainWindow) -> Path | None:
    """The annotated frame on screen as ``featherface_<time>.png`` in the output folder; None
    (and a message) when there is no frame or it cannot be written."""
    image = window.view.image_bgr
    if image is None:
        window.show_warning("Nothing to save yet: no frame has been shown.")
        return None
    folder = window.output_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = save_png(folder / f"featherface_{dt.datetime.now().strftime('%Y%m%d-%H%M%S-%f')[:-3]}.png", image)
    except OSError as exc:
        window.show_error(f"Cannot save the screenshot into {folder}: {exc.strerror or exc}")
        return None
    except RecordingError as exc:  # written whole or not at all
        window.show_error(str(exc))
        return None
    window.show_info(f"Screenshot saved: {path}")
    return path
