"""``info``: what each model is, where it came from and what it costs (the window's model info panel,
headless): family, variant, parameters, GMACs at an input size, file size, input policy,
provenance, the model card's AP and, for V1 and V2, the claimed figures beside the measured ones."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from .options import EXIT_FAILED, EXIT_OK, add_model_option, input_size, shipped_models


def frame_size(text: str) -> tuple[int, int]:
    """``--frame WxH`` → (height, width)."""
    found = re.fullmatch(r"(\d{1,5})[xX](\d{1,5})", text.strip())
    if not found or not all(0 < int(v) <= 16384 for v in found.groups()):
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT in pixels, e.g. 640x480, got '{text}'")
    return int(found.group(2)), int(found.group(1))


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    info = sub.add_parser(
        "info",
        help="family, parameters, GMACs, provenance and card AP of each model",
        description="Describe each model: family, variant, parameters, GMACs at the input size (counted from the ONNX graph), "
        "file size, input policy, provenance, the model card's AP and, for V1 and V2, the claimed figures beside the measured ones. "
        "Live latency is measured by the window (View → Model info) and by 'bench'. With no model: every shipped model.",
    )
    info.add_argument("models", nargs="*", type=Path, metavar="MODEL", help="ONNX model file(s) (default: every shipped model)")
    add_model_option(info, "ONNX model to describe; repeatable, same as MODEL")
    info.add_argument(
        "--input-size",
        type=input_size,
        default=640,
        metavar="PX",
        help="long side fed to the model in px, or 'native' for the frame's own size (default 640)",
    )
    info.add_argument("--frame", type=frame_size, default=(480, 640), metavar="WxH", help="frame size the input is scaled from (default 640x480)")
    info.add_argument("--json", action="store_true", help="print a JSON list, one object per model")


def format_text(rows_per_model: list[list[tuple[str, str, str]]]) -> str:
    blocks = []
    for rows in rows_per_model:
        width = max(len(label) for _, label, _ in rows)
        lines, section = [], "model"
        for row_section, label, text in rows:
            if row_section != section:
                section = row_section
                lines.append(f"  [{section}]")
            first, *rest = text.splitlines() or [""]
            lines.append(f"  {label.ljust(width)}  {first}")
            lines.extend(f"  {'':{width}}  {line}" for line in rest)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def run(args: argparse.Namespace) -> int:
    """Describe every model that loads; each failure on stderr, exit code 1 if any failed."""
    from featherface_app.core.detector import load_detector
    from featherface_app.core.errors import FeatherFaceError
    from featherface_app.core.model_report import V1_VARIANT, V2_VARIANT, ModelReport, build_report, report_rows, with_v1_claims

    models = [*args.models, *(args.model or [])] or shipped_models()
    if not models:
        print("error: no models found in the models folder; pass MODEL", file=sys.stderr)
        return EXIT_FAILED
    reports: list[ModelReport] = []
    errors: list[str] = []
    for model in models:
        try:
            detector = load_detector(model, threads=1, warm_up=False)
            reports.append(build_report(Path(model), detector.info, args.frame, args.input_size))
        except FeatherFaceError as exc:
            errors.append(str(exc))
        except OSError as exc:
            errors.append(f"{Path(model).name}: {exc.strerror or exc}")
    fallback_v1 = None
    if any(r.variant == V2_VARIANT for r in reports) and not any(r.variant == V1_VARIANT for r in reports):
        shipped = [p for p in shipped_models() if p.name == "featherface_v1_cbam.onnx"]
        if shipped:
            fallback_v1 = build_report(shipped[0], load_detector(shipped[0], threads=1, warm_up=False).info, args.frame, args.input_size)
    reports = with_v1_claims(reports, fallback_v1)
    if reports:
        if args.json:
            print(json.dumps([r.to_json() for r in reports], indent=2))
        else:
            print(format_text([report_rows(r, live=False) for r in reports]))
            print("\n(latency: measured live in the window, View → Model info, or headless with 'python main.py bench')")
    for message in errors:
        print(f"error: {message}", file=sys.stderr)
    return EXIT_FAILED if errors else EXIT_OK
