"""Fixtures for the packaging tier: a first-time user's profile for commands run in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

#: variables by which onnxruntime 1.32 knows a CI machine and then writes no telemetry (the
#: names in its library): a user's machine has none, so the privacy checks must not either
CI_MARKERS = frozenset(
    "CI TF_BUILD GITHUB_ACTIONS GITLAB_CI CIRCLECI TRAVIS JENKINS_URL CODEBUILD_BUILD_ID BUILDKITE"
    " TEAMCITY_VERSION APPVEYOR BITBUCKET_BUILD_NUMBER SYSTEM_TEAMFOUNDATIONCOLLECTIONURI".split()
)


def profile_env(home: Path) -> dict[str, str]:
    """The environment of a user who never ran the app: HOME and the XDG folders under ``home``,
    offscreen Qt, no CI markers, and no telemetry switch inherited from the caller (the app must set it)."""
    dropped = CI_MARKERS | {"ORT_DISABLE_TELEMETRY"}
    env = {k: v for k, v in os.environ.items() if k not in dropped and not k.startswith("XDG_")}
    env.update(HOME=str(home), QT_QPA_PLATFORM="offscreen", LANG=os.environ.get("LANG", "C.UTF-8"))
    return env


@pytest.fixture
def fresh_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    return home


ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The app's wheel, built from this checkout once per session (``pip wheel``, as pipx would)."""
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    wheels = sorted(out.glob("featherface_live-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]
