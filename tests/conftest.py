"""Shared fixtures: the read-only shared data folder and the models tests run.

Tests that need ``../shared`` skip when it is absent on a developer machine but FAIL under CI
(``CI=true``), where its absence is a broken set-up rather than a reason to test less.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Qt under test: no display here or in CI; set before any test module imports PySide6.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("LANG", "C.UTF-8")

REPO_ROOT = Path(__file__).resolve().parents[1]
TEACHER_CHECKPOINT = "checkpoints/retinaface_mnet025_teacher.pth"


def _missing(what: str, hint: str = "set FEATHERFACE_SHARED to the shared data folder") -> None:
    """Skip the test, or fail it in CI, where everything it needs must be there."""
    message = f"{what} is missing ({hint})"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message)
    pytest.skip(message)


def _need_torch(why: str) -> None:
    """Skip (fail in CI) a test that needs torch: the core tier runs without it."""
    try:
        import torch  # noqa: F401
    except ImportError:
        _missing("torch", f"{why}; pip install -e '.[test]'")


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared data folder: ``$FEATHERFACE_SHARED`` or ``shared`` beside the repository."""
    env = os.environ.get("FEATHERFACE_SHARED")
    path = Path(env) if env else REPO_ROOT.parent / "shared"
    if not path.is_dir():
        _missing(f"shared folder {path}")
    return path


@pytest.fixture(scope="session")
def wider_val_dir(shared_dir: Path) -> Path:
    """``wider_val_dev``: 198 WIDER FACE val images at original size with gt.json."""
    path = shared_dir / "data" / "wider_val_dev"
    if not (path / "gt.json").is_file():
        _missing(f"evaluation data {path}/gt.json")
    return path


