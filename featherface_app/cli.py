"""Command line of FeatherFace Live: the GUI by default, plus headless ``bench``, ``detect``, ``eval``
and ``--self-test`` on the same Qt-free core.

The GUI and the evaluation module are imported only when their command runs, so the headless
commands start fast and work without PySide6.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .core.errors import FeatherFaceError, SourceError, describe
from .core.memory import keep_frame_buffers_resident
from .logs import add_log_file, setup_logging

if TYPE_CHECKING:
    from .core.loop import FrameLoop
    from .core.sources import FrameSource

log = logging.getLogger("featherface_app")

SELF_TEST_FRAMES = 30
EPILOG = """\
examples:
  python main.py                          start the app (camera 0, or the sample clip if none opens)
  python main.py --source sample          start the app on the bundled sample clip
  python main.py --video clip.mp4         start the app on a video file
  python main.py --self-test              load every shipped model, run the sample clip, exit 0/1
  python main.py bench --json             benchmark every shipped model on the sample clip
  python main.py detect photo.jpg --out results/
  python main.py eval --help              WIDER FACE evaluation options
"""

def _input_size(text: str) -> int | None:
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


def _number_between(low: float, high: float, what: str) -> Callable[[str], float]:
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


_fraction = _number_between(0.0, 1.0, "a number")
_seconds = _number_between(0.0, 1e6, "a number of seconds")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got '{text}'") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {value}")
    return value


def _add_detect_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--confidence", type=_fraction, default=0.5, help="score threshold (default 0.5)")
    parser.add_argument("--nms", type=_fraction, default=0.4, help="NMS IoU threshold (default 0.4)")
    parser.add_argument("--input-size", type=_input_size, default=640, metavar="PX", help="long side fed to the model, or 'native' (default 640)")


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
    parser.add_argument("--output-dir", metavar="PATH", help="folder for recordings and screenshots (default: remembered, or the user data folder)")
    parser.add_argument("--quit-after", metavar="SECONDS", type=_seconds, help="close the window after this many seconds (demos, tests)")
    parser.add_argument("--self-test", action="store_true", help=f"load every shipped model, run {SELF_TEST_FRAMES} sample frames through each, exit 0 or 1")
    parser.add_argument("--log-level", default=os.environ.get("FEATHERFACE_LOG", "INFO"), choices=["DEBUG", "INFO", "WARNING", "ERROR"], help="logging detail on stderr and in the log file (<user data folder>/logs/featherface.log)")
    parser.add_argument("--version", action="version", version=f"FeatherFace Live {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    bench = sub.add_parser("bench", help="latency and FPS of each model, per stage", description="Run each model over the same frames through the app's pipeline and report FPS and per-stage p50/p95 latency (ms). With no options: every shipped model on the sample clip.")
    bench.add_argument("--models", nargs="+", type=Path, metavar="PATH", help="ONNX files (default: every shipped model)")
    bench.add_argument("--source", dest="bench_source", default="sample", metavar="S", help="'sample' (default) or a video/image path")
    bench.add_argument("--frames", type=_positive_int, default=100, help="frames measured per model (default 100)")
    bench.add_argument("--threads", type=int, default=0, help="onnxruntime intra-op threads (0 = all cores)")
    bench.add_argument("--input-size", type=_input_size, default=640, metavar="PX", help="long side fed to the model, or 'native' (default 640)")
    bench.add_argument("--json", action="store_true", help="print a JSON list, one object per model, instead of a table")

    detect = sub.add_parser("detect", help="detect faces in images or videos; write annotated copies and JSON", description="Run one model on images and/or videos. Writes <name>_annotated.png / .mkv and detections.json into --out.")
    detect.add_argument("inputs", nargs="+", type=Path, metavar="INPUT", help="image or video files")
    detect.add_argument("--model", dest="detect_model", type=Path, metavar="PATH", help="ONNX model (default: the first shipped model)")
    detect.add_argument("--out", type=Path, default=Path("featherface_detect"), help="output folder (default ./featherface_detect)")
    detect.add_argument("--max-frames", type=_positive_int, help="stop each video after this many frames")
    detect.add_argument("--no-landmarks", action="store_true", help="do not draw the five landmarks")
    _add_detect_options(detect)

    sub.add_parser("eval", add_help=False, help="WIDER FACE validation AP of a model (see 'eval --help')")
    return parser


# -- commands ---------------------------------------------------------------------------------
def _shipped_models() -> list[Path]:
    from .core.paths import bundled_models_dir
    from .core.registry import ModelRegistry

    return ModelRegistry([bundled_models_dir()]).available()


def _run_bench(args: argparse.Namespace) -> int:
    from .core.bench import format_table, run_bench
    from .core.detector import DetectOptions

    models = args.models or [Path(m) for m in args.model] or _shipped_models()
    if not models:
        print("error: no models found in the models folder; pass --models PATH", file=sys.stderr)
        return 1
    rows = run_bench(models, args.bench_source, args.frames, DetectOptions(input_long_side=args.input_size), threads=args.threads)
    print(json.dumps(rows, indent=2) if args.json else format_table(rows))
    return 0


def write_detections_json(path: Path, document: dict[str, Any]) -> None:
    """Write strict JSON (no NaN/Infinity) atomically: a reader never sees half a file.

    A file name that is not valid UTF-8 reaches Python as lone surrogates; those are written as
    ``\\uXXXX`` escapes (``backslashreplace``; they only occur inside JSON strings), so the file
    stays UTF-8 and reads back to the same name. Raises :class:`FeatherFaceError` naming the file
    when it cannot be written.
    """
    text = json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text + "\n", encoding="utf-8", errors="backslashreplace")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise FeatherFaceError(f"Cannot write {path}: {exc.strerror or exc}") from exc


def _detect_one(loop: FrameLoop, source: FrameSource, entry: dict[str, Any], out_stem: Path, max_frames: int | None) -> None:
    """Every frame of ``source`` (up to ``max_frames``) through ``loop`` with this input's sinks:
    the JSON records, and the annotated PNG (an image) or recording (a video)."""
    from .core.sinks import DetectionsRecords, ImageFileSink, VideoFileSink
    from .core.sources import ImageSource

    records = DetectionsRecords()
    entry["frames"] = records.frames
    output: ImageFileSink | VideoFileSink
    if isinstance(source, ImageSource):
        entry["kind"] = "image"
        output = ImageFileSink(out_stem.with_name(f"{out_stem.name}_annotated.png"))
    else:
        entry["kind"] = "video"
        output = VideoFileSink(out_stem.with_name(f"{out_stem.name}_annotated.mkv"), source.fps)
    loop.add_sink(records)
    loop.add_sink(output)
    failed_before = len(loop.sink_errors)
    try:
        while (max_frames is None or len(records.frames) < max_frames) and (frame := source.read()) is not None:
            loop.feed(frame)
            if isinstance(source, ImageSource):
                break
    finally:
        for sink in (records, output):
            loop.remove_sink(sink)
        if output.output is not None:
            entry["output"] = str(output.output)
        output.close()
    if entry["kind"] == "video":
        entry["fps"] = source.fps
    errors = [exc for sink, exc in loop.sink_errors[failed_before:] if sink in (records, output)]
    if errors:
        raise errors[0]


def _run_detect(args: argparse.Namespace) -> int:
    from .core.detector import DetectOptions, load_detector
    from .core.loop import FrameLoop
    from .core.pipeline import FrameProcessor
    from .core.sinks import CsvSink
    from .core.sources import open_source

    model = args.detect_model or (Path(args.model[0]) if args.model else None) or next(iter(_shipped_models()), None)
    if model is None:
        print("error: no model given and none shipped; pass --model PATH", file=sys.stderr)
        return 1
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FeatherFaceError(f"Cannot create the output folder {args.out}: {exc.strerror or exc}") from exc
    detector = load_detector(model)
    options = DetectOptions(confidence=args.confidence, nms_iou=args.nms, input_long_side=args.input_size)
    processor = FrameProcessor({detector.name: detector}, options=options, show_landmarks=not args.no_landmarks)
    processor.set_show_hud(False)
    csv_sink = CsvSink(args.out / "detections.csv")
    loop = FrameLoop(processor, sinks=[csv_sink])
    document: dict[str, Any] = {
        "model": detector.name,
        "model_file": str(detector.path),
        "variant": detector.info.variant,
        "family": detector.info.family,
        "options": {"confidence": options.confidence, "nms_iou": options.nms_iou, "input_long_side": options.input_long_side},
        "inputs": [],
    }
    failures = 0
    used: set[str] = set()
    for number, path in enumerate(args.inputs):
        stem = path.stem if path.stem not in used else f"{path.stem}_{number}"
        used.add(stem)
        entry: dict[str, Any] = {"path": str(path)}
        document["inputs"].append(entry)
        try:
            if not path.is_file():  # not open_source's "sample"/"camera:N": those never end
                raise SourceError(f"No such file: {path}")
            source = open_source(path)
        except SourceError as exc:
            log.error("%s", exc)
            entry["error"] = str(exc)
            failures += 1
            continue
        csv_sink.input_label = str(path)
        try:
            _detect_one(loop, source, entry, args.out / stem, args.max_frames)
        except FeatherFaceError as exc:
            log.error("%s: %s", path, exc)
            entry["error"] = str(exc)
            failures += 1
        finally:
            source.close()
        faces_total = sum(len(f["faces"]) for f in entry.get("frames", []))
        print(f"{path}: {len(entry.get('frames', []))} frame(s), {faces_total} face(s)" + (f" -> {entry['output']}" if "output" in entry else ""))
    for sink, exc in [*((s, e) for s, e in loop.sink_errors if s is csv_sink), *loop.close()]:
        print(f"error: {describe(exc)}", file=sys.stderr)
        failures += 1
    json_path = args.out / "detections.json"
    write_detections_json(json_path, document)
    print(f"detections: {json_path}, {csv_sink.path}")
    return 1 if failures else 0


def _run_eval(extra: list[str]) -> int:
    from .core import evaluation  # lazy: only this command needs it

    parser = argparse.ArgumentParser(prog="featherface-live eval", description="Evaluate a model on WIDER FACE validation (official protocol).")
    evaluation.add_cli_arguments(parser)
    return int(evaluation.run_cli(parser.parse_args(extra)))


def self_test(extra_models: Sequence[Path] = (), frames: int = SELF_TEST_FRAMES) -> int:
    """Load every shipped model (and ``extra_models``), run ``frames`` sample frames through each
    with the app's pipeline; print one line per model; 0 when every model loaded and ran."""
    from .core.bench import bench_one
    from .core.detector import DetectOptions, load_detector
    from .core.paths import bundled_models_dir, sample_clip_path

    models = [*_shipped_models(), *extra_models]
    print(f"FeatherFace Live {__version__} self-test (python {sys.version.split()[0]}, {sys.platform})")
    ok = True
    if not sample_clip_path().is_file():
        print(f"FAIL sample clip missing: {sample_clip_path()}")
        return 1
    if not models:
        print(f"FAIL no models in {bundled_models_dir()}")
        return 1
    for path in models:
        try:
            detector = load_detector(path)
            row = bench_one(detector, "sample", frames, DetectOptions(), warmup=0)
        except Exception as exc:  # the self-test reports every failure, whatever its type
            ok = False
            print(f"FAIL {Path(path).name}: {exc}")
            continue
        ran = row["frames"] == frames
        ok &= ran
        print(
            f"{'ok  ' if ran else 'FAIL'} {Path(path).name} ({row['model']}, {row['variant']}): {row['frames']}/{frames} frames, "
            f"{row['faces_per_frame']:.2f} faces/frame, infer p50 {row['infer_ms_p50']:.1f} ms, pipeline p50 {row['pipeline_ms_p50']:.1f} ms"
        )
    print("self-test passed" if ok else "self-test FAILED")
    return 0 if ok else 1


