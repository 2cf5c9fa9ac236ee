"""Video files as a player needs them, on real files: loop toggled while playing, seeking by
time and frame (what a position slider calls), pause with single-frame steps both ways, and a
file cut in the middle reported as damaged instead of ending quietly."""

from __future__ import annotations

import queue
import threading
from pathlib import Path

import av
import numpy as np
import pytest

from featherface_app.core.errors import SourceError
from featherface_app.core.paths import sample_clip_path
from featherface_app.core.recorder import Recorder
from featherface_app.core.sources import PausableSource, VideoFileSource


def lossless(make_video, frames: int = 50) -> Path:
    """FFV1 in Matroska: decoded frames are exactly the frames written (moving_frame(i))."""
    return make_video("lossless.mkv", frames=frames, size=(64, 48), fourcc="FFV1")


def frame_number(image: np.ndarray) -> int:
    """moving_frame(i) paints its background's red channel with 255 - 5 * i (i < 52)."""
    return (255 - int(image[-1, -1, 2])) // 5


def test_position_facts_and_seeking_by_time_and_frame(make_video) -> None:
    source = VideoFileSource(lossless(make_video))
    try:
        assert (source.frame_count, source.fps) == (50, 25) and source.duration_ms == pytest.approx(2000, abs=1)
        assert frame_number(source.read().image) == 0 and source.position_frame == 0
        source.seek_ms(1000)
        frame = source.read()
        assert frame_number(frame.image) == 25 and source.position_frame == 25 and source.position_ms == pytest.approx(1000)
        source.seek_frame(7)
        assert frame_number(source.read().image) == 7
        source.seek_frame(10_000)  # clamped to the last frame
        assert frame_number(source.read().image) == 49 and source.read() is None
    finally:
        source.close()


def test_loop_can_be_turned_on_while_playing(make_video) -> None:
    source = VideoFileSource(lossless(make_video, frames=10))
    try:
        numbers = [frame_number(source.read().image) for _ in range(9)]
        source.loop = True
        numbers += [frame_number(source.read().image) for _ in range(4)]
        assert numbers == [*range(10), 0, 1, 2]
        source.loop = False
        assert [frame_number(source.read().image) for _ in range(7)] == list(range(3, 10)) and source.read() is None
    finally:
        source.close()


class Reader:
    """The capture thread's part: reads the paused source on its own thread, one read per ask."""

    def __init__(self, source: PausableSource) -> None:
        self.source = source
        self.asks: queue.Queue[bool] = queue.Queue()
        self.frames: queue.Queue[object] = queue.Queue()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while self.asks.get():
            self.frames.put(self.source.read())

    def read(self) -> int:
        self.asks.put(True)
        frame = self.frames.get(timeout=30)
        assert frame is not None
        return frame_number(frame.image)

    def stop(self) -> None:
        self.source.release()
        self.asks.put(False)
        self.thread.join(30)


def test_pause_holds_and_steps_go_one_frame_forward_or_back(make_video) -> None:
    source = PausableSource(VideoFileSource(lossless(make_video)))
    reader = Reader(source)
    try:
        assert [reader.read() for _ in range(5)] == [0, 1, 2, 3, 4]
        source.pause(True)
        reader.asks.put(True)
        assert source.holding.wait(30), "a paused read must wait"
        assert reader.frames.empty()
        source.step(1)
        assert frame_number(reader.frames.get(timeout=30).image) == 5
        source.step(-1)
        assert reader.read() == 4
        source.step(-1)
        assert reader.read() == 3
        source.seek_ms(1600)  # a slider moved while paused shows that frame
        assert reader.read() == 40
        source.pause(False)
        assert reader.read() == 41
    finally:
        reader.stop()
        source.close()


def test_a_live_source_cannot_step_back(make_video) -> None:
    class Live:
        name, fps, live = "camera:9", 30.0, True

        def read(self):
            return None

        def close(self) -> None:
            pass

    with pytest.raises(SourceError, match="only files can be positioned"):
        PausableSource(Live()).step(-1)


@pytest.mark.parametrize("codec", ["ffv1", "libx264"])
def test_a_file_cut_in_the_middle_says_it_is_damaged(tmp_path: Path, codec: str) -> None:
    path = tmp_path / f"cut-{codec}.mkv"
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=25)
        stream.width, stream.height = 160, 120
        stream.pix_fmt = "yuv420p"
        rng = np.random.default_rng(0)
        for _ in range(100):
            image = rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")))
        container.mux(stream.encode(None))
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    source = VideoFileSource(path)
    frames = 0
    with pytest.raises(SourceError, match=rf"cut-{codec}.mkv is damaged or truncated: it ends at \d+\.\d s of the 4\.0 s its header states"):
        while source.read() is not None:
            frames += 1
    source.close()
    assert 10 < frames < 100


def test_whole_files_end_normally(tmp_path: Path) -> None:
    """No false alarm: the sample clip and one of our own (variable-frame-rate) recordings."""
    recorder = Recorder(tmp_path, fps=25, frame_size=(64, 48))
    recording = recorder.start()
    t0 = 0
    for i in range(30):
        t0 += 40_000_000 if i % 3 else 75_000_000  # uneven capture times
        recorder.write(np.full((48, 64, 3), i * 8, np.uint8), captured_ns=t0, block=True)
    recorder.stop()
    for path, expected in ((sample_clip_path(), None), (recording, 30)):
        source = VideoFileSource(path)
        frames = 0
        while source.read() is not None:
            frames += 1
        source.close()
        assert frames > 0 and (expected is None or frames == expected)
