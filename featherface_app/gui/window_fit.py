"""The window's size and place on screen, and its collapsible side panels. GUI thread.

- First start: the preferred size (:data:`PREFERRED_SIZE`) shrunk to the screen's available
  geometry (no task bar, no panel), window-manager frame included, and centred.
- A remembered geometry is restored, then clamped to the screen it lands on (a window saved on
  a big monitor opens whole on a laptop).
- The frame margins are only known once the window manager has framed the window, so the window
  is clamped again when it is first shown and moved or resized by the window manager.
- The two side panels (controls, plots) can be hidden from the View menu (F9, F10) so the video
  gets the room; their state is remembered. Fullscreen hides both and gives them back as they were.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QMargins, QObject, QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from .main_window import MainWindow

#: the size the window asks for when the screen has room for it
PREFERRED_SIZE = QSize(1500, 880)
#: frame margins assumed before the window manager has said (title bar and borders)
ASSUMED_FRAME = QMargins(4, 32, 4, 4)
#: how long after the first show a move or resize by the window manager is still clamped
SETTLE_S = 3.0
GEOMETRY_KEY = "window/geometry"
PANEL_KEYS = {"controls": "window/show_controls", "plots": "window/show_plots"}


def first_start_rect(available: QRect, frame: QMargins = ASSUMED_FRAME) -> QRect:
    """The client rectangle for a first start: the preferred size, no larger than ``available``
    less the frame, centred in ``available`` (frame included)."""
    width = min(PREFERRED_SIZE.width(), available.width() - frame.left() - frame.right())
    height = min(PREFERRED_SIZE.height(), available.height() - frame.top() - frame.bottom())
    outer_w = width + frame.left() + frame.right()
    outer_h = height + frame.top() + frame.bottom()
    left = available.left() + (available.width() - outer_w) // 2 + frame.left()
    top = available.top() + (available.height() - outer_h) // 2 + frame.top()
    return QRect(left, top, width, height)


def clamp_rect(client: QRect, frame: QMargins, available: QRect) -> QRect:
    """``client`` made small enough that it and its ``frame`` fit ``available``, and moved inside."""
    width = min(client.width(), available.width() - frame.left() - frame.right())
    height = min(client.height(), available.height() - frame.top() - frame.bottom())
    left = min(max(client.left(), available.left() + frame.left()), available.right() + 1 - frame.right() - width)
    top = min(max(client.top(), available.top() + frame.top()), available.bottom() + 1 - frame.bottom() - height)
    return QRect(left, top, width, height)


def frame_margins(window: QWidget) -> QMargins:
    """The window manager's frame around ``window`` (assumed until the window is framed)."""
    outer, inner = window.frameGeometry(), window.geometry()
    margins = QMargins(inner.left() - outer.left(), inner.top() - outer.top(), outer.right() - inner.right(), outer.bottom() - inner.bottom())
    return margins if window.isVisible() and not margins.isNull() else ASSUMED_FRAME


def available_geometry(window: QWidget) -> QRect:
    screen = window.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry()


class WindowFit(QObject):
    """Places ``window`` on its screen and owns the side panels' visibility (see the module)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._shown_at: float | None = None
        self._fullscreen = False
        window.installEventFilter(self)
        a = window.commands
        self.panels = {"controls": (a.show_controls, window.side_panels[0]), "plots": (a.show_plots, window.side_panels[1])}
        for key, (action, widget) in self.panels.items():
            shown = str(window.store.value(PANEL_KEYS[key], "true")).lower() != "false"
            action.setChecked(shown)
            widget.setVisible(shown)
            action.toggled.connect(lambda on, k=key: self._on_panel_toggled(k, on))

    # -- geometry ------------------------------------------------------------------------------
    def restore(self) -> None:
        """The remembered geometry clamped to the screen, or the first-start size."""
        w = self.window
        geometry = w.store.value(GEOMETRY_KEY)
        if isinstance(geometry, QByteArray) and not geometry.isEmpty() and w.restoreGeometry(geometry):
            self.clamp()
        else:
            w.setGeometry(first_start_rect(available_geometry(w)))

    def clamp(self) -> None:
        """Shrink and move the window so that it, frame included, is on its screen."""
        w = self.window
        if w.isFullScreen() or w.isMaximized():
            return
        available = available_geometry(w)
        margins = frame_margins(w)
        target = clamp_rect(w.geometry(), margins, available)
        if target != w.geometry():
            w.setGeometry(target)

    def save(self) -> None:
        self.window.store.setValue(GEOMETRY_KEY, self.window.saveGeometry())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        kind = event.type()
        if kind == QEvent.Type.Show and self._shown_at is None:
            self._shown_at = time.monotonic()
            self.clamp()
        elif kind in (QEvent.Type.Move, QEvent.Type.Resize) and self._shown_at is not None:
            if time.monotonic() - self._shown_at < SETTLE_S:  # the window manager framing the window
                self.clamp()
        return False

    # -- side panels ---------------------------------------------------------------------------
    def _on_panel_toggled(self, key: str, on: bool) -> None:
        self.window.store.setValue(PANEL_KEYS[key], on)
        if not self._fullscreen:
            self.panels[key][1].setVisible(on)

    def set_fullscreen(self, on: bool) -> None:
        """Fullscreen: only the video; back: the panels the user had, menus and toolbar."""
        w = self.window
        self._fullscreen = on
        for action, widget in self.panels.values():
            widget.setVisible(not on and action.isChecked())
        w.toolbar.setVisible(not on)
        w.menuBar().setVisible(not on)
        w.showFullScreen() if on else w.showNormal()
