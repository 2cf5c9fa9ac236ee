"""Headless benchmark: each model over the same frames through the app's real pipeline.

"pipeline" is capture-to-annotated-frame wall time (read + decode, pre-process, inference,
post-process, drawing boxes and HUD) on one thread, frames read as fast as they decode; "worker"
is the inference thread's part of it (``FrameProcessor.process``: everything but the capture,
which the live app does on its own thread); "infer" is the onnxruntime call alone. ``fps`` is
frames over the pipeline's wall time: the window's FPS (frames finished per second of wall time,
:class:`~featherface_app.core.pipeline.RateMeter`), taken over the whole run instead of the last 2 s. With ``compare`` one more row runs the first two models as
compare mode does (both on each frame, at the same time) and gives each model's inference figures.
The figures are what the live app pays per frame on this machine, at its thread policy
(:data:`~featherface_app.core.detector.DEFAULT_THREADS`) unless ``threads`` says otherwise.
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
from .pipeline import CompareMode, FrameProcessor, ProcessedFrame
from .sources import Frame, open_source

log = logging.getLogger(__name__)

WARMUP_FRAMES = 3


@dataclass(frozen=True)
class BenchResult:
    """One row: ``frames`` measured, throughput, p50/p95 (ms) of the inference call, of the inference
    thread's work (``worker_ms``), of the whole pipeline and of each stage in :data:`STAGES`
    (``stage_ms[stage] = (p50, p95)``, the first model's). ``mode`` is ``single`` or ``compare``;
    a compare row names both models in ``models`` with each one's inference p50/p95 in
    ``model_infer_ms`` and its fps against the slower model's single row in ``fps_to_slower_single``."""

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
    worker_ms: tuple[float, float] = (float("nan"), float("nan"))
    mode: str = "single"
    models: tuple[str, ...] = ()
    model_infer_ms: tuple[tuple[float, float], ...] = ()
    fps_to_slower_single: float | None = None

    @property
    def pipeline_to_infer(self) -> float | None:
        infer = self.infer_ms[0]
        return round(self.pipeline_ms[0] / infer, 3) if infer and infer == infer else None

    @property
    def worker_to_infer(self) -> float | None:
        infer = self.infer_ms[0]
        return round(self.worker_ms[0] / infer, 3) if infer and infer == infer and self.mode == "single" else None

    def to_json(self) -> dict[str, Any]:
        """The flat record ``bench --json`` prints (``infer_ms_p50``, ``worker_ms_p50``, ``capture_ms_p95``, …)."""
        row: dict[str, Any] = {
            "model": self.model, "mode": self.mode, "variant": self.variant, "family": self.family, "path": self.path,
            "source": self.source, "frames": self.frames, "fps": self.fps,
            "input_long_side": self.input_long_side, "faces_per_frame": self.faces_per_frame,
            "infer_ms_p50": self.infer_ms[0], "infer_ms_p95": self.infer_ms[1],
            "worker_ms_p50": self.worker_ms[0], "worker_ms_p95": self.worker_ms[1],
            "pipeline_ms_p50": self.pipeline_ms[0], "pipeline_ms_p95": self.pipeline_ms[1],
        }  # fmt: skip
        for stage, (p50, p95) in self.stage_ms.items():
            row[f"{stage}_ms_p50"], row[f"{stage}_ms_p95"] = p50, p95
        row["pipeline_to_infer"] = self.pipeline_to_infer
        row["worker_to_infer"] = self.worker_to_infer
        row["threads"] = self.threads
        if self.mode == "compare":
            row["models"] = list(self.models)
            row["model_infer_ms"] = [{"model": name, "infer_ms_p50": p50, "infer_ms_p95": p95} for name, (p50, p95) in zip(self.models, self.model_infer_ms)]
            row["fps_to_slower_single"] = self.fps_to_slower_single
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
    """A sink that keeps the first model's per-stage times (ms) and face count of every frame,
    every model's inference times and the inference thread's time per frame."""

    def __init__(self) -> None:
        self.stages: dict[str, list[float]] = {s: [] for s in STAGES}
        self.inference: dict[str, list[float]] = {}
        self.worker: list[float] = []
        self.faces = 0
        self.frames = 0

    def write(self, processed: ProcessedFrame) -> None:
        result = processed.results[0]
        for stage in STAGES:
            self.stages[stage].append(result.stage_ms[stage])
        for each in processed.results:
            self.inference.setdefault(each.model_name, []).append(each.stage_ms["inference"])
        self.worker.append(processed.worker_ms)
        self.faces += len(result.detections)
        self.frames += 1

    def close(self) -> None:
        """Figures stay readable."""


@dataclass
class _Run:
    """One configuration's samples, possibly gathered over several interleaved rounds."""

    processor: FrameProcessor
    stats: StageStats = field(default_factory=StageStats)
    pipeline: list[float] = field(default_factory=list)
    wall: float = 0.0

    def measure(self, source: str | Path, frames: int, warmup: int) -> None:
        loop = FrameLoop(self.processor)
        stream = _frames(source)
        for i in range(warmup + frames):
            t0 = time.perf_counter()
            frame = next(stream, None)
            if frame is None:
                break
            if i == warmup:
                loop.add_sink(self.stats)
            loop.feed(frame)
            elapsed = time.perf_counter() - t0
            if i >= warmup:
                self.wall += elapsed
                self.pipeline.append(elapsed * 1e3)
        stream.close()

    def result(self, detector: FaceDetector, source: str | Path, options: DetectOptions, threads: int) -> BenchResult:
        measured = len(self.pipeline)
        return BenchResult(
            model=detector.name,
            variant=detector.info.variant,
            family=detector.info.family,
            path=str(detector.path),
            source=str(source),
            frames=measured,
            fps=round(measured / self.wall, 2) if self.wall > 0 else 0.0,
            input_long_side=options.input_long_side,
            faces_per_frame=round(self.stats.faces / measured, 2) if measured else 0.0,
            infer_ms=_percentiles(self.stats.stages["inference"]),
            pipeline_ms=_percentiles(self.pipeline),
            stage_ms={stage: _percentiles(self.stats.stages[stage]) for stage in STAGES},
            threads=threads,
            worker_ms=_percentiles(self.stats.worker),
        )


def bench_one(detector: FaceDetector, source: str | Path, frames: int, options: DetectOptions, warmup: int = WARMUP_FRAMES) -> BenchResult:
    """Figures for one warm detector over ``frames`` frames of ``source`` (after ``warmup``),
    driven through the app's frame loop."""
    run = _Run(FrameProcessor({detector.name: detector}, options=options))
    run.measure(source, frames, warmup)
    return run.result(detector, source, options, 0)


def _pair_processor(a: FaceDetector, b: FaceDetector, options: DetectOptions) -> tuple[FrameProcessor, str, str]:
    name_b = b.name if b.name != a.name else f"{b.name} (B)"
    processor = FrameProcessor({a.name: a, name_b: b}, options=options)
    processor.set_models(a.name, name_b, CompareMode.SIDE_BY_SIDE)
    return processor, a.name, name_b


def run_bench(
    models: Sequence[Path | str | FaceDetector],
    source: str | Path = "sample",
    frames: int = 100,
    options: DetectOptions | None = None,
    threads: int = 0,
    compare: bool = False,
    rounds: int = 1,
) -> list[BenchResult]:
    """One row per model (see :func:`bench_one`) and, with ``compare``, one ``mode="compare"`` row
    for the first two models run together as compare mode runs them. Model paths are loaded with
    ``threads`` (0: the app's policy). ``rounds`` > 1 interleaves: every configuration measures
    ``frames // rounds`` frames in turn, round after round, so a noisy machine bills them alike."""
    options = options or DetectOptions()
    detectors = [load_detector(m, threads=threads) if isinstance(m, (str, Path)) else m for m in models]
    if compare and len(detectors) < 2:
        raise ValueError("compare needs two models")
    runs = [_Run(FrameProcessor({d.name: d}, options=options)) for d in detectors]
    pair_names: tuple[str, str] | None = None
    if compare:
        processor, name_a, name_b = _pair_processor(detectors[0], detectors[1], options)
        runs.append(_Run(processor))
        pair_names = (name_a, name_b)
    rounds = max(1, min(rounds, frames))
    for r in range(rounds):
        share = frames // rounds + (1 if r < frames % rounds else 0)
        for detector, run in zip([*detectors, *detectors[:1]], runs):
            log.info("benchmarking %s on %s for %d frames (round %d)", detector.name, source, share, r + 1)
            run.measure(source, share, WARMUP_FRAMES)
    for run in runs:
        run.processor.close()
    results = [run.result(d, source, options, threads) for d, run in zip(detectors, runs)]
    if pair_names is not None:
        pair = runs[-1]
        per_model = tuple(_percentiles(pair.stats.inference.get(n, [])) for n in pair_names)
        singles = [r.fps for r in results[:2]]
        base = pair.result(detectors[0], source, options, threads)
        slower = min(singles)
        results.append(
            replace(
                base,
                model=" + ".join(pair_names),
                variant=" + ".join(d.info.variant for d in detectors[:2]),
                path=" + ".join(str(d.path) for d in detectors[:2]),
                infer_ms=max(per_model),  # the slower model's
                mode="compare",
                models=pair_names,
                model_infer_ms=per_model,
                fps_to_slower_single=round(base.fps / slower, 3) if slower > 0 else None,
            )
        )
    return results
