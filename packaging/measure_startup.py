"""Start-up time of the built app to its first frame with a detected face (median of several starts).

    python packaging/measure_startup.py [--exe dist/FeatherFaceLive/FeatherFaceLive] [--runs 5]
    python packaging/measure_startup.py --exe main.py      # the source tree, for comparison

Each run launches the executable (a ``.py`` file runs with this Python) on the sample clip
(offscreen unless ``QT_QPA_PLATFORM`` is set) and times, from the launch, the moment its log on
stderr reports the first frame shown with a detected face (the window logs a line containing
``MARKER`` once). Reports every run, the median, and fails if the marker never appears. A
wall-clock figure for a report, not a test assertion.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARKER = "first detected frame"
DEFAULT_EXE = ROOT / "dist" / "FeatherFaceLive" / ("FeatherFaceLive.exe" if sys.platform == "win32" else "FeatherFaceLive")


def one_start(exe: Path, timeout: float, extra: list[str] | None = None) -> float | None:
    """Seconds from launch to the marker line, or None if it never came; ``extra`` arguments
    are passed on (e.g. ``--model PATH`` when the models folder is empty)."""
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    command = [sys.executable, str(exe)] if exe.suffix == ".py" else [str(exe)]
    start = time.perf_counter()
    proc = subprocess.Popen(
        [*command, "--source", "sample", "--log-level", "INFO", "--quit-after", str(timeout), *(extra or [])],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: list[float] = []

    def watch() -> None:
        for line in proc.stderr or ():
            if MARKER in line and not seen:
                seen.append(time.perf_counter() - start)
                proc.terminate()

    reader = threading.Thread(target=watch, daemon=True)
    reader.start()
    try:
        proc.wait(timeout=timeout + 30)
    finally:
        if proc.poll() is None:
            proc.kill()
        reader.join(5)
    return seen[0] if seen else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exe", type=Path, default=DEFAULT_EXE)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds one start may take")
    parser.add_argument("--model", action="append", default=[], metavar="PATH", help="passed on to the app (repeatable)")
    args = parser.parse_args(argv)
    extra = [item for path in args.model for item in ("--model", str(path))]
    times = []
    for run in range(1, args.runs + 1):
        seconds = one_start(args.exe, args.timeout, extra)
        print(f"start {run}: " + (f"{seconds:.2f} s" if seconds is not None else f"no '{MARKER}' line within {args.timeout:.0f} s"))
        if seconds is None:
            return 1
        times.append(seconds)
    print(
        f"time to first detected frame: median {statistics.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f}, {len(times)} starts, {args.exe})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
