"""Headless benchmark: each model over the same frames through the app's real pipeline.

"pipeline" is capture-to-annotated-frame wall time (read + decode, pre-process, inference,
post-process, drawing boxes and HUD) on one thread, frames read as fast as they decode; "infer"
is the onnxruntime call alone. The figures are what the live app pays per frame on this machine.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from .detections import STAGES
from .detector import DetectOptions, FaceDetector, load_detector
from .loop import FrameLoop
from .pipeline import FrameProcessor, ProcessedFrame
from .sources import Frame, open_source

log = logging.getLogger(__name__)

WARMUP_FRAMES = 3


@dataclass(frozen=True)
class BenchResult:
    """One model's figures: ``frames`` measured, throughput, p50/p95 (ms) of the inference call,
    of the whole pipeline and of each stage in :data:`STAGES` (``stage_ms[stage] = (p50, p95)``)."""

    model: str
    variant: str
    family: str
    path: str
    source: str
    frames: int
    fps: float
    input_long_side: int | None
    faces_per_frame: float
    infer_ms: tuple[float, float]
    pipeline_ms: tuple[float, float]
    stage_ms: dict[str, tuple[float, float]] = field(default_factory=dict)
    threads: int = 0

    @property
    def pipeline_to_infer(self) -> float | None:
        infer = self.infer_ms[0]
        return round(self.pipeline_ms[0] / infer, 3) if infer and infer == infer else None

    def to_json(self) -> dict[str, Any]:
        """The flat record ``bench --json`` prints (``infer_ms_p50``, ``capture_ms_p95``, …)."""
        row: dict[str, Any] = {
            "model": self.model, "variant": self.variant, "family": self.family, "path": self.path,
            "source": self.source, "frames": self.frames, "fps": self.fps,
            "input_long_side": self.input_long_side, "faces_per_frame": self.faces_per_frame,
            "infer_ms_p50": self.infer_ms[0], "infer_ms_p95": self.infer_ms[1],
            "pipeline_ms_p50": self.pipeline_ms[0], "pipeline_ms_p95": self.pipeline_ms[1],
        }  # fmt: skip
        for stage, (p50, p95) in self.stage_ms.items():
            row[f"{stage}_ms_p50"], row[f"{stage}_ms_p95"] = p50, p95
        row["pipeline_to_infer"] = self.pipeline_to_infer
        row["threads"] = self.threads
        return row


def _frames(spec: str | Path) -> Generator[Frame, None, None]:
    """Frames of ``spec`` forever (re-opened at its end); stops if a fresh open yields nothing."""
    while True:
        source = open_source(spec)
        try:
            count = 0
            while (frame := source.read()) is not None:
                count += 1
                yield frame
        finally:
            source.close()
        if count == 0:
            return


def _percentiles(values: list[float]) -> tuple[float, float]:
    if not values:
        return float("nan"), float("nan")
    p50, p95 = np.percentile(np.asarray(values, dtype=np.float64), [50, 95])
    return round(float(p50), 3), round(float(p95), 3)


class StageStats:
    """A sink that keeps the first model's per-stage times (ms) and face count of every frame."""

    def __init__(self) -> None:
        self.stages: dict[str, list[float]] = {s: [] for s in STAGES}
        self.faces = 0
        self.frames = 0

    def write(self, processed: ProcessedFrame) -> None:
        result = processed.results[0]
        for stage in STAGES:
            self.stages[stage].append(result.stage_ms[stage])
        self.faces += len(result.detections)
        self.frames += 1

    def close(self) -> None:
        """Figures stay readable."""


def bench_one(detector: FaceDetector, source: str | Path, frames: int, options: DetectOptions, warmup: int = WARMUP_FRAMES) -> BenchResult:
    """Figures for one warm detector over ``frames`` frames of ``source`` (after ``warmup``),
    driven through the app's frame loop."""
    loop = FrameLoop(FrameProcessor({detector.name: detector}, options=options))
    stats = StageStats()
    pipeline: list[float] = []
    stream = _frames(source)
    wall = 0.0
    for i in range(warmup + frames):
        t0 = time.perf_counter()
        frame = next(stream, None)
        if frame is None:
            break
        if i == warmup:
            loop.add_sink(stats)
        loop.feed(frame)
        elapsed = time.perf_counter() - t0
        if i < warmup:
            continue
        wall += elapsed
        pipeline.append(elapsed * 1e3)
    stream.close()
    measured = len(pipeline)
    return BenchResult(
        model=detector.name,
        variant=detector.info.variant,
        family=detector.info.family,
        path=str(detector.path),
        source=str(source),
        frames=measured,
        fps=round(measured / wall, 2) if wall > 0 else 0.0,
        input_long_side=options.input_long_side,
        faces_per_frame=round(stats.faces / measured, 2) if measured else 0.0,
        infer_ms=_percentiles(stats.stages["inference"]),
        pipeline_ms=_percentiles(pipeline),
        stage_ms={stage: _percentiles(stats.stages[stage]) for stage in STAGES},
    )


def run_bench(
    models: Sequence[Path | str | FaceDetector],
    source: str | Path = "sample",
    frames: int = 100,
    options: DetectOptions | None = None,
    threads: int = 0,
) -> list[BenchResult]:
    """One row per model (see :func:`bench_one`); model paths are loaded with ``threads``."""
    results = []
    for model in models:
        detector = load_detector(model, threads=threads) if isinstance(model, (str, Path)) else model
        log.info("benchmarking %s on %s for %d frames", detector.name, source, frames)
        results.append(replace(bench_one(detector, source, frames, options or DetectOptions()), threads=threads))
    return results
