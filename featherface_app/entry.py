"""The program's entry point (``featherface-live``, ``main.py``, the bundle): the desktop-entry
flags, handled before the command line proper so that they work however the CLI is organised,
else :func:`featherface_app.cli.main`; a Python that lacks the app's packages gets one message
saying exactly which and how to install them (exit 1), not a traceback."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from .desktop_entry import INSTALL_FLAG, UNINSTALL_FLAG


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] in ([INSTALL_FLAG], [UNINSTALL_FLAG]):
        if len(args) > 1:
            print(f"error: {args[0]} takes no other arguments", file=sys.stderr)
            return 2
        from .desktop_entry import run

        return run(args)
    try:
        from .cli import main as cli_main

        return int(cli_main(argv) or 0)
    except ModuleNotFoundError as exc:  # a Python without the app's packages (no virtual environment)
        from .dependencies import headless_message, third_party

        if not third_party(exc.name):
            raise
        if sys.stderr is not None:
            print(f"error: {headless_message()}", file=sys.stderr)
        return 1
