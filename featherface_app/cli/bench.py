"""``bench``: latency and FPS of each model, per stage, through the app's frame loop."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from featherface_app.core.detections import STAGES

from .options import EXIT_FAILED, EXIT_OK, EXIT_USAGE, add_detect_options, add_model_option, positive_int, shipped_models

if TYPE_CHECKING:
    from featherface_app.core.bench import BenchResult


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    bench = sub.add_parser(
        "bench",
        help="latency and FPS of each model, per stage",
        description="Run each model over the same frames through the app's pipeline and report FPS and per-stage p50/p95 latency (ms). With no options: every shipped model on the sample clip.",
    )
    add_model_option(bench, "ONNX model to measure; repeat for several (default: every shipped model)")
    bench.add_argument("--models", nargs="+", type=Path, dest="model", action="extend", help=argparse.SUPPRESS)
    bench.add_argument("--source", dest="bench_source", default="sample", metavar="S", help="'sample' (default) or a video/image path")
    bench.add_argument("--frames", type=positive_int, default=100, help="frames measured per model (default 100)")
    bench.add_argument("--compare", action="store_true", help="also one row for the first two models run together, as compare mode runs them")
    bench.add_argument("--rounds", type=positive_int, default=1, help="interleave: measure every row in this many turns of frames/rounds frames (default 1)")
    add_detect_options(bench)
    bench.add_argument("--json", action="store_true", help="print a JSON list, one object per model, instead of a table")


def format_table(results: Sequence[BenchResult]) -> str:
    """A plain-text table: throughput, inference and pipeline p50/p95, and each stage's p50."""
    rows = [r.to_json() for r in results]
    header = ["model", "frames", "fps", "infer p50", "infer p95", "worker p50", "worker/infer", "pipe p50", "pipe p95"] + [f"{s} p50" for s in STAGES]
    body = [
        [
            str(r["model"]),
            str(r["frames"]),
            f"{r['fps']:.1f}",
            f"{r['infer_ms_p50']:.1f}",
            f"{r['infer_ms_p95']:.1f}",
            f"{r['worker_ms_p50']:.1f}",
            f"{r['worker_to_infer']:.2f}" if r.get("worker_to_infer") else "-",
            f"{r['pipeline_ms_p50']:.1f}",
            f"{r['pipeline_ms_p95']:.1f}",
        ]
        + [f"{r[f'{s}_ms_p50']:.2f}" for s in STAGES]
        for r in rows
    ]
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths))) for row in [header, *body]]
    lines.insert(1, "-" * len(lines[0]))
    notes = [f"{r['model']}: {r['fps_to_slower_single']:.2f}x the slower model's single fps" for r in rows if r.get("fps_to_slower_single")]
    return (
        "\n".join([*lines, *notes])
        + "\n(times in ms; worker = the inference thread's work; pipeline = capture to annotated frame; compare rows: infer = the slower model's)"
    )


def run(args: argparse.Namespace) -> int:
    """Load every model, then measure the ones that loaded (``--compare``: plus the first two run
    together). A model that cannot be loaded does not cost the others' figures: they are printed,
    then each failure on stderr, and the exit code is 1."""
    from featherface_app.core.bench import run_bench
    from featherface_app.core.detector import DetectOptions, FaceDetector, load_detector
    from featherface_app.core.errors import FeatherFaceError

    models = list(args.model or []) or shipped_models()
    if not models:
        print("error: no models found in the models folder; pass --model PATH", file=sys.stderr)
        return EXIT_FAILED
    if args.compare and len(models) < 2:
        print("error: --compare needs two models (pass --model twice)", file=sys.stderr)
        return EXIT_USAGE
    detectors: list[FaceDetector] = []
    errors: list[str] = []
    for model in models:
        try:
            detectors.append(load_detector(model, threads=args.threads))
        except FeatherFaceError as exc:
            errors.append(str(exc))
    compare = args.compare
    if compare and len(detectors) < 2:
        compare = False
        errors.append("the compare row needs two models that load; it was left out")
    results: list[BenchResult] = []
    if detectors:
        options = DetectOptions(confidence=args.confidence, nms_iou=args.nms_iou, input_long_side=args.input_size)
        results = run_bench(detectors, args.bench_source, args.frames, options, threads=args.threads, compare=compare, rounds=args.rounds)
        print(json.dumps([r.to_json() for r in results], indent=2) if args.json else format_table(results), flush=True)
    for message in errors:
        print(f"error: {message}", file=sys.stderr)
    return EXIT_FAILED if errors else EXIT_OK
