"""Start the window from the command line: ``run_gui(args)`` is what ``python main.py`` calls.

Honours ``QT_QPA_PLATFORM`` (``offscreen`` in tests and CI, ``xcb`` under Xvfb) and
``--quit-after SECONDS``, which closes the window cleanly (recording finalised, threads stopped)
after that time; packaging and CI use it to prove the app starts and stops. SIGTERM, SIGHUP and
SIGINT (logout, shutdown, ``kill``, ``timeout``, Ctrl+C) close the window the same way, so a
recording is finalised and settings are saved. With no display at all the app says so in one
line and exits with :data:`EXIT_NO_DISPLAY` instead of letting Qt abort. Logs go to stderr
and to ``<user data folder>/logs/featherface.log``; uncaught errors reach the window
(:mod:`.error_report`).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import signal
import socket
import sys
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from types import FrameType

from PySide6.QtCore import QCoreApplication, QEvent, QStandardPaths, QTimer
from PySide6.QtWidgets import QApplication

from featherface_app import __version__
from featherface_app.core.errors import RecordingError
from featherface_app.core.paths import APP_DIR_NAME, default_user_data_dir, resources_dir, set_user_data_dir_provider
from featherface_app.core.recorder import check_output_folder
from featherface_app.desktop_entry import APP_ID as DESKTOP_ID
from featherface_app.logs import add_log_file

from .error_report import ErrorReporter
from .icons import icon
from .main_window import LaunchOptions, MainWindow
from .settings import APPLICATION, ORGANISATION, default_output_dir

log = logging.getLogger(__name__)

STYLE_FILE = "style.qss"
#: exit code when no display server can be reached (as for a usage error: nothing was started)
EXIT_NO_DISPLAY = 2
#: signals that end the app like closing its window does (those the platform has)
CLOSING_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP", "SIGINT") if hasattr(signal, name))
NO_DISPLAY_MESSAGE = (
    "error: no display found ({why}); to run the window without one set QT_QPA_PLATFORM=offscreen, "
    "or use the headless commands (detect, bench, eval; see --help)"
)


def missing_display(env: Mapping[str, str] | None = None, platform: str = sys.platform) -> str | None:
    """Why Qt's X11/Wayland plugin would find no display, or None when one may be there.

    Qt's xcb plugin aborts the process (SIGABRT) with a misleading hint about ``xcb-cursor0`` when
    ``DISPLAY`` is unset; we check first. Only Linux/BSD desktops are checked; other platforms
    (``windows``, ``cocoa``, ``offscreen``, ``minimal``, ``vnc``...) are left to Qt.
    """
    env = os.environ if env is None else env
    if platform.startswith(("win", "darwin", "cygwin")):
        return None
    requested = env.get("QT_QPA_PLATFORM", "").strip()
    plugin = requested.partition(":")[0].split(";")[0].strip().lower()
    if plugin not in ("", "xcb"):
        return None
    if plugin == "" and env.get("WAYLAND_DISPLAY"):
        return None
    if env.get("DISPLAY"):
        return x_server_unreachable(env["DISPLAY"])
    return "QT_QPA_PLATFORM=xcb and DISPLAY is unset" if plugin == "xcb" else "DISPLAY and WAYLAND_DISPLAY are unset"


def x_server_unreachable(display: str, timeout_s: float = 2.0) -> str | None:
    """Why no X server answers at ``display`` (``:0``, ``unix:1``, ``host:10.0``), or None when
    one accepts a connection (or the name is one this check does not understand: Qt judges it).
    A stale ``DISPLAY`` (a closed session, a dead Xvfb) would otherwise end in Qt's abort."""
    host, _, screen = display.rpartition(":")
    number = screen.split(".")[0]
    if not number.isdigit() or host.startswith("/"):
        return None
    unreachable = f"nothing answers at DISPLAY={display}"
    if host in ("", "unix"):
        path = f"/tmp/.X11-unix/X{number}"
        for address in (path, "\0" + path):  # the socket file, then Linux's abstract socket of the same name
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                    probe.settimeout(timeout_s)
                    probe.connect(address)
                return None
            except OSError:
                continue
        return unreachable
    try:
        socket.create_connection((host, 6000 + int(number)), timeout=timeout_s).close()
        return None
    except OSError:
        return unreachable


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
    app.setDesktopFileName(DESKTOP_ID)  # Wayland app_id: the installed .desktop file (desktop_entry)
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
    why = missing_display()
    if why is not None and QApplication.instance() is None:
        log.debug("no display: %s", why)
        print(NO_DISPLAY_MESSAGE.format(why=why), file=sys.stderr)
        return EXIT_NO_DISPLAY
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


