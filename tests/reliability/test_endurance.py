"""Load and endurance of the Qt-free core: rapid model switches while video runs, and a long run
with memory and threads sampled.

Short forms by default (CI); full forms of issue #6 through the environment (docs/RELIABILITY.md):
``FEATHERFACE_SWITCHES`` (default 1000, already the full form) and
``FEATHERFACE_ENDURANCE_FRAMES=50000``.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from reliability_harness import (
    InferenceThread,
    ResourceSampler,
    count_decodable,
    env_int,
    os_threads_settled,
    python_threads,
    sample_frames,
    write_video,
)

from featherface_app.core.capture import CaptureLoop
from featherface_app.core.detector import DetectOptions
from featherface_app.core.mailbox import LatestMailbox
from featherface_app.core.pipeline import CompareMode, FrameProcessor
from featherface_app.core.recorder import Recorder
from featherface_app.core.registry import ModelRegistry
from featherface_app.core.sources import Frame, VideoFileSource

pytestmark = pytest.mark.endurance

#: small input and frames, so 50,000 frames take minutes on 2 loaded cores
INPUT_SIDE = 160
FRAME_SIZE = (160, 120)
#: the clip claims this rate and the capture loop paces it so: well above what inference reaches,
#: so the pipeline runs as fast as it can, without a decode loop spinning on a core of its own
CLIP_FPS = 400.0
#: RSS may grow by less than this over a long run, once warm (the bound of issue #6)
MAX_GROWTH_MB = 50.0


@pytest.fixture(scope="module")
def models(two_models: list[Path]) -> dict[str, object]:
    """Both models loaded once through the registry, as the GUI does."""
    registry = ModelRegistry([])
    detectors = [registry.load(path) for path in two_models]
    return {f"{i + 1}:{d.name}": d for i, d in enumerate(detectors)}


@pytest.fixture(scope="module")
def small_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """100 frames of the sample clip at 160x120, H.264 in Matroska, claiming 400 fps."""
    return write_video(tmp_path_factory.mktemp("clip") / "small.mkv", sample_frames(100, FRAME_SIZE), fps=CLIP_FPS)


class Pipeline:
    """A looping video through CaptureLoop → mailbox → FrameProcessor (worker thread) [→ Recorder]."""

    def __init__(self, clip: Path, processor: FrameProcessor, recorder: Recorder | None = None) -> None:
        self.mailbox: LatestMailbox[Frame] = LatestMailbox()
        self.capture = CaptureLoop(VideoFileSource(clip, loop=True), self.mailbox, realtime=True)
        self.worker = InferenceThread(processor, self.mailbox, recorder)

    def start(self) -> Pipeline:
        self.worker.start()
        self.capture.start()
        return self

    def stop(self) -> bool:
        return self.capture.stop() & self.worker.stop()


@pytest.fixture
def pipeline_factory() -> Iterator[type[Pipeline]]:
    started: list[Pipeline] = []

    class Tracked(Pipeline):
        def start(self) -> Pipeline:
            started.append(self)
            return super().start()

    yield Tracked
    for pipeline in started:  # a failed assertion must not leave threads running
        pipeline.stop()


def test_rapid_model_switches_while_video_runs(models: dict[str, object], small_clip: Path, pipeline_factory: type[Pipeline]) -> None:
    switches = env_int("FEATHERFACE_SWITCHES", 1000)
    names = list(models)
    threads_before = python_threads()
    sampler = ResourceSampler()
    processor = FrameProcessor(models, options=DetectOptions(input_long_side=INPUT_SIDE))  # type: ignore[arg-type]
    pipeline = pipeline_factory(small_clip, processor).start()
    worker = pipeline.worker
    assert worker.wait_for_frames(20)
    sampler.sample()
    t0 = time.monotonic()
    lag_ms: list[float] = []
    for i in range(switches):
        wanted = names[i % 2]
        processor.set_active(wanted)
        if i % 50 == 49:  # now and then: compare mode on and off, and a threshold change
            processor.set_compare(names[(i + 1) % 2], CompareMode.OVERLAY)
            processor.update_options(confidence=0.5 + 0.1 * (i % 3))
            processor.set_compare(None)
        if i % 100 == 0:  # sample: the switch shows from the next frame on
            t_switch = time.monotonic()
            start = worker.processed
            assert worker.wait_until(lambda w: w.processed >= start + 2, timeout=60)
            assert worker.last is not None and worker.last.results[0].model_name == wanted
            lag_ms.append((time.monotonic() - t_switch) * 1e3)
        else:
            time.sleep(0.002)
    elapsed = time.monotonic() - t0
    assert worker.wait_for_frames(5)
    assert worker.last is not None and worker.last.results[0].model_name == names[(switches - 1) % 2]
    sampler.sample()
    assert pipeline.stop()
    print(
        f"\n[model switches] {switches} switches in {elapsed:.1f} s while {worker.processed} frames were processed "
        f"({dict(worker.models)}); switch-to-frame p50 {statistics.median(lag_ms):.0f} ms, max {max(lag_ms):.0f} ms "
        f"(two frames, {len(lag_ms)} samples); {sampler.summary()}"
    )
    assert worker.errors == []
    assert all(worker.models[name] > 0 for name in names)
    assert set(worker.models) == set(names)
    assert python_threads() == threads_before


def test_long_run_keeps_memory_and_threads_flat(models: dict[str, object], small_clip: Path, pipeline_factory: type[Pipeline], tmp_path: Path) -> None:
    """Short form 2,000 frames; ``FEATHERFACE_ENDURANCE_FRAMES=50000`` is the 30-minute stand-in.

    Both models take turns (every 1,000 frames) and the annotated video is recorded throughout.
    Memory is compared once warm (after the first turn of each model); threads are counted by the
    OS (onnxruntime's and the encoder's included).
    """
    frames = env_int("FEATHERFACE_ENDURANCE_FRAMES", 2000)
    turn = 1000
    warm_up = min(2 * turn, frames // 4)
    sample_every = max(100, frames // 100)
    names = list(models)
    sampler, cold = ResourceSampler(), ResourceSampler()
    cold.sample()
    threads_before = python_threads()
    os_threads_before = cold.threads[0]

    processor = FrameProcessor(models, options=DetectOptions(input_long_side=INPUT_SIDE))  # type: ignore[arg-type]
    recorder = Recorder(tmp_path, fps=25, frame_size=FRAME_SIZE)
    recording = recorder.start()
    pipeline = pipeline_factory(small_clip, processor, recorder).start()
    worker = pipeline.worker
    t0 = time.monotonic()
    done = 0
    while done < frames:
        step = min(sample_every, frames - done)
        assert worker.wait_for_frames(step, timeout=300), f"the pipeline stalled after {worker.processed} frames"
        done = worker.processed
        processor.set_active(names[(done // turn) % 2])
        if done >= warm_up:
            sampler.sample()
        else:
            cold.sample()
    elapsed = time.monotonic() - t0
    assert pipeline.stop()
    recorder.stop()
    os_threads_after = os_threads_settled(os_threads_before)
    after_stop = ResourceSampler()
    after_stop.sample()
    decodable = count_decodable(recording)
    print(
        f"\n[long run] {worker.processed} frames processed in {elapsed:.0f} s ({worker.processed / elapsed:.0f} fps; "
        f"{pipeline.capture.frames_read} captured, {pipeline.mailbox.dropped} dropped as stale), per model {dict(worker.models)}"
        f"\n[long run] cold: RSS {cold.rss_mb[0]:.1f} MB before the first frame, {max(cold.rss_mb):.1f} MB during warm-up ({warm_up} frames)"
        f"\n[long run] warm: {sampler.summary()}"
        f"\n[long run] after stop: RSS {after_stop.rss_mb[0]:.1f} MB, OS threads {os_threads_after} (before start {os_threads_before})"
        f"\n[long run] recording {recording.name}: {recorder.frames_written} frames written, {recorder.dropped} dropped, {decodable} decodable"
    )
    assert worker.errors == [] and worker.processed >= frames
    assert sampler.rss_mb[-1] - sampler.rss_mb[0] < MAX_GROWTH_MB
    # the looping clip is reopened every 100 frames, so FFmpeg's decoder threads come and go: a
    # sample may catch fewer; a leak would show as more threads late in the run than early on
    quarter = max(1, len(sampler.threads) // 4)
    assert max(sampler.threads[-quarter:]) <= max(sampler.threads[:quarter]), f"threads grew while running: {sampler.threads}"
    # fewer is fine: a native pool of an earlier test (FFmpeg, onnxruntime) may wind down meanwhile
    assert os_threads_after <= os_threads_before, f"OS threads {os_threads_after} after stop, {os_threads_before} before start"
    assert python_threads() == threads_before
    assert recorder.error is None and decodable == recorder.frames_written > 0
