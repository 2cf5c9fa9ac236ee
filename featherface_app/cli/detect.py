"""``detect``: one model over images, videos and folders of them through the frame loop; per
input an annotated PNG or recording, and for all inputs ``detections.json`` and ``detections.csv``
(frame-loop sinks). Progress goes to stderr (see :mod:`.progress`)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from featherface_app.core.errors import FeatherFaceError, SourceError, describe

from .options import EXIT_FAILED, EXIT_OK, EXIT_USAGE, add_detect_options, add_model_option, positive_int, shipped_models
from .progress import Progress

if TYPE_CHECKING:
    from featherface_app.core.detector import DetectOptions
    from featherface_app.core.loop import FrameLoop, Sink
    from featherface_app.core.sinks import FrameRecord
    from featherface_app.core.sources import FrameSource

log = logging.getLogger("featherface_app")

#: how many skipped file names a note lists before "…".
NOTED_NAMES = 5


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    detect = sub.add_parser(
        "detect",
        help="detect faces in images or videos; write annotated copies, JSON and CSV",
        description="Run one model on images, videos and folders (searched recursively for images and videos; other files are skipped with a note). Writes <name>_annotated.png / .mkv, detections.json and detections.csv into --out; progress on stderr.",
    )
    detect.add_argument("inputs", nargs="+", type=Path, metavar="INPUT", help="image or video files, or folders of them")
    add_model_option(detect, "ONNX model (default: the first shipped model)")
    detect.add_argument("--out", type=Path, default=Path("featherface_detect"), help="output folder (default ./featherface_detect)")
    detect.add_argument("--max-frames", type=positive_int, help="stop each video after this many frames")
    detect.add_argument("--no-landmarks", action="store_true", help="do not draw the five landmarks")
    add_detect_options(detect)


def write_detections_json(path: Path, document: Mapping[str, object]) -> None:
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


@dataclass(frozen=True)
class InputRecord:
    """What ``detect`` did with one input: its frames (absent when it never opened), whether it
    was an image or a video, the annotated copy, the video's nominal fps (0 unknown; absent when
    reading stopped early) and the error, if any."""

    path: str
    frames: tuple[FrameRecord, ...] | None = None
    kind: Literal["image", "video"] | None = None
    output: str | None = None
    fps: float | None = None
    error: str | None = None

    @property
    def faces(self) -> int:
        return sum(len(frame.faces) for frame in self.frames or ())

    def to_json(self) -> dict[str, object]:
        """``{"path", "frames", "kind", "output", "fps", "error"}``, in that order, without the absent ones."""
        row: dict[str, object] = {"path": self.path}
        if self.frames is not None:
            row["frames"] = [frame.to_json() for frame in self.frames]
        for key in ("kind", "output", "fps", "error"):
            if (value := getattr(self, key)) is not None:
                row[key] = value
        return row


@dataclass(frozen=True)
class DetectionsDocument:
    """``detections.json``: the model, the options and one :class:`InputRecord` per input."""

    model: str
    model_file: str
    variant: str
    family: str
    options: DetectOptions
    inputs: tuple[InputRecord, ...]

    def to_json(self) -> dict[str, object]:
        o = self.options
        return {
            "model": self.model,
            "model_file": self.model_file,
            "variant": self.variant,
            "family": self.family,
            "options": {"confidence": o.confidence, "nms_iou": o.nms_iou, "input_long_side": o.input_long_side},
            "inputs": [entry.to_json() for entry in self.inputs],
        }


@dataclass(frozen=True)
class FolderContents:
    """The images and videos found under a folder (sorted, recursively; hidden entries left out)
    and the other files that were skipped."""

    media: tuple[Path, ...]
    skipped: tuple[Path, ...]

    def note(self, folder: Path) -> str | None:
        """``note: skipped 2 files that are neither images nor videos in DIR: a.txt, b.json``."""
        if not self.skipped:
            return None
        names = ", ".join(str(p.relative_to(folder)) for p in self.skipped[:NOTED_NAMES]) + (" …" if len(self.skipped) > NOTED_NAMES else "")
        what = "file that is neither an image nor a video" if len(self.skipped) == 1 else "files that are neither images nor videos"
        return f"note: skipped {len(self.skipped)} {what} in {folder}: {names}"


def folder_contents(folder: Path) -> FolderContents:
    """Images (by suffix) and videos (:data:`VIDEO_SUFFIXES`) anywhere under ``folder``; symlinked
    folders are not followed (no loops), hidden files and folders are left out."""
    from featherface_app.core.sources import IMAGE_SUFFIXES, VIDEO_SUFFIXES

    media: list[Path] = []
    skipped: list[Path] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = Path(root) / name
            (media if path.suffix.lower() in IMAGE_SUFFIXES | VIDEO_SUFFIXES else skipped).append(path)
    return FolderContents(tuple(media), tuple(skipped))


def expand_inputs(paths: Iterable[Path]) -> list[Path]:
    """Each path as given, a folder replaced by the images and videos under it (a note on stderr
    for the other files). A folder without any stays itself, so it is reported as a failed input."""
    expanded: list[Path] = []
    for path in paths:
        if not path.is_dir():
            expanded.append(path)
            continue
        contents = folder_contents(path)
        if (note := contents.note(path)) is not None:
            print(note, file=sys.stderr)
        expanded.extend(contents.media or (path,))
    return expanded


def _frame_total(source: FrameSource, max_frames: int | None) -> int:
    """Frames this input will give: 1 for an image, else the video's count (0 unknown) capped
    by ``--max-frames``."""
    from featherface_app.core.sources import ImageSource, VideoFileSource

    if isinstance(source, ImageSource):
        return 1
    total = max(0, source.frame_count) if isinstance(source, VideoFileSource) else 0
    return min(total, max_frames) if max_frames is not None and total else total


def _detect_one(loop: FrameLoop, source: FrameSource, path: Path, out_stem: Path, max_frames: int | None, progress: Progress) -> InputRecord:
    """Every frame of ``source`` (up to ``max_frames``) through ``loop`` with this input's sinks:
    the JSON records, and the annotated PNG (an image) or recording (a video). A failure (the
    source, a sink) ends up in the record's ``error``, with the frames done before it."""
    from featherface_app.core.sinks import DetectionsRecords, ImageFileSink, VideoFileSink
    from featherface_app.core.sources import ImageSource

    records = DetectionsRecords()
    image = isinstance(source, ImageSource)
    output: ImageFileSink | VideoFileSink
    if image:
        output = ImageFileSink(out_stem.with_name(f"{out_stem.name}_annotated.png"))
    else:
        output = VideoFileSink(out_stem.with_name(f"{out_stem.name}_annotated.mkv"), source.fps)
    sinks: list[Sink] = [records, output]  # this input's sinks: a failure of any is the input's error
    for sink in sinks:
        loop.add_sink(sink)
    failed_before = len(loop.sink_errors)
    done = False
    error: Exception | None = None
    written: str | None = None
    try:
        while (max_frames is None or len(records.frames) < max_frames) and (frame := source.read()) is not None:
            loop.feed(frame)
            progress.update(len(records.frames))
            if image:
                break
        done = True
    except FeatherFaceError as exc:
        error = exc
    finally:
        progress.clear()  # before closing the output, which logs
        for sink in sinks:
            loop.remove_sink(sink)
        if output.output is not None:
            written = str(output.output)
        try:
            output.close()
        except FeatherFaceError as exc:
            error = error or exc
    if error is None:
        errors = [exc for sink, exc in loop.sink_errors[failed_before:] if sink in sinks]
        error = errors[0] if errors else None
    if error is not None:
        progress.clear()
        log.error("%s: %s", path, error)
    return InputRecord(
        path=str(path),
        frames=tuple(records.frames),
        kind="image" if image else "video",
        output=written,
        fps=source.fps if done and not image else None,
        error=str(error) if error is not None else None,
    )


