"""What a bundle really loads: the ELF files mapped into its processes (``/proc/PID/maps``) and the
modules imported (``sys.modules``, written by the runtime hook at exit) during a GUI run, a
self-test and a ``detect`` — the evidence for leaving something out."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path

from elf_floor import elf_files


def _mapped(pid: int) -> set[str]:
    try:
        text = Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return set()
    return {line.split(None, 5)[5].strip() for line in text.splitlines() if len(line.split(None, 5)) == 6}


def run_and_watch(command: list[str], env: dict[str, str], seconds: float) -> set[str]:
    """Run ``command``; sample its maps every 0.2 s until it exits (or ``seconds`` pass)."""
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen: set[str] = set()
    deadline = time.monotonic() + seconds
    while proc.poll() is None and time.monotonic() < deadline:
        seen |= _mapped(proc.pid)
        time.sleep(0.2)
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    return seen


def measure(exe: Path, sample: Path, env: dict[str, str]) -> tuple[list[Path], set[str]]:
    """(bundled ELF files never mapped, modules imported) over the three runs."""
    bundle = exe.parent
    with tempfile.TemporaryDirectory(prefix="featherface-measure-") as tmp:
        report = Path(tmp) / "modules"
        env = {**env, "FEATHERFACE_MODULES_REPORT": str(report)}
        mapped: set[str] = set()
        mapped |= run_and_watch([str(exe), "--source", "sample", "--quit-after", "4"], env, 120)
        mapped |= run_and_watch([str(exe), "--self-test"], env, 300)
        mapped |= run_and_watch([str(exe), "detect", str(sample), "--max-frames", "5", "--out", str(Path(tmp) / "out")], env, 120)
        modules: set[str] = set()
        for path in Path(tmp).glob("modules.*"):
            modules |= set(path.read_text(encoding="utf-8").split())
    real = {os.path.realpath(m) for m in mapped}
    unused = [p for p in elf_files(bundle) if os.path.realpath(p) not in real and p != exe]
    return unused, modules
