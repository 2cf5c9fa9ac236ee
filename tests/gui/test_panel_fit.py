"""Nothing in the left panel is ever cut off: before, during and after a recording into a folder
with a long path, every label shows its whole text (or elides it, whole in the tooltip), every
button, combo box and slider value has the room it asks for, and the panel's content is no wider
than the panel. Drives the real window (offscreen) and a real recording."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QAbstractButton, QComboBox, QLabel, QScrollArea, QWidget

from featherface_app.gui.elided import ElidedLabel, plain_text


def clipped_parts(panel: QWidget) -> list[str]:
    """What in ``panel`` is drawn with less room than it needs, or outside the panel."""
    problems = []
    room = panel.rect()
    for child in panel.findChildren(QWidget):
        if not child.isVisibleTo(panel) or child.width() <= 0:
            continue
        name = child.objectName() or type(child).__name__
        where = QRect(child.mapTo(panel, child.rect().topLeft()), child.size())
        if not room.contains(where):
            problems.append(f"{name} {where} outside the panel {room}")
        if isinstance(child, ElidedLabel):
            shown = plain_text(child.shown_text())
            if child.fontMetrics().horizontalAdvance(shown) > child.contentsRect().width():
                problems.append(f"{name} shows {shown!r} in {child.contentsRect().width()} px")
            if child.elided and child.toolTip() != plain_text(child.text()):
                problems.append(f"{name} elided without the whole text in its tooltip")
        elif isinstance(child, QLabel) and not child.wordWrap() and child.text():
            need = child.fontMetrics().horizontalAdvance(plain_text(child.text()))
            if need > child.contentsRect().width():
                problems.append(f"{name} {child.text()!r} needs {need} px, has {child.contentsRect().width()}")
        elif isinstance(child, (QAbstractButton, QComboBox)):
            need = child.minimumSizeHint().width() if isinstance(child, QComboBox) else child.sizeHint().width()
            if need > child.width():
                problems.append(f"{name} {getattr(child, 'text', lambda: '')()!r} needs {need} px, has {child.width()}")
    return problems


def check_panel(window) -> None:
    scroll = window.findChild(QScrollArea, "controlScroll")
    panel = window.controls
    assert panel.width() <= scroll.viewport().width(), f"panel content {panel.width()} px wider than its panel {scroll.viewport().width()} px"
    assert panel.minimumSizeHint().width() <= scroll.viewport().width()
    assert clipped_parts(panel) == []


def test_left_panel_is_never_clipped_while_and_after_recording(qtbot, make_window, helpers, faces_video: Path, tmp_path: Path) -> None:
    folder = tmp_path / ("recordings_of_the_model_comparison_for_the_weekly_review_" * 2) / "featherface_live_output"
    window = make_window(source=faces_video, output_dir=folder)
    window.resize(1366, 768)
    helpers.frames(qtbot, window, 3)
    scroll_width = window.findChild(QScrollArea, "controlScroll").width()
    check_panel(window)

    window.commands.record.setChecked(True)
    qtbot.waitUntil(lambda: window.recording.recording and "REC" in window.controls.recording_label.text(), timeout=30_000)
    helpers.frames(qtbot, window, 5)
    assert window.commands.record.text() == "Stop &recording"
    check_panel(window)

    with qtbot.waitSignal(window.recording.finished, timeout=30_000):
        window.commands.record.setChecked(False)
    qtbot.waitUntil(lambda: window.controls.recording_label.text().startswith("Saved featherface_"))
    check_panel(window)
    assert window.findChild(QScrollArea, "controlScroll").width() == scroll_width  # the panel did not grow
    output = window.controls.output_label
    assert output.elided and str(folder) in output.toolTip()
