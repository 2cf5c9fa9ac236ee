"""``detect``: one model over images and videos through the frame loop; per input an annotated
PNG or recording, and for all inputs ``detections.json`` and ``detections.csv`` (frame-loop sinks)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from featherface_app.core.errors import FeatherFaceError, SourceError, describe

from .options import EXIT_FAILED, EXIT_OK, EXIT_USAGE, add_detect_options, add_model_option, positive_int, shipped_models

if TYPE_CHECKING:
    from featherface_app.core.loop import FrameLoop
    from featherface_app.core.sources import FrameSource

log = logging.getLogger("featherface_app")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    detect = sub.add_parser(
        "detect",
        help="detect faces in images or videos; write annotated copies, JSON and CSV",
        description="Run one model on images and/or videos. Writes <name>_annotated.png / .mkv, detections.json and detections.csv into --out.",
    )
    detect.add_argument("inputs", nargs="+", type=Path, metavar="INPUT", help="image or video files")
    add_model_option(detect, "ONNX model (default: the first shipped model)")
    detect.add_argument("--out", type=Path, default=Path("featherface_detect"), help="output folder (default ./featherface_detect)")
    detect.add_argument("--max-frames", type=positive_int, help="stop each video after this many frames")
    detect.add_argument("--no-landmarks", action="store_true", help="do not draw the five landmarks")
    add_detect_options(detect)


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
    from featherface_app.core.sinks import DetectionsRecords, ImageFileSink, VideoFileSink
    from featherface_app.core.sources import ImageSource

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


def run(args: argparse.Namespace) -> int:
    from featherface_app.core.detector import DetectOptions, load_detector
    from featherface_app.core.loop import FrameLoop
    from featherface_app.core.pipeline import FrameProcessor
    from featherface_app.core.sinks import CsvSink
    from featherface_app.core.sources import open_source

    model = Path(args.model[0]) if args.model else next(iter(shipped_models()), None)
    if model is None:
        print("error: no model given and none shipped; pass --model PATH", file=sys.stderr)
        return EXIT_FAILED
    if len(args.model or []) > 1:
        print("error: detect runs one model; pass --model once", file=sys.stderr)
        return EXIT_USAGE
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FeatherFaceError(f"Cannot create the output folder {args.out}: {exc.strerror or exc}") from exc
    detector = load_detector(model, threads=args.threads)
    options = DetectOptions(confidence=args.confidence, nms_iou=args.nms_iou, input_long_side=args.input_size)
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
    for _sink, error in [*((s, e) for s, e in loop.sink_errors if s is csv_sink), *loop.close()]:
        print(f"error: {describe(error)}", file=sys.stderr)
        failures += 1
    json_path = args.out / "detections.json"
    write_detections_json(json_path, document)
    print(f"detections: {json_path}, {csv_sink.path}")
    return EXIT_FAILED if failures else EXIT_OK
