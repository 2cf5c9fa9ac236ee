"""``python main.py info``: the model record on the command line, as a user runs it (subprocess)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
FIELDS = {"name", "variant", "family", "parameters", "gmacs", "macs", "file_bytes", "input_policy", "input_hw", "provenance", "card_ap", "claims"}


def info(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "main.py", "info", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)


def test_info_json_describes_the_shipped_models() -> None:
    done = info("--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert [(r["name"], r["variant"]) for r in rows] == [
        ("FeatherFace V1 (CBAM)", "v1-cbam"),
        ("FeatherFace V2 (ECA)", "v2-eca"),
        ("FeatherFace V2 (ECA) INT8-SSH", "v2-eca"),
    ]
    assert "SSH nodes" in rows[2]["provenance"]["quantization"]
    for row in rows:
        assert FIELDS <= set(row), FIELDS - set(row)
        assert row["input_hw"] == [480, 640]
        assert 0.3 < row["gmacs"] < 1.5
        assert row["parameters"] > 100_000
        assert set(row["card_ap"]) == {"easy", "medium", "hard"}
        assert row["provenance"]["git_revision"] and row["provenance"]["recipe_fields"]
        assert {c["what"] for c in row["claims"]}
    small = json.loads(info("--json", "--input-size", "320", "--model", str(REPO_ROOT / "models" / "featherface_v2_eca.onnx")).stdout)
    assert len(small) == 1 and small[0]["input_hw"] == [256, 320]
    assert 3.6 < rows[1]["macs"] / small[0]["macs"] < 4.2
    # V2 alone still gets its claims measured against the shipped V1's card
    gain = next(c for c in small[0]["claims"] if c["what"].startswith("AP over V1"))
    assert re.match(r"[+−-]\d+\.\d / [+−-]\d+\.\d / [+−-]\d+\.\d", gain["measured"]), gain["measured"]


def test_info_text_and_failures(tmp_path: Path) -> None:
    done = info(str(REPO_ROOT / "models" / "featherface_v1_cbam.onnx"))
    assert done.returncode == 0, done.stderr
    assert "GMACs at 640x480" in done.stdout and "claimed" in done.stdout and "FeatherFace V1 (CBAM)" in done.stdout
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a model")
    done = info(str(broken), str(REPO_ROOT / "models" / "featherface_v2_eca.onnx"))
    assert done.returncode == 1
    assert "broken.onnx" in done.stderr
    assert "FeatherFace V2 (ECA)" in done.stdout  # the model that loads is still described
    assert info("--input-size", "huge").returncode == 2
