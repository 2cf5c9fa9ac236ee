"""The glibc floor: which ``GLIBC_x.y`` symbol versions each ELF file of a bundle needs, and which
versions of the system's C++ runtime (``GLIBCXX_``, ``CXXABI_``, ``GCC_``: libstdc++ and libgcc_s,
never bundled).

A file needing a version newer than the oldest system we support fails to load there with
"GLIBC_2.36 not found" (or "GLIBCXX_3.4.31 not found"), so ``build.py`` refuses such a bundle.
Read with binutils' ``readelf -V`` (the ``.gnu.version_r`` section: one ``File:`` per library,
one ``Name:`` per version it needs).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable
from pathlib import Path

ELF_MAGIC = b"\x7fELF"
_NEED = re.compile(r"Name:\s+(GLIBCXX|GLIBC|CXXABI|GCC)_(\d+(?:\.\d+)+)\b")

#: Oldest glibc supported: Ubuntu 22.04 / Mint 21 / Debian 12 ship 2.35, RHEL/Alma/Rocky 9 ship 2.34.
DEFAULT_FLOOR = "2.35"
#: The newest C++ runtime versions a bundled file may need: what the oldest supported systems'
#: libstdc++ and libgcc_s provide (GCC 12's, on Ubuntu 22.04 and Debian 12).
RUNTIME_CEILING = {"GLIBCXX": "3.4.30", "CXXABI": "1.3.13", "GCC": "12.0.0"}

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


def glibc_versions(readelf_output: str, family: str = "GLIBC") -> list[str]:
    """The ``family``'s versions (``GLIBC``, ``GLIBCXX``, ``CXXABI``, ``GCC``) named in
    ``readelf -V`` output, newest first."""
    found = {version for name, version in _NEED.findall(readelf_output) if name == family}
    return sorted(found, key=version_key, reverse=True)


def newest_versions(path: Path) -> dict[str, str]:
    """The newest version of each family ``path`` needs (none for a file that needs none)."""
    result = subprocess.run(["readelf", "-V", "-W", str(path)], capture_output=True, text=True, check=False)
    newest: dict[str, str] = {}
    for family, version in _NEED.findall(result.stdout):
        if family not in newest or version_key(version) > version_key(newest[family]):
            newest[family] = version
    return newest


def newest_glibc(path: Path) -> str | None:
    """The newest ``GLIBC_`` version ``path`` needs, or None when it needs none (or is no ELF)."""
    return newest_versions(path).get("GLIBC")


def elf_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink() and is_elf(p))


def needs(files: Iterable[Path]) -> dict[Path, dict[str, str]]:
    """Each file's newest needed version per family (files that need none are left out)."""
    found = {path: newest_versions(path) for path in files}
    return {path: versions for path, versions in found.items() if versions}


def newest_of(needed: dict[Path, dict[str, str]], family: str) -> tuple[str, list[Path]] | None:
    """The newest ``family`` version any file needs, and the files that need it."""
    versions = {path: v[family] for path, v in needed.items() if family in v}
    if not versions:
        return None
    newest = max(versions.values(), key=version_key)
    return newest, sorted(path for path, v in versions.items() if v == newest)


def above(needed: dict[Path, dict[str, str]], ceilings: dict[str, str]) -> dict[Path, list[str]]:
    """Files needing a version above its family's ceiling, with those versions (``GLIBC_2.36``)."""
    over: dict[Path, list[str]] = {}
    for path, versions in needed.items():
        for family, version in versions.items():
            if family in ceilings and version_key(version) > version_key(ceilings[family]):
                over.setdefault(path, []).append(f"{family}_{version}")
    return over
