"""The Help menu: the log folder (what to attach to a bug report) and About. GUI thread."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox

from featherface_app import __version__
from featherface_app.core.paths import log_dir
from featherface_app.logs import log_file_path

if TYPE_CHECKING:
    from .main_window import MainWindow


def log_folder() -> Path:
    """The folder of the log file being written (or where it would be)."""
    path = log_file_path()
    return path.parent if path is not None else log_dir()


def add_help_menu(window: MainWindow) -> None:
    menu = window.menuBar().addMenu("&Help")
    window.open_log_action = menu.addAction("Open &log folder")
    window.open_log_action.setStatusTip("Show the folder with featherface.log (what to attach to a bug report)")
    window.open_log_action.triggered.connect(lambda: open_log_folder(window))
    about = menu.addAction("&About FeatherFace Live")
    about.triggered.connect(lambda: show_about(window))


def open_log_folder(window: MainWindow) -> None:
    """Open the log folder in the file manager; where none opens, show its path."""
    folder = log_folder()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        window.show_error(f"The log folder {folder} cannot be created: {exc.strerror or exc}")
        return
    if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
        window.show_info(f"Log folder: {folder}", banner=True)


def show_about(window: MainWindow) -> None:
    log_file = log_file_path()
    box = QMessageBox(
        QMessageBox.Icon.Information,
        "About FeatherFace Live",
        f"FeatherFace Live {__version__}\nFace detection with FeatherFace V1 (CBAM) and V2 (ECA) "
        "on live video, side by side.\n\nLog file: " + (str(log_file) if log_file else "none (console only)"),
        QMessageBox.StandardButton.Ok,
        window,
    )
    box.setWindowModality(Qt.WindowModality.NonModal)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.show()
