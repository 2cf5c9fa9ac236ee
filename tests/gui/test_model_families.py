"""A second model family in the real window, and a failing frame-loop sink reaching the banner."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from featherface_app.core.errors import FeatherFaceError
from featherface_app.core.pipeline import ProcessedFrame

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_yunet_runs_as_model_b_in_compare_and_as_model_a(
    qtbot, make_window, helpers, faces_video: Path, two_models: list[Path], yunet_model_path: Path
) -> None:
    window = make_window(source=faces_video, models=[two_models[0], yunet_model_path])
    helpers.models(qtbot, window)
    names = window.ready_model_names()
    assert "yunet_n_dynamic" in names
    qtbot.keyClick(window, Qt.Key.Key_C)
    qtbot.waitUntil(lambda: window.last_frame is not None and len(window.last_frame.results) == 2, timeout=20_000)
    helpers.frames(qtbot, window, 3)
    assert {r.model_name for r in window.last_frame.results} == set(names)
    assert window.last_frame.agreement is not None
    window.select_model("yunet_n_dynamic")
    qtbot.waitUntil(lambda: window.last_frame.results[0].model_name == "yunet_n_dynamic", timeout=20_000)
    qtbot.waitUntil(lambda: helpers.faces(window) > 0, timeout=20_000)
    assert window.worker.errors == 0


class FullDisk:
    """A sink whose disk fills up on the third frame."""

    def __init__(self) -> None:
        self.written = 0

    def write(self, processed: ProcessedFrame) -> None:
        if self.written == 2:
            raise FeatherFaceError("Cannot write detections.csv: No space left on device")
        self.written += 1

    def close(self) -> None:
        """Nothing open."""


def test_a_failing_sink_is_dropped_and_shown_in_the_banner(qtbot, make_window, helpers, faces_video: Path) -> None:
    window = make_window(source=faces_video)
    helpers.frames(qtbot, window, 2)
    sink = FullDisk()
    with qtbot.waitSignal(window.worker.sink_failed, timeout=20_000):
        window.worker.add_sink(sink)
    qtbot.waitUntil(lambda: window.banner.isVisible() and "No space left" in window.banner.text(), timeout=10_000)
    assert window.banner.level == "error" and sink not in window.worker.loop.sinks
    helpers.frames(qtbot, window, 3)  # the video goes on
    assert sink.written == 2


def test_keys_keep_their_meaning_whatever_order_models_are_given_in(
    qtbot, make_window, helpers, faces_video: Path, two_models: list[Path], yunet_model_path: Path
) -> None:
    """Shipped V1 and V2 are keys 1 and 2, a user's model comes after them."""
    if not all(p.parent.name == "models" for p in two_models):
        pytest.skip("needs the shipped V1/V2 models")
    window = make_window(source=faces_video, models=[yunet_model_path, two_models[1], two_models[0]])
    helpers.models(qtbot, window, 3)
    names = window.ready_model_names()
    assert [window.models.by_name(n).path.name for n in names] == [two_models[0].name, two_models[1].name, yunet_model_path.name]
    qtbot.keyClick(window, Qt.Key.Key_3)
    qtbot.waitUntil(lambda: window.processor.active_name == names[2], timeout=10_000)
    qtbot.keyClick(window, Qt.Key.Key_1)
    qtbot.waitUntil(lambda: window.processor.active_name == names[0], timeout=10_000)
    assert window.ready_model_names() == names


def test_keys_keep_their_meaning_with_model_and_across_a_restart(qtbot, make_window, helpers, faces_video: Path, yunet_model_path: Path) -> None:
    """``--model FILE`` shows that file first but keys 1 and 2 stay V1 and V2 (the shipped files in
    their fixed order), and the next start without ``--model`` keeps the same keys."""
    shipped = sorted(p.name for p in (REPO_ROOT / "models").glob("*.onnx"))
    window = make_window(source=faces_video, model_folders=True, extra_models=[yunet_model_path])
    helpers.models(qtbot, window, len(shipped) + 1)
    files = [window.models.by_name(n).path.name for n in window.ready_model_names()]
    assert files[:2] == ["featherface_v1_cbam.onnx", "featherface_v2_eca.onnx"] and files[-1] == yunet_model_path.name
    qtbot.waitUntil(lambda: window.processor.active_name is not None, timeout=10_000)
    assert window.models.by_name(window.processor.active_name).path.name == yunet_model_path.name  # --model is shown first
    window.close()

    again = make_window(source=faces_video, model_folders=True)
    helpers.models(qtbot, again, len(shipped))
    names = again.ready_model_names()
    assert [again.models.by_name(n).path.name for n in names][:2] == files[:2]
    qtbot.keyClick(again, Qt.Key.Key_1)
    qtbot.waitUntil(lambda: again.processor.active_name == names[0], timeout=10_000)
    qtbot.keyClick(again, Qt.Key.Key_2)
    qtbot.waitUntil(lambda: again.processor.active_name == names[1], timeout=10_000)
