"""The bundle's ship checks, on real files of this machine: the glibc floor catches a library
built against a newer glibc, system libraries are recognised, and licences are collected from the
installed distributions (not written by hand)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))

import build
import elf_floor
import licence_collect

READELF = """\
Version needs section '.gnu.version_r' contains 2 entries:
  000000: Version: 1  File: libm.so.6  Cnt: 1
  0x0010:   Name: GLIBC_2.29  Flags: none  Version: 5
  0x0020: Version: 1  File: libc.so.6  Cnt: 3
  0x0030:   Name: GLIBC_2.2.5  Flags: none  Version: 4
  0x0040:   Name: GLIBC_2.35  Flags: none  Version: 3
  0x0050:   Name: GLIBC_PRIVATE  Flags: none  Version: 2
"""


def test_glibc_versions_are_read_newest_first() -> None:
    assert elf_floor.glibc_versions(READELF) == ["2.35", "2.29", "2.2.5"]
    assert elf_floor.version_key("2.2.5") < elf_floor.version_key("2.34") < elf_floor.version_key("2.35")


@pytest.mark.parametrize("name", ["libstdc++.so.6", "libgcc_s.so.1", "libexpat.so.1", "libmvec.so.1", "libc.so.6", "ld-linux-x86-64.so.2"])
def test_system_libraries_are_never_bundled(name: str) -> None:
    assert elf_floor.is_system_library(name)


def test_python_libraries_are_bundled() -> None:
    assert not elf_floor.is_system_library("libpython3.11.so.1.0")
    assert not elf_floor.is_system_library("libavcodec-5e6b81c2.so.62")


def test_the_floor_check_fails_a_bundle_with_a_newer_library(tmp_path: Path) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("ELF files: Linux only")
    # any real ELF file: one of the interpreter's own extension modules
    candidates = sorted(Path(sys.base_prefix).glob("lib/python3*/lib-dynload/*.so"))
    assert candidates, "no extension modules to test with"
    library = candidates[0]
    needed = elf_floor.newest_glibc(library)
    assert needed is not None
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / library.name).write_bytes(library.read_bytes())
    (bundle / "notes.txt").write_text("not an ELF file")
    major, minor = elf_floor.version_key(needed)[:2]
    build.check_glibc(bundle, needed)  # at the floor: passes
    with pytest.raises(SystemExit, match=library.name):
        build.check_glibc(bundle, f"{major}.{minor - 1}")


def test_licences_are_collected_from_installed_distributions(tmp_path: Path) -> None:
    out = tmp_path / "LICENSES"
    components = licence_collect.collect(out, ROOT, ["numpy", "onnxruntime", "av.libs"], [("av.libs/libx264-d6533a8d.so.165", "/nowhere/libx264.so")])
    names = {c.name.split(" (")[0] for c in components}
    assert {"FeatherFace Live", "numpy", "onnxruntime", "libx264"} <= names
    assert [p.name for p in (out / "onnxruntime").iterdir() if p.name.endswith("ThirdPartyNotices.txt")]
    assert (out / "numpy" / "LICENSE.txt").is_file()
    assert (out / "FeatherFaceLive" / "models-WIDER-FACE.txt").is_file()
    index = (out / "INDEX.txt").read_text(encoding="utf-8")
    assert "libx264 (av.libs)\n  licence: GPL-2.0-or-later" in index
