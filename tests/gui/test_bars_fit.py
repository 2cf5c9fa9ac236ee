"""The toolbar and the status bar fit a 1280-px window whatever they show: every toolbar command
stays on screen (text beside icons while there is room, icons only when not), a long status
message is elided (whole in the tooltip and the log), and a long source name or a compare pair
never makes the window wider than the screen. Drives the real window (offscreen), a real
recording and a real video file with a long name."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QToolBar, QToolButton

from featherface_app.gui.window_fit import SETTLE_S

#: the narrowest common laptop screen the window must fit (1280x720)
NARROW = 1280


def hidden_commands(toolbar: QToolBar) -> list[str]:
    """The toolbar's commands that are not shown whole inside the toolbar (fallen into overflow)."""
    missing = []
    for action in toolbar.actions():
        if action.isSeparator():
            continue
        button = toolbar.widgetForAction(action)
        if button is None or not button.isVisible() or not toolbar.rect().contains(button.geometry()):
            missing.append(action.text())
    return missing


def settle(qtbot) -> None:
    """Wait until the window no longer clamps itself to the (offscreen, small) screen."""
    qtbot.wait(int(SETTLE_S * 1000) + 200)


def painted_text_fits(label: QLabel) -> bool:
    return label.fontMetrics().horizontalAdvance(label.text()) <= label.contentsRect().width()


def test_toolbar_and_status_bar_fit_a_narrow_window_while_recording_in_compare(qtbot, make_window, helpers, faces_video: Path, tmp_path: Path) -> None:
    long_clip = tmp_path / ("a_very_long_recording_name_from_the_lab_camera_session_" * 3 + ".mp4")
    shutil.copy(faces_video, long_clip)
    window = make_window(source=long_clip, output_dir=tmp_path / ("recordings_with_a_long_folder_name_" * 3))
    settle(qtbot)
    window.resize(NARROW, 690)
    helpers.frames(qtbot, window, 3)
    toolbar = window.toolbar
    assert toolbar.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonTextBesideIcon, "1280 px has room for the names"
    assert hidden_commands(toolbar) == []

    window.commands.compare.setChecked(True)
    window.commands.record.setChecked(True)
    qtbot.waitUntil(lambda: window.recording.recording, timeout=30_000)
    helpers.frames(qtbot, window, 3)
    qtbot.waitUntil(lambda: hidden_commands(toolbar) == [], timeout=5_000)  # "Stop recording" is wider than "Record"
    assert window.minimumSizeHint().width() <= NARROW
    assert window.width() <= NARROW

    bar = window.statusBar()
    message = bar.currentMessage()
    assert message.startswith("Recording to ") and str(tmp_path) in message
    shown = bar.shown_message()
    assert bar.fontMetrics().horizontalAdvance(shown) <= bar.message_room(), f"{shown!r} is wider than the room left to it"
    assert shown != message and "…" in shown and bar.toolTip() == message
    for label in window.statusBar().findChildren(QLabel):
        if label.isVisible() and label.text():
            assert painted_text_fits(label) or label.toolTip(), f"status label {label.text()!r} cut off"

    window.resize(1600, 690)
    qtbot.waitUntil(lambda: toolbar.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonTextBesideIcon, timeout=5_000)
    with qtbot.waitSignal(window.recording.finished, timeout=30_000):
        window.commands.record.setChecked(False)


def test_a_toolbar_too_narrow_for_names_shows_icons_with_names_in_tooltips(qtbot, make_window, helpers, faces_video: Path) -> None:
    window = make_window(source=faces_video)
    settle(qtbot)
    window.resize(900, 600)
    helpers.frames(qtbot, window, 2)
    toolbar = window.toolbar
    qtbot.waitUntil(lambda: toolbar.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonIconOnly, timeout=5_000)
    assert hidden_commands(toolbar) == []
    for button in toolbar.findChildren(QToolButton):
        action = button.defaultAction()
        if button.isVisible() and action is not None:
            assert button.toolTip(), f"{action.text()!r} has no tooltip"
    window.resize(NARROW, 690)
    qtbot.waitUntil(lambda: toolbar.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonTextBesideIcon, timeout=5_000)
