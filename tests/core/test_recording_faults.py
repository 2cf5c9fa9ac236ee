"""Recording faults on real files: a real full filesystem (tmpfs), kill -9 and repair, a pause,
frames that change size, unusable output folders, screenshots that cannot be written."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from featherface_app.core.errors import RecordingError
from featherface_app.core.recorder import Recorder, check_output_folder, fit_into
from featherface_app.core.recovery import lacks_duration, repair_folder
from featherface_app.core.snapshot import save_png

REPO_ROOT = Path(__file__).resolve().parents[2]


def noisy(i: int, width: int = 640, height: int = 480) -> np.ndarray:
    """Frames that compress badly, so a small disk fills within a few dozen frames."""
    rng = np.random.default_rng(i)
    return rng.integers(0, 255, (height, width, 3), dtype=np.uint8)


def decoded_frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]


def test_full_disk_is_named_and_the_count_is_what_the_file_holds(small_disk) -> None:
    small_disk.fill(leave_bytes=3 * 1024 * 1024)
    errors: list[RecordingError] = []
    recorder = Recorder(small_disk.path, fps=25, frame_size=(640, 480), on_error=errors.append)
    path = recorder.start()
    for i in range(400):
        if not recorder.write(noisy(i), block=True):
            break
    recorder.stop()
    assert errors, "the disk never filled up"
    message = str(recorder.error)
    kept = len(decoded_frames(path))
    print(f"{recorder.frames_written} frames encoded, {kept} in the file: {message}")
    assert message == f"Recording stopped: disk full; {kept} frames kept in {path}"
    assert recorder.frames_kept == kept > 0


def test_a_recording_cut_by_a_full_disk_gets_its_duration_once_there_is_room(small_disk) -> None:
    """A full disk leaves no room for Matroska's duration and index; the next start's repair writes
    them when space is back (and leaves the file as it is while there is none)."""
    small_disk.fill(leave_bytes=2 * 1024 * 1024)
    recorder = Recorder(small_disk.path, fps=25, frame_size=(640, 480))
    path = recorder.start()
    for i in range(400):
        if not recorder.write(noisy(i), block=True):
            break
    recorder.stop()
    kept = len(decoded_frames(path))
    assert recorder.error is not None and kept > 0
    assert lacks_duration(path), "a file cut by a full disk has no duration"
    size = path.stat().st_size
    assert repair_folder(small_disk.path) == [] and path.stat().st_size == size and lacks_duration(path)  # no room: untouched
    (small_disk.path / "filler.bin").unlink()  # the user makes room
    (repaired,) = repair_folder(small_disk.path)
    assert repaired.path == path and repaired.frames == kept
    with av.open(str(path)) as container:
        assert container.duration is not None and abs(container.duration / 1e6 - kept / 25) < 0.1
    assert len(decoded_frames(path)) == kept
    assert not list(small_disk.path.glob("*.repairing"))


def test_after_a_full_disk_the_next_recording_is_refused_and_leaves_no_file(small_disk) -> None:
    small_disk.fill(leave_bytes=64 * 1024)
    before = sorted(small_disk.path.iterdir())
    with pytest.raises(RecordingError, match="disk is full"):
        Recorder(small_disk.path, fps=25, frame_size=(64, 48)).start()
    assert sorted(small_disk.path.iterdir()) == before


def test_a_recording_whose_first_frame_cannot_be_written_leaves_no_file(small_disk) -> None:
    recorder = Recorder(small_disk.path, fps=25, frame_size=(640, 480))
    path = recorder.start()
    small_disk.fill(leave_bytes=0)  # the disk fills up (another program) right after the start
    for i in range(20):
        recorder.write(noisy(i), block=True)
    recorder.stop()
    assert recorder.path is None and not path.exists()
    assert str(recorder.error).startswith("Recording stopped: disk full; no frame could be kept")


def test_a_screenshot_on_a_full_disk_leaves_no_file(small_disk) -> None:
    small_disk.fill(leave_bytes=0)
    with pytest.raises(RecordingError, match="disk full"):
        save_png(small_disk.path / "shot.png", noisy(0))
    assert sorted(p.name for p in small_disk.path.iterdir()) == ["filler.bin"]


def test_a_screenshot_is_a_complete_png(tmp_path: Path) -> None:
    image = noisy(3, 64, 48)
    path = save_png(tmp_path / "ünïcode shot.png", image)
    assert np.array_equal(cv2.imdecode(np.fromfile(str(path), np.uint8), cv2.IMREAD_COLOR), image)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


KILL_SCRIPT = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    sys.path.insert(0, sys.argv[2])
    from featherface_app.core.recorder import Recorder
    recorder = Recorder(sys.argv[1], fps=25, frame_size=(320, 240))
    print(recorder.start(), flush=True)
    for i in range(100_000):
        image = np.full((240, 320, 3), (i * 5 % 256, 100, 200), np.uint8)
        recorder.write(image, block=True)
        if recorder.frames_written >= 60:
            print("ready", flush=True)
            time.sleep(3600)
    """
)


