"""The real window, offscreen: video in, detections out, model switching, compare, controls, close."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from featherface_app.core.pipeline import CompareMode


def open_fds_to(path: Path) -> list[str]:
    """File descriptors of this process that point at ``path`` (Linux /proc)."""
    target = str(path.resolve())
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}") == target:
                found.append(fd)
        except OSError:
            continue
    return found


def test_video_file_shows_detections(qtbot, make_window, helpers, faces_video: Path) -> None:
    window = make_window(source=faces_video)
    helpers.frames(qtbot, window, 5)
    qtbot.waitUntil(lambda: helpers.faces(window) > 0, timeout=20_000)
    frame = window.last_frame
    assert window.sources.info.name == "faces.mp4"
    assert frame.image_bgr.shape == (480, 640, 3)
    assert window.view.image_bgr is frame.image_bgr
    faces = frame.results[0].detections
    assert np.all(faces.scores >= window.processor.options.confidence)
    assert set(frame.results[0].stage_ms) == {"capture", "preprocess", "inference", "postprocess", "draw"}
    assert not window.banner.isVisible() or window.banner.level != "error", window.banner.text()
    window.plots.refresh()
    assert window.plots.table.columnCount() >= 1
    assert window.plots.table.item(3, 0).text() != "– / –"  # inference p50 / p95 filled in
    window._update_status()
    assert "faces.mp4" in window.status_source.text()
    assert frame.results[0].model_name in window.status_models.text()


def test_switch_models_mid_stream(qtbot, make_window, helpers, faces_video: Path) -> None:
    window = make_window(source=faces_video)
    helpers.models(qtbot, window)
    name_a, name_b = window.ready_model_names()[:2]
    sessions = {name: window.processor.detector(name).session for name in (name_a, name_b)}
    helpers.frames(qtbot, window, 2)

    for target, key in ((name_b, Qt.Key.Key_2), (name_a, Qt.Key.Key_1), (name_b, None), (name_a, None)):
        if key is None:
            window.controls.model_chosen.emit(target)  # as when the user picks it in the combo box
        else:
            qtbot.keyClick(window, key)
        qtbot.waitUntil(lambda: [r.model_name for r in window.last_frame.results] == [target], timeout=20_000)
        helpers.frames(qtbot, window, 2)
        assert all(r.model_name == target for r in window.last_frame.results)

    assert window.worker.errors == 0
    assert window.worker.isRunning()
    for name, session in sessions.items():  # the same warm sessions: nothing reloaded or dropped
        assert window.processor.detector(name).session is session
    assert window.controls.model_box.currentData() == name_a


def test_compare_mode_shows_both_models_and_agreement(qtbot, make_window, helpers, faces_video: Path) -> None:
    window = make_window(source=faces_video)
    helpers.models(qtbot, window)
    shown = window.model_choice.selection.snapshot()  # A is V2, B is V1 by default
    name_a, name_b = shown.active, shown.second
    qtbot.keyClick(window, Qt.Key.Key_C)
    assert window.commands.compare.isChecked()
    qtbot.waitUntil(lambda: len(window.last_frame.results) == 2, timeout=20_000)
    frame = window.last_frame
    assert [r.model_name for r in frame.results] == [name_a, name_b]
    agreement = frame.agreement
    assert agreement is not None
    assert agreement.matched + agreement.only_a == len(frame.results[0].detections)
    assert agreement.matched + agreement.only_b == len(frame.results[1].detections)
    assert frame.image_bgr.shape[1] > 2 * 640  # side by side: A left, B right
    text = window.controls.agreement_label.text()
    assert f"<b>{window.last_frame.agreement.only_a}</b> only by A" in text or "only by A" in text

    window.set_compare_layout("overlay")
    qtbot.waitUntil(lambda: window.last_frame.image_bgr.shape[1] == 640 and len(window.last_frame.results) == 2, timeout=20_000)
    assert window.processor.compare_mode is CompareMode.OVERLAY

    window.plots.refresh()
    assert set(window.history.models()) >= {name_a, name_b}  # one curve per model
    assert window.plots.table.columnCount() == len(window.history.models())

    qtbot.keyClick(window, Qt.Key.Key_C)
    qtbot.waitUntil(lambda: len(window.last_frame.results) == 1, timeout=20_000)
    assert window.processor.compare_name is None
    helpers.frames(qtbot, window, 2)  # compare frames still in flight do not bring the figures back
    assert window.controls.agreement_label.text().startswith("Compare off")


def test_controls_reach_the_pipeline(qtbot, make_window, helpers, faces_video: Path) -> None:
    window = make_window(source=faces_video)
    helpers.models(qtbot, window)
    helpers.frames(qtbot, window, 2)
    controls = window.controls
    controls.confidence.slider.setValue(80)
    controls.nms.slider.setValue(30)
    controls.input_size.setCurrentIndex(controls.input_size.findData(0))
    controls.input_size.activated.emit(controls.input_size.currentIndex())
    options = window.processor.options
    assert (options.confidence, options.nms_iou, options.input_long_side) == (0.8, 0.3, None)
    helpers.frames(qtbot, window, 2)
    assert np.all(window.last_frame.results[0].detections.scores >= 0.8)

    qtbot.keyClick(window, Qt.Key.Key_L)
    assert not window.processor.show_landmarks
    qtbot.keyClick(window, Qt.Key.Key_F)
    assert window.commands.fullscreen.isChecked() and not window.plots.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_Space)  # shortcuts still work with menus and toolbar hidden
    assert window.commands.pause.isChecked()
    qtbot.keyClick(window, Qt.Key.Key_Space)
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not window.commands.fullscreen.isChecked() and window.plots.isVisible()


def test_pause_holds_the_video_and_resume_continues(qtbot, make_window, helpers, faces_video: Path) -> None:
    window = make_window(source=faces_video)
    helpers.frames(qtbot, window, 3)
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert window.commands.pause.isChecked()
    loop = window.sources.capture_loop
    # the frame being read when the pause came may still arrive; then everything stands still
    qtbot.waitUntil(lambda: window.sources.held and window.last_frame.frame_index == loop.frames_read - 1, timeout=10_000)
    read_at_pause = loop.frames_read
    with qtbot.assertNotEmitted(window.worker.frame_ready, wait=1000):
        pass
    assert loop.frames_read == read_at_pause, "the video advanced while paused"
    assert loop.running

    with qtbot.waitSignal(window.worker.frame_ready, timeout=10_000) as resumed:
        qtbot.keyClick(window, Qt.Key.Key_Space)
    assert not window.commands.pause.isChecked()
    # playback continues where it stopped instead of jumping over the paused second
    assert resumed.args[0].frame_index <= read_at_pause + 5


def test_screenshot_writes_the_annotated_frame(qtbot, make_window, helpers, faces_video: Path, tmp_path: Path) -> None:
    window = make_window(source=faces_video, output_dir=tmp_path / "shots")
    helpers.frames(qtbot, window, 2)
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    shots = list((tmp_path / "shots").glob("featherface_*.png"))
    assert len(shots) == 1
    image = cv2.imread(str(shots[0]))
    assert image is not None and image.shape == (480, 640, 3)


def test_still_image_and_drag_and_drop(qtbot, make_window, helpers, sample_frames, faces_video: Path, tmp_path: Path) -> None:
    image_path = tmp_path / "faces.png"
    cv2.imwrite(str(image_path), sample_frames[40])
    window = make_window(source=image_path)
    helpers.models(qtbot, window)
    qtbot.waitUntil(lambda: helpers.faces(window) > 0, timeout=20_000)
    assert window.sources.info.name == "faces.png"

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(faces_video))])
    enter = QDragEnterEvent(QPoint(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    # Qt delivers a drop only during a real drag, so the handler is called as Qt would call it
    window.dropEvent(QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    qtbot.waitUntil(lambda: window.sources.info.name == "faces.mp4", timeout=20_000)
    helpers.frames(qtbot, window, 2)


def test_settings_are_remembered(qtbot, make_window, helpers, faces_video: Path, settings_file: Path, tmp_path: Path) -> None:
    first = make_window(source=faces_video)
    helpers.models(qtbot, first)
    second_model = first.ready_model_names()[1]
    first.controls.confidence.slider.setValue(65)
    first.select_model(second_model)
    first.commands.landmarks.setChecked(False)
    first.set_output_dir(tmp_path / "elsewhere")
    first.close()
    assert settings_file.is_file()

    again = make_window(source=faces_video, store=QSettings(str(settings_file), QSettings.Format.IniFormat))
    helpers.models(qtbot, again)
    assert again.controls.confidence.value() == pytest.approx(0.65)
    assert again.processor.options.confidence == pytest.approx(0.65)
    assert not again.commands.landmarks.isChecked() and not again.processor.show_landmarks
    assert again.output_dir() == tmp_path / "elsewhere"
    qtbot.waitUntil(lambda: again.processor.active_name == second_model, timeout=10_000)


def test_close_releases_source_and_stops_every_thread(qtbot, make_window, helpers, faces_video: Path) -> None:
    window = make_window(source=faces_video)
    helpers.models(qtbot, window)
    helpers.frames(qtbot, window, 3)
    loop = window.sources.capture_loop
    assert loop is not None and loop.running
    assert open_fds_to(faces_video), "the video should be open while playing"
    threads = helpers.qthreads(window)
    assert len(threads) >= 4 and all(t.isRunning() for t in threads)

    window.close()
    assert not loop.running and loop.finished.is_set()
    assert not open_fds_to(faces_video), "the video file is still open after close"
    assert not [t.objectName() for t in threads if t.isRunning()]
    assert not [name for name in helpers.threads() if name.startswith(("capture", "recorder"))]
