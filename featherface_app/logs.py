"""Logging set-up shared by the CLI and the window: stderr, plus a rotating file in the user's folder.

A packaged app started by double-click has no console (on Windows ``sys.stderr`` is None), so the
file is the only place a traceback survives; its folder comes from
:func:`featherface_app.core.paths.log_dir`, which follows ``QStandardPaths`` once the GUI has
installed its provider. A folder that cannot be written costs a warning, never the start.
"""

from __future__ import annotations

import logging
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path

from .core.paths import log_dir

LOG_FILE_NAME = "featherface.log"
#: one file up to 2 MB plus 3 rotated ones: enough for a session's errors, never a full disk.
MAX_BYTES = 2_000_000
BACKUPS = 3
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_stderr_handler: logging.Handler | None = None
_file_handler: RotatingFileHandler | None = None


def setup_logging(level: str = "INFO") -> None:
    """Root logger at ``level`` to stderr (once; later calls only change the level), so stdout
    stays clean for ``--json`` output. Like ``logging.basicConfig``, it adds nothing when the root
    logger already has handlers (an embedding program, pytest), nor when there is no stderr (a
    windowed build)."""
    global _stderr_handler
    root = logging.getLogger()
    root.setLevel(level)
    if _stderr_handler is None and sys.stderr is not None and not root.handlers:
        _stderr_handler = logging.StreamHandler(sys.stderr)
        _stderr_handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(_stderr_handler)


def log_file_path() -> Path | None:
    """The file being written, or None when file logging is off (not set up, or not writable)."""
    return Path(_file_handler.baseFilename) if _file_handler is not None else None


def add_log_file(folder: Path | None = None) -> Path | None:
    """Also log to ``folder/featherface.log`` (default :func:`log_dir`), rotating; returns its path.

    Called again with another folder (the GUI's standard location), it moves there. An unwritable
    folder prints one warning on stderr and returns None; logging to stderr carries on.
    """
    global _file_handler
    folder = Path(folder) if folder is not None else log_dir()
    path = (folder / LOG_FILE_NAME).absolute()
    if _file_handler is not None:
        if Path(_file_handler.baseFilename) == path:
            return path
        remove_log_file()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    except OSError as exc:
        if sys.stderr is not None:
            print(f"warning: cannot write the log file {path} ({exc.strerror or exc}); logging to the console only", file=sys.stderr)
        return None
    handler.setFormatter(logging.Formatter(FORMAT))
    logging.getLogger().addHandler(handler)
    _file_handler = handler
    return path


def remove_log_file() -> None:
    """Stop writing the log file (closes it)."""
    global _file_handler
    if _file_handler is not None:
        logging.getLogger().removeHandler(_file_handler)
        _file_handler.close()
        _file_handler = None
