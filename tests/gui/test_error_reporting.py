"""Nothing fails unseen: uncaught errors reach the window or a dialog (and the log file), a window
that cannot start says so, "no models" stays on screen until a model loads, and the start-up
marker that packaging/measure_startup.py waits for is logged once."""

from __future__ import annotations

import argparse
import logging
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from featherface_app.core import paths
from featherface_app.gui.error_report import DIALOG_NAME, ErrorReporter
from featherface_app.gui.main_window import NO_MODELS_MESSAGE
from featherface_app.logs import add_log_file, log_file_path, remove_log_file

START_MARKER = "first detected frame shown"


@pytest.fixture
def log_file(tmp_path: Path):
    """The app's rotating log file, in this test's folder."""
    path = add_log_file(tmp_path / "logs")
    assert path is not None and log_file_path() == path
    yield path
    remove_log_file()


@pytest.fixture
def reporter(qapp: QApplication, log_file: Path):
    """The real error hooks, installed for the test and removed afterwards."""
    hooks = ErrorReporter(log_file)
    hooks.install()
    yield hooks
    hooks.uninstall()
    for box in list(hooks.dialogs):
        box.close()


def fail_in_slot(message: str) -> None:
    """Raise from a Qt slot, as a bug in a signal handler would."""

    def slot() -> None:
        raise RuntimeError(message)

    QTimer.singleShot(0, slot)


@pytest.mark.qt_no_exception_capture
def test_an_error_in_a_slot_shows_in_the_banner_and_the_log_file(
    qtbot, make_window, helpers, reporter: ErrorReporter, log_file: Path, faces_video: Path
) -> None:
    window = make_window(source=faces_video)
    reporter.show_in_window = window.show_error
    helpers.frames(qtbot, window, 1)
    fail_in_slot("a bug in a slot")
    qtbot.waitUntil(lambda: "a bug in a slot" in window.banner.text(), timeout=10_000)
    assert window.banner.isVisible() and window.banner.level == "error"
    assert "RuntimeError" in window.banner.text() and str(log_file) in window.banner.text()
    text = log_file.read_text(encoding="utf-8")
    assert "Traceback" in text and "RuntimeError: a bug in a slot" in text
    helpers.frames(qtbot, window, 2)  # the app keeps running


@pytest.mark.qt_no_exception_capture
def test_an_error_in_a_python_thread_reaches_the_window(qtbot, make_window, reporter: ErrorReporter, log_file: Path, faces_video: Path) -> None:
    window = make_window(source=faces_video)
    reporter.show_in_window = window.show_error

    def work() -> None:
        raise ValueError("a helper thread failed")

    thread = threading.Thread(target=work, name="helper")
    thread.start()
    thread.join(10)
    qtbot.waitUntil(lambda: "a helper thread failed" in window.banner.text(), timeout=10_000)
    assert "in thread helper" in window.banner.text()
    assert "ValueError: a helper thread failed" in log_file.read_text(encoding="utf-8")


@pytest.mark.qt_no_exception_capture
def test_without_a_window_the_error_opens_a_non_modal_dialog_naming_the_log_file(qtbot, reporter: ErrorReporter, log_file: Path) -> None:
    fail_in_slot("before the window existed")
    qtbot.waitUntil(lambda: bool(reporter.dialogs) and reporter.dialogs[0].isVisible(), timeout=10_000)
    box = reporter.dialogs[0]
    assert box.objectName() == DIALOG_NAME and not box.isModal()
    assert "RuntimeError: before the window existed" in box.text()
    assert str(log_file) in box.informativeText() and "Traceback" in box.detailedText()
    box.button(QMessageBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: not reporter.dialogs, timeout=5_000)


def test_a_window_that_cannot_start_shows_a_dialog_and_exits_1(qapp: QApplication, caplog: pytest.LogCaptureFixture) -> None:
    """Fault injection: the window factory fails the way a missing file would."""
    from featherface_app.gui.app import run_gui

    def broken_window(_launch: object) -> None:
        raise FileNotFoundError(2, "No such file or directory", "resources/missing.qss")

    seen: list[str] = []

    def close_the_dialog() -> None:
        for widget in qapp.topLevelWidgets():
            if isinstance(widget, QMessageBox) and widget.objectName() == DIALOG_NAME and widget.isVisible() and not seen:
                seen.append(f"{widget.text()}\n{widget.informativeText()}")
                widget.button(QMessageBox.StandardButton.Ok).click()  # as the user would

    poll = QTimer()
    poll.timeout.connect(close_the_dialog)
    poll.start(50)
    try:
        with caplog.at_level(logging.ERROR):
            code = run_gui(argparse.Namespace(quit_after=30.0), window_factory=broken_window)  # type: ignore[arg-type]
    finally:
        poll.stop()
        remove_log_file()
        paths.set_user_data_dir_provider(None)
    assert code == 1
    assert seen, "no error dialog was shown"
    assert "could not start" in seen[0] and "missing.qss" in seen[0] and "featherface.log" in seen[0]
    assert any("could not start" in r.getMessage() and r.exc_info for r in caplog.records)


def test_no_models_warning_stays_until_a_model_loads(qtbot, make_window, helpers, faces_video: Path, teacher_model_path: Path) -> None:
    window = make_window(source=faces_video, models=[])
    qtbot.waitUntil(lambda: window.sources.info is not None, timeout=20_000)
    helpers.frames(qtbot, window, 3)  # the source opened and plays: the warning must still be there
    assert window.banner.isVisible() and window.banner.text() == NO_MODELS_MESSAGE
    window.add_model(teacher_model_path, select=True)
    helpers.models(qtbot, window, 1)
    qtbot.waitUntil(lambda: not window.banner.isVisible(), timeout=5_000)


def test_first_detected_frame_is_logged_once(qtbot, make_window, helpers, faces_video: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="featherface_app.gui.main_window")
    window = make_window(source=faces_video)
    qtbot.waitUntil(lambda: helpers.faces(window) > 0, timeout=30_000)
    helpers.frames(qtbot, window, 3)
    marks = [r.getMessage() for r in caplog.records if START_MARKER in r.getMessage()]
    assert len(marks) == 1, marks
    assert marks[0].startswith(f"{START_MARKER} (") and "s after start" in marks[0]


def test_help_menu_names_the_log_folder(qtbot, make_window, log_file: Path) -> None:
    window = make_window()
    titles = [a.text() for menu in window.menuBar().actions() if menu.menu() for a in menu.menu().actions()]
    assert "Open &log folder" in titles
    assert window.log_folder() == log_file.parent
