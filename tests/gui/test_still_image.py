"""A still image goes through the models once and again only when something that changes the
result changes; "Original size" on a 4000x3000 photo is capped, said, and not remembered.
Drives the real window (offscreen) with real models on real image files."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import QSettings

from featherface_app.gui.input_policy import FALLBACK_SIZE, MAX_ORIGINAL_SIDE


def still(path: Path, frame: np.ndarray, size_wh: tuple[int, int] | None = None) -> Path:
    cv2.imwrite(str(path), frame if size_wh is None else cv2.resize(frame, size_wh, interpolation=cv2.INTER_LINEAR))
    return path


def settled(qtbot, window, runs: int) -> None:
    """Wait until the image has gone through the models ``runs`` times in all and the capture
    thread is holding it (it reads no more frames until the next rerun)."""
    qtbot.waitUntil(lambda: window.worker.frames_processed >= runs and window.frames_shown >= runs and window.sources.held, timeout=60_000)
    assert window.worker.frames_processed == runs, f"ran {window.worker.frames_processed} times, expected {runs}"


def test_a_still_image_runs_again_only_when_the_result_can_change(qtbot, make_window, helpers, sample_frames, tmp_path: Path) -> None:
    image = still(tmp_path / "faces.png", sample_frames[0])
    window = make_window(source=image)
    helpers.models(qtbot, window)
    qtbot.waitUntil(lambda: window.last_frame is not None and bool(window.last_frame.results) and window.sources.held, timeout=60_000)
    runs = window.worker.frames_processed
    assert window.sources.still and runs <= 2  # the first frame, and once more when model A became ready
    qtbot.wait(700)  # ten frames' time at the image's nominal 15 fps: none of them ran
    settled(qtbot, window, runs)

    window.controls.confidence.set_value(0.8)  # confidence
    settled(qtbot, window, runs + 1)
    assert all(float(s) >= 0.8 for s in window.last_frame.results[0].detections.scores)
    window.commands.landmarks.toggle()  # landmarks
    settled(qtbot, window, runs + 2)
    other = next(n for n in window.ready_model_names() if n != window.model_choice.selection.snapshot().active)
    window.select_model(other)  # the model
    settled(qtbot, window, runs + 3)
    assert window.last_frame.results[0].model_name == other
    window.controls.input_size.setCurrentIndex(window.controls.input_size.findData(480))
    window.controls.detection_changed.emit()  # what choosing an entry in the combo box sends
    settled(qtbot, window, runs + 4)
    assert window.processor.options.input_long_side == 480
    window.commands.pause.setChecked(True)  # pausing a still changes nothing
    window.commands.pause.setChecked(False)
    qtbot.wait(300)
    settled(qtbot, window, runs + 4)


def test_original_size_on_a_huge_image_is_capped_said_and_not_remembered(
    qtbot, make_window, helpers, sample_frames, settings_store: QSettings, tmp_path: Path
) -> None:
    photo = still(tmp_path / "photo.png", sample_frames[0], (4000, 3000))
    settings_store.setValue("input_size", 0)  # "Original size", remembered from an earlier run
    settings_store.sync()
    window = make_window(source=photo)
    helpers.models(qtbot, window)
    qtbot.waitUntil(lambda: window.last_frame is not None and window.last_frame.results and window.sources.held, timeout=120_000)
    assert window.controls.input_long_side is None  # the panel still says "Original size"
    assert window.processor.options.input_long_side == MAX_ORIGINAL_SIDE
    assert "running at 1920 px instead" in window.banner.text() and "4000 px" in window.banner.text()
    window.save_state()
    assert int(settings_store.value("input_size")) == FALLBACK_SIZE  # the capped choice is not remembered

    window.controls.input_size.setCurrentIndex(window.controls.input_size.findData(320))  # a sized choice is
    window.controls.detection_changed.emit()
    qtbot.waitUntil(lambda: window.processor.options.input_long_side == 320)
    window.save_state()
    assert int(settings_store.value("input_size")) == 320
