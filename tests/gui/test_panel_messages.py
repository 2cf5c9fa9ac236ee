"""What the real window says about recordings, output folders and sources while they open: the
panel's recording line follows what the recording really did, a folder chosen in the dialog is
checked before it is used, and a URL's password never reaches the status bar or the log."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from featherface_app.gui.recording import RecordingSummary


def press_record(qtbot, window) -> None:
    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)


def test_a_recording_that_kept_nothing_leaves_no_stale_rec_line(qtbot, make_window, helpers, tmp_path: Path) -> None:
    window = make_window(source="sample", output_dir=tmp_path / "clips")
    helpers.frames(qtbot, window, 2)
    qtbot.keyClick(window, Qt.Key.Key_Space)  # paused: no frame reaches the recorder
    qtbot.waitUntil(lambda: window.sources.held, timeout=10_000)
    with qtbot.waitSignal(window.recording.started, timeout=10_000):
        press_record(qtbot, window)
    label = window.controls.recording_label
    qtbot.waitUntil(lambda: "● REC" in label.text(), timeout=5_000)  # the 4 Hz status tick
    with qtbot.waitSignal(window.recording.failed, timeout=30_000) as failed:
        press_record(qtbot, window)
    message: str = failed.args[0]
    assert "Nothing was recorded" in message
    assert label.text() == message.splitlines()[0] and "REC" not in label.text()
    helpers.frames(qtbot, window, 0)
    qtbot.wait(600)  # two status ticks later the line still says what happened
    assert label.text() == message.splitlines()[0]


def test_a_recording_cut_by_a_write_failure_is_not_called_saved(qtbot, make_window, helpers, tmp_path: Path, file_size_limit: int, caplog) -> None:
    caplog.set_level(logging.INFO)
    window = make_window(source="sample", output_dir=tmp_path / "clips")
    helpers.frames(qtbot, window, 2)
    with qtbot.waitSignal(window.recording.finished, timeout=120_000) as finished:
        with qtbot.waitSignal(window.recording.failed, timeout=120_000) as failed:
            with qtbot.waitSignal(window.recording.started, timeout=10_000):
                press_record(qtbot, window)
    summary: RecordingSummary = finished.args[0]
    assert summary.error is not None and summary.message.startswith("Recording stopped: file size limit reached")
    label = window.controls.recording_label.text()
    assert label in (summary.message, failed.args[0].splitlines()[0]) and not label.startswith("Saved")
    assert f"{summary.message} ({summary.reason})" in caplog.text  # the window's own info line
    assert "Recording saved" not in caplog.text


def test_a_finished_recording_is_described_by_its_summary(qtbot, make_window, helpers, tmp_path: Path) -> None:
    window = make_window(source="sample", output_dir=tmp_path / "clips")
    helpers.frames(qtbot, window, 2)
    with qtbot.waitSignal(window.recording.started, timeout=10_000):
        press_record(qtbot, window)
    qtbot.waitUntil(lambda: window.recording.recorder is not None and window.recording.recorder.frames_written >= 3, timeout=20_000)
    with qtbot.waitSignal(window.recording.finished, timeout=30_000) as finished:
        press_record(qtbot, window)
    summary: RecordingSummary = finished.args[0]
    assert summary.error is None and summary.path is not None
    assert window.controls.recording_label.text() == f"Saved {summary.path.name} ({summary.frames} frames)"
    assert window.statusBar().currentMessage() == f"Saved {summary.path.name} ({summary.frames} frames) (stopped by user)"


@pytest.mark.parametrize("where", ["a file", "under /proc"])
def test_an_output_folder_chosen_in_the_dialog_is_checked_before_it_is_used(qtbot, make_window, helpers, tmp_path: Path, monkeypatch, where: str) -> None:
    window = make_window(source="sample", output_dir=tmp_path / "clips")
    helpers.frames(qtbot, window, 1)
    before = window.output_dir()
    if where == "a file":
        blocker = tmp_path / "not_a_folder"
        blocker.write_text("a file where the folder should be")
        chosen = blocker / "clips"
    else:
        chosen = Path("/proc/featherface_clips")
    # the platform's folder dialog cannot be driven offscreen: it answers with the chosen folder
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *args, **kwargs: str(chosen)))
    window.commands.choose_output.trigger()
    assert window.banner.isVisible() and window.banner.level == "error"
    assert f"Cannot write into {chosen}" in window.banner.text()
    assert window.output_dir() == before and window.settings.output_dir == str(before)  # neither used nor remembered
    good = tmp_path / "good clips"
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *args, **kwargs: str(good)))
    window.commands.choose_output.trigger()
    assert window.output_dir() == good and good.is_dir()


def test_a_url_being_opened_never_shows_its_password(qtbot, make_window, helpers, stream_server, make_mpegts, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    data = make_mpegts(frames=60)
    stream_server.auth = "viewer:s3cret-pw"
    stream_server.files["clip.ts"] = data
    url = stream_server.url("clip.ts", "viewer:s3cret-pw")
    assert "s3cret-pw@" in url and url.startswith("http://")
    window = make_window(source=url)  # nothing plays yet: the placeholder says what is opening
    assert window.view._placeholder.startswith("Opening http://***@") and "s3cret" not in window.view._placeholder
    helpers.frames(qtbot, window, 2)
    window.open_source("sample")
    helpers.frames(qtbot, window, 1)
    with qtbot.waitSignal(window.sources.opened, timeout=60_000):
        window.open_source(url)  # while it opens, the status bar names it
        status = window.statusBar().currentMessage()
        assert status.startswith("Opening http://***@127.0.0.1") and "s3cret" not in status
    shown = " ".join([window.banner.text(), window.statusBar().currentMessage(), window.controls.source_label.text()])
    assert "s3cret" not in shown
    assert "s3cret" not in caplog.text
