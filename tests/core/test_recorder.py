"""Recording: files re-opened with OpenCV and counted, including after kill -9 and a write failure."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from featherface_app.core.errors import RecordingError
from featherface_app.core.recorder import Recorder

REPO_ROOT = Path(__file__).resolve().parents[2]


def frame(i: int, width: int = 320, height: int = 240) -> np.ndarray:
    image = np.zeros((height, width, 3), np.uint8)
    image[:] = (i * 5 % 256, 100, 200)
    cv2.putText(image, str(i), (width // 4, height // 2), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (255, 255, 255), 3)
    return image


def decodable(path: Path) -> tuple[int, float, tuple[int, int]]:
    """Frames OpenCV can decode, the frame rate it reports, and the frame size (w, h)."""
    capture = cv2.VideoCapture(str(path))
    fps = capture.get(cv2.CAP_PROP_FPS)
    count, size = 0, (0, 0)
    while True:
        ok, image = capture.read()
        if not ok:
            break
        count, size = count + 1, (image.shape[1], image.shape[0])
    capture.release()
    return count, fps, size


def test_recording_plays_back_every_frame_at_the_source_rate(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path / "new folder", fps=12.5, frame_size=(320, 240))
    path = recorder.start()
    assert re.fullmatch(r"featherface_\d{8}-\d{6}(-\d+)?\.mkv", path.name)
    t0 = time.monotonic_ns()
    for i in range(40):
        assert recorder.write(frame(i), captured_ns=t0 + i * 80_000_000, block=True)
    assert recorder.stop() == path
    assert recorder.write(frame(0)) is False  # stopped: refused, not queued
    count, fps, size = decodable(path)
    assert (count, size) == (40, (320, 240)) and recorder.frames_written == 40 and recorder.error is None
    assert fps == pytest.approx(12.5, rel=0.02)


def test_two_recordings_in_the_same_second_get_different_names(tmp_path: Path) -> None:
    paths = []
    for _ in range(2):
        recorder = Recorder(tmp_path, fps=25, frame_size=(64, 48))
        paths.append(recorder.start())
        recorder.write(frame(0, 64, 48), block=True)
        recorder.stop()
    assert paths[0] != paths[1] and all(decodable(p)[0] == 1 for p in paths)


@pytest.mark.parametrize("size", [(1, 1), (33, 17), (3840, 2160)])
def test_odd_and_large_sizes_record(tmp_path: Path, size: tuple[int, int]) -> None:
    recorder = Recorder(tmp_path, fps=30, frame_size=size)
    path = recorder.start()
    for i in range(3):
        recorder.write(frame(i, *size), block=True)
    recorder.write(frame(3, 50, 40), block=True)  # another size: resized, not refused
    recorder.stop()
    count, _, (width, height) = decodable(path)
    assert count == 4 and width >= size[0] and height >= size[1]


def test_drops_are_counted_when_the_encoder_falls_behind(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path, fps=30, frame_size=(1280, 720), queue_frames=1)
    path = recorder.start()
    images = [frame(i, 1280, 720) for i in range(30)]
    accepted = sum(recorder.write(image) for image in images)
    recorder.stop()
    print(f"30 writes without waiting: {accepted} encoded, {recorder.dropped} dropped")
    assert accepted + recorder.dropped == 30
    assert decodable(path)[0] == recorder.frames_written == accepted


def test_an_unwritable_folder_is_refused_at_start(tmp_path: Path) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    with pytest.raises(RecordingError, match="a file"):
        Recorder(blocker / "recordings", fps=25, frame_size=(64, 48)).start()


KILL_SCRIPT = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    sys.path.insert(0, sys.argv[2])
    from featherface_app.core.recorder import Recorder
    recorder = Recorder(sys.argv[1], fps=25, frame_size=(320, 240))
    print(recorder.start(), flush=True)
    t0 = time.monotonic_ns()
    for i in range(100_000):
        image = np.full((240, 320, 3), (i * 5 % 256, 100, 200), np.uint8)
        image[100:140, (i * 4) % 280:(i * 4) % 280 + 40] = 255
        recorder.write(image, captured_ns=time.monotonic_ns())
        print(i + 1, flush=True)
        time.sleep(max(0.0, (t0 + (i + 1) * 40_000_000 - time.monotonic_ns()) / 1e9))
    """
)


