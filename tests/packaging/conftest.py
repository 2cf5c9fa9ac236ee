"""Fixtures for the packaging tier: a first-time user's profile for commands run in a subprocess."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def profile_env(home: Path) -> dict[str, str]:
    """The environment of a user who never ran the app: HOME and the XDG folders under ``home``,
    offscreen Qt, and no telemetry switch inherited from the caller (the app must set it)."""
    env = {k: v for k, v in os.environ.items() if k != "ORT_DISABLE_TELEMETRY" and not k.startswith("XDG_")}
    env.update(HOME=str(home), QT_QPA_PLATFORM="offscreen", LANG=os.environ.get("LANG", "C.UTF-8"))
    return env


@pytest.fixture
def fresh_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    return home
