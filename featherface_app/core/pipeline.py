"""One frame through the active detector(s) and the annotator: the work of the inference thread.

:class:`FrameProcessor` holds warm detectors by name and the current settings. Setters take a lock
and only swap references, so the GUI thread can change model, thresholds or compare mode while the
worker is inside ``process``; the change applies from the next frame (``process`` snapshots the
settings once at its start and never holds the lock while a model runs).

In compare mode the two models run on the same frame at the same time: model B on the
processor's own second inference thread (persistent, started on the first compare frame), model A
on the caller's thread; ``process`` returns when both are done, so the pair stays one frame. With
the app's 1-thread sessions (:data:`~featherface_app.core.detector.DEFAULT_THREADS`) this uses
both cores for the pair and runs single-model frames without idle pool threads.
"""

from __future__ import annotations

import dataclasses
import enum
import threading
import time
from collections import deque
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .annotate import SECOND_STYLE, SIDE_BY_SIDE_GAP, AnnotationStyle, draw_faces, draw_hud, to_bgr
from .compare import Agreement, match_faces
from .detections import FaceDetections, FrameResult
from .detector import Detection, DetectOptions, FaceDetector
from .errors import ModelMetadataError, ModelRetiredError, ModelRunError
from .sources import Frame

#: seconds of history behind the FPS figure.
FPS_WINDOW_S = 2.0
#: frames whose long side is shorter are enlarged (nearest neighbour, by a whole factor) before
#: the boxes and the HUD are drawn, so both stay readable on a 1x1 or 32x32 source; what is still
#: narrower or lower (a sliver) is drawn on a canvas this wide and high
MIN_ANNOTATED_SIDE = 320
#: the canvas beside a sliver of a frame (BGR, the window's dark grey)
SLIVER_BACKGROUND = (30, 26, 24)


class CompareMode(enum.Enum):
    OFF = "off"
    SIDE_BY_SIDE = "side_by_side"
    OVERLAY = "overlay"


@dataclass(frozen=True)
class ProcessedFrame:
    """The annotated BGR image (a new array) and one :class:`FrameResult` per model that ran
    (active model first); ``agreement`` only in compare mode. ``worker_ms`` is the wall time of
    ``process`` on the inference thread (pre-process, inference — both models' in compare mode,
    which overlap — post-process, drawing and HUD); capture is not in it."""

    image_bgr: npt.NDArray[np.uint8]
    results: list[FrameResult]
    agreement: Agreement | None
    frame_index: int
    captured_ns: int
    fps: float
    worker_ms: float = 0.0


class RateMeter:
    """Events per second over a sliding window (not per frame, so the figure is steady)."""

    def __init__(self, window_s: float = FPS_WINDOW_S) -> None:
        self.window_ns = int(window_s * 1e9)
        self._stamps: deque[int] = deque()

    def tick(self, now_ns: int | None = None) -> float:
        now = time.monotonic_ns() if now_ns is None else now_ns
        self._stamps.append(now)
        while self._stamps and self._stamps[0] < now - self.window_ns:
            self._stamps.popleft()
        span = (self._stamps[-1] - self._stamps[0]) / 1e9
        return (len(self._stamps) - 1) / span if span > 0 else 0.0


@dataclass(frozen=True)
class _Settings:
    active: str | None
    second: str | None
    mode: CompareMode
    options: DetectOptions
    show_landmarks: bool
    show_hud: bool


