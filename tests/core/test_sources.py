"""Frame sources on real files: videos written by OpenCV, images, the bundled clip, bad input."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
import pytest

from featherface_app.core.errors import CameraError, SourceError
from featherface_app.core.sources import CameraSource, ImageSource, Pacer, SampleSource, VideoFileSource, open_source, read_image


def read_all(source, limit: int = 10_000) -> list:
    frames = []
    while len(frames) < limit and (frame := source.read()) is not None:
        frames.append(frame)
    return frames


def test_video_file_yields_every_frame_then_ends(make_video) -> None:
    source = VideoFileSource(make_video(frames=20, fps=30))
    frames = read_all(source)
    assert [f.index for f in frames] == list(range(20))
    assert source.fps == pytest.approx(30)
    assert all(f.image.shape == (48, 64, 3) and f.image.dtype == np.uint8 for f in frames)
    assert all(f.capture_ms >= 0 for f in frames)
    assert source.read() is None
    source.close()
    with pytest.raises(SourceError, match="closed"):
        source.read()


def test_looping_video_restarts_and_keeps_counting(make_video) -> None:
    source = VideoFileSource(make_video(frames=5), loop=True)
    frames = read_all(source, limit=12)
    assert [f.index for f in frames] == list(range(12))
    assert np.array_equal(frames[0].image, frames[5].image)
    source.close()


@pytest.mark.parametrize("content", [b"", b"not a video at all" * 100])
def test_unreadable_video_names_the_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken clip.mp4"
    path.write_bytes(content)
    with pytest.raises(SourceError, match="broken clip.mp4"):
        VideoFileSource(path)


def test_missing_files_and_folders_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="No such file"):
        open_source(tmp_path / "nope.mp4")
    with pytest.raises(SourceError, match="folder"):
        open_source(tmp_path)


@pytest.mark.parametrize(("name", "fourcc"), [("cut.avi", "MJPG"), ("cut.mp4", "mp4v")])
def test_truncated_video_ends_early_or_is_refused_never_hangs(make_video, name: str, fourcc: str) -> None:
    path = make_video(name, frames=60, size=(160, 120), fourcc=fourcc)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    if fourcc == "mp4v":  # MP4 keeps its index at the end: half a file is not a video any more
        with pytest.raises(SourceError, match=r"cut.mp4: it looks damaged or truncated \("):
            VideoFileSource(path)
        return
    source = VideoFileSource(path)
    frames = []
    with pytest.raises(SourceError, match=r"cut.avi is damaged or truncated: it ends after frame \d+ of the 60 its header lists"):
        while (frame := source.read()) is not None:
            frames.append(frame)
    source.close()
    print(f"truncated AVI: {len(frames)} of 60 frames decoded")
    assert 0 < len(frames) < 60


@pytest.mark.parametrize(
    ("size", "fourcc", "name", "color"),
    [((1, 1), "FFV1", "one.mkv", True), ((161, 97), "FFV1", "odd.mkv", True), ((33, 17), "FFV1", "gray.mkv", False), ((64, 48), "mp4v", "gray.mp4", False)],
)
def test_unusual_videos_come_out_as_bgr(make_video, size, fourcc, name, color) -> None:
    source = VideoFileSource(make_video(name, frames=3, size=size, fourcc=fourcc, color=color))
    frames = read_all(source)
    source.close()
    assert len(frames) == 3
    width, height = size
    assert frames[0].image.shape == (height, width, 3)


def test_image_source_repeats_the_image(tmp_path: Path) -> None:
    path = tmp_path / "ünïcode dir" / "still image.png"
    path.parent.mkdir()
    image = np.random.default_rng(0).integers(0, 255, (31, 17, 3), dtype=np.uint8)
    ok, data = cv2.imencode(".png", image)
    path.write_bytes(data.tobytes())
    source = open_source(path)
    assert isinstance(source, ImageSource) and source.fps > 0
    frames = [source.read() for _ in range(3)]
    assert [f.index for f in frames] == [0, 1, 2]
    assert all(np.array_equal(f.image, image) for f in frames)
    source.close()


@pytest.mark.parametrize("kind", ["gray", "bgra", "16bit"])
def test_images_of_any_depth_become_bgr_uint8(tmp_path: Path, kind: str) -> None:
    base = np.arange(5 * 7, dtype=np.uint8).reshape(5, 7) * 7
    image = {"gray": base, "bgra": np.dstack([base] * 4), "16bit": base.astype(np.uint16) * 257}[kind]
    path = tmp_path / f"{kind}.png"
    cv2.imwrite(str(path), image)
    out = read_image(path)
    assert out.shape == (5, 7, 3) and out.dtype == np.uint8
    assert np.array_equal(out[:, :, 0], base)


def test_non_image_with_image_suffix_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "fake.jpg"
    path.write_text("hello")
    with pytest.raises(SourceError, match="fake.jpg"):
        open_source(path)


def test_missing_camera_fails_fast_with_a_clear_message() -> None:
    with pytest.raises(CameraError, match="Camera 97"):
        CameraSource(97)
    with pytest.raises(CameraError, match="Camera 96"):
        open_source("camera:96")
    with pytest.raises(SourceError, match="camera:N"):
        open_source("camera:front")


def test_sample_source_loops_the_bundled_clip() -> None:
    source = open_source("sample")
    assert isinstance(source, SampleSource) and source.name == "sample"
    assert source.fps == pytest.approx(25)
    first = source.read()
    assert first is not None and first.image.shape == (480, 640, 3)
    source.close()
    with pytest.raises(SourceError, match="sample clip is missing"):
        SampleSource(path=Path("/nonexistent/sample.mp4"))


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_pacer_follows_fps_and_media_timestamps_without_bursting() -> None:
    clock = FakeClock()
    pacer = Pacer(25, clock=clock)
    assert pacer.delay() == 0.0  # the first frame goes at once
    assert pacer.delay() == pytest.approx(0.04)
    clock.now += 0.04
    assert pacer.delay(media_ms=1000.0) == pytest.approx(0.04)  # no previous stamp: 1/fps
    clock.now += 0.08
    assert pacer.delay(media_ms=1300.0) == pytest.approx(0.3 - 0.04)  # variable rate: the stamps' gap
    clock.now += 10.0  # a long stall (slow consumer): restart, do not rush the next frames out
    assert pacer.delay(media_ms=1340.0) == 0.0
    assert pacer.delay(media_ms=1380.0) == pytest.approx(0.04)
    assert Pacer(0, clock=clock).delay() == 0.0 == Pacer(0, clock=clock).delay(media_ms=5.0)


def test_variable_frame_rate_timestamps_are_carried(tmp_path: Path) -> None:
    import av

    stamps = [0, 40, 80, 400, 440, 1000]
    path = tmp_path / "vfr.mkv"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("ffv1", rate=25)
        stream.width, stream.height, stream.pix_fmt = 32, 24, "bgr0"
        stream.time_base = stream.codec_context.time_base = Fraction(1, 1000)
        for i, ms in enumerate(stamps):
            image = av.VideoFrame.from_ndarray(np.full((24, 32, 3), i * 30, np.uint8), format="bgr24")
            image.pts, image.time_base = ms, Fraction(1, 1000)
            container.mux(stream.encode(image))
        container.mux(stream.encode(None))
    source = VideoFileSource(path)
    assert [f.media_ms for f in read_all(source)] == pytest.approx(stamps)
    source.close()