def usable_output_dir(options: LaunchOptions) -> tuple[LaunchOptions, str | None]:
    """Drop an ``--output-dir`` that cannot be written (so it is neither used nor remembered);
    returns the options to use and the warning to show, if any."""
    if options.output_dir is None:
        return options, None
    try:
        check_output_folder(options.output_dir)
    except RecordingError as exc:
        return dataclasses.replace(options, output_dir=None), f"{exc}. The --output-dir folder is not used (nor remembered)."
    return options, None


def check_window_output_dir(window: MainWindow) -> str | None:
    """Prove the folder the window will record into can be written; fall back to the default
    folder when the remembered one cannot (gone, read-only, full). Returns the warning, if any."""
    current = window.output_dir()
    try:
        check_output_folder(current)
        return None
    except RecordingError as exc:
        problem = str(exc)
    fallback = default_output_dir()
    if fallback != current:
        try:
            check_output_folder(fallback)
        except RecordingError as exc:
            return f"{problem}. The default folder cannot be used either ({exc}); choose another one (File → Output folder)."
        window.set_output_dir(fallback)
        return f"{problem}. Recordings and screenshots go to {fallback} instead."
    return f"{problem}. Choose another output folder before recording."


def prepare_recording(window: MainWindow, warning: str | None = None) -> None:
    """Start-up wiring for recording: check the output folder (warn, fall back) and repair the
    recordings a crash or kill left without a duration (and say so)."""
    warnings = [w for w in (warning, check_window_output_dir(window)) if w]
    for message in warnings:
        window.show_warning(message)
    window.recording.repaired.connect(lambda message: window.show_info(message, banner=not warnings))
    window.recording.repair(window.output_dir())


def _run_window(app: QApplication, args: argparse.Namespace, reporter: ErrorReporter, window_factory: Callable[[LaunchOptions], MainWindow]) -> int:
    quit_after = getattr(args, "quit_after", None)
    options, output_warning = usable_output_dir(launch_options(args))
    try:
        window = window_factory(options)
    except Exception as exc:  # whatever it is, the user gets a readable dialog, not a silent exit
        log.exception("the window could not start")
        box = reporter.show_dialog("FeatherFace Live cannot start", f"The window could not start:\n{type(exc).__name__}: {exc}", traceback.format_exc())
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
    prepare_recording(window, output_warning)
    if quit_after is not None:
        QTimer.singleShot(round(quit_after * 1000), window.close)
    # The idle timer lets Python run its signal handlers while Qt's event loop is in C++.
    previous = install_close_on_signals(window)
    heartbeat = QTimer()
    heartbeat.start(250)
    heartbeat.timeout.connect(lambda: None)
    window.show()
    try:
        code = app.exec()
    finally:
        reporter.show_in_window = None
        heartbeat.stop()
        for number, handler in previous.items():
            signal.signal(number, handler)
    clean = window.shutdown()
    return code if clean else (code or 1)


def install_close_on_signals(window: MainWindow) -> dict[int, Callable[[int, FrameType | None], object] | int | None]:
    """SIGTERM/SIGHUP/SIGINT post a close of ``window`` to the event loop (the same path as the
    close button: recording finalised, settings saved); returns the handlers it replaced.

    The handler only posts: it runs between two Python bytecodes, possibly inside a slot, so the
    close itself must happen when the event loop is back in charge. Main thread only.
    """
    closing: list[int] = []

    def on_signal(number: int, _frame: FrameType | None) -> None:
        name = signal.Signals(number).name
        if closing:
            log.warning("%s again while closing; still finalising", name)
            return
        closing.append(number)
        log.info("%s received: closing the window (recording finalised, settings saved)", name)
        QTimer.singleShot(0, window.close)

    previous = {}
    for number in CLOSING_SIGNALS:
        previous[number] = signal.getsignal(number)
        signal.signal(number, on_signal)
    return previous