class FrameProcessor:
    """Detectors by name + settings; ``process`` is called by one worker thread at a time."""

    def __init__(
        self,
        detectors: Mapping[str, FaceDetector] | None = None,
        active: str | None = None,
        options: DetectOptions | None = None,
        show_landmarks: bool = True,
        style: AnnotationStyle = AnnotationStyle(),
    ) -> None:
        self._lock = threading.Lock()
        self._detectors: dict[str, FaceDetector] = dict(detectors or {})
        if active is not None and active not in self._detectors:
            raise ValueError(f"unknown model '{active}'; loaded: {sorted(self._detectors)}")
        self._settings = _Settings(
            active=active if active is not None else next(iter(self._detectors), None),
            second=None,
            mode=CompareMode.OFF,
            options=options or DetectOptions(),
            show_landmarks=show_landmarks,
            show_hud=True,
        )
        self.style = style
        self._rate = RateMeter()
        #: the active model of the last frame that processed without a fault (worker thread only)
        self._last_good: str | None = None
        #: runs model B in compare mode (started on a compare frame, ended on the next single-model
        #: frame or by ``close``; worker thread only)
        self._second_thread: ThreadPoolExecutor | None = None

    def close(self) -> None:
        """End the second inference thread (if compare mode ever ran); ``process`` restarts it."""
        helper, self._second_thread = self._second_thread, None
        if helper is not None:
            helper.shutdown(wait=True)

    # -- settings (any thread) -------------------------------------------------------------
    def _change(self, **changes: Any) -> None:
        with self._lock:
            self._settings = dataclasses.replace(self._settings, **changes)

    def _require(self, name: str) -> None:
        if name not in self._detectors:
            raise ValueError(f"unknown model '{name}'; loaded: {sorted(self._detectors)}")

    def add_detector(self, name: str, detector: FaceDetector) -> None:
        """Register (or replace) a warm detector; the first one added becomes active."""
        with self._lock:
            self._detectors[name] = detector
            if self._settings.active is None:
                self._settings = dataclasses.replace(self._settings, active=name)

    def remove_detector(self, name: str) -> None:
        with self._lock:
            self._detectors.pop(name, None)
            s = self._settings
            active = s.active if s.active in self._detectors else next(iter(self._detectors), None)
            second = s.second if s.second in self._detectors and s.second != active else None
            self._settings = dataclasses.replace(s, active=active, second=second, mode=s.mode if second else CompareMode.OFF)

    def set_active(self, name: str) -> None:
        with self._lock:
            self._require(name)
            s = self._settings
            second = None if s.second == name else s.second
            self._settings = dataclasses.replace(s, active=name, second=second, mode=s.mode if second else CompareMode.OFF)

    def set_compare(self, other: str | None, mode: CompareMode = CompareMode.SIDE_BY_SIDE) -> None:
        """Also run ``other`` on every frame and show both (``None`` or mode OFF: single model)."""
        with self._lock:
            if other is None or mode is CompareMode.OFF:
                self._settings = dataclasses.replace(self._settings, second=None, mode=CompareMode.OFF)
                return
            self._require(other)
            self._settings = dataclasses.replace(self._settings, second=other, mode=mode)

    def set_models(self, active: str, second: str | None, mode: CompareMode = CompareMode.SIDE_BY_SIDE) -> None:
        """Model A and (``second`` not None) model B in ``mode``, in one step: the selection's snapshot."""
        with self._lock:
            self._require(active)
            if second is not None and second != active:
                self._require(second)
            else:
                second, mode = None, CompareMode.OFF
            self._settings = dataclasses.replace(self._settings, active=active, second=second, mode=mode if second else CompareMode.OFF)

    def set_options(self, options: DetectOptions) -> None:
        self._change(options=options)

    def update_options(self, **changes: Any) -> None:
        """Change some :class:`DetectOptions` fields atomically, e.g. ``confidence=0.6``."""
        with self._lock:
            self._settings = dataclasses.replace(self._settings, options=dataclasses.replace(self._settings.options, **changes))

    def set_show_landmarks(self, show: bool) -> None:
        self._change(show_landmarks=show)

    def set_show_hud(self, show: bool) -> None:
        self._change(show_hud=show)

    @property
    def model_names(self) -> list[str]:
        with self._lock:
            return list(self._detectors)

    def detector(self, name: str) -> FaceDetector:
        with self._lock:
            self._require(name)
            return self._detectors[name]

    @property
    def active_name(self) -> str | None:
        return self._settings.active

    @property
    def compare_name(self) -> str | None:
        return self._settings.second

    @property
    def compare_mode(self) -> CompareMode:
        return self._settings.mode

    @property
    def options(self) -> DetectOptions:
        return self._settings.options

    @property
    def show_landmarks(self) -> bool:
        return self._settings.show_landmarks

    # -- the worker's call ----------------------------------------------------------------
    def process(self, frame: Frame) -> ProcessedFrame:
        """Detect with the active model (and the compare model), annotate a copy, add the HUD.

        Detector exceptions propagate to the caller (the worker reports them). A model that
        fails while running (:class:`ModelRunError`, or output that contradicts its metadata) is
        taken off the next frames — the compare model is dropped, the active one replaced by the
        last model that worked — and the error says so; the current model keeps running. With no
        model loaded the frame passes through with a HUD saying so.
        """
        started = time.perf_counter()
        with self._lock:
            s = self._settings
            chosen = [(n, self._detectors[n]) for n in (s.active, s.second) if n is not None and n in self._detectors]
        detections = self._detect(frame, chosen, s.options)
        if detections:
            self._last_good = detections[0][0]

        t0 = time.perf_counter()
        agreement = match_faces(detections[0][1].faces, detections[1][1].faces) if len(detections) == 2 else None
        shown, drawn = _enlarged_for_drawing(frame.image, detections)
        image = self._draw(shown, drawn, s)
        fps = self._rate.tick()
        if s.show_hud:
            lines = self._hud_lines(frame, detections, agreement, fps, s)
            image = draw_hud(image, lines, in_place=True, avoid=self._drawn_boxes(shown.shape[1], drawn, s))
        done = time.perf_counter()
        draw_ms = (done - t0) * 1e3  # boxes, landmarks and HUD

        results = [
            FrameResult(
                model_name=name,
                frame_index=frame.index,
                captured_ns=frame.captured_ns,
                detections=d.faces,
                stage_ms={
                    "capture": frame.capture_ms,
                    "preprocess": d.preprocess_ms,
                    "inference": d.inference_ms,
                    "postprocess": d.postprocess_ms,
                    "draw": draw_ms,
                },
            )
            for name, d in detections
        ]
        return ProcessedFrame(image, results, agreement, frame.index, frame.captured_ns, fps, (done - started) * 1e3)

    def _detect(self, frame: Frame, chosen: list[tuple[str, FaceDetector]], options: DetectOptions) -> list[tuple[str, Detection]]:
        """Run the chosen models on ``frame``: the second one (compare mode) on the second
        inference thread while the first runs here; faults as described in :meth:`process`."""
        if len(chosen) < 2 and self._second_thread is not None:
            self.close()  # compare mode ended: no idle thread left behind
        if not chosen:
            return []
        second: Future[Detection] | None = None
        if len(chosen) == 2:
            if self._second_thread is None:
                self._second_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="compare-inference")
            second = self._second_thread.submit(chosen[1][1].detect, frame.image, options)
        outcomes: list[Detection | Exception] = []
        try:
            outcomes.append(chosen[0][1].detect(frame.image, options))
        except Exception as exc:  # raised below, once model B has finished with the frame
            outcomes.append(exc)
        if second is not None:
            try:
                outcomes.append(second.result())
            except Exception as exc:
                outcomes.append(exc)
        detections: list[tuple[str, Detection]] = []
        for (name, _), outcome in zip(chosen, outcomes):
            if isinstance(outcome, (ModelRunError, ModelMetadataError)):
                retired = self._retire(name, outcome)
                if retired is outcome:
                    raise outcome
                raise retired from outcome
            if isinstance(outcome, Exception):
                raise outcome
            detections.append((name, outcome))
        return detections

    def _retire(self, name: str, exc: Exception) -> Exception:
        """Stop running the model ``name`` that just failed (unless the user has already switched
        away); the error to raise says what happened (``exc`` itself when nothing changed)."""
        with self._lock:
            s = self._settings
            fallback = self._last_good if self._last_good in self._detectors and self._last_good != name else None
            if name == s.second:
                self._settings = dataclasses.replace(s, second=None, mode=CompareMode.OFF)
                return ModelRetiredError(f"{exc}; compare mode turned off", name, None)
            if name == s.active and fallback is not None:
                second = None if s.second == fallback else s.second
                self._settings = dataclasses.replace(s, active=fallback, second=second, mode=s.mode if second else CompareMode.OFF)
                return ModelRetiredError(f"{exc}; switched back to {fallback}", name, fallback)
        return exc

    def _draw(self, image: npt.NDArray[np.uint8], detections: list[tuple[str, Detection]], s: _Settings) -> npt.NDArray[np.uint8]:
        """One copy of the frame (two side by side), drawn on in place."""
        styles = (dataclasses.replace(self.style, label="A"), dataclasses.replace(SECOND_STYLE, label="B"))
        if len(detections) == 2 and s.mode is CompareMode.SIDE_BY_SIDE:  # A left, B right, on one canvas
            bgr = image if image.ndim == 3 and image.shape[2] == 3 else to_bgr(image)
            height, width = bgr.shape[:2]
            canvas = np.empty((height, 2 * width + SIDE_BY_SIDE_GAP, 3), np.uint8)
            canvas[:, width : width + SIDE_BY_SIDE_GAP] = 0  # the gap; both panels are copied over
            panels = (canvas[:, :width], canvas[:, width + SIDE_BY_SIDE_GAP :])
            for panel, (_, d), style in zip(panels, detections, styles):
                panel[...] = bgr
                draw_faces(panel, d.faces, style, s.show_landmarks)
            return canvas
        out = to_bgr(image)
        if len(detections) < 2:
            if detections:
                draw_faces(out, detections[0][1].faces, self.style, s.show_landmarks)
            return out
        for (_, d), style in zip(detections, styles):  # overlay: both on one image in two colours
            draw_faces(out, d.faces, style, s.show_landmarks)
        return out

    @staticmethod
    def _drawn_boxes(frame_width: int, detections: list[tuple[str, Detection]], s: _Settings) -> npt.NDArray[np.float32]:
        """Where the faces are drawn on the annotated image, so the HUD can keep clear of them."""
        parts = [np.zeros((0, 4), np.float32)]
        for i, (_, d) in enumerate(detections):
            shift = frame_width + SIDE_BY_SIDE_GAP if i == 1 and s.mode is CompareMode.SIDE_BY_SIDE else 0
            parts.append(d.faces.xyxy + np.array([shift, 0, shift, 0], np.float32))
        return np.concatenate(parts)

    @staticmethod
    def _hud_lines(frame: Frame, detections: list[tuple[str, Detection]], agreement: Agreement | None, fps: float, s: _Settings) -> list[str]:
        """Few, short lines (the HUD must not cover faces): per model its faces and inference
        time; FPS and capture-to-now latency; agreement in compare mode. Thresholds are on the panel."""
        if not detections:
            return ["No model loaded", f"{fps:.1f} FPS"]
        latency_ms = (time.monotonic_ns() - frame.captured_ns) / 1e6 + frame.capture_ms
        lines = []
        for tag, (name, d) in zip(("A ", "B ") if len(detections) == 2 else ("",), detections):
            count = len(d.faces)
            lines.append(f"{tag}{name}: {count} face{'' if count == 1 else 's'}, {d.inference_ms:.0f} ms")
        lines.append(f"{fps:.1f} FPS, latency {latency_ms:.0f} ms")
        if agreement is not None:
            lines.append(f"agree {agreement.matched}, only A {agreement.only_a}, only B {agreement.only_b}")
        return lines


