"""Long model names in the stats table: each header line fits its column (cut with "…" where a
word is too long), and the header's tooltip names the model in full. Real PlotPanel, offscreen."""

from __future__ import annotations

import time

import pytest

from featherface_app.core.detections import FaceDetections, FrameResult
from featherface_app.gui.plots import NAME_LINES, PlotPanel, StatsHistory, wrap_name

LONG = "FeatherFaceV2ECAdistilledFromTheRetinaFaceTeacher-final-640px-int8-quantised-on-WIDER-FACE"


def result(name: str) -> FrameResult:
    stages = {"capture": 1.0, "preprocess": 2.0, "inference": 10.0, "postprocess": 1.0, "draw": 1.0}
    return FrameResult(model_name=name, frame_index=0, captured_ns=0, detections=FaceDetections.empty(), stage_ms=stages)


@pytest.mark.parametrize(
    ("names", "panel_width"),
    [((LONG, "FeatherFace V1 (CBAM)"), 360), (("FeatherFace V2 (ECA)", "FeatherFace V2 (ECA) INT8-SSH", "FeatherFace V1 (CBAM)"), 300)],
    ids=["two, one very long", "three in a narrow panel"],
)
def test_long_model_names_fit_the_table_header_and_the_tooltip_has_them_whole(qtbot, names: tuple[str, ...], panel_width: int) -> None:
    history = StatsHistory()
    panel = PlotPanel(history)
    qtbot.addWidget(panel)
    panel.resize(panel_width, 700)
    panel.show()
    for i in range(3):
        for name in names:
            history.add(result(name), now_s=time.monotonic())
    panel.refresh()
    header = panel.table.horizontalHeader()
    assert panel.table.columnCount() == len(names)
    for column in range(len(names)):
        item = panel.table.horizontalHeaderItem(column)
        lines = item.text().split("\n")
        assert len(lines) <= NAME_LINES
        width = header.sectionSize(column)
        for line in lines:
            assert header.fontMetrics().horizontalAdvance(line) <= width, f"{line!r} wider than its {width} px column"
    assert {panel.table.horizontalHeaderItem(c).toolTip() for c in range(len(names))} == set(names)
    assert wrap_name("FeatherFace V1 (CBAM)") == "FeatherFace\nV1 (CBAM)"  # short names stay whole
