"""Live speed plots: FPS and per-stage latency of each model over the last N seconds, with p50/p95.

Results are recorded per frame into :class:`StatsHistory` (cheap appends on the GUI thread); the
curves and the table are redrawn by a 15 Hz timer, never per frame, so a fast source cannot
flood the event loop with plot updates.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from featherface_app.core.detections import STAGES, FrameResult
from featherface_app.core.pipeline import ProcessedFrame, RateMeter

REFRESH_HZ = 15
#: the p50/p95 table is refilled on every n-th refresh (3 Hz): each changed cell costs a layout
#: pass (0.4 ms), and figures over a 30-s window cannot be read faster anyway
TABLE_EVERY = 5
#: one colour per model in order of appearance (matches nothing in the core on purpose: plots
#: only need models to be told apart).
PALETTE = ("#ffb000", "#33c3ff", "#7bd148", "#ff5fa2", "#b48cff", "#ff7f50")
STAGE_LABELS = {
    "capture": "capture",
    "preprocess": "pre-process",
    "inference": "inference",
    "postprocess": "post-process",
    "draw": "draw",
    "pipeline": "pipeline (all)",
}
ROWS = ("fps", *STAGES, "pipeline")
MAX_SAMPLES = 30_000

FloatArray = npt.NDArray[np.float64]


@dataclass
class _ModelSeries:
    times_s: deque[float] = field(default_factory=lambda: deque(maxlen=MAX_SAMPLES))
    stage_ms: deque[tuple[float, ...]] = field(default_factory=lambda: deque(maxlen=MAX_SAMPLES))
    fps: deque[float] = field(default_factory=lambda: deque(maxlen=MAX_SAMPLES))
    rate: RateMeter = field(default_factory=RateMeter)


@dataclass(frozen=True)
class SeriesWindow:
    """One model's samples in the plotted window: times (s), stage columns (ms, the last one the
    whole pipeline) and the core's FPS per frame (NaN before there is a rate)."""

    times_s: FloatArray
    stage_ms: FloatArray
    fps: FloatArray

    def fps_series(self) -> tuple[FloatArray, FloatArray]:
        valid = np.isfinite(self.fps)
        return self.times_s[valid], self.fps[valid]

    def stage_series(self, stage: str) -> tuple[FloatArray, FloatArray]:
        column = len(STAGES) if stage == "pipeline" else STAGES.index(stage)
        return self.times_s, self.stage_ms[:, column]

    def percentiles(self) -> dict[str, tuple[float, float]]:
        """(p50, p95) in ms of every stage and 'pipeline'; NaN where no sample."""
        rows = (*STAGES, "pipeline")
        finite = np.isfinite(self.stage_ms)
        if finite.all() and len(self.times_s):  # the usual case: one vectorised pass
            p50, p95 = np.percentile(self.stage_ms, [50, 95], axis=0)
        else:  # a stage some frames lack; not np.nanpercentile, which loops in Python (2 ms a call)
            p50, p95 = np.full(len(rows), math.nan), np.full(len(rows), math.nan)
            for i in range(len(rows)):
                column = self.stage_ms[finite[:, i], i]
                if len(column):
                    p50[i], p95[i] = np.percentile(column, [50, 95])
        return {stage: (float(p50[i]), float(p95[i])) for i, stage in enumerate((*STAGES, "pipeline"))}


