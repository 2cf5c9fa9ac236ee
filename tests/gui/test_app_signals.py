"""The real app in a subprocess: SIGTERM/SIGHUP finalise a recording and save settings; no display
gives one clear line and exit code 2 instead of Qt's SIGABRT."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import av
import pytest
from app_process import REPO_ROOT, app_env

START_TIMEOUT_S = 180

#: starts the app through ``run_gui`` (the code ``python main.py`` runs) with a window that presses
#: Record once the first frame is on screen and prints the file once 15 frames are in it.
DRIVER = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QTimer
    from featherface_app.cli import build_parser
    from featherface_app.logs import setup_logging
    from featherface_app.gui.app import run_gui
    from featherface_app.gui.main_window import MainWindow

    def factory(options):
        window = MainWindow(options)
        state = {"pressed": False, "told": False}

        def poll():
            if not state["pressed"] and window.view.image_bgr is not None:
                state["pressed"] = True
                window.commands.record.trigger()
            recorder = window.recording.recorder
            if not state["told"] and recorder is not None and recorder.frames_written >= 15:
                state["told"] = True
                print("RECORDING", recorder.path, flush=True)

        timer = QTimer(window)
        timer.timeout.connect(poll)
        timer.start(50)
        return window

    args = build_parser().parse_args(sys.argv[1:])
    setup_logging("INFO")
    sys.exit(run_gui(args, window_factory=factory))
    """
)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_signal_finalises_the_recording_and_saves_settings(tmp_path: Path, faces_video: Path, teacher_model_path: Path, signum: int) -> None:
    out = tmp_path / "out"
    settings = tmp_path / "settings.ini"
    process = subprocess.Popen(
        [sys.executable, "-c", DRIVER, "--video", str(faces_video), "--model", str(teacher_model_path), "--output-dir", str(out)],
        cwd=REPO_ROOT,
        env=app_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # blocks until the recording has 15 frames (or the app ended)
        assert line.startswith("RECORDING "), f"no recording started: {line!r}\n{process.stderr.read() if process.poll() is not None else ''}"
        recording = Path(line.split(" ", 1)[1].strip())
        assert not settings.exists(), "settings are only written when the app closes"
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=START_TIMEOUT_S)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, stderr[-3000:]
    assert f"{signal.Signals(signum).name} received" in stderr
    assert "window closed (recording True" in stderr
    assert settings.is_file() and f"output_dir={out}" in settings.read_text()
    with av.open(str(recording)) as container:
        assert container.duration is not None and container.duration > 0, "the file was not finalised (no duration)"
        frames = sum(1 for _ in container.decode(video=0))
    assert frames >= 15


def no_display_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = app_env(tmp_path)
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        env.pop(name, None)
    env.update(extra)
    return env


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland start-up check")
@pytest.mark.parametrize("platform", [None, "xcb"], ids=["platform-unset", "xcb"])
def test_no_display_says_so_in_one_line_and_exits_2(tmp_path: Path, platform: str | None) -> None:
    env = no_display_env(tmp_path, **({"QT_QPA_PLATFORM": platform} if platform else {}))
    result = subprocess.run([sys.executable, "main.py", "--quit-after", "1"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, f"exit {result.returncode}: {result.stderr[-2000:]}"
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "no display found" in lines[0] and "QT_QPA_PLATFORM=offscreen" in lines[0] and "detect" in lines[0]
    assert "xcb-cursor" not in result.stderr


def test_missing_display_leaves_other_platforms_to_qt() -> None:
    from featherface_app.gui.app import missing_display

    assert missing_display({}, "linux") is not None
    assert missing_display({"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "wayland-0"}, "linux") is not None
    assert missing_display({"WAYLAND_DISPLAY": "wayland-0"}, "linux") is None
    assert missing_display({"DISPLAY": "localhost:4242"}, "linux") == "nothing answers at DISPLAY=localhost:4242"
    assert missing_display({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert missing_display({}, "win32") is None


def free_display_number() -> int:
    for number in range(50, 100):
        if not Path(f"/tmp/.X11-unix/X{number}").exists():
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", 6000 + number)) != 0:
                    return number
    raise RuntimeError("no free X display number")


def test_a_display_is_checked_for_a_server_that_answers() -> None:
    """A listening socket where the X server would be passes; the same number without one does not."""
    from featherface_app.gui.app import missing_display, x_server_unreachable

    number = free_display_number()
    assert x_server_unreachable(f":{number}") == f"nothing answers at DISPLAY=:{number}"
    with socket.socket() as server:
        server.bind(("127.0.0.1", 6000 + number))
        server.listen()
        assert missing_display({"DISPLAY": f"127.0.0.1:{number}.0"}, "linux") is None
    assert x_server_unreachable(f"127.0.0.1:{number}") is not None
    assert x_server_unreachable("weird") is None  # not ours to judge: left to Qt


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 start-up check")
def test_a_stale_display_says_so_in_one_line_and_exits_2(tmp_path: Path) -> None:
    number = free_display_number()
    env = no_display_env(tmp_path, DISPLAY=f":{number}")
    result = subprocess.run([sys.executable, "main.py", "--quit-after", "1"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, f"exit {result.returncode}: {result.stderr[-2000:]}"
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [lines[0]] and f"nothing answers at DISPLAY=:{number}" in lines[0] and "QT_QPA_PLATFORM=offscreen" in lines[0]
    assert "Reinstalling" not in result.stderr
