"""Keep the bundle small: strip debug information where it is, measure what is left, and hold
the figures under a ceiling so they cannot creep back up.

Only debug sections are removed (``strip --strip-debug``), never symbol tables, and never in
numpy's or OpenCV's OpenBLAS (a full ``strip`` once broke numpy's OpenBLAS; they carry no debug
information anyway).
"""

from __future__ import annotations

import subprocess
import tarfile
from collections import defaultdict
from pathlib import Path

from elf_floor import elf_files

#: Ceilings (decimal MB) for the Linux one-folder build and its tar.gz.
MAX_FOLDER_MB = 450
MAX_TARGZ_MB = 175
NEVER_STRIP = ("openblas", "numpy", "libgfortran", "libquadmath")
FFMPEG = ("libavcodec", "libavformat", "libavutil", "libswscale", "libswresample", "libavfilter", "libavdevice")
OPENBLAS = ("libopenblas", "libscipy_openblas")


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def has_debug_info(path: Path) -> bool:
    result = subprocess.run(["readelf", "-S", "-W", str(path)], capture_output=True, text=True, check=False)
    return " .debug_" in result.stdout


def strip_debug(bundle: Path) -> tuple[int, int]:
    """``strip --strip-debug`` every ELF file that carries debug sections; (files, bytes saved)."""
    count = saved = 0
    for path in elf_files(bundle):
        if any(word in str(path).lower() for word in NEVER_STRIP) or not has_debug_info(path):
            continue
        before = path.stat().st_size
        subprocess.run(["strip", "--strip-debug", "--preserve-dates", str(path)], check=True)
        count += 1
        saved += before - path.stat().st_size
    return count, saved


def tar_gz(bundle: Path, target: Path) -> int:
    """Pack the folder as users download it; returns the archive's size."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(target, "w:gz", compresslevel=6) as archive:
        archive.add(bundle, arcname=bundle.name)
    return target.stat().st_size


def duplicate_families(bundle: Path) -> dict[str, dict[str, int]]:
    """Bytes of each FFmpeg and OpenBLAS copy, by the folder it sits in (av.libs, cv2's libs, ...)."""
    out: dict[str, dict[str, int]] = {"FFmpeg": defaultdict(int), "OpenBLAS": defaultdict(int)}
    for path in elf_files(bundle):
        name = path.name
        for family, prefixes in (("FFmpeg", FFMPEG), ("OpenBLAS", OPENBLAS)):
            if name.startswith(prefixes):
                out[family][path.parent.name] += path.stat().st_size
    return {family: dict(copies) for family, copies in out.items()}