def _unique_stem(path: Path, number: int, used: set[str]) -> str:
    stem = path.stem if path.stem not in used else f"{path.stem}_{number}"
    while stem in used:
        number += 1
        stem = f"{path.stem}_{number}"
    used.add(stem)
    return stem


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
    inputs = expand_inputs(args.inputs)
    progress = Progress(len(inputs))
    entries: list[InputRecord] = []
    used: set[str] = set()
    try:
        for number, path in enumerate(inputs):
            stem = _unique_stem(path, number, used)
            try:
                if path.is_dir():
                    raise SourceError(f"No images or videos in {path}")
                if not path.is_file():  # not open_source's "sample"/"camera:N": those never end
                    raise SourceError(f"Not a file or folder: {path}" if path.exists() else f"No such file: {path}")
                source = open_source(path)
            except SourceError as exc:
                progress.clear()
                log.error("%s", exc)
                entries.append(InputRecord(path=str(path), error=str(exc)))
                continue
            csv_sink.input_label = str(path)
            progress.start(number + 1, path.name, _frame_total(source, args.max_frames))
            try:
                entry = _detect_one(loop, source, path, args.out / stem, args.max_frames, progress)
            finally:
                source.close()
            entries.append(entry)
            progress.clear()
            frames = len(entry.frames or ())
            print(f"{path}: {frames} frame(s), {entry.faces} face(s)" + (f" -> {entry.output}" if entry.output is not None else ""), flush=True)
    finally:
        progress.clear()
    failures = sum(entry.error is not None for entry in entries)
    for _sink, error in [*((s, e) for s, e in loop.sink_errors if s is csv_sink), *loop.close()]:
        print(f"error: {describe(error)}", file=sys.stderr)
        failures += 1
    document = DetectionsDocument(
        model=detector.name,
        model_file=str(detector.path),
        variant=detector.info.variant,
        family=detector.info.family,
        options=options,
        inputs=tuple(entries),
    )
    json_path = args.out / "detections.json"
    write_detections_json(json_path, document.to_json())
    print(f"detections: {json_path}, {csv_sink.path}")
    return EXIT_FAILED if failures else EXIT_OK
