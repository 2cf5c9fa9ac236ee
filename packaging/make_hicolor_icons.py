"""Write the app icon in the freedesktop hicolor sizes for the desktop entry:
``resources/icons/hicolor/<N>x<N>/apps/<APP_ID>.png``. Run again when the icon's drawing changes.

    QT_QPA_PLATFORM=offscreen python packaging/make_hicolor_icons.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtGui import QGuiApplication

from featherface_app.desktop_entry import APP_ID, ICON_SIZES
from featherface_app.gui.icons import render


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication([])
    for size in ICON_SIZES:
        path = ROOT / "resources" / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        if not render("app", size).save(str(path), "PNG"):
            raise OSError(f"could not write {path}")
        print(path)
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
