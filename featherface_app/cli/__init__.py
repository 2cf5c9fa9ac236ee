"""Command line of FeatherFace Live: the window by default, plus headless ``bench``, ``detect``,
``eval`` and ``--self-test`` on the same Qt-free core (one module per command).

Exit codes, for every command: 0 done; 1 a model, input, output or the data set failed (the
reason is on stderr); 2 bad arguments; 130 interrupted. The GUI and the heavy core modules are
imported only when their command runs, so the headless commands start fast and work without
PySide6.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from featherface_app import __version__
from featherface_app.core.errors import FeatherFaceError
from featherface_app.core.memory import keep_frame_buffers_resident
from featherface_app.logs import add_log_file, setup_logging

from . import bench, detect, evaluate, info
from .app import SELF_TEST_FRAMES, run_gui, self_test, tolerate_undecodable_names
from .detect import write_detections_json
from .options import EXIT_FAILED, EXIT_INTERRUPTED, seconds

__all__ = ["build_parser", "main", "self_test", "write_detections_json"]

log = logging.getLogger("featherface_app")

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
#: the window's default output folder, as :func:`featherface_app.gui.settings.default_output_dir`
#: finds it (QStandardPaths' movies folder: ~/Videos on Linux, ~/Movies on macOS); spelled out
#: here because the command line must not import Qt.
DEFAULT_OUTPUT_DIR = "FeatherFaceLive in your Videos folder (Movies on macOS; your home folder where there is none)"

EPILOG = """\
examples:
  python main.py                          start the app (camera 0, or the sample clip if none opens)
  python main.py --source sample          start the app on the bundled sample clip
  python main.py --video clip.mp4         start the app on a video file
  python main.py --self-test              load every shipped model, run the sample clip, exit 0/1
  python main.py bench --json             benchmark every shipped model on the sample clip
  python main.py detect photo.jpg --out results/
  python main.py eval --help              WIDER FACE evaluation options

exit codes: 0 done, 1 a model/input/output/data set failed, 2 bad arguments, 130 interrupted
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="featherface-live",
        description="FeatherFace Live: FeatherFace V1 (CBAM) and V2 (ECA) face detectors side by side on live video.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--source", metavar="S", help="frame source: 'sample', 'camera:N', or a video/image path")
    parser.add_argument("--video", metavar="PATH", help="start on this video file (same as --source PATH)")
    parser.add_argument("--model", metavar="PATH", action="append", default=[], help="extra ONNX model to load (repeatable)")
    parser.add_argument(
        "--output-dir", metavar="PATH", help=f"folder for recordings and screenshots, remembered (default: the last one used, else {DEFAULT_OUTPUT_DIR})"
    )
    parser.add_argument("--quit-after", metavar="SECONDS", type=seconds, help="close the window after this many seconds (demos, tests)")
    parser.add_argument("--self-test", action="store_true", help=f"load every shipped model, run {SELF_TEST_FRAMES} sample frames through each, exit 0 or 1")
    parser.add_argument(
        "--log-level",
        default=os.environ.get("FEATHERFACE_LOG", "INFO"),
        type=str.upper,
        choices=LOG_LEVELS,
        help="logging detail on stderr and in the log file (<user data folder>/logs/featherface.log), in any case: "
        + ", ".join(LOG_LEVELS)
        + " (default INFO, or $FEATHERFACE_LOG)",
    )
    parser.add_argument("--version", action="version", version=f"FeatherFace Live {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in (bench, detect, evaluate, info):
        command.add_parser(sub)
    return parser


COMMANDS = {"bench": bench.run, "detect": detect.run, "eval": evaluate.run, "info": info.run}


def main(argv: Sequence[str] | None = None) -> int:
    tolerate_undecodable_names()
    keep_frame_buffers_resident()
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging(args.log_level)
    if args.self_test or args.command is not None:
        add_log_file()
    if args.video:
        if args.source:
            parser.error("give either --source or --video, not both")
        args.source = args.video
    try:
        if args.self_test:
            return self_test([Path(m) for m in args.model])
        if args.command in COMMANDS:
            return COMMANDS[args.command](args)
        return run_gui(args)
    except FeatherFaceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
