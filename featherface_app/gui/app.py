"""Start the window from the command line: ``run_gui(args)`` is what ``python main.py`` calls.

Honours ``QT_QPA_PLATFORM`` (``offscreen`` in tests and CI, ``xcb`` under Xvfb) and
``--quit-after SECONDS``, which closes the window cleanly (recording finalised, threads stopped)
after that time; packaging and CI use it to prove the app starts and stops.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from featherface_app import __version__
from featherface_app.core.paths import resources_dir

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


def _install_excepthook(window: MainWindow) -> None:
    """An exception escaping a slot is logged and shown in the window instead of being lost."""
    previous = sys.excepthook

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        log.error("unexpected error:\n%s", "".join(traceback.format_exception(kind, value, tb)))
        try:
            window.show_error(f"Unexpected error: {kind.__name__}: {value}")
        except Exception:
            previous(kind, value, tb)

    sys.excepthook = hook


def run_gui(args: argparse.Namespace) -> int:
    """Show the window and run the event loop until it closes; returns the process exit code."""
    app = application()
    window = MainWindow(launch_options(args))
    _install_excepthook(window)
    quit_after = getattr(args, "quit_after", None)
    if quit_after is not None:
        if quit_after < 0:
            log.error("--quit-after must be >= 0 seconds, got %s", quit_after)
            return 2
        QTimer.singleShot(round(quit_after * 1000), window.close)
    # Ctrl+C in the terminal closes the window cleanly; the idle timer lets Python see the signal.
    signal.signal(signal.SIGINT, lambda *_: window.close())
    heartbeat = QTimer()
    heartbeat.start(250)
    heartbeat.timeout.connect(lambda: None)
    window.show()
    code = app.exec()
    clean = window.shutdown()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    return code if clean else (code or 1)
