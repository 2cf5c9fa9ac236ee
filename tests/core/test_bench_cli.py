"""The headless benchmark and the command line (bench, detect, eval wiring, --self-test, --help)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import pytest
from skimage import data

from featherface_app.cli import main, write_detections_json
from featherface_app.cli.bench import format_table
from featherface_app.core.bench import run_bench

REPO_ROOT = Path(__file__).resolve().parents[2]
REQUIRED_KEYS = {"model", "frames", "fps", "infer_ms_p50", "infer_ms_p95", "pipeline_ms_p50", "pipeline_ms_p95"}


def test_run_bench_reports_every_figure(model_path: Path) -> None:
    (result,) = run_bench([model_path], "sample", frames=6)
    row = result.to_json()
    assert REQUIRED_KEYS <= set(row) and row["frames"] == 6 and row["fps"] > 0
    assert row["infer_ms_p50"] <= row["infer_ms_p95"] and row["pipeline_ms_p50"] <= row["pipeline_ms_p95"]
    assert row["pipeline_ms_p50"] >= row["infer_ms_p50"]  # the pipeline contains the inference
    assert all(f"{stage}_ms_p95" in row for stage in ("capture", "preprocess", "inference", "postprocess", "draw"))
    assert row["model"] in format_table([result])


def test_bench_on_a_short_video_reopens_it(model_path: Path, make_video) -> None:
    (result,) = run_bench([model_path], make_video(frames=4), frames=9)
    assert result.frames == 9


def test_bench_json_from_the_command_line(model_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "main.py", "bench", "--models", str(model_path), "--frames", "3", "--json", "--threads", "1"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert isinstance(rows, list) and len(rows) == 1 and REQUIRED_KEYS <= set(rows[0]) and rows[0]["frames"] == 3


def test_help_documents_every_command() -> None:
    result = subprocess.run([sys.executable, "main.py", "--help"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    for word in ("bench", "detect", "eval", "--source", "--video", "--model", "--quit-after", "--self-test", "--version"):
        assert word in result.stdout


def test_detect_writes_annotated_outputs_and_json(tmp_path: Path, model_path: Path, make_video, capsys: pytest.CaptureFixture[str]) -> None:
    image_path = tmp_path / "astronaut photo.png"
    cv2.imwrite(str(image_path), cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR))
    video = make_video("clip.mp4", frames=5, size=(96, 64))
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"junk")
    out = tmp_path / "out"
    code = main(["detect", str(image_path), str(video), str(bad), "--model", str(model_path), "--out", str(out)])
    assert code == 1  # one input failed; the others are still done
    document = json.loads((out / "detections.json").read_text(encoding="utf-8"))
    image_entry, video_entry, bad_entry = document["inputs"]
    assert len(image_entry["frames"][0]["faces"]) == 1 and image_entry["frames"][0]["faces"][0]["score"] > 0.9
    assert (out / "astronaut photo_annotated.png").is_file()
    assert len(video_entry["frames"]) == 5
    capture = cv2.VideoCapture(video_entry["output"])
    frames = 0
    while capture.read()[0]:
        frames += 1
    assert frames == 5
    assert "bad.mp4" in bad_entry["error"]
    assert "detections.json" in capsys.readouterr().out


def test_detections_json_is_strict(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_detections_json(tmp_path / "d.json", {"score": float("nan")})
    assert not (tmp_path / "d.json").exists()


def test_self_test_passes_with_good_models_and_fails_with_a_broken_one(tmp_path: Path, model_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--self-test", "--model", str(model_path)]) == 0
    assert "self-test passed" in capsys.readouterr().out
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"\x08\x07garbage")
    assert main(["--self-test", "--model", str(broken)]) == 1
    assert "FAIL broken.onnx" in capsys.readouterr().out


def test_eval_arguments_reach_the_evaluation_parser(capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from featherface_app.cli import evaluate

    own = argparse.ArgumentParser()
    evaluate.add_arguments(own)
    options = [o for action in own._actions for o in action.option_strings if o not in ("-h", "--help")]
    with pytest.raises(SystemExit) as stop:
        main(["eval", "--help"])
    assert stop.value.code == 0
    shown = capsys.readouterr().out
    assert options and all(option in shown for option in options)


def test_bad_arguments_give_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--source", "sample", "--video", "x.mp4"], ["bench", "--frames", "0"], ["--bogus"]):
        with pytest.raises(SystemExit) as stop:
            main(argv)
        assert stop.value.code == 2
    assert "error" in capsys.readouterr().err


def test_detect_reports_a_failing_output_on_stderr_and_in_the_exit_code(tmp_path: Path, model_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    photo = tmp_path / "astronaut.png"
    cv2.imwrite(str(photo), cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR))
    out = tmp_path / "out"
    (out / "astronaut_annotated.png").mkdir(parents=True)  # the PNG cannot be written: a folder is in the way
    assert main(["detect", str(photo), "--model", str(model_path), "--out", str(out)]) == 1
    (entry,) = json.loads((out / "detections.json").read_text(encoding="utf-8"))["inputs"]
    assert "Cannot write" in entry["error"] and len(entry["frames"][0]["faces"]) == 1  # the other sinks still ran
    rows = (out / "detections.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("input,frame,face,score,x1,y1,x2,y2,landmark0_x") and len(rows) == 2
    (out / "detections.csv").unlink()
    (out / "detections.csv").mkdir()
    assert main(["detect", str(photo), "--model", str(model_path), "--out", str(out)]) == 1
    assert "detections.csv" in capsys.readouterr().err
