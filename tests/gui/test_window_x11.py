"""The real window on a real X server (Xvfb) under a real window manager (openbox), at the
screen sizes of common laptops: the window, frame and title bar included, fits the screen on a
first start and when a geometry remembered from a bigger screen is restored; F9/F10 collapse the
side panels and the choice is remembered.

Needs ``Xvfb``, ``openbox``, ``xdotool`` and ``xwininfo`` (apt: xvfb openbox xdotool x11-utils);
without them these tests skip and say so, except under ``CI=true``, where ``.ci/run`` installs
them and their absence is a failure.

Run as a script (``python tests/gui/test_window_x11.py OUT_DIR``) it saves screenshots of the
window at 1366x768 and 1280x720, idle and recording, with a fresh HOME.
"""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
TOOLS = ("Xvfb", "openbox", "xdotool", "xwininfo", "xprop")
MISSING = [tool for tool in TOOLS if shutil.which(tool) is None]
TITLE = "FeatherFace Live"
#: the real entry point, as the desktop entry starts it
APP = [sys.executable, str(REPO_ROOT / "main.py"), "--source", "sample"]

if MISSING:
    reason = f"needs an X server and window manager: {', '.join(MISSING)} not installed (apt-get install xvfb openbox xdotool x11-utils)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason + "; .ci/run installs them", pytrace=False)
    pytestmark = pytest.mark.skip(reason=reason)


@dataclass
class Frame:
    """A window's outer rectangle (frame and title bar included), in root coordinates."""

    x: int
    y: int
    width: int
    height: int

    def inside(self, width: int, height: int) -> bool:
        return self.x >= 0 and self.y >= 0 and self.x + self.width <= width and self.y + self.height <= height


def _free_display() -> int:
    for number in range(90, 140):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            return number
    raise RuntimeError("no free X display number")


class XSession:
    """Xvfb at ``size`` with openbox; ``launch`` starts the app with its own HOME and settings."""

    def __init__(self, size: tuple[int, int], home: Path) -> None:
        self.size = size
        self.home = home
        self.display = f":{_free_display()}"
        self.procs: list[subprocess.Popen[bytes]] = []
        self.app: subprocess.Popen[bytes] | None = None

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("FEATHERFACE_SETTINGS", "WAYLAND_DISPLAY")}
        env.update(DISPLAY=self.display, HOME=str(self.home), QT_QPA_PLATFORM="xcb", LANG="C.UTF-8", XDG_CONFIG_HOME=str(self.home / ".config"))
        env.pop("XDG_RUNTIME_DIR", None)
        return env

    def start(self) -> None:
        width, height = self.size
        xvfb = subprocess.Popen(["Xvfb", self.display, "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp"], stderr=subprocess.DEVNULL)
        self.procs.append(xvfb)
        self._wait(lambda: subprocess.run(["xwininfo", "-root"], env=self.env, capture_output=True, check=False).returncode == 0, "the X server")
        wm_log = open(self.home / f"openbox{self.display.replace(':', '_')}.log", "ab")
        wm: list[subprocess.Popen[bytes]] = []

        def wm_running() -> bool:
            # openbox sometimes fails to open a display that was just (re)created; start it again
            if not wm or wm[-1].poll() is not None:
                wm.append(subprocess.Popen(["openbox", "--sm-disable"], env=self.env, stdout=wm_log, stderr=subprocess.STDOUT))
                self.procs.append(wm[-1])
            return "_NET_SUPPORTING_WM_CHECK" in self._xprop_root()

        self._wait(wm_running, "openbox")

    def _xprop_root(self) -> str:
        return subprocess.run(["xprop", "-root"], env=self.env, capture_output=True, text=True, check=False).stdout

    def wm_class(self, window: str) -> tuple[str, str]:
        """(instance, class) of ``window``'s WM_CLASS, as desktops match it to a .desktop file."""
        text = subprocess.run(["xprop", "-id", window, "WM_CLASS"], env=self.env, capture_output=True, text=True, check=True).stdout
        found = re.findall(r'"([^"]*)"', text)
        assert len(found) == 2, text
        return found[0], found[1]

    @staticmethod
    def _wait(condition, what: str, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what} did not come up within {timeout_s:.0f} s")
            time.sleep(0.1)

    def launch(self, *args: str) -> str:
        """Start the app; returns its window id once the window is mapped and framed."""
        log = open(self.home / "app.log", "wb")
        self.app = subprocess.Popen([*APP, "--quit-after", "120", *args], env=self.env, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT)
        window: list[str] = []

        def mapped() -> bool:
            if self.app is not None and self.app.poll() is not None:
                raise RuntimeError(f"the app exited with {self.app.returncode}:\n{(self.home / 'app.log').read_text(errors='replace')[-3000:]}")
            found = self.xdotool("search", "--onlyvisible", "--name", f"^{TITLE}$").split()
            window[:] = found[:1]
            return bool(found) and self.frame(found[0]).y > 0  # openbox has put its title bar around it

        self._wait(mapped, "the window", 120.0)
        return window[0]

    def xdotool(self, *args: str) -> str:
        return subprocess.run(["xdotool", *args], env=self.env, capture_output=True, text=True, check=False).stdout

    def frame(self, window: str) -> Frame:
        """The outer frame of ``window`` as the window manager drew it (``xwininfo -frame``)."""
        text = subprocess.run(["xwininfo", "-frame", "-id", window], env=self.env, capture_output=True, text=True, check=True).stdout

        def field(name: str) -> int:
            match = re.search(rf"{name}:\s+(-?\d+)", text)
            assert match, f"no {name} in xwininfo output:\n{text}"
            return int(match.group(1))

        return Frame(field("Absolute upper-left X"), field("Absolute upper-left Y"), field("Width"), field("Height"))

    def wait_frame_settled(self, window: str, timeout_s: float = 30.0) -> Frame:
        """The frame once it stopped changing (the app clamps itself after being framed)."""
        last: list[Frame] = [self.frame(window)]

        def steady() -> bool:
            time.sleep(0.5)
            now = self.frame(window)
            same = now == last[0]
            last[0] = now
            return same

        self._wait(steady, "a steady window frame", timeout_s)
        return last[0]

    def quit_app(self) -> int:
        """Close the window as a user does (Ctrl+Q) and wait for the app to exit."""
        assert self.app is not None
        if self.app.poll() is None:
            # --onlyvisible: the search also finds Qt's hidden helper windows, and activating one of
            # those never completes
            self.xdotool("search", "--onlyvisible", "--name", f"^{TITLE}$", "windowactivate", "--sync", "key", "--clearmodifiers", "ctrl+q")
            try:
                self.app.wait(60)
            except subprocess.TimeoutExpired:
                self.app.terminate()
                self.app.wait(30)
                raise AssertionError("Ctrl+Q did not close the window within 60 s (ended with SIGTERM)") from None
        code = self.app.returncode
        self.app = None
        return code

    def stop(self) -> None:
        if self.app is not None and self.app.poll() is None:
            self.app.terminate()
            self.app.wait(30)
        for proc in reversed(self.procs):
            proc.terminate()
            proc.wait(10)


