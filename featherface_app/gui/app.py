"""Start the window from the command line: ``run_gui(args)`` is what ``python main.py`` calls.

Honours ``QT_QPA_PLATFORM`` (``offscreen`` in tests and CI, ``xcb`` under Xvfb) and
``--quit-after SECONDS``, which closes the window cleanly (recording finalised, threads stopped)
after that time; packaging and CI use it to prove the app starts and stops. Logs go to stderr
and to ``<user data folder>/logs/featherface.log``; uncaught errors reach the window
(:mod:`.error_report`).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QStandardPaths, QTimer
from PySide6.QtWidgets import QApplication

from featherface_app import __version__
from featherface_app.core.paths import APP_DIR_NAME, default_user_data_dir, resources_dir, set_user_data_dir_provider
from featherface_app.logs import add_log_file

from .error_report import ErrorReporter
from .icons import icon
from .main_window import LaunchOptions, MainWindow
from .settings import APPLICATION, ORGANISATION

log = logging.getLogger(__name__)

STYLE_FILE = "style.qss"


def application() -> QApplication:
    """The process's QApplication, created (with names, icon and style) on first use."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    if not isinstance(app, QApplication):
        raise RuntimeError("a QCoreApplication already exists in this process; windows need a QApplication")
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationVersion(__version__)
    app.setWindowIcon(icon("app"))
    apply_style(app)
    return app


def apply_style(app: QApplication, path: Path | None = None) -> bool:
    """Load ``resources/style.qss``; a missing file leaves Qt's default look (and is logged)."""
    path = path or resources_dir() / STYLE_FILE
    try:
        app.setStyleSheet(path.read_text(encoding="utf-8"))
    except OSError as exc:
        log.warning("style sheet %s not loaded: %s", path, exc)
        return False
    app.setStyle("Fusion")
    return True


def launch_options(args: argparse.Namespace) -> LaunchOptions:
    """Map the CLI namespace (``featherface_app.cli``; absent attributes mean "not given")."""
    video = getattr(args, "video", None)
    source = str(video) if video else getattr(args, "source", None)
    extra = getattr(args, "model", None) or []
    if isinstance(extra, (str, Path)):
        extra = [extra]
    output = getattr(args, "output_dir", None)
    return LaunchOptions(
        source=str(source) if source else None,
        extra_models=[Path(m) for m in extra],
        output_dir=Path(output) if output else None,
    )


def standard_user_data_dir() -> Path:
    """QStandardPaths' per-user data folder plus ``FeatherFaceLive``: on every platform the same
    folder the Qt-free default names, but Qt's answer (and its test mode) wins."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericDataLocation)
    return Path(base) / APP_DIR_NAME if base else default_user_data_dir()


def run_gui(args: argparse.Namespace, window_factory: Callable[[LaunchOptions], MainWindow] = MainWindow) -> int:
    """Show the window and run the event loop until it closes; returns the process exit code.

    Order matters: the user folder is switched to QStandardPaths before the log file opens, and
    the error hooks are in place before the window is built, so nothing fails unseen.
    ``window_factory`` builds the window (tests hand in one that fails to start).
    """
    app = application()
    set_user_data_dir_provider(standard_user_data_dir)
    log_file = add_log_file()
    log.info("FeatherFace Live %s, log file %s", __version__, log_file or "(none)")
    reporter = ErrorReporter(log_file, app)
    reporter.install()
    try:
        return _run_window(app, args, reporter, window_factory)
    finally:
        reporter.uninstall()


def _run_window(app: QApplication, args: argparse.Namespace, reporter: ErrorReporter, window_factory: Callable[[LaunchOptions], MainWindow]) -> int:
    quit_after = getattr(args, "quit_after", None)
    try:
        window = window_factory(launch_options(args))
    except Exception as exc:  # whatever it is, the user gets a readable dialog, not a silent exit
        log.exception("the window could not start")
        box = reporter.show_dialog("FeatherFace Live cannot start", f"The window could not start:\n{type(exc).__name__}: {exc}",
                                   traceback.format_exc())
        box.finished.connect(app.quit)
        deadline = QTimer()  # unattended runs (CI) must end, with a failure code
        deadline.setSingleShot(True)
        deadline.timeout.connect(app.quit)
        if quit_after is not None:
            deadline.start(round(quit_after * 1000))
        app.exec()
        deadline.stop()
        # closing the last window also posted a Quit; left queued, it would end the next event loop
        QCoreApplication.removePostedEvents(app, QEvent.Type.Quit)
        return 1
    reporter.show_in_window = window.show_error
    if quit_after is not None:
        QTimer.singleShot(round(quit_after * 1000), window.close)
    # Ctrl+C in the terminal closes the window cleanly; the idle timer lets Python see the signal.
    signal.signal(signal.SIGINT, lambda *_: window.close())
    heartbeat = QTimer()
    heartbeat.start(250)
    heartbeat.timeout.connect(lambda: None)
    window.show()
    try:
        code = app.exec()
    finally:
        reporter.show_in_window = None
        signal.signal(signal.SIGINT, signal.default_int_handler)
    clean = window.shutdown()
    return code if clean else (code or 1)