def _run_gui(args: argparse.Namespace) -> int:
    """Start the window; it opens the log file itself, once it has set the user folder to
    QStandardPaths' answer (so the file lands where the GUI's other user files go)."""
    try:
        from .gui.app import run_gui
    except ModuleNotFoundError as exc:
        add_log_file()  # a windowed build has no console: the file is the only trace
        missing = exc.name or str(exc)
        log.error("the window cannot start (%s is not available: %s)", missing, exc)
        if sys.stderr is not None:
            print(f"error: the window cannot start ({missing} is not available: {exc}); the headless commands still work, see --help", file=sys.stderr)
        return 2
    return int(run_gui(args) or 0)


def _tolerate_undecodable_names() -> None:
    """File names that are not valid UTF-8 reach Python as lone surrogates; print them back as
    the bytes they were (as ``ls`` does) instead of dying with UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors="surrogateescape")


def main(argv: Sequence[str] | None = None) -> int:
    _tolerate_undecodable_names()
    keep_frame_buffers_resident()
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "eval":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    setup_logging(args.log_level)
    headless = args.self_test or args.command is not None
    if headless:
        add_log_file()
    if args.video:
        if args.source:
            parser.error("give either --source or --video, not both")
        args.source = args.video
    try:
        if args.self_test:
            return self_test([Path(m) for m in args.model])
        if args.command == "bench":
            return _run_bench(args)
        if args.command == "detect":
            return _run_detect(args)
        if args.command == "eval":
            return _run_eval(extra)
        return _run_gui(args)
    except FeatherFaceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
