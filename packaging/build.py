"""Build the double-clickable FeatherFace Live with PyInstaller, and optionally smoke-test it.

    python packaging/build.py                 # one-folder build: dist/FeatherFaceLive/
    python packaging/build.py --onefile       # one file: dist/onefile/FeatherFaceLive(.exe)
    python packaging/build.py --smoke         # build, then run --version, --self-test and a
                                              # short offscreen GUI start of the built executable

Needs the test extra installed (PyInstaller); run from any folder. The models bundled are
``models/*.onnx`` unless ``--models DIR`` names another folder (for a build before training lands).
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "packaging" / "featherface_live.spec"
NAME = "FeatherFaceLive"
# Whatever must never end up in the bundle: it is large and the app does not import it.
FORBIDDEN = ("torch", "featherface_train", "tkinter", "QtWebEngine", "Qt6Qml", "Qt6Quick", "Qt6Multimedia", "Qt63D")

log = logging.getLogger("build")


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def dist_dir(onefile: bool) -> Path:
    """Separate folders, so a one-file build does not replace the one-folder build of the same name."""
    return ROOT / "dist" / "onefile" if onefile else ROOT / "dist"


def executable_path(dist: Path, onefile: bool) -> Path:
    suffix = ".exe" if sys.platform == "win32" else ""
    if sys.platform == "darwin":
        return dist / f"{NAME}.app" / "Contents" / "MacOS" / NAME
    return dist / f"{NAME}{suffix}" if onefile else dist / NAME / f"{NAME}{suffix}"


def build(onefile: bool, models: Path, clean: bool) -> Path:
    """Run PyInstaller on the spec; returns the built executable."""
    onnx_files = sorted(models.glob("*.onnx"))
    if not onnx_files:
        raise SystemExit(f"error: no *.onnx in {models}; train/export the models first or pass --models DIR")
    dist, work = dist_dir(onefile), ROOT / "build" / ("pyinstaller-onefile" if onefile else "pyinstaller")
    env = {**os.environ, "FEATHERFACE_MODELS_DIR": str(models.resolve()), "FEATHERFACE_ONEFILE": "1" if onefile else "0"}
    command = [sys.executable, "-m", "PyInstaller", str(SPEC), "--noconfirm", "--log-level", "WARN",
               "--distpath", str(dist), "--workpath", str(work)]
    if clean:
        command.append("--clean")
    log.info("bundling %d model(s) from %s: %s", len(onnx_files), models, ", ".join(p.name for p in onnx_files))
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    seconds = time.perf_counter() - start
    exe = executable_path(dist, onefile)
    if not exe.is_file():
        raise SystemExit(f"error: PyInstaller finished but {exe} is missing")
    bundle = exe if onefile else exe.parent
    size = exe.stat().st_size if onefile else folder_size(bundle)
    log.info("built %s in %.0f s, %.0f MB", bundle.relative_to(ROOT), seconds, size / 1e6)
    if not onefile:
        check_contents(bundle)
    return exe


def check_contents(bundle: Path) -> None:
    """Fail if something excluded slipped in; log the largest parts so size regressions show."""
    names = [str(p.relative_to(bundle)) for p in bundle.rglob("*")]
    leaked = sorted({f for f in FORBIDDEN for n in names if f in n})
    if leaked:
        raise SystemExit(f"error: the bundle contains what it must not: {', '.join(leaked)}")
    internal = bundle / "_internal"
    if internal.is_dir():
        parts = sorted(((folder_size(p) if p.is_dir() else p.stat().st_size), p.name) for p in internal.iterdir())
        log.info("largest parts: %s", ", ".join(f"{name} {size / 1e6:.0f} MB" for size, name in parts[::-1][:8]))


def fresh_profile(home: Path) -> dict[str, str]:
    """Environment for a user who never ran the app: no remembered models, sources or folders."""
    folders = {"HOME": home, "XDG_CONFIG_HOME": home / ".config", "XDG_DATA_HOME": home / ".local/share",
               "XDG_CACHE_HOME": home / ".cache", "APPDATA": home / "AppData/Roaming", "LOCALAPPDATA": home / "AppData/Local"}
    return {name: str(path) for name, path in folders.items()}


def run_checked(command: list[str], timeout: float, home: Path | None = None) -> float:
    """Run ``command`` offscreen (as a first-time user when ``home`` is given); fail loudly on a
    non-zero exit. Returns the wall time in s."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "LANG": os.environ.get("LANG", "C.UTF-8")}
    if home is not None:
        env.update(fresh_profile(home))
    start = time.perf_counter()
    result = subprocess.run(command, env=env, timeout=timeout, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    tail = (result.stdout + result.stderr).strip().splitlines()[-15:]
    log.info("%s -> exit %d in %.1f s\n  %s", " ".join(Path(c).name if i == 0 else c for i, c in enumerate(command)),
             result.returncode, seconds, "\n  ".join(tail))
    if result.returncode != 0:
        raise SystemExit(f"error: {' '.join(command)} exited {result.returncode}")
    return seconds


def smoke(exe: Path) -> None:
    """What CI checks on the built executable, as a first-time user: version, self-test, and a
    short GUI start."""
    with tempfile.TemporaryDirectory(prefix="featherface-user-") as home:
        run_checked([str(exe), "--version"], timeout=60, home=Path(home))
        run_checked([str(exe), "--self-test"], timeout=300, home=Path(home))
        run_checked([str(exe), "--quit-after", "3"], timeout=120, home=Path(home))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--onefile", action="store_true", help="one self-unpacking file instead of a folder")
    parser.add_argument("--models", type=Path, default=ROOT / "models", help="folder of .onnx models to bundle")
    parser.add_argument("--clean", action="store_true", help="discard PyInstaller's cache first")
    parser.add_argument("--smoke", action="store_true", help="then run the built executable's checks offscreen")
    parser.add_argument("--no-build", action="store_true", help="only smoke-test an existing build")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="[build] %(message)s")
    if shutil.which("objdump") is None and sys.platform.startswith("linux"):
        log.warning("objdump not found (Debian: binutils); PyInstaller needs it on Linux")
    exe = executable_path(dist_dir(args.onefile), args.onefile) if args.no_build else build(args.onefile, args.models, args.clean)
    if args.smoke:
        smoke(exe)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
