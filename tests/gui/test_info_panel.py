"""The model info panel in the real window (offscreen): View → Model info opens it, it shows model A
and, in compare mode, model B, and its latency row follows the frames the window shows."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt


def test_info_panel_shows_both_models_and_live_latency(qtbot, make_window, helpers, faces_video: Path, tmp_path: Path) -> None:
    window = make_window(source=faces_video)
    helpers.models(qtbot, window)
    shown = window.model_choice.selection.snapshot()  # A is V2, B is V1 by default
    name_a, name_b = shown.active, shown.second
    panel = window.info_panel
    assert not panel.isVisible()
    assert window.commands.model_info in window.menuBar().actions()[1].menu().actions()  # the View menu
    qtbot.keyClick(window, Qt.Key.Key_I)
    qtbot.waitUntil(panel.isVisible, timeout=5_000)
    assert panel.models_shown() == [name_a]

    qtbot.keyClick(window, Qt.Key.Key_C)
    qtbot.waitUntil(lambda: window.last_frame is not None and len(window.last_frame.results) == 2, timeout=20_000)
    helpers.frames(qtbot, window, 3)
    qtbot.waitUntil(lambda: panel.models_shown() == [name_a, name_b], timeout=5_000)  # the 2 Hz refresh

    for column in (0, 1):
        assert panel.row_text("variant", column).split()[0] in ("v1-cbam", "v2-eca")
        assert "GMACs at 320x" in panel.row_text("compute", column)  # the window's input size (tests: 320)
        assert panel.row_text("AP (model card)", column).startswith("easy ")
    qtbot.waitUntil(lambda: "frames)" in panel.row_text("latency since start", 1), timeout=5_000)
    before = panel.tally.summary(name_b)
    assert before is not None and before.frames >= 1 and before.inference_p50 > 0
    helpers.frames(qtbot, window, 5)
    panel.refresh()
    after = panel.tally.summary(name_b)
    # the tally (a loop sink) counts a frame before the view shows it: the first of the five may be in it already
    assert after is not None and after.frames >= before.frames + 4
    assert f"({after.frames:,} frames)" in panel.row_text("latency since start", 1)
    # V1 and V2: the claimed figures beside the measured ones; the speed ratio comes from live latency
    # (column 0 is model A = V2, column 1 model B = V1)
    params = panel.row_text("parameters", 1)
    assert params.startswith(f"{window.processor.detector(name_b).info.parameters:,}")
    claimed = panel.row_text("parameters", 1, section="claimed vs measured")
    assert claimed.startswith("claimed: 488.7K") and f"measured: {params.split()[0]}" in claimed
    assert "x (inference p50" in panel.row_text("speed over V1", 0, section="claimed vs measured").split("measured: ")[1]

    shot = Path(os.environ.get("FEATHERFACE_INFO_SHOT", tmp_path / "info_panel.png"))
    shot.parent.mkdir(parents=True, exist_ok=True)
    panel.resize(panel.width(), panel.full_height())  # every row, as on a screen tall enough (offscreen's is small)
    assert panel.grab().save(str(shot))
    qtbot.keyClick(panel, Qt.Key.Key_I)  # the same key closes it from the panel
    assert not panel.isVisible()
