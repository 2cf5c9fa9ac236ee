"""Build the double-clickable FeatherFace Live with PyInstaller, and optionally smoke-test it.

    python packaging/build.py                 # one-folder build: dist/FeatherFaceLive/
    python packaging/build.py --onefile       # one file: dist/onefile/FeatherFaceLive(.exe)
    python packaging/build.py --smoke         # build, then run --version, --self-test, detect and a
                                              # short offscreen GUI start of the built executable
    python packaging/build.py --no-build --measure   # which bundled files a real run never loads

A Linux one-folder build is then made fit to ship: debug information stripped (slim.py), every
component's licence collected into ``LICENSES/`` beside the executable (licence_collect.py), and
the build fails when a bundled ELF file needs a newer glibc than ``--glibc-floor`` (elf_floor.py)
or when the folder or its tar.gz outgrow their ceilings.

Needs the test extra installed (PyInstaller); run from any folder. The models bundled are
``models/*.onnx`` unless ``--models DIR`` names another folder (for a build before training lands).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import elf_floor
import licence_collect
import slim

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SPEC = ROOT / "packaging" / "featherface_live.spec"
NAME = "FeatherFaceLive"
# Whatever must never end up in the bundle: it is large and the app does not import it (or, for
# the system libraries, it must come from the user's system).
FORBIDDEN = (
    "torch",
    "featherface_train",
    "tkinter",
    "QtWebEngine",
    "Qt6Qml",
    "Qt6Quick",
    "Qt6Multimedia",
    "Qt63D",
    "Qt6Svg",
    "Qt6Test",
    "QtSvg.abi3",
    "QtTest.abi3",
    "psutil",
    "_ssl.cpython",
    "_hashlib.cpython",
    "libstdc++",
    "libexpat",
    "libmvec",
    "libgcc_s",
)

log = logging.getLogger("build")


folder_size = slim.folder_size


def dist_dir(onefile: bool) -> Path:
    """Separate folders, so a one-file build does not replace the one-folder build of the same name."""
    return ROOT / "dist" / "onefile" if onefile else ROOT / "dist"


def executable_path(dist: Path, onefile: bool) -> Path:
    suffix = ".exe" if sys.platform == "win32" else ""
    if sys.platform == "darwin":
        return dist / f"{NAME}.app" / "Contents" / "MacOS" / NAME
    return dist / f"{NAME}{suffix}" if onefile else dist / NAME / f"{NAME}{suffix}"


def manifest_path(onefile: bool) -> Path:
    return ROOT / "build" / ("pyinstaller-onefile" if onefile else "pyinstaller") / "manifest.json"


def build(onefile: bool, models: Path, clean: bool) -> Path:
    """Run PyInstaller on the spec; returns the built executable."""
    onnx_files = sorted(models.glob("*.onnx"))
    if not onnx_files:
        raise SystemExit(f"error: no *.onnx in {models}; train/export the models first or pass --models DIR")
    dist, work = dist_dir(onefile), ROOT / "build" / ("pyinstaller-onefile" if onefile else "pyinstaller")
    work.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "FEATHERFACE_MODELS_DIR": str(models.resolve()),
        "FEATHERFACE_ONEFILE": "1" if onefile else "0",
        "FEATHERFACE_MANIFEST": str(manifest_path(onefile)),
    }
    command = [sys.executable, "-m", "PyInstaller", str(SPEC), "--noconfirm", "--log-level", "WARN", "--distpath", str(dist), "--workpath", str(work)]
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


def finish(bundle: Path, floor: str, archive: bool) -> None:
    """Make a Linux one-folder build fit to ship, and fail when it is not (see the module doc)."""
    before = folder_size(bundle)
    count, saved = slim.strip_debug(bundle)
    log.info("stripped debug information from %d files: %.1f MB saved (%.1f -> %.1f MB)", count, saved / 1e6, before / 1e6, folder_size(bundle) / 1e6)
    manifest = json.loads(manifest_path(False).read_text(encoding="utf-8"))
    components = licence_collect.collect(bundle / "LICENSES", ROOT, manifest["top_levels"], manifest["binaries"])
    log.info("licences: %d components, %d files in %s", len(components), sum(len(c.files) for c in components), (bundle / "LICENSES").relative_to(ROOT))
    check_glibc(bundle, floor)
    for family, copies in slim.duplicate_families(bundle).items():
        if len(copies) > 1:
            log.info(
                "%s: %d copies (%s); one copy would save %.1f MB",
                family,
                len(copies),
                ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in copies.items()),
                min(copies.values()) / 1e6,
            )
    size = folder_size(bundle)
    log.info("one-folder bundle: %.1f MB (ceiling %d MB)", size / 1e6, slim.MAX_FOLDER_MB)
    if size > slim.MAX_FOLDER_MB * 1e6:
        raise SystemExit(f"error: the bundle is {size / 1e6:.1f} MB, over the {slim.MAX_FOLDER_MB} MB ceiling")
    if archive:
        from featherface_app import __version__

        target = bundle.parent / f"{NAME}-{__version__}-linux-x86_64.tar.gz"
        packed = slim.tar_gz(bundle, target)
        log.info("%s: %.1f MB (ceiling %d MB)", target.relative_to(ROOT), packed / 1e6, slim.MAX_TARGZ_MB)
        if packed > slim.MAX_TARGZ_MB * 1e6:
            raise SystemExit(f"error: the tar.gz is {packed / 1e6:.1f} MB, over the {slim.MAX_TARGZ_MB} MB ceiling")


def check_glibc(bundle: Path, floor: str, runtime: dict[str, str] | None = None) -> None:
    """Fail when any bundled ELF file needs a GLIBC_ version above ``floor``, or a C++ runtime
    version above ``runtime`` (default :data:`elf_floor.RUNTIME_CEILING`); log the newest of each."""
    ceilings = {"GLIBC": floor, **(elf_floor.RUNTIME_CEILING if runtime is None else runtime)}
    needed = elf_floor.needs(elf_floor.elf_files(bundle))
    for family, ceiling in ceilings.items():
        found = elf_floor.newest_of(needed, family)
        if found:
            newest, which = found
            names = ", ".join(str(p.relative_to(bundle)) for p in which[:6])
            log.info("%s: the bundle needs at most %s_%s (%s); ceiling %s", family, family, newest, names, ceiling)
    over = elf_floor.above(needed, ceilings)
    if over:
        listing = "\n  ".join(f"{' '.join(v)}  {p.relative_to(bundle)}" for p, v in sorted(over.items(), key=lambda i: str(i[0])))
        raise SystemExit(f"error: {len(over)} bundled file(s) need a newer glibc than {floor} or C++ runtime than {ceilings}:\n  {listing}")


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
    folders = {
        "HOME": home,
        "XDG_CONFIG_HOME": home / ".config",
        "XDG_DATA_HOME": home / ".local/share",
        "XDG_CACHE_HOME": home / ".cache",
        "APPDATA": home / "AppData/Roaming",
        "LOCALAPPDATA": home / "AppData/Local",
    }
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
    log.info(
        "%s -> exit %d in %.1f s\n  %s", " ".join(Path(c).name if i == 0 else c for i, c in enumerate(command)), result.returncode, seconds, "\n  ".join(tail)
    )
    if result.returncode != 0:
        raise SystemExit(f"error: {' '.join(command)} exited {result.returncode}")
    return seconds


def bundled_sample(exe: Path) -> Path:
    return exe.parent / "_internal" / "featherface_app" / "resources" / "sample.mp4"


def smoke(exe: Path) -> None:
    """What CI checks on the built executable, as a first-time user: version, self-test, detect, a
    short GUI start, and that none of it left onnxruntime telemetry behind."""
    with tempfile.TemporaryDirectory(prefix="featherface-user-") as home:
        run_checked([str(exe), "--version"], timeout=60, home=Path(home))
        run_checked([str(exe), "--self-test"], timeout=300, home=Path(home))
        out = Path(home) / "detected"
        run_checked([str(exe), "detect", str(bundled_sample(exe)), "--max-frames", "3", "--out", str(out)], timeout=120, home=Path(home))
        if not (out / "detections.json").is_file():
            raise SystemExit("error: detect wrote no detections.json")
        run_checked([str(exe), "--quit-after", "3"], timeout=120, home=Path(home))
        if (Path(home) / ".cache" / "Microsoft").exists():
            raise SystemExit("error: the bundle wrote onnxruntime telemetry under ~/.cache/Microsoft")
        if sys.platform.startswith("linux"):
            smoke_desktop_entry(exe, Path(home))


def smoke_desktop_entry(exe: Path, home: Path) -> None:
    """The bundle's own --install-desktop-entry points the menu at this executable, and
    --uninstall-desktop-entry takes it away (fresh_profile puts XDG_DATA_HOME under ``home``)."""
    desktop = home / ".local/share/applications/org.featherface.live.desktop"
    run_checked([str(exe), "--install-desktop-entry"], timeout=60, home=home)
    text = desktop.read_text(encoding="utf-8") if desktop.is_file() else ""
    if f"TryExec={exe.resolve()}" not in text:
        raise SystemExit(f"error: the desktop entry does not start {exe}:\n{text}")
    run_checked([str(exe), "--uninstall-desktop-entry"], timeout=60, home=home)
    if desktop.exists():
        raise SystemExit("error: --uninstall-desktop-entry left the .desktop file behind")


def measure_loaded(exe: Path) -> None:
    """Log bundled ELF files that a GUI run, a self-test and a detect never map, and whether a
    module left out of the bundle was wanted (its absence would show as an import in the list)."""
    import measure

    with tempfile.TemporaryDirectory(prefix="featherface-user-") as home:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **fresh_profile(Path(home))}
        unused, modules = measure.measure(exe, bundled_sample(exe), env)
    internal = exe.parent / "_internal"
    total = sum(p.stat().st_size for p in unused)
    log.info(
        "never mapped: %d ELF files, %.1f MB:\n  %s",
        len(unused),
        total / 1e6,
        "\n  ".join(f"{p.stat().st_size / 1e6:6.2f} MB  {p.relative_to(internal)}" for p in sorted(unused, key=lambda p: -p.stat().st_size)[:40]),
    )
    log.info(
        "imported: %d modules; of the left-out ones: %s",
        len(modules),
        ", ".join(sorted(m for m in modules if m.split(".")[0] in ("ssl", "_ssl", "_hashlib", "psutil") or m in ("PySide6.QtSvg", "PySide6.QtTest"))) or "none",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--onefile", action="store_true", help="one self-unpacking file instead of a folder")
    parser.add_argument("--models", type=Path, default=ROOT / "models", help="folder of .onnx models to bundle")
    parser.add_argument("--clean", action="store_true", help="discard PyInstaller's cache first")
    parser.add_argument("--smoke", action="store_true", help="then run the built executable's checks offscreen")
    parser.add_argument("--no-build", action="store_true", help="only smoke-test an existing build")
    parser.add_argument(
        "--glibc-floor", default=elf_floor.DEFAULT_FLOOR, help=f"newest GLIBC_ version a bundled file may need (default {elf_floor.DEFAULT_FLOOR})"
    )
    parser.add_argument("--no-archive", action="store_true", help="skip the tar.gz (and its size check)")
    parser.add_argument("--measure", action="store_true", help="then list bundled files that real runs never load")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="[build] %(message)s")
    if shutil.which("objdump") is None and sys.platform.startswith("linux"):
        log.warning("objdump not found (Debian: binutils); PyInstaller needs it on Linux")
    exe = executable_path(dist_dir(args.onefile), args.onefile) if args.no_build else build(args.onefile, args.models, args.clean)
    if not args.no_build and not args.onefile and sys.platform.startswith("linux"):
        finish(exe.parent, args.glibc_floor, archive=not args.no_archive)
    if args.smoke:
        smoke(exe)
    if args.measure:
        measure_loaded(exe)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
