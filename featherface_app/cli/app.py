"""The default command (the window) and ``--self-test``, which needs no window."""

from __future__ import annotations

import argparse
import io
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from featherface_app import __version__
from featherface_app.logs import add_log_file

from .options import EXIT_FAILED, EXIT_OK, EXIT_USAGE, shipped_models

log = logging.getLogger("featherface_app")

SELF_TEST_FRAMES = 30


def self_test(extra_models: Sequence[Path] = (), frames: int = SELF_TEST_FRAMES) -> int:
    """Load every shipped model (and ``extra_models``), run ``frames`` sample frames through each
    with the app's pipeline; print one line per model; 0 when every model loaded and ran."""
    from featherface_app.core.bench import bench_one
    from featherface_app.core.detector import DetectOptions, load_detector
    from featherface_app.core.paths import bundled_models_dir, sample_clip_path

    models = [*shipped_models(), *extra_models]
    print(f"FeatherFace Live {__version__} self-test (python {sys.version.split()[0]}, {sys.platform})")
    ok = True
    if not sample_clip_path().is_file():
        print(f"FAIL sample clip missing: {sample_clip_path()}")
        return EXIT_FAILED
    if not models:
        print(f"FAIL no models in {bundled_models_dir()}")
        return EXIT_FAILED
    for path in models:
        try:
            detector = load_detector(path)
            result = bench_one(detector, "sample", frames, DetectOptions(), warmup=0)
        except Exception as exc:  # the self-test reports every failure, whatever its type
            ok = False
            print(f"FAIL {Path(path).name}: {exc}")
            continue
        ran = result.frames == frames
        ok &= ran
        print(
            f"{'ok  ' if ran else 'FAIL'} {Path(path).name} ({result.model}, {result.variant}): {result.frames}/{frames} frames, "
            f"{result.faces_per_frame:.2f} faces/frame, infer p50 {result.infer_ms[0]:.1f} ms, pipeline p50 {result.pipeline_ms[0]:.1f} ms"
        )
    print("self-test passed" if ok else "self-test FAILED")
    return EXIT_OK if ok else EXIT_FAILED


def run_gui(args: argparse.Namespace) -> int:
    """Start the window; it opens the log file itself, once it has set the user folder to
    QStandardPaths' answer (so the file lands where the GUI's other user files go)."""
    try:
        from featherface_app.gui.app import run_gui
    except ImportError as exc:  # not installed, or installed without its native libraries
        from featherface_app.dependencies import window_message

        add_log_file()  # a windowed build has no console: the file is the only trace
        message = window_message()
        log.error("%s (%s)", message.splitlines()[0], exc)
        if sys.stderr is not None:
            print(f"error: {message}", file=sys.stderr)
        return EXIT_USAGE
    return int(run_gui(args) or 0)


def tolerate_undecodable_names() -> None:
    """File names that are not valid UTF-8 reach Python as lone surrogates; print them back as
    the bytes they were (as ``ls`` does) instead of dying with UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors="surrogateescape")
