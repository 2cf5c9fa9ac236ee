"""Window size and side panels (offscreen; the X-server checks with a window manager are in
test_window_x11.py): the first-start and clamp rectangles, the real window's collapsible panels
(View menu actions and F9/F10, remembered, fullscreen gives them back as they were)."""

from __future__ import annotations

from PySide6.QtCore import QMargins, QRect, QSettings, Qt
from PySide6.QtWidgets import QApplication

from featherface_app.gui.window_fit import PREFERRED_SIZE, clamp_rect, first_start_rect

FRAME = QMargins(4, 30, 4, 4)


def outer(client: QRect, frame: QMargins = FRAME) -> QRect:
    return client.marginsAdded(frame)


def test_first_start_fits_a_small_screen_and_keeps_the_preferred_size_on_a_big_one() -> None:
    for available in (QRect(0, 0, 1366, 740), QRect(0, 28, 1280, 692), QRect(100, 0, 1024, 600)):
        client = first_start_rect(available, FRAME)
        assert available.contains(outer(client)), (available, outer(client))
        assert client.width() == available.width() - 8  # as wide as the screen allows
    big = QRect(0, 0, 2560, 1400)
    client = first_start_rect(big, FRAME)
    assert client.size() == PREFERRED_SIZE and big.contains(outer(client))
    assert abs(outer(client).center().x() - big.center().x()) <= 1  # centred


def test_a_remembered_geometry_is_clamped_to_the_screen() -> None:
    available = QRect(0, 0, 1280, 720)
    for saved in (QRect(100, 60, 1800, 1000), QRect(1500, 900, 800, 500), QRect(-400, -300, 900, 600)):
        client = clamp_rect(saved, FRAME, available)
        assert available.contains(outer(client)), (saved, client)
    inside = QRect(50, 60, 900, 500)
    assert clamp_rect(inside, FRAME, available) == inside  # a window that fits is left alone


def test_side_panels_collapse_from_the_view_menu_and_keys_and_are_remembered(qtbot, make_window, settings_store: QSettings) -> None:
    window = make_window(source="sample")
    controls, plots = window.side_panels
    qtbot.waitUntil(lambda: controls.isVisible() and plots.isVisible())
    window.activateWindow()  # shortcuts go to the active window
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    assert window.commands.show_controls in view_menu.actions() and window.commands.show_plots in view_menu.actions()
    qtbot.keyClick(window, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: not controls.isVisible())
    assert plots.isVisible() and window.view.isVisible()
    window.commands.show_plots.trigger()  # the View menu entry
    qtbot.waitUntil(lambda: not plots.isVisible())
    qtbot.waitUntil(lambda: window.view.width() >= window.splitter.width() - 20)  # the video has the room

    window.commands.fullscreen.setChecked(True)
    window.commands.fullscreen.setChecked(False)  # back: the panels as the user left them (hidden)
    assert not controls.isVisible() and not plots.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_F10)
    qtbot.waitUntil(lambda: plots.isVisible())
    window.close()

    again = make_window(source="sample", store=settings_store)
    qtbot.waitUntil(lambda: again.view.isVisible())
    assert not again.side_panels[0].isVisible() and again.side_panels[1].isVisible()
    assert not again.commands.show_controls.isChecked() and again.commands.show_plots.isChecked()
