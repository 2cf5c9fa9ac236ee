"""Parameter table per part, onnxruntime latency, and the 2 x 2 ablation table, for the README and cards.

python -m featherface_train.report params
python -m featherface_train.report latency --models A.onnx B.onnx ... [--runs 100]
python -m featherface_train.report ablation --model "CBAM, KD=runs/v1_kd_ft512/model.onnx" ... --teacher T.onnx
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import TypedDict

import numpy as np
import onnxruntime as ort
from torch import nn

from featherface_app.core.detector import load_detector
from featherface_app.core.evaluation import default_data_dir, evaluate_detector
from featherface_app.core.face_free import face_free_frames, frames_with_faces

from .nets.models import FeatherFace, RetinaFaceMnet, build_model
from .nets.variants import FEATHERFACE_VARIANTS, REFERENCE_VARIANTS, VARIANTS

PARTS = ("backbone", "attention", "neck (BiFPN / FPN)", "SSH", "heads")


def parameter_parts(net: nn.Module) -> dict[str, int]:
    """Parameters of each part of a network, keyed by :data:`PARTS`, plus ``total``."""

    def count(*modules: nn.Module) -> int:
        return sum(p.numel() for m in modules for p in m.parameters())

    if isinstance(net, FeatherFace):
        parts = {
            "backbone": count(net.body),
            "attention": count(net.backbone_attention, net.neck_attention),
            "neck (BiFPN / FPN)": count(net.bifpn),
            "SSH": count(net.ssh),
            "heads": count(net.heads),
        }
    elif isinstance(net, RetinaFaceMnet):
        parts = {
            "backbone": count(net.body),
            "attention": 0,
            "neck (BiFPN / FPN)": count(net.fpn),
            "SSH": count(net.ssh1, net.ssh2, net.ssh3),
            "heads": count(net.ClassHead, net.BboxHead, net.LandmarkHead),
        }
    else:
        raise TypeError(f"no part breakdown for {type(net).__name__}")
    parts["total"] = count(net)
    if sum(v for k, v in parts.items() if k != "total") != parts["total"]:
        raise AssertionError("parts do not add up to the total")
    return parts


def params_table() -> str:
    order = (*REFERENCE_VARIANTS, *FEATHERFACE_VARIANTS)  # the reference first, then the FeatherFace networks
    columns = {VARIANTS[name].column: build_model(name) for name in order}
    counts = {name: parameter_parts(net) for name, net in columns.items()}
    lines = ["| part | " + " | ".join(columns) + " |", "|---|" + "---:|" * len(columns)]
    for part in (*PARTS, "total"):
        lines.append(f"| {part} | " + " | ".join(f"{counts[c][part]:,}" for c in columns) + " |")
    return "\n".join(lines)


def latency_ms(model: Path, height: int, width: int, threads: int, runs: int) -> tuple[float, float]:
    """Median and p95 of ``session.run`` on a random input, after 5 warm-up runs."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    feed = {session.get_inputs()[0].name: np.random.default_rng(0).normal(0, 50, (1, 3, height, width)).astype(np.float32)}
    for _ in range(5):
        session.run(None, feed)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        session.run(None, feed)
        samples.append((time.perf_counter() - start) * 1e3)
    return statistics.median(samples), float(np.percentile(samples, 95))


def latency_table(models: list[Path], runs: int) -> str:
    lines = ["| model | 640x480, 1 thread | 640x480, 2 threads | 320x240, 1 thread | 320x240, 2 threads |", "|---|---:|---:|---:|---:|"]
    for model in models:
        cells = []
        for height, width in ((480, 640), (240, 320)):
            for threads in (1, 2):
                median, p95 = latency_ms(model, height, width, threads, runs)
                cells.append(f"{median:.1f} (p95 {p95:.1f})")
        lines.append(f"| {model.name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def interleaved_latency_ms(models: list[Path], runs: int, height: int = 480, width: int = 640) -> list[float]:
    """1-thread medians of ``session.run``, the models taking turns run by run so that machine
    noise falls on all of them alike."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    sessions = [ort.InferenceSession(str(m), options, providers=["CPUExecutionProvider"]) for m in models]
    image = np.random.default_rng(0).normal(0, 50, (1, 3, height, width)).astype(np.float32)
    feeds = [{s.get_inputs()[0].name: image} for s in sessions]
    samples: list[list[float]] = [[] for _ in models]
    for round_ in range(runs + 5):
        for session, feed, out in zip(sessions, feeds, samples):
            start = time.perf_counter()
            session.run(None, feed)
            if round_ >= 5:
                out.append((time.perf_counter() - start) * 1e3)
    return [statistics.median(s) for s in samples]


class AblationRow(TypedDict):
    """One model of the ablation table (also what ``--json`` writes)."""

    model: str
    file: str
    easy: float
    medium: float
    hard: float
    false_face_frames: int
    face_free_frames: int
    false_faces: list[str]
    parameters: int | None  #: None: the file does not say
    latency_ms_1thread_640x480: float


def ablation_rows(models: dict[str, Path], data_dir: Path, runs: int) -> list[AblationRow]:
    """AP easy/medium/hard at original size, false-face frames, parameters and 1-thread latency."""
    frames = face_free_frames()
    latencies = interleaved_latency_ms(list(models.values()), runs)
    rows: list[AblationRow] = []
    for (label, path), latency in zip(models.items(), latencies):
        detector = load_detector(path, threads=1)
        ap = evaluate_detector(detector, data_dir)
        hits = frames_with_faces(detector, frames)
        rows.append(
            {
                "model": label,
                "file": str(path),
                "easy": ap.easy,
                "medium": ap.medium,
                "hard": ap.hard,
                "false_face_frames": len(hits),
                "face_free_frames": len(frames),
                "false_faces": hits,
                "parameters": detector.info.parameters,
                "latency_ms_1thread_640x480": latency,
            }
        )
    return rows


def ablation_table(rows: list[AblationRow]) -> str:
    lines = ["| model | easy | medium | hard | face-free frames with a face | parameters | 1 thread, 640x480 |", "|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        parameters = "?" if r["parameters"] is None else f"{r['parameters']:,}"
        lines.append(
            f"| {r['model']} | {100 * float(r['easy']):.1f} | {100 * float(r['medium']):.1f} | "
            f"{100 * float(r['hard']):.1f} | {r['false_face_frames']} / {r['face_free_frames']} | "
            f"{parameters} | {float(r['latency_ms_1thread_640x480']):.1f} ms |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m featherface_train.report", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    sub.add_parser("params")
    lat = sub.add_parser("latency")
    lat.add_argument("--models", type=Path, nargs="+", required=True)
    lat.add_argument("--runs", type=int, default=100)
    abl = sub.add_parser("ablation", help="AP, false faces, parameters and latency of labelled models")
    abl.add_argument("--model", action="append", required=True, metavar="LABEL=PATH")
    abl.add_argument("--data", type=Path, help="default: $FEATHERFACE_SHARED/data/wider_val_dev")
    abl.add_argument("--runs", type=int, default=100)
    abl.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args(argv)
    if args.what == "params":
        print(params_table())
    elif args.what == "latency":
        print(latency_table(args.models, args.runs))
    else:
        models = {label: Path(path) for label, path in (m.split("=", 1) for m in args.model)}
        rows = ablation_rows(models, args.data or default_data_dir(), args.runs)
        if args.json:
            args.json.write_text(json.dumps(rows, indent=2))
        print(ablation_table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