class StatsHistory:
    """Per-model timings of the last ``seconds`` seconds: a sink of the core frame loop.

    ``write`` runs on the inference thread for every processed frame (shown or dropped by the
    latest-wins view); the plots, the table and the status bar read on the GUI thread. One lock
    guards the deques; a reader takes one copy per refresh (:meth:`window`).

    FPS has one definition in the app: the core's — results delivered per second over the
    :class:`~featherface_app.core.pipeline.RateMeter` window, ``ProcessedFrame.fps``, which the
    HUD prints. ``write`` takes that figure (``add(result, fps=processed.fps)``), so the plot,
    the table and the status bar show the HUD's number; without it the same meter is run here.
    """

    def __init__(self, seconds: float = 30.0) -> None:
        self.seconds = seconds
        self._series: dict[str, _ModelSeries] = {}
        self._lock = threading.Lock()

    def write(self, processed: ProcessedFrame) -> None:
        """Loop sink: every model's result of one frame, with the frame's FPS."""
        now_s = time.monotonic()
        for result in processed.results:
            self.add(result, now_s, fps=processed.fps)

    def close(self) -> None:
        """Loop sink: nothing to release (the window keeps the history for its plots)."""

    def add(self, result: FrameResult, now_s: float | None = None, fps: float | None = None) -> None:
        """Record one model's result for one frame at ``now_s`` (monotonic seconds) with the
        core's ``fps`` for that frame (None: measured here with the core's meter; 0: no rate yet)."""
        now_s = time.monotonic() if now_s is None else now_s
        values = tuple(float(result.stage_ms.get(stage, math.nan)) for stage in STAGES)
        with self._lock:
            series = self._series.setdefault(result.model_name, _ModelSeries())
            if fps is None:
                fps = series.rate.tick(round(now_s * 1e9))
            series.times_s.append(now_s)
            series.stage_ms.append((*values, float(result.pipeline_ms)))
            series.fps.append(fps if fps > 0 else math.nan)

    def prune(self, now_s: float) -> None:
        """Forget samples older than the window; models with nothing left disappear."""
        oldest = now_s - self.seconds
        with self._lock:
            for name in list(self._series):
                series = self._series[name]
                while series.times_s and series.times_s[0] < oldest:
                    series.times_s.popleft()
                    series.stage_ms.popleft()
                    series.fps.popleft()
                if not series.times_s:
                    del self._series[name]

    def clear(self) -> None:
        with self._lock:
            self._series.clear()

    def models(self) -> list[str]:
        with self._lock:
            return list(self._series)

    def count(self, model: str) -> int:
        with self._lock:
            series = self._series.get(model)
            return len(series.times_s) if series else 0

    def window(self, model: str) -> SeriesWindow:
        """The model's samples as arrays, built once per refresh: the plots and every table cell
        read this one copy instead of converting the deques again for each row."""
        with self._lock:
            series = self._series.get(model)
            if not series or not series.times_s:
                return SeriesWindow(np.zeros(0), np.zeros((0, len(STAGES) + 1)), np.zeros(0))
            count = len(series.times_s)
            return SeriesWindow(np.fromiter(series.times_s, float, count), np.array(series.stage_ms, dtype=float), np.fromiter(series.fps, float, count))

    def fps_series(self, model: str) -> tuple[FloatArray, FloatArray]:
        """(times, fps): the core's FPS at each frame (frames without a rate yet left out)."""
        return self.window(model).fps_series()

    def stage_series(self, model: str, stage: str) -> tuple[FloatArray, FloatArray]:
        """(times, milliseconds) of one stage (or 'pipeline') for one model."""
        return self.window(model).stage_series(stage)

    def percentiles(self, model: str, stage: str) -> tuple[float, float]:
        """(p50, p95) in ms over the window; NaN when there is no sample."""
        return self.window(model).percentiles()[stage]

    def current_fps(self, model: str) -> float:
        """The FPS of the model's latest frame (the figure on the HUD); NaN before there is one."""
        with self._lock:
            series = self._series.get(model)
            return float(series.fps[-1]) if series and series.fps else math.nan


def _styled_plot(title: str, y_label: str) -> pg.PlotWidget:
    plot = pg.PlotWidget()
    plot.setBackground(None)
    item = plot.getPlotItem()
    item.setTitle(title, size="9pt")
    item.setLabel("left", y_label)
    item.setLabel("bottom", "seconds")
    # no grid and 1-px curves: with a translucent grid and 2-px pens a repaint of the two plots
    # took 2.8x as long (27 vs 10 ms, measured interleaved, offscreen), the GUI thread's longest stall
    item.setMenuEnabled(False)
    item.hideButtons()
    item.setMouseEnabled(x=False, y=False)
    item.getViewBox().setLimits(yMin=0)
    plot.setMinimumHeight(120)
    return plot


