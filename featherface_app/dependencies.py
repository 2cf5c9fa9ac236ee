"""Which of the app's third-party packages this Python can really import, and what to install.

Standard library only: it runs when the packages are missing (a system Python without the
project's virtual environment), before anything that needs them is imported. The pins match
``pyproject.toml`` (a test checks they do).
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
from dataclasses import dataclass

#: (module imported, requirement to pip-install) for every command, then for the window only.
HEADLESS = (("numpy", "numpy>=1.24"), ("cv2", "opencv-python-headless>=4.8"), ("onnxruntime", "onnxruntime>=1.17"), ("av", "av>=12"))
WINDOW = (("PySide6.QtWidgets", "PySide6-Essentials==6.11.3"), ("pyqtgraph", "pyqtgraph>=0.13.7"))
HEADLESS_COMMANDS = "bench, detect, eval and --self-test"


@dataclass(frozen=True)
class Missing:
    """A requirement whose module does not import: ``reason`` is the import error's text."""

    module: str
    requirement: str
    reason: str

    @property
    def package(self) -> str:
        """The distribution name without the version (``opencv-python-headless``)."""
        return re.split(r"[=<>!~ ]", self.requirement, maxsplit=1)[0]


def missing(requirements: tuple[tuple[str, str], ...]) -> list[Missing]:
    """The requirements whose module cannot be imported here (tried for real: an installed
    package whose native library is missing counts as missing too)."""
    found: list[Missing] = []
    for module, requirement in requirements:
        if importlib.util.find_spec(module.partition(".")[0]) is None:
            found.append(Missing(module, requirement, "not installed"))
            continue
        try:
            importlib.import_module(module)
        except Exception as exc:  # ImportError, or whatever a broken package raises on import
            if found:  # installed, failing for want of one listed before it (pyqtgraph without Qt)
                continue
            found.append(Missing(module, requirement, str(exc) or type(exc).__name__))
    return found


def third_party(module_name: str | None) -> bool:
    """Whether ``module_name`` (an import error's ``name``) belongs to one of our requirements."""
    top = (module_name or "").partition(".")[0]
    return top in {m.partition(".")[0] for m, _ in (*HEADLESS, *WINDOW)}


def install_line(items: list[Missing]) -> str:
    quoted = " ".join(f'"{m.requirement}"' for m in items)
    return f"{sys.executable or 'python'} -m pip install {quoted}"


def _names(items: list[Missing]) -> str:
    return ", ".join(m.package for m in items)


def window_message() -> str:
    """Why the window cannot start and exactly what to install, after checking every package:
    whether the headless commands still work is said only when they really do."""
    window, headless = missing(WINDOW), missing(HEADLESS)
    if not window and not headless:
        return "the window cannot start, although every package it needs imports; see the log file"
    lines = [f"the window cannot start: {_names(window + headless)} cannot be imported by this Python ({sys.executable})"]
    lines += [f"  {m.package}: {m.reason}" for m in window + headless]
    lines.append(f"install: {install_line(window + headless)}")
    if headless:
        lines.append(f"(the headless commands — {HEADLESS_COMMANDS} — need {_names(headless)} as well)")
    else:
        lines.append(f"the headless commands ({HEADLESS_COMMANDS}) still work; see --help")
    return "\n".join(lines)


def headless_message() -> str:
    """What every command needs and this Python lacks (plus the window's, for the full app)."""
    headless, window = missing(HEADLESS), missing(WINDOW)
    lines = [f"FeatherFace Live cannot run: {_names(headless) or 'a package'} cannot be imported by this Python ({sys.executable})"]
    lines += [f"  {m.package}: {m.reason}" for m in headless]
    lines.append(f"install: {install_line(headless)}" if headless else "see the error above")
    if window:
        lines.append(f"the window also needs: {install_line(window)}")
    lines.append("or run it with the project's virtual environment (.venv/bin/python main.py)")
    return "\n".join(lines)
