"""The window's smaller parts on their own: settings store, speed history, icons, the view."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings

from featherface_app.core.detections import FaceDetections, FrameResult
from featherface_app.gui.plots import StatsHistory, wrap_name
from featherface_app.gui.settings import GuiSettings, default_output_dir, load_settings, open_settings, save_settings


def result(model: str, inference_ms: float, index: int = 0) -> FrameResult:
    stages = {"capture": 1.0, "preprocess": 2.0, "inference": inference_ms, "postprocess": 0.5, "draw": 0.5}
    return FrameResult(model, index, 0, FaceDetections.empty(), stages)


def test_settings_round_trip_and_bad_values_fall_back(settings_file: Path) -> None:
    store = open_settings()
    assert Path(store.fileName()) == settings_file  # tests never touch the user's settings
    wanted = GuiSettings(
        confidence=0.7,
        nms_iou=0.3,
        input_size=480,
        show_landmarks=False,
        compare=True,
        compare_layout="overlay",
        model_a="/m/a.onnx",
        user_models=["/m/x.onnx", "/m/y.onnx"],
        source="camera:2",
        camera_index=2,
        camera_size="1280x720",
        output_dir="/tmp/o",
        plot_seconds=60,
    )
    save_settings(store, wanted)
    assert load_settings(QSettings(str(settings_file), QSettings.Format.IniFormat)) == wanted

    for key, bad in {
        "confidence": "1.7",
        "input_size": "333",
        "show_landmarks": "maybe",
        "compare_layout": "3d",
        "camera_size": "99x1",
        "plot_seconds": "-4",
        "camera_index": "cam",
    }.items():
        store.setValue(key, bad)
    store.sync()
    loaded = load_settings(QSettings(str(settings_file), QSettings.Format.IniFormat))
    defaults = GuiSettings()
    assert (loaded.confidence, loaded.input_size, loaded.show_landmarks, loaded.compare_layout) == (
        defaults.confidence,
        defaults.input_size,
        defaults.show_landmarks,
        defaults.compare_layout,
    )
    assert (loaded.camera_size, loaded.plot_seconds, loaded.camera_index) == (defaults.camera_size, defaults.plot_seconds, defaults.camera_index)
    assert loaded.model_a == "/m/a.onnx" and loaded.user_models == ["/m/x.onnx", "/m/y.onnx"]


def test_default_output_folder_is_under_movies(qapp) -> None:
    assert default_output_dir().name == "FeatherFaceLive"
    assert GuiSettings().output_path() == default_output_dir()


def test_history_fps_percentiles_and_window() -> None:
    history = StatsHistory(seconds=10.0)
    for i in range(50):  # 10 frames per second for 5 s, inference 10..59 ms
        history.add(result("A", 10.0 + i, i), now_s=100.0 + i * 0.1)
    history.add(result("B", 5.0), now_s=104.0)
    times, fps = history.fps_series("A")
    assert len(times) == 49 and np.allclose(fps, 10.0)
    assert history.current_fps("A") == pytest.approx(10.0)
    p50, p95 = history.percentiles("A", "inference")
    assert p50 == pytest.approx(34.5) and p95 == pytest.approx(np.percentile(np.arange(10, 60), 95))
    assert history.percentiles("A", "pipeline")[0] == pytest.approx(34.5 + 4.0)
    assert math.isnan(history.current_fps("B"))  # one frame: no rate yet
    history.prune(now_s=112.0)  # window 10 s: keeps samples after 102.0
    assert history.count("A") == 30 and history.models() == ["A", "B"]
    history.prune(now_s=120.0)
    assert history.models() == []
    assert all(math.isnan(v) for v in history.percentiles("A", "inference"))


def test_wrap_name() -> None:
    assert wrap_name("FeatherFace V1 (CBAM)") == "FeatherFace\nV1 (CBAM)"
    assert wrap_name("RetinaFace-mnet0.25") == "RetinaFace-\nmnet0.25"
    assert wrap_name("A") == "A"


def test_icons_are_drawn_and_app_icon_files_written(qapp, tmp_path: Path) -> None:
    from featherface_app.gui.icons import PAINTERS, icon, render, write_app_icons

    for name in PAINTERS:
        image = render(name, 32).toImage()
        alphas = [image.pixelColor(x, y).alpha() for x in range(32) for y in range(32)]
        assert max(alphas) > 0, f"icon {name} is empty"
        assert not icon(name).isNull()
    png, ico = write_app_icons(tmp_path)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert ico.read_bytes()[:4] == b"\x00\x00\x01\x00"
    with pytest.raises(KeyError):
        icon("nope")


def test_view_shows_bgr_frames_in_the_right_colours(qtbot) -> None:
    from featherface_app.gui.video_view import VideoView, bgr_to_qimage

    image = np.zeros((10, 20, 3), np.uint8)
    image[:, :, 2] = 255  # red in BGR
    qimage = bgr_to_qimage(image)
    assert (qimage.width(), qimage.height()) == (20, 10)
    assert qimage.pixelColor(5, 5).red() == 255 and qimage.pixelColor(5, 5).blue() == 0
    with pytest.raises(ValueError):
        bgr_to_qimage(np.zeros((4, 4, 3), np.float32))
    view = VideoView()
    qtbot.addWidget(view)
    view.resize(600, 200)
    view.set_frame(image)
    rect = view.target_rect()
    assert (rect.x(), rect.y(), rect.width(), rect.height()) == pytest.approx((100, 0, 400, 200))  # aspect kept, centred
    grabbed = view.grab().toImage()
    assert grabbed.pixelColor(300, 100).red() > 200 and grabbed.pixelColor(50, 100).red() < 50
