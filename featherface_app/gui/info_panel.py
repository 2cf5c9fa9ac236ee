"""The model info panel (View → Model info, key I): the selected models side by side — family,
variant, parameters, GMACs at the current input size, file, input policy, the model card's AP,
provenance, the latency measured live since the app started and, for V1 and V2, the claimed figures
beside the measured ones.

The records come from the Qt-free :mod:`featherface_app.core.model_report` (built once per model
and input size, then cached); the latency from a :class:`LatencyTally`, a sink of the frame loop
fed every frame processed since the window's start. A non-modal dialog refreshed at 2 Hz while it is open.
GUI thread.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QDialog, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout

from featherface_app.core.annotate import SIDE_BY_SIDE_GAP
from featherface_app.core.model_report import (
    DEFAULT_FRAME_HW,
    V1_VARIANT,
    LatencyTally,
    ModelReport,
    build_report,
    design_claims,
    report_rows,
)
from featherface_app.core.pipeline import CompareMode, ProcessedFrame

if TYPE_CHECKING:
    from .main_window import MainWindow

REFRESH_MS = 500
SECTION_BACKGROUND, SECTION_TEXT = "#2d4054", "#e8eef5"
SECTION_TITLES = {"model": "Model", "provenance": "Provenance", "claimed vs measured": "Claimed vs measured"}


class ModelInfoPanel(QDialog):
    """Model A (and B in compare mode) described side by side. Created with the window, so its
    latency tally (a frame-loop sink) counts every frame processed since the app started; shown with :meth:`toggle`."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window_ = window
        self.setObjectName("modelInfoPanel")
        self.setWindowTitle("Model info")
        self.setModal(False)
        self.tally = LatencyTally()
        self._reports: dict[tuple[str, tuple[int, int], int | None], ModelReport] = {}
        self._frame_hw: tuple[int, int] | None = None
        self._labels: list[tuple[str, str]] = []
        self._columns: list[str] = []
        self.refresh_count = 0

        self.caption = QLabel()
        self.caption.setObjectName("caption")
        self.caption.setWordWrap(True)
        self.table = QTableWidget(0, 1)
        self.table.setObjectName("modelInfoTable")
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setWordWrap(True)
        layout = self._layout = QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addWidget(self.table, 1)
        self.resize(1200, 760)

        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        window.worker.add_sink(self.tally)  # every processed frame, on the inference thread
        window.worker.frame_ready.connect(self._on_frame)
        self.addAction(window.commands.model_info)  # its key closes the panel from the panel too

    # -- feeding -----------------------------------------------------------------------------------
    def _on_frame(self, processed: ProcessedFrame) -> None:
        height, width = processed.image_bgr.shape[:2]
        if len(processed.results) == 2 and self.window_.processor.compare_mode is CompareMode.SIDE_BY_SIDE:
            width = (width - SIDE_BY_SIDE_GAP) // 2
        self._frame_hw = (height, width)

    # -- showing -----------------------------------------------------------------------------------
    def toggle(self) -> None:
        if self.isVisible():
            self.hide()
        else:
            self.open_panel()

    def open_panel(self) -> None:
        self.refresh()
        self._fit_height()
        self.show()
        self.raise_()
        self.timer.start()

    def full_height(self) -> int:
        """The height that shows every row without scrolling."""
        table = self.table
        rows = sum(table.rowHeight(r) for r in range(table.rowCount()))
        margins = self._layout.contentsMargins()
        return rows + table.horizontalHeader().height() + 2 * table.frameWidth() + self.caption.sizeHint().height() + margins.top() + margins.bottom()

    def _fit_height(self) -> None:
        """Tall enough for every row where the screen allows (the table scrolls beyond that)."""
        screen = self.window_.screen()
        limit = int(screen.availableGeometry().height() * 0.9) if screen is not None else 900
        self.resize(self.width(), max(360, min(self.full_height(), limit)))

    def hideEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.timer.stop()
        super().hideEvent(event)

    def _report(self, path: Path, info, frame_hw: tuple[int, int], long_side: int | None) -> ModelReport:
        key = (str(path), frame_hw, long_side)
        if key not in self._reports:
            self._reports[key] = build_report(path, info, frame_hw, long_side)
        return self._reports[key]

    def current_reports(self) -> list[tuple[str, ModelReport]]:
        """(display name, record) of model A and, in compare mode, model B, at the current input."""
        processor = self.window_.processor
        frame_hw = self._frame_hw or DEFAULT_FRAME_HW
        long_side = processor.options.input_long_side
        names = [n for n in (processor.active_name, processor.compare_name) if n]
        shown = []
        v1: tuple[str, ModelReport] | None = None
        for name in processor.model_names:
            try:
                detector = processor.detector(name)
            except (KeyError, ValueError):  # taken off since the names were read
                continue
            if name in names or (v1 is None and detector.info.variant == V1_VARIANT):
                report = self._report(detector.path, detector.info, frame_hw, long_side)
                if name in names:
                    shown.append((name, report))
                if v1 is None and report.variant == V1_VARIANT:
                    v1 = (name, report)
        shown.sort(key=lambda item: names.index(item[0]))
        v1_latency = self.tally.summary(v1[0]) if v1 else None
        return [(name, replace(r, claims=design_claims(r, v1[1] if v1 else None, self.tally.summary(name), v1_latency))) for name, r in shown]

    def refresh(self) -> None:
        reports = self.current_reports()
        processor = self.window_.processor
        frame_hw = self._frame_hw or DEFAULT_FRAME_HW
        side = processor.options.input_long_side
        if reports:
            h, w = reports[0][1].input_hw
            source = f"{frame_hw[1]}x{frame_hw[0]} frames" if self._frame_hw else "a 640x480 frame (no frame shown yet)"
            self.caption.setText(
                f"Input {w}x{h}: {source} at {'long side ' + str(side) + ' px' if side else 'their own size'}, padded to the model's multiple. "
                "GMACs counted from the ONNX graph (Conv, ConvTranspose, Gemm, MatMul); AP from the model card; "
                "latency over every frame since the app started (refreshed twice a second)."
            )
        else:
            self.caption.setText("No model is running yet.")
        # the column headers name the models: no "model" row
        rows_per_model = [[row for row in report_rows(r, self.tally.summary(name)) if row[1] != "model"] for name, r in reports]
        self._fill([name for name, _ in reports], rows_per_model)
        self.refresh_count += 1

    def _fill(self, columns: list[str], rows_per_model: list[list[tuple[str, str, str]]]) -> None:
        labels: list[tuple[str, str]] = []
        for rows in rows_per_model:
            for section, label, _ in rows:
                if (section, label) not in labels:
                    labels.append((section, label))
        labels.sort(key=lambda item: list(SECTION_TITLES).index(item[0]))  # stable: keeps order within a section
        layout: list[tuple[str, str] | str] = []
        for section, label in labels:
            if not layout or layout[-1] != section and (isinstance(layout[-1], str) or layout[-1][0] != section):
                layout.append(section)
            layout.append((section, label))
        texts = [{(s, lbl): text for s, lbl, text in rows} for rows in rows_per_model]
        if columns != self._columns or labels != self._labels:
            self._rebuild(columns, layout)
            self._columns, self._labels = list(columns), labels
        for row, entry in enumerate(layout):
            if isinstance(entry, str):
                continue
            for column, by_label in enumerate(texts):
                text = by_label.get(entry, "—")
                item = self.table.item(row, column + 1)
                if item is not None and item.text() != text:
                    item.setText(text)
        self.table.resizeRowsToContents()

    def _rebuild(self, columns: list[str], layout: list[tuple[str, str] | str]) -> None:
        table = self.table
        table.clearSpans()
        table.setColumnCount(1 + len(columns))
        table.setRowCount(len(layout))
        table.setHorizontalHeaderLabels(["", *(f"{'AB'[i]}: {name}" if len(columns) > 1 else name for i, name in enumerate(columns))])
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        for column in range(1, table.columnCount()):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        bold = QFont(table.font())
        bold.setBold(True)
        for row, entry in enumerate(layout):
            if isinstance(entry, str):
                item = QTableWidgetItem(SECTION_TITLES.get(entry, entry))
                item.setFont(bold)
                item.setBackground(QColor(SECTION_BACKGROUND))
                item.setForeground(QColor(SECTION_TEXT))
                table.setItem(row, 0, item)
                table.setSpan(row, 0, 1, table.columnCount())
                continue
            label = QTableWidgetItem(entry[1])
            label.setFont(bold)
            table.setItem(row, 0, label)
            for column in range(1, table.columnCount()):
                item = QTableWidgetItem("")
                item.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
                table.setItem(row, column, item)

    def row_text(self, label: str, column: int = 0, section: str = "") -> str:
        """The text of row ``label`` (in ``section``, default the first such row) for model
        ``column`` (0: A, 1: B)."""
        in_section = not section
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None and self.table.columnSpan(row, 0) > 1:
                in_section = not section or item.text() == SECTION_TITLES.get(section, section)
                continue
            if in_section and item is not None and item.text() == label:
                cell = self.table.item(row, column + 1)
                return cell.text() if cell is not None else ""
        raise KeyError(label)

    def models_shown(self) -> list[str]:
        return list(self._columns)


def build(window: MainWindow) -> ModelInfoPanel:
    """The panel, wired to the window's View → Model info action."""
    panel = ModelInfoPanel(window)
    window.commands.model_info.triggered.connect(panel.toggle)
    return panel
