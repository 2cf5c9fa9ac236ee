"""Collect the licence and notice files of everything a bundle carries into its ``LICENSES/``.

Sources, in order: the project's own ``LICENSE`` and ``LICENSES/``; each bundled Python
distribution's licence files, read from its installed ``*.dist-info`` (PEP 639 ``licenses/``,
``License-File`` entries and any LICENSE/COPYING/NOTICE file its RECORD lists, e.g. onnxruntime's
``ThirdPartyNotices.txt``); CPython's ``LICENSE.txt``; Debian's ``copyright`` file for each library
taken from the build host; and, for the FFmpeg family inside PyAV's wheel (which ships no notice
of its own), the licence each library is under with the text from ``/usr/share/common-licenses``.
``INDEX.txt`` lists every component, its version, licence and files.
"""

from __future__ import annotations

import importlib.metadata as md
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

LICENCE_NAME = re.compile(r"(^|/)(LICEN[CS]E|COPYING|NOTICE|ThirdPartyNotices|AUTHORS)[^/]*$", re.IGNORECASE)
COMMON = Path("/usr/share/common-licenses")

#: Libraries vendored by the wheels (``av.libs``, ``opencv_python_headless.libs``, ``numpy.libs``)
#: with no licence file in the wheel: their licences as published upstream. x264 and x265 are what
#: make the bundle GPL. A vendored library missing here stops the build (:class:`UnknownLicence`).
VENDORED = {
    "libx264": "GPL-2.0-or-later",
    "libx265": "GPL-2.0-or-later",
    "libavcodec": "LGPL-2.1-or-later",
    "libavformat": "LGPL-2.1-or-later",
    "libavutil": "LGPL-2.1-or-later",
    "libavfilter": "LGPL-2.1-or-later",
    "libavdevice": "LGPL-2.1-or-later",
    "libswscale": "LGPL-2.1-or-later",
    "libswresample": "LGPL-2.1-or-later",
    "libmp3lame": "LGPL-2.0-or-later",
    "libgnutls": "LGPL-2.1-or-later",
    "libnettle": "LGPL-3.0-or-later OR GPL-2.0-or-later",
    "libhogweed": "LGPL-3.0-or-later OR GPL-2.0-or-later",
    "libgmp": "LGPL-3.0-or-later OR GPL-2.0-or-later",
    "libunistring": "LGPL-3.0-or-later OR GPL-2.0-or-later",
    "libasound": "LGPL-2.1-or-later",
    "libopencore-amrnb": "Apache-2.0",
    "libopencore-amrwb": "Apache-2.0",
    "libvpx": "BSD-3-Clause",
    "libopus": "BSD-3-Clause",
    "libdav1d": "BSD-2-Clause",
    "libSvtAv1Enc": "BSD-3-Clause-Clear",
    "libwebp": "BSD-3-Clause",
    "libwebpmux": "BSD-3-Clause",
    "libsharpyuv": "BSD-3-Clause",
    "libvpl": "MIT",
    "libxcb": "MIT",
    "libXau": "MIT",
    "libdrm": "MIT",
    "libaom": "BSD-2-Clause",
    "libavif": "BSD-2-Clause",
    "libpng16": "Libpng",
    "libgfortran": "GPL-3.0-or-later WITH GCC-exception-3.1",
    "libquadmath": "LGPL-2.1-or-later",
    "libopenblasp": "BSD-3-Clause",
    "libssl": "OpenSSL",  # OpenCV's FFmpeg (TLS streams): OpenSSL 1.1.1, OpenSSL/SSLeay licence
    "libcrypto": "OpenSSL",
    "libscipy_openblas64_": "BSD-3-Clause",
}
TEXTS = {"GPL-2.0": "GPL-2", "GPL-3.0": "GPL-3", "LGPL-2.0": "LGPL-2", "LGPL-2.1": "LGPL-2.1", "LGPL-3.0": "LGPL-3", "Apache-2.0": "Apache-2.0"}


class UnknownLicence(RuntimeError):
    """A bundled binary whose licence this script does not know: the build stops rather than ship it unlicensed."""


#: auditwheel's vendored names: ``libfoo-bar-<8 hex digits>.so.<version>``, sometimes hashed twice
_HASH = re.compile(r"^[0-9a-f]{8}$")


def vendored_base(file_name: str) -> str:
    """The library a vendored file is, as :data:`VENDORED` names it: the longest known prefix of
    its ``-``-separated name (``libopencore-amrnb-d72c52e2.so.0.0.5`` -> ``libopencore-amrnb``,
    ``libxcb-shape-7716c890.so.0`` -> ``libxcb``, ``libopenblasp-r0-59ffcd50.3.15.so`` ->
    ``libopenblasp``); else the name before auditwheel's hash."""
    parts = file_name.split(".so")[0].split("-")
    for end in range(len(parts), 0, -1):
        if "-".join(parts[:end]) in VENDORED:
            return "-".join(parts[:end])
    return "-".join(p for p in parts if not _HASH.match(p))


