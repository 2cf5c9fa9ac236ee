"""``bench``: latency and FPS of each model, per stage, through the app's frame loop."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from featherface_app.core.detections import STAGES

from .options import EXIT_FAILED, EXIT_OK, add_detect_options, add_model_option, positive_int, shipped_models

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
    add_detect_options(bench)
    bench.add_argument("--json", action="store_true", help="print a JSON list, one object per model, instead of a table")


def format_table(results: Sequence[BenchResult]) -> str:
    """A plain-text table: throughput, inference and pipeline p50/p95, and each stage's p50."""
    rows = [r.to_json() for r in results]
    header = ["model", "frames", "fps", "infer p50", "infer p95", "pipe p50", "pipe p95", "pipe/infer"] + [f"{s} p50" for s in STAGES]
    body = [
        [
            str(r["model"]),
            str(r["frames"]),
            f"{r['fps']:.1f}",
            f"{r['infer_ms_p50']:.1f}",
            f"{r['infer_ms_p95']:.1f}",
            f"{r['pipeline_ms_p50']:.1f}",
            f"{r['pipeline_ms_p95']:.1f}",
            f"{r['pipeline_to_infer']:.2f}" if r.get("pipeline_to_infer") else "-",
        ]
        + [f"{r[f'{s}_ms_p50']:.2f}" for s in STAGES]
        for r in rows
    ]
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths))) for row in [header, *body]]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines) + "\n(times in ms; pipeline = capture to annotated frame)"


def run(args: argparse.Namespace) -> int:
    from featherface_app.core.bench import run_bench
    from featherface_app.core.detector import DetectOptions

    models = list(args.model or []) or shipped_models()
    if not models:
        print("error: no models found in the models folder; pass --model PATH", file=sys.stderr)
        return EXIT_FAILED
    options = DetectOptions(confidence=args.confidence, nms_iou=args.nms_iou, input_long_side=args.input_size)
    results = run_bench(models, args.bench_source, args.frames, options, threads=args.threads)
    print(json.dumps([r.to_json() for r in results], indent=2) if args.json else format_table(results))
    return EXIT_OK
