"""The headless commands as a user runs them: real ``python main.py detect/bench/eval`` processes on
real files (the bundled sample clip, skimage's photos, a corrupt model written here, a Python
without some of the app's packages)."""

from __future__ import annotations

import json
import os
import pty
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import skimage
import tomllib

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE = REPO_ROOT / "resources" / "sample.mp4"
SHIPPED = sorted((REPO_ROOT / "models").glob("*.onnx"))
PHOTOS = Path(skimage.__file__).parent / "data"  # astronaut.png (a face), coffee.png (none), …
SAMPLE_FRAMES = 225  # resources/sample.mp4: 9 s at 25 fps


def run_main(*args: str, timeout: float = 300, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "main.py", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout, **kwargs)  # type: ignore[call-overload, no-any-return]


@pytest.fixture
def media_folder(tmp_path: Path) -> Path:
    """photos/astronaut.png, photos/clips/sample.mp4, photos/clips/old/coffee.png, two files that
    are neither (notes.txt, clips/cues.srt) and a hidden folder that must not be searched."""
    root = tmp_path / "photos"
    (root / "clips" / "old").mkdir(parents=True)
    (root / ".thumbnails").mkdir()
    shutil.copy(PHOTOS / "astronaut.png", root / "astronaut.png")
    shutil.copy(SAMPLE, root / "clips" / "sample.mp4")
    shutil.copy(PHOTOS / "coffee.png", root / "clips" / "old" / "coffee.png")
    shutil.copy(PHOTOS / "camera.png", root / ".thumbnails" / "camera.png")
    (root / "notes.txt").write_text("not a picture")
    (root / "clips" / "cues.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nhello\n")
    return root