@dataclass
class Component:
    name: str
    version: str
    licence: str
    files: list[str] = field(default_factory=list)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._+-]", "_", name)


def _copy(source: Path, target: Path) -> str:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return str(target)


def distribution_licences(dist: md.Distribution) -> dict[str, Path]:
    """Licence-like files of an installed distribution (dist-info and package files alike), by
    a file name unique within the distribution (its path, ``licenses/`` prefix dropped)."""
    found: dict[str, Path] = {}
    for entry in dist.files or ():
        text = str(entry).replace("\\", "/")
        if LICENCE_NAME.search(text) and not text.endswith((".py", ".pyc")):
            path = Path(str(dist.locate_file(entry)))
            name = re.sub(r"^[^/]+\.dist-info/(licenses/)?", "", text)
            if path.is_file() and path not in found.values():
                found[_safe(name.replace("/", "_"))] = path
    return found


def bundled_distributions(top_levels: Iterable[str]) -> list[md.Distribution]:
    """The installed distributions providing the given import names or ``<dist>.libs`` folders."""
    providers = md.packages_distributions()
    names: set[str] = set()
    for top in top_levels:
        base = top.removesuffix(".libs")
        names.update(providers.get(base, ()))
        names.add(base)
    out = {}
    for name in names:
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            continue
        out[dist.metadata["Name"].lower()] = dist
    return [out[k] for k in sorted(out)]


def _licence_of(dist: md.Distribution) -> str:
    meta = dist.metadata
    value = meta.get("License-Expression") or meta.get("License") or ""
    if not value or len(value) > 80:
        value = "; ".join(c.split("::")[-1].strip() for c in meta.get_all("Classifier") or () if c.startswith("License ::")) or "see files"
    return value


def _common_texts(expression: str, target: Path) -> list[str]:
    copied = []
    for spdx, name in TEXTS.items():
        if spdx in expression and (COMMON / name).is_file():
            copied.append(_copy(COMMON / name, target / f"{name}.txt"))
    return copied


def _debian_copyright(source: str) -> tuple[str, Path] | None:
    """(package, its /usr/share/doc copyright file) for a file installed by dpkg."""
    real = os.path.realpath(source)
    candidates = dict.fromkeys([source, real, *("/usr" + p for p in (source, real) if p.startswith("/lib"))])
    for candidate in candidates:
        try:
            result = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True, check=False)
        except FileNotFoundError:
            return None
        if result.returncode == 0:
            break
    else:
        return None
    package = result.stdout.split(":", 1)[0].strip()
    path = Path("/usr/share/doc") / package / "copyright"
    return (package, path) if path.is_file() else None


def collect(out: Path, root: Path, top_levels: Iterable[str], binaries: Iterable[tuple[str, str]]) -> list[Component]:
    """Write ``out`` (``LICENSES/``); ``binaries`` are (bundled name, source path) pairs."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    components = [Component("FeatherFace Live", "", "GPL-3.0-or-later", [_copy(root / "LICENSE", out / "FeatherFaceLive" / "LICENSE")])]
    for path in sorted((root / "LICENSES").glob("*")):
        components[0].files.append(_copy(path, out / "FeatherFaceLive" / path.name))
    for dist in bundled_distributions(top_levels):
        name = dist.metadata["Name"]
        if name.lower() == "featherface-live":
            continue  # the project itself: LICENSE and LICENSES/ above
        target = out / _safe(name)
        files = [_copy(path, target / unique) for unique, path in distribution_licences(dist).items()]
        licence = _licence_of(dist)
        if not files:
            files = _common_texts(licence, target)
        components.append(Component(name, dist.version, licence, files))
    python_licence = Path(sysconfig.get_paths()["stdlib"]) / "LICENSE.txt"
    if python_licence.is_file():
        components.append(Component("CPython", sys.version.split()[0], "PSF-2.0", [_copy(python_licence, out / "CPython" / "LICENSE.txt")]))
    seen_packages: set[str] = set()
    for bundled, source in binaries:
        base = vendored_base(Path(bundled).name)
        if ".libs/" in bundled.replace("\\", "/"):
            if base not in VENDORED:
                raise UnknownLicence(f"{bundled}: a library vendored in a wheel without a licence file; add its licence to licence_collect.VENDORED")
            licence = VENDORED[base]
            components.append(Component(f"{base} ({Path(bundled).parent.name})", "", licence, _common_texts(licence, out / "vendored")))
        elif source.startswith(("/usr/", "/lib")):
            found = _debian_copyright(source)
            if found and found[0] not in seen_packages:
                seen_packages.add(found[0])
                components.append(Component(f"{found[0]} (Debian)", "", "see copyright", [_copy(found[1], out / "debian" / found[0] / "copyright")]))
    lines = [
        f"{c.name} {c.version}".strip() + f"\n  licence: {c.licence}\n" + "".join(f"  file: {Path(f).relative_to(out)}\n" for f in c.files) for c in components
    ]
    (out / "INDEX.txt").write_text("Licences of the components in this bundle (written by packaging/build.py)\n\n" + "\n".join(lines), encoding="utf-8")
    return components
