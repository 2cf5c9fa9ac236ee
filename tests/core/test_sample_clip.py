"""The bundled sample clip: small, the advertised format, and full of faces the teacher finds."""

from __future__ import annotations

from pathlib import Path

from featherface_app.core.detector import DetectOptions, OnnxFaceDetector
from featherface_app.core.paths import sample_clip_path
from featherface_app.core.sources import open_source

STEP = 5  # every fifth frame keeps the test short


def test_sample_clip_is_small_and_faces_are_found_in_most_frames(model_path: Path) -> None:
    assert sample_clip_path().stat().st_size < 2_000_000
    source = open_source("sample")
    detector = OnnxFaceDetector(model_path)
    hits, seen, total = 0, 0, 0
    while (frame := source.read()) is not None and frame.index < 225:
        total += 1
        if frame.index % STEP:
            continue
        assert frame.image.shape == (480, 640, 3)
        seen += 1
        hits += len(detector.detect(frame.image, DetectOptions(confidence=0.5)).faces) > 0
    source.close()
    print(f"sample clip: {total / source.fps:.1f} s at {source.fps:.0f} fps; teacher finds a face in {hits}/{seen} sampled frames")
    assert total / source.fps >= 8.0
    assert hits / seen >= 0.9
