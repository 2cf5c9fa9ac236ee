"""The glibc floor: which ``GLIBC_x.y`` symbol versions each ELF file of a bundle needs.

A file needing a version newer than the oldest glibc we support fails to load there with
"GLIBC_2.36 not found", so ``build.py`` refuses such a bundle. Read with binutils' ``readelf -V``
(the ``.gnu.version_r`` section: one ``File:`` per library, one ``Name:`` per version it needs).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable
from pathlib import Path

ELF_MAGIC = b"\x7fELF"
_NEED = re.compile(r"Name:\s+GLIBC_(\d+(?:\.\d+)+)\b")

#: Oldest glibc supported: Ubuntu 22.04 / Mint 21 / Debian 12 ship 2.35, RHEL/Alma/Rocky 9 ship 2.34.
DEFAULT_FLOOR = "2.35"

#: Libraries every desktop has and that must come from it, never from the build host: glibc's own
#: (a bundled libc/libm/libmvec would need the host's newer loader), and the GCC runtime and
#: expat, which are ABI-stable and on every system that has a desktop at all.
SYSTEM_LIBRARIES = (
    "ld-linux",
    "libc.so",
    "libm.so",
    "libmvec.so",
    "libpthread.so",
    "libdl.so",
    "librt.so",
    "libutil.so",
    "libresolv.so",
    "libnsl.so",
    "libanl.so",
    "libBrokenLocale.so",
    "libcrypt.so",
    "libstdc++.so",
    "libgcc_s.so",
    "libexpat.so",
)


def version_key(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(4) == ELF_MAGIC
    except OSError:
        return False


def is_system_library(name: str) -> bool:
    """True for a file name (``libstdc++.so.6``, ``libmvec.so.1``) the bundle must not carry."""
    return any(name.startswith(prefix) for prefix in SYSTEM_LIBRARIES)


def glibc_versions(readelf_output: str) -> list[str]:
    """The GLIBC_ versions named in ``readelf -V`` output, newest first."""
    return sorted(set(_NEED.findall(readelf_output)), key=version_key, reverse=True)


def newest_glibc(path: Path) -> str | None:
    """The newest ``GLIBC_`` version ``path`` needs, or None when it needs none (or is no ELF)."""
    result = subprocess.run(["readelf", "-V", "-W", str(path)], capture_output=True, text=True, check=False)
    versions = glibc_versions(result.stdout)
    return versions[0] if versions else None


def elf_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink() and is_elf(p))


def needs(files: Iterable[Path]) -> dict[Path, str]:
    """Each file's newest needed GLIBC_ version (files that need none are left out)."""
    found = {path: newest_glibc(path) for path in files}
    return {path: version for path, version in found.items() if version is not None}


def above_floor(needed: dict[Path, str], floor: str) -> dict[Path, str]:
    return {path: v for path, v in needed.items() if version_key(v) > version_key(floor)}
