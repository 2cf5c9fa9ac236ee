"""The bundle's ship checks, on real files of this machine: the glibc floor catches a library
built against a newer glibc, system libraries are recognised, and licences are collected from the
installed distributions (not written by hand)."""

from __future__ import annotations

import re
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


def test_the_runtime_check_fails_a_bundle_needing_a_newer_libstdcxx(tmp_path: Path) -> None:
    """The system's libstdc++ is used, never bundled, so a file needing a newer GLIBCXX_ than the
    oldest supported system has must stop the build too (a real Qt library of this environment)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("ELF files: Linux only")
    import PySide6

    library = Path(PySide6.__file__).parent / "Qt" / "lib" / "libQt6Core.so.6"
    needed = elf_floor.newest_versions(library)
    assert "GLIBCXX" in needed and "GLIBC" in needed, needed
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / library.name).write_bytes(library.read_bytes())
    build.check_glibc(bundle, needed["GLIBC"], runtime={"GLIBCXX": needed["GLIBCXX"]})  # at the ceiling: passes
    build.check_glibc(bundle, elf_floor.DEFAULT_FLOOR)  # today's Qt fits the supported systems' runtime
    parts = elf_floor.version_key(needed["GLIBCXX"])
    lower = ".".join(str(p) for p in (*parts[:-1], parts[-1] - 1))
    with pytest.raises(SystemExit, match=rf"GLIBCXX_{re.escape(needed['GLIBCXX'])}\s+{library.name}"):
        build.check_glibc(bundle, needed["GLIBC"], runtime={"GLIBCXX": lower})


@pytest.mark.parametrize(
    ("file_name", "library"),
    [
        ("libopencore-amrnb-d72c52e2.so.0.0.5", "libopencore-amrnb"),
        ("libxcb-shape-7716c890.so.0.0.0", "libxcb"),
        ("libquadmath-96973f99-934c22de.so.0.0.0", "libquadmath"),
        ("libopenblasp-r0-59ffcd50.3.15.so", "libopenblasp"),
        ("libssl-81259c47.so.1.1.1k", "libssl"),
        ("libx265-f5385bb8.so.216", "libx265"),
    ],
)
def test_vendored_libraries_are_named_as_the_licence_table_names_them(file_name: str, library: str) -> None:
    assert licence_collect.vendored_base(file_name) == library
    assert library in licence_collect.VENDORED


def test_a_vendored_library_of_unknown_licence_stops_the_build(tmp_path: Path) -> None:
    with pytest.raises(licence_collect.UnknownLicence, match="libmystery"):
        licence_collect.collect(tmp_path / "LICENSES", ROOT, [], [("av.libs/libmystery-0123abcd.so.1", "/nowhere/libmystery.so.1")])


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
