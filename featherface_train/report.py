"""Parameter table per part and onnxruntime latency of the three networks, for the README.

    python -m featherface_train.report params
    python -m featherface_train.report latency --models A.onnx B.onnx ... [--runs 100]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
from torch import nn

from .nets.models import FeatherFace, RetinaFaceMnet, build_model

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
    columns = {"RetinaFace-mnet0.25": build_model("retinaface"), "V1 (CBAM)": build_model("v1"), "V2 (ECA)": build_model("v2")}
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m featherface_train.report", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    sub.add_parser("params")
    lat = sub.add_parser("latency")
    lat.add_argument("--models", type=Path, nargs="+", required=True)
    lat.add_argument("--runs", type=int, default=100)
    args = parser.parse_args(argv)
    print(params_table() if args.what == "params" else latency_table(args.models, args.runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