# -- detect DIR --------------------------------------------------------------------------------------
def test_detect_searches_a_folder_for_images_and_videos(media_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    missing = tmp_path / "gone.png"
    done = run_main("detect", str(media_folder), str(missing), "--max-frames", "4", "--out", str(out), "--input-size", "320")
    assert done.returncode == 1, done.stderr  # the missing file fails; the folder's media are all done
    assert f"No such file: {media_folder}" not in done.stderr
    assert f"note: skipped 2 files that are neither images nor videos in {media_folder}: notes.txt, clips/cues.srt" in done.stderr
    document = json.loads((out / "detections.json").read_text(encoding="utf-8"))
    entries = document["inputs"]
    assert [e["path"] for e in entries] == [
        str(media_folder / "astronaut.png"), str(media_folder / "clips" / "sample.mp4"),
        str(media_folder / "clips" / "old" / "coffee.png"), str(missing),
    ]  # fmt: skip
    # the JSON layout the typed records write: same keys, same order as before
    assert list(document) == ["model", "model_file", "variant", "family", "options", "inputs"]
    assert list(entries[0]) == ["path", "frames", "kind", "output"] and entries[0]["kind"] == "image"
    assert list(entries[1]) == ["path", "frames", "kind", "output", "fps"] and entries[1]["fps"] == 25.0
    assert list(entries[3]) == ["path", "error"] and entries[3]["error"] == f"No such file: {missing}"
    assert list(entries[0]["frames"][0]) == ["index", "faces"] and list(entries[0]["frames"][0]["faces"][0]) == ["xyxy", "score", "landmarks"]
    assert len(entries[0]["frames"][0]["faces"]) == 1 and len(entries[1]["frames"]) == 4
    assert entries[2]["frames"][0]["faces"] == []  # a cup of coffee has no face
    assert sorted(p.name for p in out.iterdir()) == [
        "astronaut_annotated.png",
        "coffee_annotated.png",
        "detections.csv",
        "detections.json",
        "sample_annotated.mkv",
    ]
    assert ".thumbnails" not in done.stderr + done.stdout and "camera" not in json.dumps(document)


def test_detect_on_a_folder_without_media_is_a_failed_input(tmp_path: Path) -> None:
    empty = tmp_path / "nothing here"
    empty.mkdir()
    (empty / "readme.md").write_text("no pictures")
    done = run_main("detect", str(empty), "--out", str(tmp_path / "out"))
    assert done.returncode == 1
    assert f"No images or videos in {empty}" in done.stderr and "readme.md" in done.stderr


# -- progress ----------------------------------------------------------------------------------------
def test_detect_reports_progress_in_lines_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    process = subprocess.Popen(
        # 960 px on one thread: long enough (2 cores: 6-11 s) for two lines at any load, 2 s apart
        [sys.executable, "main.py", "--log-level", "warning", "detect", str(SAMPLE), "--out", str(tmp_path / "out"), "--input-size", "960", "--threads", "1"],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    arrived: list[tuple[float, str]] = []

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            arrived.append((time.monotonic(), line.rstrip("\n")))

    reader = threading.Thread(target=read)
    reader.start()
    stdout, _ = process.communicate(timeout=300)
    reader.join(10)
    assert process.returncode == 0, arrived
    pattern = re.compile(rf"progress: \[1/1\] sample\.mp4: (\d+)/{SAMPLE_FRAMES} frames \((\d+)%\), [\d.]+ fps")
    progress = [(t, pattern.fullmatch(line)) for t, line in arrived]
    counts = [int(m.group(1)) for _, m in progress if m]
    assert len(counts) >= 2, arrived  # not silent until the end
    assert counts == sorted(counts) and 0 < counts[0] < SAMPLE_FRAMES
    times = [t for t, m in progress if m]
    assert times[-1] - times[0] >= 1.0  # each line arrived when written, not all at exit from a buffer
    assert not any("\r" in line for _, line in arrived)  # no terminal codes in a log
    assert f"{SAMPLE}: {SAMPLE_FRAMES} frame(s)" in stdout


def test_detect_shows_one_updating_line_on_a_terminal(tmp_path: Path) -> None:
    main_fd, terminal_fd = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "main.py", "detect", str(SAMPLE), "--max-frames", "60", "--out", str(tmp_path / "out")],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=terminal_fd, text=True,
    )  # fmt: skip
    os.close(terminal_fd)
    shown = bytearray()
    while True:
        try:
            chunk = os.read(main_fd, 4096)
        except OSError:  # EIO: the process closed its end
            break
        if not chunk:
            break
        shown += chunk
    os.close(main_fd)
    assert process.wait(timeout=300) == 0
    text = shown.decode()
    assert process.stdout is not None and f"{SAMPLE}: 60 frame(s)" in process.stdout.read()
    line = r"\r\[1/1\] sample\.mp4: (\d+)/60 frames \(\d+%\), [\d.]+ fps\x1b\[K"
    redraws = re.findall(line, text)
    assert len(redraws) >= 2 and [int(n) for n in redraws] == sorted(int(n) for n in redraws)
    assert "progress:" not in text  # one line, rewritten in place
    # cleared before anything else is written: the recorder's log line starts on a clean line
    assert re.search(rf"(?:{line})+\r\x1b\[K\d{{4}}-\d\d-\d\d [\d:,]+ INFO featherface_app\.core\.recorder: recording \S+ finished", text), text


# -- bench with a bad model --------------------------------------------------------------------------
@pytest.mark.parametrize("as_json", [True, False])
def test_bench_keeps_the_figures_measured_when_one_model_is_corrupt(tmp_path: Path, as_json: bool) -> None:
    assert len(SHIPPED) >= 2
    corrupt = tmp_path / "corrupt.onnx"
    corrupt.write_bytes(b"\x08\x07" + os.urandom(2000))  # a truncated, garbled download
    args = ["bench", "--model", str(SHIPPED[0]), "--model", str(corrupt), "--model", str(SHIPPED[1]), "--frames", "3", "--threads", "1"]
    done = run_main(*args, *(["--json"] if as_json else []))
    assert done.returncode == 1
    assert "error: corrupt.onnx: not a loadable ONNX model" in done.stderr and "Traceback" not in done.stderr
    if as_json:
        rows = json.loads(done.stdout)
        assert [Path(r["path"]).name for r in rows] == [SHIPPED[0].name, SHIPPED[1].name]
        assert all(r["frames"] == 3 and r["fps"] > 0 for r in rows)
    else:
        assert "FeatherFace V1" in done.stdout and "FeatherFace V2" in done.stdout and "infer p50" in done.stdout


