"""Icons drawn with QPainter: no image files to find at run time, crisp at every size.

The application icon is also written to ``resources/icons`` (``python -m featherface_app.gui.icons``)
for the packagers and desktop files that need a file.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

FOREGROUND = QColor("#e6e9ef")
ACCENT = QColor("#ffb000")
SECOND = QColor("#33c3ff")
RED = QColor("#ff4d4d")
SIZES = (16, 20, 24, 32, 48, 64, 128, 256)

Painter = Callable[[QPainter], None]


def _pen(colour: QColor, width: float = 5.0) -> QPen:
    pen = QPen(colour, width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def _face(p: QPainter, centre: QPointF, radius: float, colour: QColor, width: float = 4.0) -> None:
    """A face outline with eyes and a smile: the motif shared by the app and model icons."""
    p.setPen(_pen(colour, width))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawEllipse(centre, radius * 0.8, radius)
    p.setBrush(QBrush(colour))
    for dx in (-0.32, 0.32):
        p.drawEllipse(QPointF(centre.x() + dx * radius, centre.y() - 0.2 * radius), radius * 0.09, radius * 0.09)
    p.setBrush(Qt.BrushStyle.NoBrush)
    smile = QRectF(centre.x() - 0.35 * radius, centre.y() + 0.05 * radius, 0.7 * radius, 0.45 * radius)
    p.drawArc(smile, 200 * 16, 140 * 16)


def _corners(p: QPainter, rect: QRectF, colour: QColor, length: float, width: float) -> None:
    """Detection-box corner brackets."""
    p.setPen(_pen(colour, width))
    x0, y0, x1, y1 = rect.left(), rect.top(), rect.right(), rect.bottom()
    for x, y, sx, sy in ((x0, y0, 1, 1), (x1, y0, -1, 1), (x0, y1, 1, -1), (x1, y1, -1, -1)):
        p.drawLine(QPointF(x, y), QPointF(x + sx * length, y))
        p.drawLine(QPointF(x, y), QPointF(x, y + sy * length))


def paint_app(p: QPainter) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#1d2330"))
    p.drawRoundedRect(QRectF(2, 2, 60, 60), 12, 12)
    _face(p, QPointF(32, 33), 17, FOREGROUND, 3.5)
    _corners(p, QRectF(9, 9, 46, 48), ACCENT, 11, 4.5)
    # a feather stroke across the corner: the "Feather" in FeatherFace
    path = QPainterPath(QPointF(42, 60))
    path.cubicTo(QPointF(50, 50), QPointF(58, 44), QPointF(61, 34))
    p.setPen(_pen(SECOND, 3.0))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawPath(path)


def paint_video(p: QPainter) -> None:
    p.setPen(_pen(FOREGROUND))
    p.drawRoundedRect(QRectF(6, 16, 36, 32), 5, 5)
    path = QPainterPath(QPointF(44, 28))
    path.lineTo(58, 19)
    path.lineTo(58, 45)
    path.lineTo(44, 36)
    path.closeSubpath()
    p.drawPath(path)


def paint_image(p: QPainter) -> None:
    p.setPen(_pen(FOREGROUND))
    p.drawRoundedRect(QRectF(6, 10, 52, 44), 5, 5)
    path = QPainterPath(QPointF(10, 48))
    path.lineTo(26, 30)
    path.lineTo(36, 40)
    path.lineTo(44, 32)
    path.lineTo(54, 44)
    p.drawPath(path)
    p.drawEllipse(QPointF(44, 21), 4, 4)


def paint_model(p: QPainter) -> None:
    p.setPen(_pen(FOREGROUND, 4))
    for i, y in enumerate((14, 32, 50)):
        for x in (12, 52):
            p.drawEllipse(QPointF(x, y), 4, 4)
        if i < 2:
            for a in (12, 52):
                for b in (12, 52):
                    p.drawLine(QPointF(a, y + 5), QPointF(b, y + 13))
    _face(p, QPointF(32, 32), 9, ACCENT, 3)


def paint_sample(p: QPainter) -> None:
    p.setPen(_pen(FOREGROUND))
    p.drawRoundedRect(QRectF(6, 10, 52, 44), 6, 6)
    path = QPainterPath(QPointF(26, 22))
    path.lineTo(44, 32)
    path.lineTo(26, 42)
    path.closeSubpath()
    p.setBrush(QBrush(ACCENT))
    p.setPen(_pen(ACCENT, 3))
    p.drawPath(path)


def paint_camera(p: QPainter) -> None:
    p.setPen(_pen(FOREGROUND))
    p.drawRoundedRect(QRectF(6, 18, 52, 36), 6, 6)
    p.drawRect(QRectF(22, 11, 20, 7))
    p.drawEllipse(QPointF(32, 36), 10, 10)


def paint_folder(p: QPainter) -> None:
    p.setPen(_pen(FOREGROUND))
    path = QPainterPath(QPointF(6, 50))
    path.lineTo(6, 14)
    path.lineTo(24, 14)
    path.lineTo(30, 20)
    path.lineTo(58, 20)
    path.lineTo(58, 50)
    path.closeSubpath()
    p.drawPath(path)


def paint_pause(p: QPainter) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(FOREGROUND)
    p.drawRoundedRect(QRectF(16, 12, 11, 40), 3, 3)
    p.drawRoundedRect(QRectF(37, 12, 11, 40), 3, 3)


def paint_play(p: QPainter) -> None:
    path = QPainterPath(QPointF(18, 10))
    path.lineTo(52, 32)
    path.lineTo(18, 54)
    path.closeSubpath()
    p.setPen(_pen(FOREGROUND, 3))
    p.setBrush(FOREGROUND)
    p.drawPath(path)


def paint_record(p: QPainter) -> None:
    p.setPen(_pen(FOREGROUND, 3))
    p.setBrush(RED)
    p.drawEllipse(QPointF(32, 32), 19, 19)


def paint_stop(p: QPainter) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(RED)
    p.drawRoundedRect(QRectF(14, 14, 36, 36), 5, 5)


def paint_screenshot(p: QPainter) -> None:
    _corners(p, QRectF(6, 8, 52, 48), FOREGROUND, 13, 5)
    p.setPen(_pen(ACCENT, 4))
    p.drawEllipse(QPointF(32, 32), 9, 9)


def paint_compare(p: QPainter) -> None:
    p.setPen(_pen(ACCENT, 4.5))
    p.drawRoundedRect(QRectF(6, 12, 30, 36), 4, 4)
    p.setPen(_pen(SECOND, 4.5))
    p.drawRoundedRect(QRectF(28, 18, 30, 36), 4, 4)


PAINTERS: dict[str, Painter] = {
    "app": paint_app,
    "video": paint_video,
    "image": paint_image,
    "model": paint_model,
    "sample": paint_sample,
    "camera": paint_camera,
    "folder": paint_folder,
    "pause": paint_pause,
    "play": paint_play,
    "record": paint_record,
    "stop": paint_stop,
    "screenshot": paint_screenshot,
    "compare": paint_compare,
}


def render(name: str, size: int) -> QPixmap:
    """One icon as a ``size`` x ``size`` pixmap with a transparent background."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(size / 64, size / 64)
    PAINTERS[name](painter)
    painter.end()
    return pixmap


