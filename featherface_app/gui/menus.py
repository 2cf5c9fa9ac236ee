"""The window's menus and toolbar, built from its :class:`~.actions.WindowActions`. GUI thread."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
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
    return toolbar