# -- eval defaults to the shipped models, as bench does ----------------------------------------------
def test_eval_without_a_model_evaluates_the_shipped_ones(wider_val_dir: Path, tmp_path: Path) -> None:
    gt = json.loads((wider_val_dir / "gt.json").read_text())
    keys = sorted(gt)[:2]
    data = tmp_path / "data"
    for key in keys:
        (data / "images" / key).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(wider_val_dir / "images" / key, data / "images" / key)
    (data / "gt.json").write_text(json.dumps({k: gt[k] for k in keys}))
    done = run_main("eval", "--data", str(data), "--json", "--threads", "1")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["results"]
    assert len(rows) == len(SHIPPED) >= 2 and all(r["images"] == 2 for r in rows)
    assert {r["model"] for r in rows} == {"FeatherFace V1 (CBAM)", "FeatherFace V2 (ECA)", "FeatherFace V2 (ECA) INT8-SSH"}
    assert "usage" not in done.stderr


# -- shared flags ------------------------------------------------------------------------------------
def test_log_level_is_accepted_in_any_case(tmp_path: Path) -> None:
    args = ["detect", str(SAMPLE), "--max-frames", "2", "--input-size", "160", "--out", str(tmp_path / "out")]
    quiet = run_main("--log-level", "Warning", *args)
    chatty = run_main("--log-level", "info", *args)
    from_env = run_main(*args, env={**os.environ, "FEATHERFACE_LOG": "error"})
    assert quiet.returncode == chatty.returncode == from_env.returncode == 0, quiet.stderr + chatty.stderr + from_env.stderr
    assert " INFO " in chatty.stderr and " INFO " not in quiet.stderr and " INFO " not in from_env.stderr
    wrong = run_main("--log-level", "loud", "--version")
    assert wrong.returncode == 2 and "invalid choice: 'LOUD'" in wrong.stderr


