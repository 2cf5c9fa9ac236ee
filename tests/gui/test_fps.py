"""One FPS everywhere: in compare mode the HUD's figure (the core's ``ProcessedFrame.fps``), the
plots' series, the stats table's "FPS (now)" row and the status bar show the same number for the
frame on screen. Drives the real window with two real models on a real video."""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import Qt


def test_hud_panel_table_and_status_bar_agree_on_fps_in_compare_mode(qtbot, make_window, helpers, faces_video: Path) -> None:
    window = make_window(source=faces_video)
    helpers.models(qtbot, window)
    name_a, name_b = window.ready_model_names()[:2]
    window.commands.compare.setChecked(True)
    qtbot.waitUntil(lambda: window.last_frame is not None and len(window.last_frame.results) == 2, timeout=30_000)
    helpers.frames(qtbot, window, 8)  # long enough for a rate
    window.commands.pause.setChecked(True)  # hold the video: nothing changes while we read
    qtbot.waitUntil(lambda: window.sources.held, timeout=20_000)
    # held: wait until no frame is in flight any more (frames may have been dropped on the way,
    # latest wins, so the two counters need not be equal)
    counts = None
    for _ in range(60):
        qtbot.wait(300)
        now = (window.frames_shown, window.worker.frames_processed)
        if now == counts:
            break
        counts = now
    assert now == counts, f"frames still arriving while paused: {counts} -> {now}"

    fps = window.last_frame.fps  # what the HUD printed on this frame
    assert math.isfinite(fps) and fps > 0
    assert window.history.current_fps(name_a) == fps and window.history.current_fps(name_b) == fps
    _, series = window.history.fps_series(name_a)
    assert series[-1] == fps

    # the stats are a loop sink: every processed frame counts, also one the latest-wins view dropped
    counted = [window.history.count(name) for name in (name_a, name_b)]
    assert min(counted) >= 8 and max(counted) <= window.worker.frames_processed, (counted, window.worker.frames_processed)
    assert window.history in window.worker.loop.sinks and window.info_panel.tally in window.worker.loop.sinks

    window.plots.refresh()
    table = window.plots.table
    columns = {table.horizontalHeaderItem(c).toolTip(): c for c in range(table.columnCount())}
    assert table.item(0, columns[name_a]).text() == f"{fps:.1f}" == table.item(0, columns[name_b]).text()

    window.status.update()
    assert window.status.speed.text().startswith(f"{fps:.1f} FPS")
    qtbot.keyClick(window, Qt.Key.Key_Space)
