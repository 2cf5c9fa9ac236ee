"""The window's menus and toolbar, built from its :class:`~.actions.WindowActions`. GUI thread."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QToolBar

from . import help_menu, info_panel

if TYPE_CHECKING:
    from .main_window import MainWindow


def build_menus(window: MainWindow) -> None:
    a = window.commands
    menu = window.menuBar()
    file_menu = menu.addMenu("&File")
    for action in (
        a.use_sample,
        a.use_camera,
        a.open_video,
        a.open_image,
        a.reopen_source,
        None,
        a.open_model,
        None,
        a.choose_output,
        a.screenshot,
        a.record,
        None,
        a.quit,
    ):
        file_menu.addSeparator() if action is None else file_menu.addAction(action)
    view_menu = menu.addMenu("&View")
    for action in (a.pause, a.compare, a.landmarks, a.fullscreen, None, a.show_controls, a.show_plots):
        view_menu.addSeparator() if action is None else view_menu.addAction(action)
    view_menu.addAction(a.model_info)
    window.info_panel = info_panel.build(window)
    window.models_menu = view_menu.addMenu("&Models")
    for action in a.pick_model:
        window.models_menu.addAction(action)
    # on the window itself too, so every shortcut works while menus and toolbar are hidden (fullscreen)
    window.addActions(a.all())
    help_menu.add_help_menu(window)


def build_toolbar(window: MainWindow) -> QToolBar:
    a = window.commands
    toolbar = QToolBar("Main")
    toolbar.setObjectName("mainToolbar")
    toolbar.setMovable(False)
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    for action in (a.use_sample, a.use_camera, a.open_video, a.open_image, None, a.pause, a.record, a.screenshot, None, a.compare, a.open_model):
        if action is None:
            toolbar.addSeparator()
        else:
            toolbar.addAction(action)
    window.addToolBar(toolbar)
    ToolbarFit(toolbar)  # kept alive by its parent, the toolbar
    return toolbar


class ToolbarFit(QObject):
    """Names beside the icons while the toolbar has room for all of them, icons only (names in the
    tooltips) when it has not: on a 1280-px screen "Stop recording" would otherwise push the last
    commands into Qt's overflow menu, which nobody finds. Refits on resize and on a changed name."""

    def __init__(self, toolbar: QToolBar) -> None:
        super().__init__(toolbar)
        self.toolbar = toolbar
        self._pending = QTimer(self, singleShot=True, interval=0)
        self._pending.timeout.connect(self.refit)
        toolbar.installEventFilter(self)
        for action in toolbar.actions():
            action.changed.connect(self._pending.start)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self._pending.start()
        return False

    def names_fit(self) -> bool:
        """Whether every command fits with its name beside the icon (measured in that style)."""
        toolbar = self.toolbar
        style = toolbar.toolButtonStyle()
        layout = toolbar.layout()
        assert layout is not None  # a QToolBar always has its layout
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        layout.invalidate()
        need = layout.sizeHint().width()
        toolbar.setToolButtonStyle(style)
        return need <= toolbar.width()

    def refit(self) -> None:
        toolbar = self.toolbar
        toolbar.setUpdatesEnabled(False)
        try:
            wanted = Qt.ToolButtonStyle.ToolButtonTextBesideIcon if self.names_fit() else Qt.ToolButtonStyle.ToolButtonIconOnly
            if wanted != toolbar.toolButtonStyle():
                toolbar.setToolButtonStyle(wanted)
        finally:
            toolbar.setUpdatesEnabled(True)
