"""The environment the app-as-a-subprocess tests start ``python main.py`` in: offscreen, a fresh
settings file and an empty user-models folder under ``tmp_path``, this checkout importable."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def app_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        LANG="C.UTF-8",
        FEATHERFACE_SETTINGS=str(tmp_path / "settings.ini"),
        XDG_DATA_HOME=str(tmp_path / "data"),  # the user models folder: empty
        PYTHONPATH=str(REPO_ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
    )
    return env