def test_a_sigkilled_recording_is_repaired_with_a_duration_players_can_seek(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(tmp_path), str(REPO_ROOT)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    path = Path(proc.stdout.readline().strip())
    assert proc.stdout.readline().strip() == "ready"
    assert repair_folder(tmp_path) == [], "a file still being recorded must not be touched"
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert lacks_duration(path), "kill -9 left a duration: this test no longer shows anything"
    before = len(decoded_frames(path))

    repairs = repair_folder(tmp_path)

    assert [r.path for r in repairs] == [path] and repairs[0].frames == before > 0
    with av.open(str(path)) as container:
        duration_s = container.duration / 1e6
    assert duration_s == pytest.approx(before / 25, abs=0.1)
    assert len(decoded_frames(path)) == before
    capture = cv2.VideoCapture(str(path))
    assert capture.set(cv2.CAP_PROP_POS_MSEC, duration_s * 500) and capture.read()[0]
    assert capture.get(cv2.CAP_PROP_POS_MSEC) == pytest.approx(duration_s * 500, abs=100)
    capture.release()
    assert repair_folder(tmp_path) == []  # done once; a repaired file is left alone
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_frames_of_another_size_keep_their_aspect(tmp_path: Path) -> None:
    """Compare mode turned on mid-recording: 1284x480 side-by-side frames into a 640x480 file."""
    single = np.full((480, 640, 3), (0, 0, 255), np.uint8)
    side_by_side = np.zeros((480, 1284, 3), np.uint8)
    side_by_side[:, :642] = (0, 255, 0)
    side_by_side[:, 642:] = (255, 0, 0)
    cv2.circle(side_by_side, (321, 240), 200, (255, 255, 255), -1)
    recorder = Recorder(tmp_path, fps=25, frame_size=(640, 480))
    path = recorder.start()
    for i in range(10):
        recorder.write(single if i < 5 else side_by_side, block=True)
    recorder.stop()
    last = decoded_frames(path)[-1]
    assert last.shape[:2] == (480, 640)
    content_rows = np.flatnonzero(last.max(axis=(1, 2)) > 40)
    height = content_rows[-1] - content_rows[0] + 1
    assert height == pytest.approx(640 * 480 / 1284, abs=4)  # letterboxed, not squeezed
    white = (last.min(axis=2) > 200).astype(np.uint8)  # the circle stays round
    _, _, w, h = cv2.boundingRect(white)
    assert w == pytest.approx(h, rel=0.08) and w == pytest.approx(400 * 640 / 1284, rel=0.08)


def test_fit_into_centres_with_borders() -> None:
    tall = np.full((100, 20, 3), 255, np.uint8)
    out = fit_into(tall, 60, 50)
    columns = np.flatnonzero(out.max(axis=(0, 2)))
    assert out.shape == (50, 60, 3) and len(columns) == 10 and columns[0] == 25


def test_a_pause_leaves_no_gap_and_the_timer_stands_still(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path, fps=25, frame_size=(64, 48))
    path = recorder.start()
    t0 = 1_000_000_000
    for i in range(10):
        recorder.write(noisy(i, 64, 48), captured_ns=t0 + i * 40_000_000, block=True)
    recorder.set_paused(True)
    assert not recorder.write(noisy(99, 64, 48), captured_ns=t0 + 2_000_000_000, block=True)
    recorder.set_paused(False)
    for i in range(10):  # resumed 30 s later
        recorder.write(noisy(i, 64, 48), captured_ns=t0 + 30_000_000_000 + i * 40_000_000, block=True)
    recorder.stop()
    with av.open(str(path)) as container:
        times = [float(p.pts * p.time_base) for p in container.demux(video=0) if p.pts is not None]
    gaps = np.diff(sorted(times))
    assert len(times) == 20 and gaps.max() == pytest.approx(0.04, abs=0.002)
    assert recorder.recorded_s == pytest.approx(0.8, abs=0.002)


@pytest.mark.parametrize("where", ["/proc/featherface", "a file/clips"])
def test_unusable_output_folders_are_refused(tmp_path: Path, where: str) -> None:
    (tmp_path / "a file").write_text("not a folder")
    folder = Path(where) if where.startswith("/") else tmp_path / where
    with pytest.raises(RecordingError, match="Cannot write into"):
        check_output_folder(folder)


def test_a_usable_output_folder_is_created_and_left_clean(tmp_path: Path) -> None:
    folder = check_output_folder(tmp_path / "new" / "clips")
    assert folder.is_dir() and list(folder.iterdir()) == []