@pytest.fixture(scope="session")
def teacher_model_path(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference RetinaFace-mnet0.25 teacher as ONNX, exported by our own training package.

    Reuses ``local/retinaface_teacher.onnx`` when a developer has it; otherwise (CI) exports the
    shared checkpoint once per session.
    """
    local = REPO_ROOT / "local" / "retinaface_teacher.onnx"
    if local.is_file():
        return local
    weights = shared_dir / TEACHER_CHECKPOINT
    if not weights.is_file():
        _missing(f"teacher checkpoint {weights}")
    _need_torch("the teacher is exported from its checkpoint")
    from featherface_train.export import export  # torch: only the tests extra installs it

    out = tmp_path_factory.mktemp("teacher") / "retinaface_teacher.onnx"
    export("retinaface", out, weights=weights)
    return out


@pytest.fixture(scope="session")
def shipped_model_paths() -> list[Path]:
    """The models the app ships (``models/*.onnx``)."""
    shipped = sorted((REPO_ROOT / "models").glob("*.onnx"))
    assert shipped, f"no shipped model in {REPO_ROOT / 'models'}"
    return shipped


@pytest.fixture(scope="session")
def model_path() -> Path:
    """A real trained model where which one is not the point: the shipped V2, the window's default
    (no torch needed, unlike the teacher)."""
    path = REPO_ROOT / "models" / "featherface_v2_eca.onnx"
    assert path.is_file(), f"shipped model {path} missing"
    return path


@pytest.fixture(scope="session")
def untrained_v2_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """FeatherFace V2 (ECA) with random weights, exported by our own training package: a second,
    distinct model with the same file contract (its detections are noise)."""
    _need_torch("an untrained network is exported on the fly")
    from featherface_train.export import export  # torch: only the tests extra installs it

    out = tmp_path_factory.mktemp("untrained") / "featherface_v2_untrained.onnx"
    export("v2", out, name="FeatherFace V2 (ECA, untrained)")
    return out


@pytest.fixture(scope="session")
def two_models(shipped_model_paths: list[Path], request: pytest.FixtureRequest) -> list[Path]:
    """Two different models: the shipped V1 and V2 once trained ones exist, else the teacher and
    an untrained V2 export (exported only then)."""
    if len(shipped_model_paths) >= 2:
        return shipped_model_paths[:2]
    return [request.getfixturevalue("teacher_model_path"), request.getfixturevalue("untrained_v2_path")]


@pytest.fixture(scope="session", autouse=True)
def _user_data_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The app's per-user folder (log file, user models) points into a temporary folder, so
    in-process runs of ``main()`` never write to, or pick up models from, the developer's own
    ``~/.local/share/FeatherFaceLive`` (Linux; the GUI tests use QStandardPaths' test mode)."""
    patch = pytest.MonkeyPatch()
    patch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg_data")))
    yield
    patch.undo()


class SmallDisk:
    """A real, size-limited filesystem (tmpfs) mounted at ``path``: writes past its size fail
    with ENOSPC, as on a full disk. ``fill(leave_bytes)`` takes all but that much free space."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def free(self) -> int:
        import shutil

        return shutil.disk_usage(self.path).free

    def fill(self, leave_bytes: int) -> None:
        with open(self.path / "filler.bin", "ab") as handle:
            handle.write(b"\0" * max(0, self.free() - leave_bytes))


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[SmallDisk]:
    """A 6 MiB tmpfs under the test's folder (needs root; skipped where mounting is refused)."""
    import subprocess

    mount_point = tmp_path / "small_disk"
    mount_point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m,mode=0777", "tmpfs", str(mount_point)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or done.returncode}); run as root for the full-disk tests")
    try:
        yield SmallDisk(mount_point)
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


@pytest.fixture(scope="session")
def yunet_model_path(shared_dir: Path) -> Path:
    """YuNet-n from ``../shared/peers`` (a second model family; read in place, never copied)."""
    path = shared_dir / "peers" / "yunet_n_dynamic.onnx"
    if not path.is_file():
        _missing(f"YuNet reference model {path}")
    return path


@pytest.fixture(scope="session")
def foreign_retinaface_path(shared_dir: Path) -> Path:
    """A RetinaFace export without our metadata (outputs ``loc``/``conf``/``iou``)."""
    path = shared_dir / "peers" / "retinaface_mbnet0.25.onnx"
    if not path.is_file():
        _missing(f"foreign RetinaFace model {path}")
    return path


class StreamServer:
    """A real HTTP server on 127.0.0.1 (own thread) for network-stream tests.

    ``files[name] = bytes`` are served with Range support (as a web server serves a video);
    ``live[name] = (bytes, cut_after)`` are sent without a length, as a live stream is, and the
    connection is dropped after ``cut_after`` bytes (the sender vanished). ``auth`` ("user:pass")
    makes every request need HTTP Basic authentication. ``requests`` counts GET requests per path.
    """

    def __init__(self) -> None:
        import base64
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.files: dict[str, bytes] = {}
        self.live: dict[str, tuple[bytes, int]] = {}
        self.auth: str | None = None
        self.requests: dict[str, int] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server API)
                name = self.path.lstrip("/")
                server.requests[name] = server.requests.get(name, 0) + 1
                if server.auth is not None:
                    expected = "Basic " + base64.b64encode(server.auth.encode()).decode()
                    if self.headers.get("Authorization") != expected:
                        self.send_response(401)
                        self.send_header("WWW-Authenticate", 'Basic realm="test"')
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                try:
                    if name in server.live:
                        data, cut_after = server.live[name]
                        self.send_response(200)
                        self.send_header("Content-Type", "video/mp2t")
                        self.end_headers()
                        self.wfile.write(data[:cut_after])
                        self.wfile.flush()
                        self.close_connection = True
                        return
                    data = server.files.get(name)
                    if data is None:
                        self.send_error(404)
                        return
                    start, end = 0, len(data) - 1
                    ranged = self.headers.get("Range", "").removeprefix("bytes=")
                    if ranged:
                        first, _, last = ranged.partition("-")
                        start, end = int(first or 0), int(last) if last else len(data) - 1
                    self.send_response(206 if ranged else 200)
                    self.send_header("Accept-Ranges", "bytes")
                    self.send_header("Content-Length", str(end - start + 1))
                    if ranged:
                        self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
                    self.end_headers()
                    self.wfile.write(data[start : end + 1])
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="stream-server", daemon=True)
        self._thread.start()

    def url(self, name: str, credentials: str | None = None) -> str:
        who = f"{credentials}@" if credentials else ""
        return f"http://{who}127.0.0.1:{self.port}/{name}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def stream_server() -> Iterator[StreamServer]:
    server = StreamServer()
    yield server
    server.close()


def mpegts_bytes(frames: int = 100, size: tuple[int, int] = (160, 120), fps: int = 25) -> bytes:
    """An H.264 MPEG-TS stream (the format of live broadcast and many IP cameras), made with PyAV."""
    import io

    import av
    import numpy as np

    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mpegts") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.options = {"tune": "zerolatency", "g": str(fps)}
        for i in range(frames):
            image = np.full((size[1], size[0], 3), (i * 5 % 256, 120, 200), np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")))
        container.mux(stream.encode(None))
    return buffer.getvalue()


@pytest.fixture
def make_mpegts():
    """:func:`mpegts_bytes` for tests (pytest's importlib mode makes conftest hard to import)."""
    return mpegts_bytes
