"""Every user command as one QAction: the menu entry, the toolbar/panel button and the shortcut.

One action per command keeps the checked state in one place (pause, record, compare, landmarks,
fullscreen), whichever way the user triggered it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QIcon, QKeySequence

from .icons import icon

MODEL_SLOTS = 9


def _action(
    parent: QObject,
    text: str,
    shortcut: str | QKeySequence.StandardKey | None = None,
    tip: str = "",
    checkable: bool = False,
    icon_name: str | None = None,
) -> QAction:
    action = QAction(text, parent)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    action.setToolTip(f"{tip or text.replace('&', '').rstrip('…')}" + (f" ({keys})" if keys else ""))
    action.setStatusTip(tip)
    action.setCheckable(checkable)
    if icon_name:
        action.setIcon(icon(icon_name))
    return action


@dataclass
class WindowActions:
    """The window's commands. Created on the GUI thread with the window as parent."""

    open_video: QAction
    open_image: QAction
    open_model: QAction
    use_sample: QAction
    use_camera: QAction
    reopen_source: QAction
    choose_output: QAction
    pause: QAction
    record: QAction
    screenshot: QAction
    model_info: QAction
    compare: QAction
    landmarks: QAction
    fullscreen: QAction
    show_controls: QAction
    show_plots: QAction
    exit_fullscreen: QAction
    quit: QAction
    pick_model: list[QAction]

    @classmethod
    def create(cls, parent: QObject) -> WindowActions:
        pick = []
        for slot in range(MODEL_SLOTS):
            action = _action(parent, f"Model {slot + 1}", str(slot + 1), f"Show model {slot + 1} of the model list")
            action.setData(slot)
            pick.append(action)
        return cls(
            open_video=_action(parent, "Open &video…", QKeySequence.StandardKey.Open, "Play a video file", icon_name="video"),
            open_image=_action(parent, "Open &image…", "Ctrl+I", "Detect faces in a still image", icon_name="image"),
            open_model=_action(parent, "Open &model…", "Ctrl+M", "Load an ONNX face detector", icon_name="model"),
            use_sample=_action(parent, "&Sample clip", "Ctrl+1", "Play the built-in sample clip", icon_name="sample"),
            use_camera=_action(parent, "&Camera", "Ctrl+K", "Open the camera chosen in the panel", icon_name="camera"),
            reopen_source=_action(parent, "&Restart source", "F5", "Open the current source again from the start"),
            choose_output=_action(parent, "Output &folder…", None, "Where recordings and screenshots go", icon_name="folder"),
            pause=_action(parent, "&Pause", "Space", "Pause or resume the video", checkable=True, icon_name="pause"),
            record=_action(parent, "&Record", "Ctrl+R", "Start or stop recording the annotated video", True, "record"),
            screenshot=_action(parent, "Screens&hot", QKeySequence.StandardKey.Save, "Save the annotated frame as PNG", icon_name="screenshot"),
            model_info=_action(parent, "Model &info…", "I", "Parameters, GMACs, provenance, card AP and live latency of the models shown"),
            compare=_action(parent, "&Compare two models", "C", "Run two models on the same frame", checkable=True, icon_name="compare"),
            landmarks=_action(parent, "&Landmarks", "L", "Draw the five facial landmarks", checkable=True),
            fullscreen=_action(parent, "&Fullscreen", "F", "Toggle fullscreen", checkable=True),
            show_controls=_action(parent, "C&ontrols panel", "F9", "Show or hide the controls on the left", checkable=True),
            show_plots=_action(parent, "&Plots panel", "F10", "Show or hide the speed plots on the right", checkable=True),
            exit_fullscreen=_action(parent, "Leave fullscreen", "Esc"),
            quit=_action(parent, "&Quit", QKeySequence.StandardKey.Quit, "Close the window"),
            pick_model=pick,
        )

    def all(self) -> list[QAction]:
        out: list[QAction] = []
        for item in fields(self):
            value = getattr(self, item.name)
            out.extend(value if isinstance(value, list) else [value])
        return out

    def set_icon(self, action: QAction, name: str) -> None:
        action.setIcon(icon(name) if name else QIcon())