def test_output_dir_help_names_the_folder_the_window_really_uses() -> None:
    shown = " ".join(run_main("--help").stdout.split())
    real = subprocess.run(
        [sys.executable, "-c", "from featherface_app.gui.settings import default_output_dir; print(default_output_dir())"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    ).stdout.strip()  # fmt: skip
    default = Path(real)
    assert default.name == "FeatherFaceLive" and default.parent.name in ("Videos", "Movies")
    help_text = shown.partition("--output-dir PATH folder")[2].partition("--quit-after")[0]
    assert "FeatherFaceLive in your Videos folder" in help_text and "user data" not in help_text


def test_threads_help_says_what_0_really_means() -> None:
    from featherface_app.core.detector import DEFAULT_THREADS

    shown = " ".join(run_main("bench", "--help").stdout.split())
    help_text = shown.partition("--threads THREADS")[2]
    assert "all cores" not in help_text and f"{DEFAULT_THREADS} thread per model" in help_text


# -- a Python without some of the app's packages -------------------------------------------------------
def site_without(tmp_path: Path, name: str, *dropped: str) -> Path:
    """A folder of links to every package of this environment but the ``dropped`` ones (glob
    patterns): with ``python -S`` and this folder as PYTHONPATH, those packages really are absent."""
    import numpy

    site = Path(numpy.__file__).parents[1]
    folder = tmp_path / name
    folder.mkdir()
    for entry in site.iterdir():
        if not any(entry.match(pattern) for pattern in dropped):
            (folder / entry.name).symlink_to(entry)
    return folder


def run_without(site: Path | None, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if site is not None:
        env["PYTHONPATH"] = str(site)
    return subprocess.run([sys.executable, "-S", "main.py", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, env=env)


NO_QT = ("PySide6*", "shiboken6*", "pyside6*")


def test_without_pyside6_the_window_names_it_and_the_headless_commands_really_work(tmp_path: Path) -> None:
    site = site_without(tmp_path, "no_qt", *NO_QT)
    window = run_without(site, "--source", "sample")
    assert window.returncode == 2 and "Traceback" not in window.stderr
    assert "the window cannot start: PySide6-Essentials cannot be imported" in window.stderr
    assert 'pip install "PySide6-Essentials==6.11.3"' in window.stderr and "opencv" not in window.stderr
    assert "the headless commands (bench, detect, eval and --self-test) still work" in window.stderr
    detect = run_without(site, "detect", str(PHOTOS / "astronaut.png"), "--out", str(tmp_path / "out"))
    assert detect.returncode == 0, detect.stderr  # what the message promised


def test_without_pyside6_and_opencv_nothing_promises_the_headless_commands(tmp_path: Path) -> None:
    site = site_without(tmp_path, "no_qt_no_cv", *NO_QT, "cv2", "opencv*")
    window = run_without(site, "--source", "sample")
    assert window.returncode == 2 and "Traceback" not in window.stderr
    assert "still work" not in window.stderr
    assert 'pip install "PySide6-Essentials==6.11.3" "opencv-python-headless>=4.8"' in window.stderr
    assert "need opencv-python-headless as well" in window.stderr
    detect = run_without(site, "detect", str(PHOTOS / "astronaut.png"), "--out", str(tmp_path / "out"))
    assert detect.returncode == 1 and "Traceback" not in detect.stderr
    assert "cannot run: opencv-python-headless cannot be imported" in detect.stderr
    assert 'pip install "opencv-python-headless>=4.8"' in detect.stderr


def test_a_bare_python_is_told_every_package_to_install(tmp_path: Path) -> None:
    done = run_without(None, "bench")  # -S and no PYTHONPATH: a system Python with no packages
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert 'pip install "numpy>=1.24" "opencv-python-headless>=4.8" "onnxruntime>=1.17" "av>=12"' in done.stderr
    assert "the window also needs: " in done.stderr and '"PySide6-Essentials==6.11.3" "pyqtgraph>=0.13.7"' in done.stderr


def test_the_install_hints_match_pyproject() -> None:
    from featherface_app.dependencies import HEADLESS, WINDOW

    declared = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert sorted(requirement for _, requirement in (*HEADLESS, *WINDOW)) == sorted(declared)


# -- one set of flags, one exit-code policy ------------------------------------------------------------
DETECTING_COMMANDS = ("bench", "detect", "eval")


@pytest.mark.parametrize("command", [*DETECTING_COMMANDS, "info"])
def test_every_subcommand_takes_the_same_model_and_input_flags(command: str) -> None:
    from featherface_app.cli import build_parser

    args = build_parser().parse_args([command, "--model", "a.onnx", "--model", "b.onnx", "--input-size", "320", *([] if command != "detect" else ["x.png"])])
    assert [Path(p).name for p in args.model] == ["a.onnx", "b.onnx"]
    assert args.input_size == 320
    if command in DETECTING_COMMANDS:
        args = build_parser().parse_args([command, "--nms-iou", "0.3", "--confidence", "0.6", "--threads", "1", *([] if command != "detect" else ["x.png"])])
        assert (args.nms_iou, args.confidence, args.threads) == (0.3, 0.6, 1)


def test_ctrl_c_ends_a_command_with_exit_130_and_no_traceback(tmp_path: Path) -> None:
    """SIGINT (Ctrl+C) in the middle of a long bench: exit code 130, one line, no traceback."""
    process = subprocess.Popen(
        [sys.executable, "main.py", "bench", "--frames", "100000", "--threads", "1"], cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    time.sleep(6)  # models loaded, measuring
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr[-2000:]
    assert "Traceback" not in stderr