@lru_cache(maxsize=None)
def icon(name: str) -> QIcon:
    """A QIcon with pixmaps at every size in :data:`SIZES`; needs a QGuiApplication."""
    if name not in PAINTERS:
        raise KeyError(f"no icon named {name!r}; known: {', '.join(PAINTERS)}")
    result = QIcon()
    for size in SIZES:
        result.addPixmap(render(name, size))
    return result


def write_app_icons(folder: Path) -> list[Path]:
    """Write app.png (256 px) and app.ico (16-256 px) for packaging; returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    png = folder / "app.png"
    ico = folder / "app.ico"
    if not render("app", 256).save(str(png), "PNG"):
        raise OSError(f"could not write {png}")
    _write_ico(ico, [render("app", s) for s in (16, 24, 32, 48, 64, 128, 256)])
    return [png, ico]


def _write_ico(path: Path, pixmaps: list[QPixmap]) -> None:
    """ICO container holding PNG images (supported since Windows Vista); Qt cannot write ICO itself."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    blobs = []
    for pixmap in pixmaps:
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        pixmap.save(buffer, "PNG")
        blobs.append((pixmap.width(), bytes(data.data())))
    header = (0).to_bytes(2, "little") + (1).to_bytes(2, "little") + len(blobs).to_bytes(2, "little")
    offset = 6 + 16 * len(blobs)
    entries, images = b"", b""
    for size, blob in blobs:
        dim = 0 if size >= 256 else size
        entries += bytes([dim, dim, 0, 0]) + (1).to_bytes(2, "little") + (32).to_bytes(2, "little")
        entries += len(blob).to_bytes(4, "little") + offset.to_bytes(4, "little")
        offset += len(blob)
        images += blob
    path.write_bytes(header + entries + images)


def main(argv: list[str] | None = None) -> int:
    from PySide6.QtGui import QGuiApplication

    parser = argparse.ArgumentParser(description="Write the application icon files.")
    parser.add_argument("folder", type=Path, nargs="?", default=Path(__file__).resolve().parents[2] / "resources" / "icons")
    args = parser.parse_args(argv)
    app = QGuiApplication.instance() or QGuiApplication([])
    for path in write_app_icons(args.folder):
        print(path)
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