def test_recording_survives_kill_9(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(tmp_path), str(REPO_ROOT)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    path = Path(proc.stdout.readline().strip())
    written = 0
    while written < 75:  # three seconds at 25 fps
        line = proc.stdout.readline()
        assert line, "the recording process died on its own"
        written = int(line)
    time.sleep(0.1)  # let the encoder thread catch up with the last writes
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    count, _, _ = decodable(path)
    print(f"kill -9 after {written} frames: {count} decodable in {path.name} ({path.stat().st_size} bytes)")
    assert count >= written - 25  # at most about one second lost


FULL_DISK_SCRIPT = textwrap.dedent(
    """
    import resource, signal, sys, time
    import numpy as np
    sys.path.insert(0, sys.argv[2])
    from featherface_app.core.recorder import Recorder
    errors = []
    recorder = Recorder(sys.argv[1], fps=25, frame_size=(320, 240), on_error=errors.append)
    path = recorder.start()
    # From here on the file may not grow past 150 kB: writes fail like on a full disk.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (150_000, resource.RLIM_INFINITY))
    rng = np.random.default_rng(0)
    for i in range(300):
        image = np.full((240, 320, 3), (i * 5 % 256, 100, 200), np.uint8)
        image[::8] = rng.integers(0, 255, image[::8].shape, dtype=np.uint8)
        recorder.write(image, block=True)
        if errors:
            break
    recorder.stop()
    print(path)
    print(recorder.frames_written)
    print(type(recorder.error).__name__ if recorder.error else None)
    print(recorder.error)
    """
)


def test_a_write_failure_stops_the_recording_and_keeps_what_was_written(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-c", FULL_DISK_SCRIPT, str(tmp_path), str(REPO_ROOT)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    path_text, frames_written, error_type, message = result.stdout.strip().splitlines()[:4]
    count, _, _ = decodable(Path(path_text))
    print(f"write failure after {frames_written} frames encoded: {count} decodable; error: {message}")
    assert error_type == "RecordingError" and "File too large" in message
    assert 0 < count <= int(frames_written) < 300


def test_a_source_that_dies_mid_recording_leaves_a_playable_file(make_video) -> None:
    from featherface_app.core.capture import CaptureLoop
    from featherface_app.core.mailbox import LatestMailbox
    from featherface_app.core.sources import Frame, VideoFileSource

    clip = make_video("cut.avi", frames=60, size=(160, 120), fourcc="MJPG")  # AVI: readable without its index
    clip.write_bytes(clip.read_bytes()[: clip.stat().st_size * 2 // 3])  # cut off mid-file
    box: LatestMailbox[Frame] = LatestMailbox()
    loop = CaptureLoop(VideoFileSource(clip), box, realtime=False, close_mailbox=True)
    recorder = Recorder(clip.parent / "rec", fps=25, frame_size=(160, 120))
    path = recorder.start()
    loop.start()
    while (item := box.take(10)) is not None:
        recorder.write(item.image, block=True)
    recorder.stop()
    count = decodable(path)[0]
    print(f"source lost after {loop.frames_read} frames: {count} recorded frames decodable")
    assert count == recorder.frames_written > 0


@pytest.mark.endurance
def test_many_start_stop_cycles_leak_no_threads_or_files(tmp_path: Path) -> None:
    """Short form: 30 cycles; FEATHERFACE_RECORD_CYCLES=200 runs the full form of issue #6."""
    import os
    import threading

    cycles = int(os.environ.get("FEATHERFACE_RECORD_CYCLES", "30"))
    fd_dir = Path("/proc/self/fd")

    def open_files() -> int:
        return len(list(fd_dir.iterdir())) if fd_dir.is_dir() else 0

    threads_before, files_before = threading.active_count(), open_files()
    recovered = 0
    for i in range(cycles):
        recorder = Recorder(tmp_path, fps=25, frame_size=(64, 48))
        path = recorder.start()
        recorder.write(frame(i, 64, 48), block=True)
        recorder.write(frame(i + 1, 64, 48), block=True)
        recorder.stop()
        recovered += decodable(path)[0] == 2
    print(
        f"{cycles} start/stop cycles: {recovered} files with both frames; threads {threads_before}->{threading.active_count()}, open files {files_before}->{open_files()}"
    )
    assert recovered == cycles
    assert threading.active_count() == threads_before and open_files() <= files_before
