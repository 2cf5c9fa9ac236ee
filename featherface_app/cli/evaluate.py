"""``eval``: WIDER FACE validation AP of one or more models, side by side (official protocol)."""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from featherface_app.core.errors import FeatherFaceError

from .options import EXIT_FAILED, EXIT_OK, add_detect_options, add_model_option, shipped_models

if TYPE_CHECKING:
    from featherface_app.core.evaluation import APResult

log = logging.getLogger("featherface_app")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``main.py eval``."""
    add_model_option(parser, "model to evaluate; repeat to compare several side by side (default: every shipped model, as bench)")
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help="folder with gt.json and images/ (default: $FEATHERFACE_SHARED/data/wider_val_dev; the shared folder defaults to ../shared)",
    )
    add_detect_options(parser, confidence=0.02, input_px=None)
    parser.add_argument("--json", action="store_true", help="print results as JSON")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    add_arguments(
        sub.add_parser(
            "eval",
            help="WIDER FACE validation AP of a model (see 'eval --help')",
            description="Evaluate models on WIDER FACE validation (official protocol: original size, confidence 0.02).",
        )
    )


def format_table(results: list[APResult]) -> str:
    def pct(value: float) -> str:
        return "  n/a" if math.isnan(value) else f"{100 * value:5.1f}"

    width = max([5, *(len(r.model) for r in results)])
    lines = [f"{'model':<{width}}   easy  medium   hard  images  seconds"]
    for r in results:
        lines.append(f"{r.model:<{width}}  {pct(r.easy)}   {pct(r.medium)}  {pct(r.hard)}  {r.images:6d}  {r.seconds:7.1f}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Evaluate each ``--model`` (default: the shipped ones) on ``--data``; exit 1 on a model or data error."""
    from featherface_app.core.detector import load_detector
    from featherface_app.core.evaluation import default_data_dir, evaluate_detector, load_wider_gt

    models = list(args.model or []) or shipped_models()
    if not models:
        print("error: no models found in the models folder; pass --model PATH", file=sys.stderr)
        return EXIT_FAILED
    data_dir = args.data or default_data_dir()
    results: list[APResult] = []
    try:
        load_wider_gt(data_dir)  # fail on bad data before loading any model
        for model_path in models:
            detector = load_detector(model_path, threads=args.threads)

            def report(done: int, total: int, name: str = detector.name) -> None:
                if done % 20 == 0 or done == total:
                    log.info("%s: %d/%d images", name, done, total)

            results.append(evaluate_detector(detector, data_dir, args.confidence, args.nms_iou, args.input_size, progress=report))
    except FeatherFaceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        rows = [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.as_dict().items()} for r in results]
        print(json.dumps({"data": str(data_dir), "results": rows}, indent=2))
    else:
        print(f"WIDER FACE AP (%) on {data_dir}")
        print(format_table(results))
    return EXIT_OK
