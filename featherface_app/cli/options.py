"""Argument types and the flags every subcommand spells the same way.

``--model PATH`` (repeatable) everywhere; ``--confidence``, ``--nms-iou`` and ``--input-size``
(long side in px, or ``native``) for everything that detects; ``--threads`` for everything that
loads a model. Older spellings (``--models``, ``--nms``, ``--long-side``) still parse as aliases.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

#: the exit-code policy of every command.
EXIT_OK = 0
EXIT_FAILED = 1  # a model, an input, an output or the data set failed (the message is on stderr)
EXIT_USAGE = 2  # bad arguments (argparse's own code)
EXIT_INTERRUPTED = 130


def input_size(text: str) -> int | None:
    """``--input-size``: a long side in px, or 0 / ``native`` for the frame's own size."""
    if text.lower() in ("0", "native"):
        return None
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of pixels or 'native', got '{text}'") from None
    if not 32 <= value <= 4096:
        raise argparse.ArgumentTypeError(f"input size must be between 32 and 4096, got {value}")
    return value


def number_between(low: float, high: float, what: str) -> Callable[[str], float]:
    """An argparse type: a float in [low, high] (which also turns away nan and inf)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what} between {low:g} and {high:g}, got '{text}'") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected {what} between {low:g} and {high:g}, got {value}")
        return value

    return parse


fraction = number_between(0.0, 1.0, "a number")
seconds = number_between(0.0, 1e6, "a number of seconds")


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got '{text}'") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {value}")
    return value


def add_model_option(parser: argparse.ArgumentParser, help_text: str, required: bool = False) -> None:
    """``--model PATH``, repeatable (dest ``model``: a list, empty when not given)."""
    parser.add_argument("--model", action="append", type=Path, metavar="PATH", required=required, help=help_text)


def add_detect_options(parser: argparse.ArgumentParser, confidence: float = 0.5, input_px: int | None = 640, threads: bool = True) -> None:
    """``--confidence``, ``--nms-iou``, ``--input-size`` (and ``--threads``) with these defaults."""
    shown = "native" if input_px is None else str(input_px)
    parser.add_argument("--confidence", type=fraction, default=confidence, help=f"score threshold (default {confidence:g})")
    parser.add_argument("--nms-iou", "--nms", type=fraction, default=0.4, help="NMS IoU threshold (default 0.4)")
    parser.add_argument(
        "--input-size",
        "--long-side",
        type=input_size,
        default=input_px,
        metavar="PX",
        help=f"long side fed to the model in px, or 'native' for the frame's own size (default {shown})",
    )
    if threads:
        parser.add_argument(
            "--threads", type=int, default=0, help="onnxruntime intra-op threads per model (default 0: the app's policy, 1 thread per model, no spinning)"
        )


def shipped_models() -> list[Path]:
    from featherface_app.core.paths import bundled_models_dir
    from featherface_app.core.registry import ModelRegistry

    return ModelRegistry([bundled_models_dir()]).available()
