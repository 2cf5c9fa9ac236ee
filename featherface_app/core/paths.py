"""Where the app's files are: bundled data beside the code (a checkout, an installed wheel or a
PyInstaller bundle), and the user's own folder.

Never relative to the working directory: the packaged app is started from anywhere. The user
folder comes from an injectable provider so the GUI can hand in ``QStandardPaths`` while the core
stays Qt-free.
"""

from __future__ import annotations

import importlib.resources
import os
import sys
from collections.abc import Callable
from pathlib import Path

APP_DIR_NAME = "FeatherFaceLive"
SAMPLE_CLIP_NAME = "sample.mp4"
#: The data folders: ``models/`` and ``resources/`` at the top of a checkout (a training run writes
#: new models there), package data ``featherface_app/models`` and ``featherface_app/resources`` in
#: the wheel (setup.py maps them) and in the PyInstaller bundle (the spec puts them there).
DATA_FOLDERS = ("models", "resources")

_user_data_provider: Callable[[], Path] | None = None


def package_dir() -> Path:
    """The ``featherface_app`` package folder, as importlib.resources sees it (site-packages,
    the checkout, or ``sys._MEIPASS/featherface_app`` in a bundle)."""
    return Path(str(importlib.resources.files("featherface_app")))


def app_root() -> Path:
    """The folder holding ``models/`` and ``resources/``: the package folder when they were
    installed into it (wheel, bundle), otherwise the checkout's root, one level above it."""
    package = package_dir()
    if any((package / name).is_dir() for name in DATA_FOLDERS):
        return package
    return package.parent


def bundled_models_dir() -> Path:
    return app_root() / "models"


def resources_dir() -> Path:
    return app_root() / "resources"


def sample_clip_path() -> Path:
    return resources_dir() / SAMPLE_CLIP_NAME


def default_user_data_dir() -> Path:
    """The platform's per-user data folder, worked out without Qt."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / APP_DIR_NAME


def set_user_data_dir_provider(provider: Callable[[], Path] | None) -> None:
    """Install the function that answers :func:`user_data_dir` (None restores the default)."""
    global _user_data_provider
    _user_data_provider = provider


def user_data_dir() -> Path:
    """The user's data folder (not created here; callers create what they write into)."""
    return Path(_user_data_provider()) if _user_data_provider is not None else default_user_data_dir()


def user_models_dir() -> Path:
    return user_data_dir() / "models"


def default_recordings_dir() -> Path:
    return user_data_dir() / "recordings"


def log_dir() -> Path:
    """Where the rotating log file goes (``featherface_app.logs``)."""
    return user_data_dir() / "logs"
