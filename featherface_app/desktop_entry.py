"""The app in the desktop's menu: ``--install-desktop-entry`` writes a freedesktop ``.desktop``
file, the icon in the hicolor sizes and AppStream metainfo into the user's data folder
(``$XDG_DATA_HOME``, default ``~/.local/share``); ``--uninstall-desktop-entry`` removes them.

User scope only (no root, no system folders). The entry starts whatever ran the command: the
bundle's executable, the wheel's ``featherface-live`` script, or ``python main.py`` in a checkout,
so running it again after moving the app repairs the entry. Qt-free.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from .core.paths import resources_dir

APP_ID = "org.featherface.live"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)
INSTALL_FLAG = "--install-desktop-entry"
UNINSTALL_FLAG = "--uninstall-desktop-entry"


def data_home() -> Path:
    value = os.environ.get("XDG_DATA_HOME")
    return Path(value) if value and Path(value).is_absolute() else Path.home() / ".local" / "share"


def launch_command() -> list[str]:
    """The command that starts this app as it is installed now (absolute paths)."""
    if getattr(sys, "frozen", False):
        return [str(Path(sys.executable).resolve())]
    script = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if script is not None and script.name == "featherface-live" and script.is_file():
        return [str(script.resolve())]
    found = shutil.which("featherface-live", path=str(Path(sys.executable).parent))
    if found:
        return [str(Path(found).resolve())]
    return [str(Path(sys.executable).resolve()), str(Path(__file__).resolve().parents[1] / "main.py")]


def desktop_exec(command: list[str]) -> str:
    """An ``Exec=`` value as stored in the file: each argument quoted by the Desktop Entry spec's
    rule (inside double quotes, a backslash before ``"`` ` ``$`` and ``\\``; ``%`` doubled), then
    the backslashes doubled again by the general escape rule for string values."""

    def quote(arg: str) -> str:
        arg = arg.replace("%", "%%")
        if not any(c in arg for c in " \t\n\"'\\><~|&;$*?#()`"):
            return arg
        return '"' + "".join("\\" + c if c in '"`$\\' else c for c in arg) + '"'

    return " ".join(quote(arg) for arg in command).replace("\\", "\\\\")


def installed_files(home: Path | None = None) -> list[Path]:
    home = home or data_home()
    icons = [home / "icons" / "hicolor" / f"{s}x{s}" / "apps" / f"{APP_ID}.png" for s in ICON_SIZES]
    return [home / "applications" / f"{APP_ID}.desktop", home / "metainfo" / f"{APP_ID}.metainfo.xml", *icons]


def install(home: Path | None = None, command: list[str] | None = None) -> list[Path]:
    """Write the entry, metainfo and icons; returns the files written."""
    home = home or data_home()
    source = resources_dir()
    command = command or launch_command()
    desktop, metainfo, *icons = installed_files(home)
    text = (source / "desktop" / f"{APP_ID}.desktop").read_text(encoding="utf-8")
    text = text.replace("@EXEC@", desktop_exec(command)).replace("@TRYEXEC@", command[0].replace("\\", "\\\\"))
    desktop.parent.mkdir(parents=True, exist_ok=True)
    desktop.write_text(text, encoding="utf-8")
    metainfo.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source / "desktop" / f"{APP_ID}.metainfo.xml", metainfo)
    for size, target in zip(ICON_SIZES, icons):
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png", target)
    _refresh_caches(home)
    return [desktop, metainfo, *icons]


def uninstall(home: Path | None = None) -> list[Path]:
    """Remove what :func:`install` wrote; returns the files removed (none is not an error)."""
    home = home or data_home()
    removed = [path for path in installed_files(home) if path.is_file()]
    for path in removed:
        path.unlink()
    _refresh_caches(home)
    return removed


def _refresh_caches(home: Path) -> None:
    """Tell menus and icon themes, where their tools exist (desktops without them rescan)."""
    for tool, target in (("update-desktop-database", home / "applications"), ("gtk-update-icon-cache", home / "icons" / "hicolor")):
        if shutil.which(tool) and target.is_dir():
            extra = ["-q", "-t"] if tool == "gtk-update-icon-cache" else ["-q"]
            subprocess.run([tool, *extra, str(target)], check=False, capture_output=True, timeout=30)


def run(argv: list[str]) -> int:
    """Handle ``--install-desktop-entry`` / ``--uninstall-desktop-entry`` (the only argument)."""
    if argv[0] == INSTALL_FLAG:
        files = install()
        print(f"installed the desktop entry {files[0]} (starts: {' '.join(shlex.quote(a) for a in launch_command())})")
        for path in files[1:]:
            print(f"  {path}")
    else:
        files = uninstall()
        print(f"removed {len(files)} file(s) of the desktop entry" + "".join(f"\n  {p}" for p in files))
    return 0