@contextmanager
def x_session(size: tuple[int, int], home: Path) -> Iterator[XSession]:
    session = XSession(size, home)
    try:
        session.start()
        yield session
    finally:
        session.stop()


def settings_file(home: Path) -> Path:
    return home / ".config" / "FeatherFace" / "FeatherFace Live.ini"


@pytest.mark.parametrize("size", [(1366, 768), (1280, 720), (1920, 1080)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_first_start_fits_the_screen_frame_included(size: tuple[int, int], tmp_path: Path) -> None:
    with x_session(size, tmp_path) as x:
        window = x.launch()
        frame = x.wait_frame_settled(window)
        assert frame.inside(*size), f"window frame {frame} does not fit the {size[0]}x{size[1]} screen"
        if size == (1920, 1080):  # room enough: the preferred size, not a maximised window
            assert frame.width < 1700 and frame.height < 1000, frame
        desktop = configparser.ConfigParser(interpolation=None)
        desktop.read(REPO_ROOT / "resources" / "desktop" / "org.featherface.live.desktop", encoding="utf-8")
        assert x.wm_class(window)[1] == desktop["Desktop Entry"]["StartupWMClass"]  # the launcher groups the real window
        assert x.quit_app() == 0


def test_remembered_geometry_from_a_bigger_screen_is_clamped(tmp_path: Path) -> None:
    with x_session((1920, 1080), tmp_path) as x:  # the window is saved big and far right on a big monitor
        window = x.launch()
        x.wait_frame_settled(window)
        x.xdotool("windowsize", "--sync", window, "1800", "1000")
        x.xdotool("windowmove", "--sync", window, "100", "60")
        big = x.wait_frame_settled(window)
        assert big.width > 1700, big
        assert x.quit_app() == 0
    assert settings_file(tmp_path).is_file()
    with x_session((1280, 720), tmp_path) as x:  # ... and opened on a laptop
        window = x.launch()
        frame = x.wait_frame_settled(window)
        assert frame.inside(1280, 720), f"restored window frame {frame} does not fit the 1280x720 screen"
        assert x.quit_app() == 0


def test_side_panels_collapse_with_f9_f10_and_stay_collapsed(tmp_path: Path) -> None:
    with x_session((1280, 720), tmp_path) as x:
        window = x.launch()
        x.wait_frame_settled(window)
        x.xdotool("windowactivate", "--sync", window, "key", "F9", "F10")
        assert x.quit_app() == 0
    stored = configparser.ConfigParser()
    stored.read(settings_file(tmp_path))
    assert stored.get("window", "show_controls") == "false" and stored.get("window", "show_plots") == "false"
    with x_session((1280, 720), tmp_path) as x:  # the next start remembers, and F9 brings one back
        window = x.launch()
        x.wait_frame_settled(window)
        x.xdotool("windowactivate", "--sync", window, "key", "F9")
        assert x.quit_app() == 0
    stored.read(settings_file(tmp_path))
    assert stored.get("window", "show_controls") == "true" and stored.get("window", "show_plots") == "false"


def screenshots(out_dir: Path) -> list[Path]:
    """Idle and recording at 1366x768 and 1280x720, each with a fresh HOME; returns the files."""
    saved = []
    out_dir.mkdir(parents=True, exist_ok=True)
    for width, height in ((1366, 768), (1280, 720)):
        with tempfile.TemporaryDirectory() as home, x_session((width, height), Path(home)) as x:
            window = x.launch()
            x.wait_frame_settled(window)
            time.sleep(6)  # models loaded, plots filled
            for state in ("idle", "recording"):
                if state == "recording":
                    x.xdotool("windowactivate", "--sync", window, "key", "ctrl+r")
                    time.sleep(4)
                path = out_dir / f"window_{width}x{height}_{state}.png"
                subprocess.run(["import", "-window", "root", str(path)], env=x.env, check=True)
                saved.append(path)
            x.xdotool("windowactivate", "--sync", window, "key", "ctrl+r")
            time.sleep(2)
            path = out_dir / f"window_{width}x{height}_saved.png"
            subprocess.run(["import", "-window", "root", str(path)], env=x.env, check=True)
            saved.append(path)
            x.quit_app()
    return saved


if __name__ == "__main__":
    for shot in screenshots(Path(sys.argv[1] if len(sys.argv) > 1 else "local/screens")):
        print(shot)
