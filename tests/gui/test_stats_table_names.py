"""Long model names in the stats table: each header line fits its column (cut with "…" where a
word is too long), and the header's tooltip names the model in full. Real PlotPanel, offscreen."""

from __future__ import annotations

import time

from featherface_app.core.detections import FaceDetections, FrameResult
from featherface_app.gui.plots import NAME_LINES, PlotPanel, StatsHistory, wrap_name

LONG = "FeatherFaceV2ECAdistilledFromTheRetinaFaceTeacher-final-640px-int8-quantised-on-WIDER-FACE"


def result(name: str) -> FrameResult:
    stages = {"capture": 1.0, "preprocess": 2.0, "inference": 10.0, "postprocess": 1.0, "draw": 1.0}
    return FrameResult(model_name=name, frame_index=0, captured_ns=0, detections=FaceDetections.empty(), stage_ms=stages)


def test_long_model_names_fit_the_table_header_and_the_tooltip_has_them_whole(qtbot) -> None:
    history = StatsHistory()
    panel = PlotPanel(history)
    qtbot.addWidget(panel)
    panel.resize(360, 700)
    panel.show()
    for i in range(3):
        history.add(result(LONG), now_s=time.monotonic())
        history.add(result("FeatherFace V1 (CBAM)"), now_s=time.monotonic())
    panel.refresh()
    header = panel.table.horizontalHeader()
    assert panel.table.columnCount() == 2
    for column in range(2):
        item = panel.table.horizontalHeaderItem(column)
        lines = item.text().split("\n")
        assert len(lines) <= NAME_LINES
        width = header.sectionSize(column)
        for line in lines:
            assert header.fontMetrics().horizontalAdvance(line) <= width, f"{line!r} wider than its {width} px column"
    names = {panel.table.horizontalHeaderItem(c).toolTip() for c in range(2)}
    assert names == {LONG, "FeatherFace V1 (CBAM)"}
    assert wrap_name("FeatherFace V1 (CBAM)") == "FeatherFace\nV1 (CBAM)"  # short names stay whole
