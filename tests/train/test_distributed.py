"""``torchrun --nproc_per_node 2`` trains with DistributedDataParallel on CPU (gloo): both ranks
end with the same weights, only rank 0 writes the log, the checkpoint and the model, and a second
run of the same command resumes from rank 0's checkpoint."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def _torchrun(out: Path, shared_dir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node",
        "2",
        "-m",
        "featherface_train.train",
        "--variant",
        "v2",
        "--distill",
        "--out",
        str(out),
        "--limit-images",
        "16",
        "--epochs",
        "2",
        "--batch-size",
        "4",
        "--image-size",
        "160",
        "--workers",
        "0",
        "--threads",
        "1",
        *extra,
    ]
    env = {**os.environ, "FEATHERFACE_SHARED": str(shared_dir), "OMP_NUM_THREADS": "1"}
    return subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_two_cpu_ranks_resume_and_end_with_the_same_weights(tmp_path: Path, shared_dir: Path) -> None:
    out = tmp_path / "ddp"
    first = _torchrun(out, shared_dir, "--stop-after-steps", "2")  # half of the 4 steps, then stop
    assert first.returncode == 0, first.stderr[-3000:]
    assert (out / "last.pt").is_file() and not (out / "final.pt").exists()

    run = _torchrun(out, shared_dir)  # the same command: resumes at step 2 and finishes
    assert run.returncode == 0, run.stderr[-3000:]
    log = (out / "train.log").read_text()
    assert "resumed from" in log and "at step 2/4" in log, log
    digests = re.search(r"weights digest per rank: (\w+) (\w+) \((\w+)\)", log)
    assert digests, log
    assert digests.group(1) == digests.group(2) and digests.group(3) == "identical", log
    # 16 images, 2 ranks, batch 4: 2 steps an epoch on each rank, logged once (rank 0 only)
    assert log.count("step 2/4 ") == 1 and log.count("step 4/4 ") == 1, log
    assert (out / "model.onnx").is_file() and (out / "last.pt").is_file()
    assert sorted(p.name for p in out.iterdir()) == sorted(["train.log", "last.pt", "final.pt", "model.onnx", "provenance.json"])
