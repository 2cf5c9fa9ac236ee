"""Uncaught exceptions, from any thread, reach the user instead of a console that may not exist.

A packaged app started by double-click has no console: Python's default hooks print tracebacks to
a stderr nobody sees (or that is None on Windows), and the app looks as if it did nothing. The
:class:`ErrorReporter` logs every uncaught exception with its traceback (so it lands in the log
file), then shows a short message in the window's error banner, or in a non-modal dialog that names
the log file when there is no window (yet).
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox

log = logging.getLogger(__name__)

#: after this many reports of the same error, further ones are logged at DEBUG only (an error
#: raised on every frame would otherwise fill the log with one traceback per frame).
REPEATS_LOGGED = 3
DIALOG_NAME = "errorDialog"

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], object]


class ErrorReporter(QObject):
    """Installs ``sys.excepthook`` and ``threading.excepthook`` while in use.

    Lives on the GUI thread. The hooks may run on any thread: they log at once, then hand the
    message to the GUI thread through a queued signal, where it is shown.
    """

    reported = Signal(str, str)  # summary, traceback text

    def __init__(self, log_file: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.log_file = log_file
        #: the window's ``show_error``; None until the window exists (then a dialog is used).
        self.show_in_window: Callable[[str], None] | None = None
        self.dialogs: list[QMessageBox] = []
        self._seen: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._previous: tuple[ExceptHook, Callable[[threading.ExceptHookArgs], object]] | None = None
        self.reported.connect(self._show, Qt.ConnectionType.QueuedConnection)

    # -- hooks: any thread -----------------------------------------------------------------------
    def install(self) -> None:
        if self._previous is None:
            self._previous = (sys.excepthook, threading.excepthook)
            sys.excepthook = self._excepthook
            threading.excepthook = self._thread_excepthook

    def uninstall(self) -> None:
        """Put back the hooks that were there before :meth:`install`."""
        if self._previous is not None:
            sys.excepthook, threading.excepthook = self._previous
            self._previous = None

    def _excepthook(self, kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt) and self._previous is not None:
            self._previous[0](kind, value, tb)
            return
        self.report(value, tb)

    def _thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit or args.exc_value is None:
            return
        name = args.thread.name if args.thread is not None else "?"
        self.report(args.exc_value, args.exc_traceback, f" in thread {name}")

    def report(self, error: BaseException, tb: TracebackType | None = None, where: str = "") -> None:
        """Log ``error`` with its traceback and show it to the user (from any thread)."""
        summary = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        details = "".join(traceback.format_exception(type(error), error, tb or error.__traceback__))
        with self._lock:
            self._seen[summary] += 1
            repeats = self._seen[summary]
        if repeats <= REPEATS_LOGGED:
            log.error("unexpected error%s:\n%s", where, details.rstrip())
        else:
            log.debug("unexpected error%s (seen %d times): %s", where, repeats, summary)
        try:
            self.reported.emit(f"Unexpected error{where}: {summary}", details)
        except RuntimeError:  # the reporter's Qt object is gone (interpreter shutting down)
            pass

    # -- display: GUI thread ---------------------------------------------------------------------
    def where_to_look(self) -> str:
        return f"Details are in the log file {self.log_file}" if self.log_file else "Details were logged on the console (no log file)."

    def _show(self, message: str, details: str) -> None:
        try:
            if self.show_in_window is not None:
                self.show_in_window(f"{message}\nThe app keeps running. {self.where_to_look()}")
            else:
                self.show_dialog("FeatherFace Live: unexpected error", message, details)
        except Exception:  # never raise from here: it would come straight back to this hook
            log.exception("could not show the error to the user")

    def show_dialog(self, title: str, message: str, details: str = "") -> QMessageBox:
        """A non-modal critical message box naming the log file; returns it (already shown)."""
        box = QMessageBox(QMessageBox.Icon.Critical, title, message, QMessageBox.StandardButton.Ok)
        box.setObjectName(DIALOG_NAME)
        box.setInformativeText(self.where_to_look())
        if details:
            box.setDetailedText(details)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialogs.append(box)
        box.finished.connect(lambda _result: self.dialogs.remove(box) if box in self.dialogs else None)
        box.show()
        box.raise_()
        return box