def _enlarged_for_drawing(image: npt.NDArray[np.uint8], detections: list[tuple[str, Detection]]) -> tuple[npt.NDArray[np.uint8], list[tuple[str, Detection]]]:
    """A tiny frame enlarged by a whole factor (each pixel repeated) and its faces scaled to match,
    for drawing only: the results keep the source's own pixel coordinates. A sliver (8x720) is
    not enlarged but placed top-left on a canvas at least :data:`MIN_ANNOTATED_SIDE` wide and
    high, so the HUD has room. Larger frames pass."""
    height, width = image.shape[:2]
    if min(height, width) >= MIN_ANNOTATED_SIDE:
        return image, detections
    factor = max(1, -(-MIN_ANNOTATED_SIDE // max(height, width)))
    drawn: npt.NDArray[np.uint8] = np.repeat(np.repeat(image, factor, axis=0), factor, axis=1) if factor > 1 else image
    if min(drawn.shape[:2]) < MIN_ANNOTATED_SIDE:  # a sliver: on a canvas with room for the HUD
        canvas = np.full((max(drawn.shape[0], MIN_ANNOTATED_SIDE), max(drawn.shape[1], MIN_ANNOTATED_SIDE), 3), SLIVER_BACKGROUND, np.uint8)
        canvas[: drawn.shape[0], : drawn.shape[1]] = drawn
        drawn = canvas
    if factor == 1:
        return drawn, detections
    scaled = [(name, dataclasses.replace(d, faces=FaceDetections(d.faces.xyxy * factor, d.faces.scores, d.faces.landmarks * factor))) for name, d in detections]
    return drawn, scaled