#: lines a model name may take in a table header
NAME_LINES = 3


def wrap_name(name: str, width: int = 13) -> str:
    """Break a model name over lines at spaces or hyphens so narrow table columns show all of it;
    a longer word, or more than :data:`NAME_LINES` lines, is cut with "…" (the header's tooltip
    has the whole name)."""
    lines: list[str] = []
    current = ""
    for token in re.findall(r"[^\s-]+-?|\s+", name):
        if token.isspace():
            token = " "
        if current and len(current) + len(token.rstrip()) > width:
            lines.append(current.rstrip())
            current = token.lstrip()
        else:
            current += token
    if current.strip():
        lines.append(current.strip())
    lines = [line if len(line) <= width else line[: width - 1] + "…" for line in lines]
    if len(lines) > NAME_LINES:
        lines = [*lines[: NAME_LINES - 1], lines[NAME_LINES - 1][: width - 1] + "…"]
    return "\n".join(lines) or name


def _fmt(value: float, digits: int = 1) -> str:
    return "–" if not math.isfinite(value) else f"{value:.{digits}f}"


class PlotPanel(QWidget):
    """FPS plot, latency plot (stage chosen in a combo box) and a p50/p95 table. GUI thread."""

    def __init__(self, history: StatsHistory, stage: str = "inference", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("plotPanel")
        self.history = history
        self._colours: dict[str, str] = {}
        self._fps_curves: dict[str, pg.PlotDataItem] = {}
        self._latency_curves: dict[str, pg.PlotDataItem] = {}
        self.refresh_count = 0
        self._ticks = 0
        self._table_models: list[str] = []

        self.fps_plot = _styled_plot("Frames per second", "FPS")
        self.latency_plot = _styled_plot("Latency", "ms")
        self.stage_box = QComboBox()
        for key, label in STAGE_LABELS.items():
            self.stage_box.addItem(label, key)
        self.stage_box.setCurrentIndex(max(0, self.stage_box.findData(stage)))
        self.stage_box.setToolTip("Which stage the latency plot shows")
        self.stage_box.currentIndexChanged.connect(self._on_stage_changed)

        self.table = QTableWidget(len(ROWS), 0)
        self.table.setObjectName("statsTable")
        self.table.setVerticalHeaderLabels(["FPS (now)" if r == "fps" else STAGE_LABELS[r] for r in ROWS])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.table.setToolTip("Latency in ms: median (p50) / 95th percentile over the plotted window")
        self.table_caption = QLabel()
        self.table_caption.setObjectName("caption")

        stage_row = QHBoxLayout()
        stage_row.addWidget(QLabel("Latency of"))
        stage_row.addWidget(self.stage_box, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.fps_plot, 1)
        layout.addLayout(stage_row)
        layout.addWidget(self.latency_plot, 1)
        layout.addWidget(self.table_caption)
        layout.addWidget(self.table)
        self._fit_table_height()

        self.timer = QTimer(self)
        self.timer.setInterval(1000 // REFRESH_HZ)
        self.timer.timeout.connect(self._on_timer)
        self.set_window_seconds(history.seconds)
        self._set_latency_title()

    @property
    def stage(self) -> str:
        return str(self.stage_box.currentData())

    def set_window_seconds(self, seconds: float) -> None:
        self.history.seconds = seconds
        for plot in (self.fps_plot, self.latency_plot):
            plot.setXRange(-seconds, 0, padding=0)
        self.table_caption.setText(f"ms, p50 / p95 over the last {seconds:g} s")

    def colour(self, model: str) -> str:
        if model not in self._colours:
            self._colours[model] = PALETTE[len(self._colours) % len(PALETTE)]
        return self._colours[model]

    def start(self) -> None:
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _set_latency_title(self) -> None:
        self.latency_plot.getPlotItem().setTitle(f"Latency: {self.stage_box.currentText()}", size="9pt")

    def _on_stage_changed(self) -> None:
        self._set_latency_title()
        self.refresh()

    def _curve(self, plot: pg.PlotWidget, curves: dict[str, pg.PlotDataItem], model: str) -> pg.PlotDataItem:
        if model not in curves:
            curve = plot.plot(pen=pg.mkPen(self.colour(model), width=1), name=model)
            curve.setDownsampling(auto=True, method="peak")  # never more points than pixels
            curve.setClipToView(True)
            curves[model] = curve
        return curves[model]

    def _drop_stale(self, models: list[str]) -> None:
        for plot, curves in ((self.fps_plot, self._fps_curves), (self.latency_plot, self._latency_curves)):
            for name in [n for n in curves if n not in models]:
                plot.removeItem(curves.pop(name))

    def _on_timer(self) -> None:
        self.refresh(table=self._ticks % TABLE_EVERY == 0)
        self._ticks += 1

    def refresh(self, table: bool = True) -> None:
        """Redraw the curves and (``table``) the table from the history; a new set of models
        always refills the table."""
        now_s = time.monotonic()
        self.history.prune(now_s)
        models = self.history.models()
        self._drop_stale(models)
        stage = self.stage
        windows = {model: self.history.window(model) for model in models}
        for model, window in windows.items():
            times, fps = window.fps_series()
            self._curve(self.fps_plot, self._fps_curves, model).setData(times - now_s, fps)
            times, values = window.stage_series(stage)
            self._curve(self.latency_plot, self._latency_curves, model).setData(times - now_s, values)
        if table or self._table_models != models:
            self._fill_table(windows)
        self.refresh_count += 1

    def _fill_table(self, windows: dict[str, SeriesWindow]) -> None:
        models = list(windows)
        if self._table_models != models:
            self._table_models = list(models)
            self.table.setColumnCount(len(models))
            for column, model in enumerate(models):
                header = QTableWidgetItem()
                header.setForeground(QColor(self.colour(model)))
                header.setToolTip(model)
                self.table.setHorizontalHeaderItem(column, header)
            self._wrap_headers()
        for column, model in enumerate(models):
            percentiles = windows[model].percentiles()
            for row, key in enumerate(ROWS):
                if key == "fps":
                    text = _fmt(self.history.current_fps(model))
                else:
                    p50, p95 = percentiles[key]
                    text = f"{_fmt(p50)} / {_fmt(p95)}"
                item = self.table.item(row, column)
                if item is None:
                    item = QTableWidgetItem()
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                    self.table.setItem(row, column, item)
                if item.text() != text:
                    item.setText(text)

    def _wrap_headers(self) -> None:
        """Each model's name broken into lines that fit its column's width in pixels (three
        models in a narrow panel get narrower lines than two), then the table's height refitted."""
        columns = self.table.columnCount()
        if columns:
            metrics = self.table.horizontalHeader().fontMetrics()
            room = max(1, self.table.viewport().width() // columns - 8)  # the section's padding
            for column, model in enumerate(self._table_models):
                text = model
                for width in range(13, 3, -1):
                    text = wrap_name(model, width)
                    if all(metrics.horizontalAdvance(line) <= room for line in text.split("\n")):
                        break
                header = self.table.horizontalHeaderItem(column)
                if header is not None and header.text() != text:
                    header.setText(text)
        self._fit_table_height()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self._wrap_headers()  # the style sheet (fonts) is applied by now

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._wrap_headers()

    def _fit_table_height(self) -> None:
        header = self.table.horizontalHeader()
        height = (header.sizeHint().height() if self.table.columnCount() else 0) + 2 * self.table.frameWidth() + 2
        height += sum(self.table.verticalHeader().sectionSizeHint(r) for r in range(self.table.rowCount()))
        self.table.setFixedHeight(height)
