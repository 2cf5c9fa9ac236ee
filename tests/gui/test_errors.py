"""Each failure shows a clear message in the window and leaves the app usable."""

from __future__ import annotations

from pathlib import Path

import onnx
import pytest
from onnx import TensorProto, helper

from featherface_app.core.errors import CameraError
from featherface_app.core.sources import Frame, VideoFileSource
from featherface_app.gui import source_control

MISSING_CAMERA = 7  # no /dev/video* exists on these machines


class UnpluggedCamera:
    """A camera that is pulled out after a few frames. There is no webcam here, so a real video
    file plays the camera's part; the fault is the one :class:`CameraSource` raises when a device
    stops delivering frames."""

    def __init__(self, video: Path, frames_before_loss: int) -> None:
        self._video = VideoFileSource(video, realtime=True)
        self.name = "camera:0"
        self.fps = self._video.fps
        self.live = True
        self._left = frames_before_loss

    def read(self) -> Frame | None:
        if self._left <= 0:
            raise CameraError("Camera 0 stopped delivering frames (unplugged or taken by another program?)")
        self._left -= 1
        return self._video.read()

    def close(self) -> None:
        self._video.close()


def assert_error_shown(window, *fragments: str) -> None:
    assert window.banner.isVisible() and window.banner.level == "error", window.banner.text()
    for fragment in fragments:
        assert fragment in window.banner.text()


def test_missing_camera_keeps_the_current_video(qtbot, make_window, helpers, faces_video: Path) -> None:
    window = make_window(source=faces_video)
    helpers.frames(qtbot, window, 2)
    with qtbot.waitSignal(window.sources.open_failed, timeout=20_000):
        window.controls.camera_index.setValue(MISSING_CAMERA)
        window.commands.use_camera.trigger()
    assert_error_shown(window, f"Camera {MISSING_CAMERA}", "Still showing faces.mp4")
    assert window.sources.info.name == "faces.mp4"
    helpers.frames(qtbot, window, 2)


def test_missing_camera_at_start_falls_back_to_the_sample(qtbot, make_window, helpers) -> None:
    window = make_window(source=f"camera:{MISSING_CAMERA}")
    qtbot.waitUntil(lambda: window.sources.info is not None, timeout=20_000)
    assert window.sources.info.spec == "sample"
    assert_error_shown(window, f"Camera {MISSING_CAMERA}", "sample clip instead")
    helpers.frames(qtbot, window, 2)


def test_camera_lost_mid_stream(qtbot, make_window, helpers, faces_video: Path) -> None:
    window = make_window(source=faces_video)
    helpers.frames(qtbot, window, 1)
    with qtbot.waitSignal(window.sources.lost, timeout=20_000):
        window.sources.play(UnpluggedCamera(faces_video, frames_before_loss=8), "camera:0")
    assert_error_shown(window, "stopped delivering frames", "Trying to reconnect", "choose another source")
    assert not window.sources.running
    assert window.sources.reconnecting == "camera:0"
    window.open_source("sample")  # the user picks another source and carries on
    assert window.sources.reconnecting is None, "choosing another source ends the reconnection attempts"
    qtbot.waitUntil(lambda: window.sources.info.spec == "sample", timeout=20_000)
    helpers.frames(qtbot, window, 2)


def test_lost_camera_is_reconnected_when_it_comes_back(qtbot, make_window, helpers, faces_video: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The camera is unplugged, stays away for one reconnection attempt, then comes back: the
    window plays it again by itself. There is no webcam here, so the device driver (``open_source``
    for ``camera:0``) is played by a video file, as in :class:`UnpluggedCamera`."""
    attempts: list[str] = []
    real_open = source_control.open_source

    def driver(spec: str, **kwargs: object) -> object:
        if spec != "camera:0":
            return real_open(spec, **kwargs)
        attempts.append(spec)
        if len(attempts) == 1:
            raise CameraError("Camera 0 could not be opened (no such device, or it is in use by another program)")
        return UnpluggedCamera(faces_video, frames_before_loss=10_000)

    monkeypatch.setattr(source_control, "open_source", driver)
    window = make_window(source=faces_video)
    helpers.frames(qtbot, window, 1)
    with qtbot.waitSignal(window.sources.lost, timeout=20_000):
        window.sources.play(UnpluggedCamera(faces_video, frames_before_loss=8), "camera:0")
    assert_error_shown(window, "stopped delivering frames", "reconnect")
    with qtbot.waitSignal(window.sources.reconnected, timeout=20_000):
        pass
    assert attempts == ["camera:0", "camera:0"], "the first attempt failed quietly, the second one opened it"
    assert "camera:0 is back" in window.banner.text() and window.banner.level == "info"
    assert window.sources.reconnecting is None and window.sources.info.spec == "camera:0"
    helpers.frames(qtbot, window, 3)
    assert window.sources.running


def test_unreadable_and_missing_video(qtbot, make_window, helpers, faces_video: Path, tmp_path: Path) -> None:
    garbage = tmp_path / "broken.mp4"
    garbage.write_bytes(b"\x00\x01 this is not a video " * 2000)
    window = make_window(source=faces_video)
    helpers.frames(qtbot, window, 2)
    with qtbot.waitSignal(window.sources.open_failed, timeout=20_000):
        window.open_source(garbage)
    assert_error_shown(window, "broken.mp4")
    with qtbot.waitSignal(window.sources.open_failed, timeout=20_000):
        window.open_source(tmp_path / "nowhere.mp4")
    assert_error_shown(window, "nowhere.mp4")
    assert window.sources.info.name == "faces.mp4"
    helpers.frames(qtbot, window, 2)


def write_incompatible_model(path: Path) -> Path:
    """A valid ONNX file that is not a face detector: one image in, the same image out."""
    graph = helper.make_graph(
        [helper.make_node("Identity", ["input"], ["output"])],
        "not_a_face_detector",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, "h", "w"])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 3, "h", "w"])],
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    return path


def test_broken_and_incompatible_models(qtbot, make_window, helpers, faces_video: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"definitely not protobuf" * 100)
    incompatible = write_incompatible_model(tmp_path / "identity.onnx")
    window = make_window(source=faces_video)
    helpers.models(qtbot, window)
    before = window.ready_model_names()
    active = window.processor.active_name

    for path in (broken, incompatible):
        with qtbot.waitSignal(window.models.load_failed, timeout=20_000):
            window.add_model(path, select=True)
        assert_error_shown(window, f"Cannot use model {path.name}")
        assert window.ready_model_names() == before
        assert window.processor.active_name == active
        helpers.frames(qtbot, window, 2)
        assert window.last_frame.results[0].model_name == active
