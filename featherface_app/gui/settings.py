"""Settings remembered between runs: one typed record, read from and written to QSettings in one place.

QSettings stores strings in INI files on Linux, so every value is read back through a checked
converter; a damaged or foreign value falls back to the default instead of crashing the app.
``FEATHERFACE_SETTINGS`` (a file path) redirects the store, which tests use to stay away from the
user's real settings.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, QStandardPaths

log = logging.getLogger(__name__)

ORGANISATION = "FeatherFace"
APPLICATION = "FeatherFace Live"
SETTINGS_ENV = "FEATHERFACE_SETTINGS"

#: input long side offered in the GUI; 0 means the frame's own size.
INPUT_SIZES = (320, 480, 640, 0)
CAMERA_SIZES = ("640x480", "1280x720")
COMPARE_LAYOUTS = ("side-by-side", "overlay")
PLOT_STAGES = ("pipeline", "capture", "preprocess", "inference", "postprocess", "draw")


def default_output_dir() -> Path:
    """Movies/FeatherFaceLive (QStandardPaths), or ~/FeatherFaceLive where no movies folder is known."""
    movies = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.MoviesLocation)
    return Path(movies or Path.home()) / "FeatherFaceLive"


def open_settings() -> QSettings:
    """The settings store: the file named by ``FEATHERFACE_SETTINGS`` if set, else the user's."""
    override = os.environ.get(SETTINGS_ENV)
    if override:
        return QSettings(override, QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION, APPLICATION)


@dataclass
class GuiSettings:
    """Every control the user can set, with its default. Paths are stored as strings ('' = none)."""

    confidence: float = 0.5
    nms_iou: float = 0.4
    input_size: int = 640
    show_landmarks: bool = True
    compare: bool = False
    compare_layout: str = "side-by-side"
    model_a: str = ""
    model_b: str = ""
    user_models: list[str] = field(default_factory=list)
    #: the source to start with: ``sample``, ``camera:N``, or '' for "camera if one opens, else sample".
    source: str = ""
    camera_index: int = 0
    camera_size: str = "640x480"
    output_dir: str = ""
    plot_seconds: int = 30
    plot_stage: str = "inference"
    loop_video: bool = False

    def output_path(self) -> Path:
        return Path(self.output_dir) if self.output_dir else default_output_dir()

    def camera_wh(self) -> tuple[int, int]:
        width, height = self.camera_size.split("x")
        return int(width), int(height)


def _to_float(value: Any, low: float, high: float) -> float:
    number = float(value)
    if not low <= number <= high:
        raise ValueError(f"{number} outside [{low}, {high}]")
    return number


def _to_int(value: Any, low: int, high: int) -> int:
    number = int(value)
    if not low <= number <= high:
        raise ValueError(f"{number} outside [{low}, {high}]")
    return number


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise ValueError(f"not a boolean: {value!r}")


def _one_of(choices: tuple[Any, ...], convert: Any = str) -> Any:
    def check(value: Any) -> Any:
        converted = convert(value)
        if converted not in choices:
            raise ValueError(f"{converted!r} not in {choices}")
        return converted

    return check


def _to_str_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value if str(v)]


_CONVERTERS: dict[str, Any] = {
    "confidence": lambda v: _to_float(v, 0.01, 0.99),
    "nms_iou": lambda v: _to_float(v, 0.05, 0.95),
    "input_size": _one_of(INPUT_SIZES, int),
    "show_landmarks": _to_bool,
    "compare": _to_bool,
    "compare_layout": _one_of(COMPARE_LAYOUTS),
    "model_a": str,
    "model_b": str,
    "user_models": _to_str_list,
    "source": str,
    "camera_index": lambda v: _to_int(v, 0, 63),
    "camera_size": _one_of(CAMERA_SIZES),
    "output_dir": str,
    "plot_seconds": lambda v: _to_int(v, 5, 300),
    "plot_stage": _one_of(PLOT_STAGES),
    "loop_video": _to_bool,
}


def load_settings(store: QSettings) -> GuiSettings:
    """Read every field; a missing or invalid value keeps its default (and is logged)."""
    result = GuiSettings()
    for item in fields(GuiSettings):
        if not store.contains(item.name):
            continue
        raw = store.value(item.name)
        try:
            setattr(result, item.name, _CONVERTERS[item.name](raw))
        except (TypeError, ValueError) as exc:
            log.warning("ignoring stored setting %s=%r: %s", item.name, raw, exc)
    return result


def save_settings(store: QSettings, values: GuiSettings) -> None:
    for item in fields(GuiSettings):
        store.setValue(item.name, getattr(values, item.name))
    store.sync()
