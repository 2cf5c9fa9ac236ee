"""``--install-desktop-entry`` puts the app in the desktop's menu for this user only (a valid
.desktop file whose Exec starts this app, the hicolor icons, AppStream metainfo) and
``--uninstall-desktop-entry`` takes all of it away again."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from featherface_app import desktop_entry
from featherface_app.gui.settings import APPLICATION

from .conftest import profile_env

ROOT = Path(__file__).resolve().parents[2]


def parse_exec(value: str) -> list[str]:
    """An Exec= value read as the Desktop Entry spec says: the string escapes first (``\\\\``
    is one backslash), then the quoting rule (inside quotes a backslash escapes the next
    character), then ``%%`` is ``%``."""
    args: list[str] = []
    current: str | None = None
    quoted = escaped = False
    for char in value.replace("\\\\", "\\"):
        if escaped:
            current, escaped = (current or "") + char, False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted, current = not quoted, current or ""
        elif char == " " and not quoted:
            if current is not None:
                args.append(current)
            current = None
        else:
            current = (current or "") + char
    if current is not None:
        args.append(current)
    return [arg.replace("%%", "%") for arg in args]


def _entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment, method-assign]  # keys are case-sensitive
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser["Desktop Entry"]


def test_install_and_uninstall_through_the_real_command(tmp_path: Path, fresh_home: Path) -> None:
    data = tmp_path / "xdg data"
    env = {**profile_env(fresh_home), "XDG_DATA_HOME": str(data)}
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--install-desktop-entry"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    desktop = data / "applications" / f"{desktop_entry.APP_ID}.desktop"
    entry = _entry(desktop)
    assert entry["Type"] == "Application" and entry["Icon"] == desktop_entry.APP_ID
    # The window's WM_CLASS class is the application name Qt is given (gui/settings.py).
    assert entry["StartupWMClass"] == APPLICATION
    command = parse_exec(entry["Exec"])
    assert command == [str(Path(sys.executable).resolve()), str(ROOT / "main.py")] or Path(command[0]).name == "featherface-live"
    assert Path(entry["TryExec"]).is_file()
    for size in desktop_entry.ICON_SIZES:
        icon = data / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{desktop_entry.APP_ID}.png"
        assert icon.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    component = ET.parse(data / "metainfo" / f"{desktop_entry.APP_ID}.metainfo.xml").getroot()
    assert component.findtext("id") == desktop_entry.APP_ID
    assert component.find("launchable").text == desktop.name  # type: ignore[union-attr]
    for validate in (
        ["desktop-file-validate", str(desktop)],
        ["appstreamcli", "validate", "--no-net", str(data / "metainfo" / f"{desktop_entry.APP_ID}.metainfo.xml")],
    ):
        if shutil.which(validate[0]) is None:
            assert os.environ.get("CI") != "true", f"{validate[0]} missing: .ci/run installs it (desktop-file-utils, appstream)"
            continue
        check = subprocess.run(validate, capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr

    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--uninstall-desktop-entry"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert [p for p in data.rglob("*") if p.is_file() and desktop_entry.APP_ID in p.name] == []
    assert not (fresh_home / ".local").exists(), "wrote outside XDG_DATA_HOME"


@pytest.mark.parametrize("path", ["/opt/Feather Face/FeatherFaceLive", '/tmp/odd"name$`/a\\pp', "/srv/100%/app"])
def test_exec_quotes_paths_as_the_spec_asks(path: str) -> None:
    value = desktop_entry.desktop_exec([path, "--source", "sample"])
    assert parse_exec(value) == [path, "--source", "sample"]
