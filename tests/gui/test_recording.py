"""Recording from the window: files are finalised and playable however the recording stops."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
from PySide6.QtCore import Qt

from featherface_app.gui.recording import RecordingSummary


def count_frames(path: Path) -> int:
    """Decode the file with OpenCV, as a user's player would, and count the frames."""
    capture = cv2.VideoCapture(str(path))
    assert capture.isOpened(), f"OpenCV cannot open {path}"
    frames = 0
    while True:
        ok, _ = capture.read()
        if not ok:
            break
        frames += 1
    capture.release()
    return frames


def duration_s(path: Path) -> float:
    """Span of the video stream's timestamps (first to last frame), from the container."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        times = [float(packet.pts * packet.time_base) for packet in container.demux(stream) if packet.pts is not None]
    return max(times) - min(times) if times else 0.0


def start_recording(qtbot, window) -> Path:
    with qtbot.waitSignal(window.recording.started, timeout=10_000) as blocker:
        qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert window.commands.record.isChecked()
    return blocker.args[0]


def test_record_three_seconds(qtbot, make_window, helpers, tmp_path: Path) -> None:
    window = make_window(source="sample", output_dir=tmp_path / "clips")
    helpers.frames(qtbot, window, 3)
    path = start_recording(qtbot, window)
    assert path.parent == tmp_path / "clips" and path.name.startswith("featherface_")
    qtbot.waitUntil(lambda: window.recording.elapsed_s >= 3.0, timeout=15_000)
    elapsed = window.recording.elapsed_s
    with qtbot.waitSignal(window.recording.finished, timeout=30_000) as blocker:
        qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    summary: RecordingSummary = blocker.args[0]
    assert not window.commands.record.isChecked()
    assert summary.path == path and summary.reason == "stopped by user" and summary.error is None
    assert summary.frames > 0
    assert count_frames(path) == summary.frames
    # timestamps come from capture times, so the file lasts as long as the recording ran (it
    # cannot be longer; it may lose the frames still in flight when it stopped)
    if summary.frames > 1:
        assert 0.5 * 3.0 <= duration_s(path) <= elapsed + 0.5
    helpers.frames(qtbot, window, 2)  # the video goes on


def test_recording_is_finalised_when_the_source_ends(qtbot, make_window, helpers, short_video: Path, tmp_path: Path) -> None:
    window = make_window(source=short_video, output_dir=tmp_path / "clips")
    qtbot.waitUntil(lambda: window.frames_shown >= 1, timeout=20_000)
    start_recording(qtbot, window)
    with qtbot.waitSignal(window.recording.finished, timeout=30_000) as blocker:
        pass
    summary: RecordingSummary = blocker.args[0]
    assert summary.reason == "source ended"
    assert summary.frames > 0 and count_frames(summary.path) == summary.frames
    assert "End of short.mp4" in window.banner.text()
    assert not window.commands.record.isChecked()


def test_recording_is_finalised_when_the_window_closes(qtbot, make_window, helpers, tmp_path: Path) -> None:
    window = make_window(source="sample", output_dir=tmp_path / "clips")
    helpers.frames(qtbot, window, 2)
    start_recording(qtbot, window)
    qtbot.waitUntil(lambda: window.recording.recorder is not None and window.recording.recorder.frames_written >= 5, timeout=20_000)
    window.close()
    summary = window.last_recording
    assert summary is not None and summary.reason == "window closed"
    assert summary.frames >= 5 and count_frames(summary.path) == summary.frames


def test_write_failure_mid_recording_is_reported_and_the_file_kept(qtbot, make_window, helpers, tmp_path: Path, file_size_limit: int) -> None:
    window = make_window(source="sample", output_dir=tmp_path / "clips")
    helpers.frames(qtbot, window, 2)
    with qtbot.waitSignal(window.recording.finished, timeout=120_000) as finished:
        with qtbot.waitSignal(window.recording.failed, timeout=120_000) as failed:
            start_recording(qtbot, window)
    summary: RecordingSummary = finished.args[0]
    kept = count_frames(summary.path)
    assert failed.args[0] == f"Recording stopped: file size limit reached (File too large); {kept} frames kept in {summary.path}"
    assert window.banner.level == "error" and "frames kept in" in window.banner.text()
    assert not window.commands.record.isChecked() and not window.recording.recording
    assert summary.error is not None and summary.path.stat().st_size <= file_size_limit
    assert summary.frames == kept >= 1  # what was written before the failure still plays, and is counted truly
    helpers.frames(qtbot, window, 2)  # and the app goes on


def test_a_recording_stopped_before_its_first_frame_says_so_and_leaves_no_file(qtbot, make_window, helpers, tmp_path: Path) -> None:
    window = make_window(source="sample", output_dir=tmp_path / "clips")
    helpers.frames(qtbot, window, 2)
    qtbot.keyClick(window, Qt.Key.Key_Space)  # paused: no frame can reach the recorder
    qtbot.waitUntil(lambda: window.sources.held, timeout=10_000)
    path = start_recording(qtbot, window)
    with qtbot.waitSignal(window.recording.failed, timeout=30_000) as failed:
        qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert "Nothing was recorded" in failed.args[0]
    assert not path.exists() and window.last_recording is None  # never "Saved ? (0 frames)"


def test_unwritable_output_folder(qtbot, make_window, helpers, tmp_path: Path) -> None:
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where the output folder should be")
    window = make_window(source="sample", output_dir=blocker / "clips")
    helpers.frames(qtbot, window, 2)
    with qtbot.waitSignal(window.recording.failed, timeout=10_000):
        qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert "Cannot record into" in window.banner.text() and window.banner.level == "error"
    assert not window.commands.record.isChecked() and not window.recording.recording
    assert window.save_screenshot() is None
    assert "Cannot save the screenshot" in window.banner.text()

    window.set_output_dir(tmp_path / "fine")  # the user picks another folder: recording works
    start_recording(qtbot, window)
    qtbot.waitUntil(lambda: window.recording.recorder is not None and window.recording.recorder.frames_written >= 1, timeout=20_000)
    with qtbot.waitSignal(window.recording.finished, timeout=30_000):
        qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    helpers.frames(qtbot, window, 2)
