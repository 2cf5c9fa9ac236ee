"""The app's core and CLI never pull in torch or Qt (checked in a fresh interpreter)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

CHECK = """
import importlib, pkgutil, sys
import featherface_app.core as core
for module in pkgutil.iter_modules(core.__path__):
    importlib.import_module(f"featherface_app.core.{module.name}")
import featherface_app.cli
featherface_app.cli.build_parser()
bad = sorted(name for name in sys.modules if name.split(".")[0] in ("torch", "PySide6", "featherface_train"))
print(",".join(bad))
"""


def test_core_and_cli_import_neither_torch_nor_qt() -> None:
    result = subprocess.run([sys.executable, "-c", CHECK], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"forbidden modules imported: {result.stdout.strip()}"
