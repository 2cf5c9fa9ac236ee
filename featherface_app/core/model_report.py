"""What one model is, where it came from and what it costs: the record behind the window's model
info panel and ``python main.py info``.

:func:`build_report` reads the file (metadata, graph MACs at one input size, size on disk) and the
model card beside it (``<stem>.md``: its line ``AP easy E / medium M / hard H``). Live latency is
not part of the file: :class:`LatencyTally` accumulates the frame results the app already times,
and :func:`design_claims` sets the FeatherFace paper's and the V2 design's claimed figures beside
the measured ones. Qt-free.
"""

from __future__ import annotations

import functools
import math
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .detections import FrameResult
from .graph_cost import Graph, GraphFormatError, fixed_input_hw, graph_cost, read_graph
from .metadata import ModelInfo

if TYPE_CHECKING:
    from .pipeline import ProcessedFrame

#: the model card's figure (fractions), the same pattern ``tests/models/test_shipped_models.py`` checks.
CARD_AP = re.compile(r"AP easy (\d\.\d+) / medium (\d\.\d+) / hard (\d\.\d+)")
#: a 640-px long side on a 4:3 frame, the app's default input.
DEFAULT_FRAME_HW = (480, 640)
MAX_INPUT_SIDE = 4096  # as the detector's pre-processing

V1_VARIANT = "v1-cbam"
V2_VARIANT = "v2-eca"
#: FeatherFace paper, V1 (see ../shared/DESIGN.md): parameters, GFLOPs, WIDER FACE val AP.
PAPER_V1_PARAMETERS = 488_700
PAPER_V1_GFLOPS = 1.013
PAPER_V1_AP = (92.7, 90.7, 78.3)
#: FeatherFace V2 design (issue 9): V2 over V1 in AP points, and "2x faster".
DESIGN_V2_AP_GAIN = (3.0, 5.5, 10.8)
DESIGN_V2_SPEEDUP = 2.0


def input_hw(frame_hw: tuple[int, int], long_side: int | None, multiple: int = 32) -> tuple[int, int]:
    """The tensor the detector feeds for a frame of ``frame_hw`` at ``long_side`` (None: the
    frame's own size): resized to the long side, then padded to ``multiple`` (as the pre-processing)."""
    height, width = frame_hw
    side = min(long_side or max(height, width), MAX_INPUT_SIDE)
    scale = side / max(height, width)
    h, w = (max(1, round(height * scale)), max(1, round(width * scale))) if abs(scale - 1.0) > 1e-6 else (height, width)
    return max(multiple, math.ceil(h / multiple) * multiple), max(multiple, math.ceil(w / multiple) * multiple)


def card_ap(card: Path) -> tuple[float, float, float] | None:
    """(easy, medium, hard) AP as fractions from a model card, or None (no card, no such line)."""
    try:
        found = CARD_AP.search(card.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None
    if not found:
        return None
    easy, medium, hard = (float(v) for v in found.groups())
    return easy, medium, hard


@dataclass(frozen=True)
class Provenance:
    """Where the weights came from, as the file's metadata states it (empty strings: not stated)."""

    recipe: str = ""
    teacher: str = ""
    data: str = ""
    training_minutes: float | None = None
    steps: int | None = None
    git_revision: str = ""
    exported: str = ""
    init: str = ""
    data_terms: str = ""
    #: how the weights were quantised after training ("" for a float model)
    quantization: str = ""
    #: the metadata's recipe as it is (for ``--json``).
    recipe_fields: Mapping[str, Any] = field(default_factory=dict)


def recipe_summary(recipe: Mapping[str, Any]) -> str:
    """One line from the training recipe dict of the metadata."""
    if not recipe:
        return ""
    parts = []
    if "distill" in recipe:
        parts.append("distilled" if recipe["distill"] else "supervised")
        if recipe["distill"]:
            parts.append(f"alpha {recipe.get('alpha')}, T {recipe.get('temperature')}")
    if "epochs" in recipe:
        parts.append(f"{recipe['epochs']} epochs at {recipe.get('image_size', '?')} px")
    for key, label in (("batch_size", "batch"), ("lr", "lr"), ("weight_decay", "wd"), ("seed", "seed")):
        if key in recipe:
            parts.append(f"{label} {recipe[key]}")
    if recipe.get("init_weights"):
        parts.append(f"from {recipe['init_weights']}")
    return ", ".join(parts) or ", ".join(f"{k} {v}" for k, v in list(recipe.items())[:8])


def _text(value: Any) -> str:
    return "" if value is None else str(value)[:300]


def provenance_of(info: ModelInfo) -> Provenance:
    p = info.provenance
    raw_recipe = p.get("recipe")
    recipe: dict[str, Any] = raw_recipe if isinstance(raw_recipe, dict) else {}
    minutes = p.get("training_minutes")
    steps = p.get("steps")
    return Provenance(
        recipe=recipe_summary(recipe) if recipe else _text(p.get("recipe")),
        teacher=_text(p.get("teacher")),
        data=_text(p.get("training_data") or p.get("data")),
        training_minutes=float(minutes) if isinstance(minutes, (int, float)) and not isinstance(minutes, bool) else None,
        steps=steps if isinstance(steps, int) and not isinstance(steps, bool) else None,
        git_revision=_text(p.get("git_revision")),
        exported=_text(p.get("exported")),
        init=_text(p.get("init")),
        data_terms=info.data_terms or "",
        quantization=_text(p.get("quantization")),
        recipe_fields=dict(recipe),
    )


@dataclass(frozen=True)
class Claim:
    """A figure someone claimed beside the one measured here (text, ready to show)."""

    what: str
    claimed: str
    measured: str
    source: str


@dataclass(frozen=True)
class LatencySummary:
    """Latency of one model over every frame it ran since the app started (ms)."""

    frames: int
    inference_p50: float
    inference_p95: float
    pipeline_p50: float


@dataclass(frozen=True)
class ModelReport:
    """One model file at one input size. Built by :func:`build_report`."""

    path: Path
    name: str
    variant: str
    family: str
    version: str
    #: parameters as the metadata states them (the trained network's count); None if not stated.
    parameters: int | None
    #: floating-point weights stored in the graph (after export folding, e.g. BatchNorm into Conv).
    graph_weights: int | None
    file_bytes: int
    input_policy: str
    input_hw: tuple[int, int]
    macs: int | None
    macs_note: str
    provenance: Provenance
    card_ap: tuple[float, float, float] | None
    claims: tuple[Claim, ...] = ()

    @property
    def gmacs(self) -> float | None:
        return None if self.macs is None else self.macs / 1e9

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["path"] = str(self.path)
        out["gmacs"] = None if self.gmacs is None else round(self.gmacs, 4)
        out["input_hw"] = list(self.input_hw)
        out["card_ap"] = None if self.card_ap is None else dict(zip(("easy", "medium", "hard"), self.card_ap))
        out["provenance"]["recipe_fields"] = dict(self.provenance.recipe_fields)
        out["claims"] = [asdict(c) for c in self.claims]
        return out


def input_policy(info: ModelInfo, fixed: tuple[int, int] | None, long_side: int | None) -> str:
    colour = f"{info.color_order}, mean {tuple(round(m, 1) for m in info.mean)}"
    if info.std != (1.0, 1.0, 1.0):
        colour += f", std {tuple(round(s, 3) for s in info.std)}"
    if fixed is not None:
        return f"fixed {fixed[1]}x{fixed[0]}; {colour}"
    side = f"long side {long_side} px" if long_side else "the frame's own size"
    return f"any size: {side}, padded to a multiple of {info.size_multiple}; {colour}"


@functools.lru_cache(maxsize=16)
def _read_graph_cached(path: str, mtime_ns: int, size: int) -> Graph:
    """A parsed graph per file version (a new size of the same model does not re-read the file)."""
    return read_graph(Path(path))


def build_report(
    path: Path,
    info: ModelInfo,
    frame_hw: tuple[int, int] = DEFAULT_FRAME_HW,
    long_side: int | None = 640,
    v1: ModelReport | None = None,
) -> ModelReport:
    """The record of the model file ``path`` (whose metadata is ``info``) for frames of
    ``frame_hw`` fed at ``long_side`` (None: native). ``v1``: the V1 report, for V2's claims."""
    path = Path(path)
    size = path.stat().st_size
    note = ""
    try:
        graph = _read_graph_cached(str(path.resolve()), path.stat().st_mtime_ns, size)
    except (OSError, GraphFormatError) as exc:
        graph, note = None, f"graph not read: {exc}"
    fixed = fixed_input_hw(graph) if graph is not None else None
    hw = fixed or input_hw(frame_hw, long_side, info.size_multiple)
    macs: int | None = None
    if graph is not None:
        cost = graph_cost(graph, hw)
        macs, note = cost.macs, cost.note
    report = ModelReport(
        path=path,
        name=info.name,
        variant=info.variant,
        family=info.family,
        version=info.version,
        parameters=info.parameters,
        graph_weights=graph.weights if graph is not None else None,
        file_bytes=size,
        input_policy=input_policy(info, fixed, long_side),
        input_hw=hw,
        macs=macs,
        macs_note=note,
        provenance=provenance_of(info),
        card_ap=card_ap(path.with_suffix(".md")),
    )
    return replace(report, claims=design_claims(report, v1))


def _ap_text(ap: Iterable[float], signed: bool = False) -> str:
    return " / ".join(f"{v:+.1f}" if signed else f"{v:.1f}" for v in ap)


def _latency_ratio(slow: LatencySummary | None, fast: LatencySummary | None) -> str:
    if slow is None or fast is None or not (slow.frames and fast.frames) or fast.inference_p50 <= 0:
        return "not measured yet (live, once both models have run: compare mode)"
    return f"{slow.inference_p50 / fast.inference_p50:.2f}x (inference p50 {slow.inference_p50:.1f} vs {fast.inference_p50:.1f} ms, live)"


def design_claims(
    report: ModelReport,
    v1: ModelReport | None = None,
    latency: LatencySummary | None = None,
    v1_latency: LatencySummary | None = None,
) -> tuple[Claim, ...]:
    """Claimed vs measured for V1 (the FeatherFace paper) and V2 (the V2 design, relative to V1);
    nothing for other models. AP measured = the model card's (``wider_val_dev``, 198 images)."""
    paper, design = "FeatherFace paper (V1)", "FeatherFace V2 design (vs V1)"
    if report.variant == V1_VARIANT:
        params = f"{report.parameters:,}" if report.parameters is not None else "not stated"
        hw = f"{report.input_hw[1]}x{report.input_hw[0]}"
        gmacs = f"{report.gmacs:.3f} GMACs at {hw}" if report.gmacs is not None else "not counted"
        ap = f"{_ap_text(100 * v for v in report.card_ap)} (model card, wider_val_dev)" if report.card_ap else "no card figure"
        return (
            Claim("parameters", f"{PAPER_V1_PARAMETERS / 1000:.1f}K", params, paper),
            Claim("compute", f"{PAPER_V1_GFLOPS} GFLOPs (input size not stated)", gmacs, paper),
            Claim("AP easy / medium / hard", f"{_ap_text(PAPER_V1_AP)} (full WIDER val)", ap, paper),
        )
    if report.variant == V2_VARIANT:
        if report.card_ap and v1 is not None and v1.card_ap:
            gain = f"{_ap_text((100 * (a - b) for a, b in zip(report.card_ap, v1.card_ap)), signed=True)} (model cards)"
        else:
            gain = "needs both model cards"
        return (
            Claim("AP over V1, easy / medium / hard", _ap_text(DESIGN_V2_AP_GAIN, signed=True), gain, design),
            Claim("speed over V1", f"{DESIGN_V2_SPEEDUP:g}x faster", _latency_ratio(v1_latency, latency), design),
        )
    return ()


class LatencyTally:
    """Inference and pipeline latency of each model over every frame since it was created.

    Log-spaced buckets (1 % wide, 1 µs to 100 s) keep memory constant however long the app runs;
    percentiles are exact to the bucket width. A sink of the frame loop (``write`` on the
    inference thread, ``summary`` on any other): one lock guards the counts.
    """

    _LOW_MS = 1e-3
    _STEP = math.log(1.01)
    _BUCKETS = int(math.log(1e8) / math.log(1.01)) + 2

    def __init__(self) -> None:
        self._counts: dict[str, dict[str, list[int]]] = {}
        self._lock = threading.Lock()

    def write(self, processed: ProcessedFrame) -> None:
        """Loop sink: every model's result of one frame."""
        for result in processed.results:
            self.add(result)

    def close(self) -> None:
        """Loop sink: nothing to release."""

    def _bucket(self, ms: float) -> int:
        if not ms > self._LOW_MS:
            return 0
        return min(self._BUCKETS - 1, 1 + int(math.log(ms / self._LOW_MS) / self._STEP))

    def _value(self, bucket: int) -> float:
        return 0.0 if bucket == 0 else self._LOW_MS * math.exp((bucket - 0.5) * self._STEP)

    def add(self, result: FrameResult) -> None:
        inference = result.stage_ms.get("inference", math.nan)
        with self._lock:
            per_model = self._counts.setdefault(result.model_name, {"inference": [0] * self._BUCKETS, "pipeline": [0] * self._BUCKETS})
            if math.isfinite(inference):
                per_model["inference"][self._bucket(inference)] += 1
            if math.isfinite(result.pipeline_ms):
                per_model["pipeline"][self._bucket(result.pipeline_ms)] += 1

    def _percentile(self, counts: list[int], q: float) -> float:
        total = sum(counts)
        if not total:
            return math.nan
        rank, seen = q * (total - 1), 0
        for bucket, count in enumerate(counts):
            seen += count
            if seen > rank:
                return self._value(bucket)
        return math.nan  # pragma: no cover

    def summary(self, model: str) -> LatencySummary | None:
        with self._lock:
            counts = self._counts.get(model)
            per_model = None if counts is None else {stage: list(values) for stage, values in counts.items()}
        if per_model is None:
            return None
        inference = per_model["inference"]
        return LatencySummary(
            frames=sum(inference),
            inference_p50=self._percentile(inference, 0.5),
            inference_p95=self._percentile(inference, 0.95),
            pipeline_p50=self._percentile(per_model["pipeline"], 0.5),
        )

    def models(self) -> list[str]:
        with self._lock:
            return list(self._counts)


def with_v1_claims(reports: list[ModelReport], fallback_v1: ModelReport | None = None) -> list[ModelReport]:
    """Reports with V2's claims measured against the V1 among them (else ``fallback_v1``)."""
    v1 = next((r for r in reports if r.variant == V1_VARIANT), fallback_v1)
    return [replace(r, claims=design_claims(r, v1)) if r.variant == V2_VARIANT else r for r in reports]


def _size_text(size: int) -> str:
    return f"{size / 1e6:.2f} MB ({size:,} bytes)" if size >= 100_000 else f"{size / 1e3:.1f} kB ({size:,} bytes)"


def _provenance_rows(p: Provenance) -> list[tuple[str, str]]:
    training = ""
    if p.training_minutes is not None:
        training = f"{p.training_minutes:g} min" + (f" ({p.steps:,} steps)" if p.steps else "")
    rows = [
        ("recipe", p.recipe),
        ("teacher", p.teacher),
        ("data", p.data),
        ("training time", training),
        ("initialised from", p.init),
        ("git revision", p.git_revision + (f", exported {p.exported}" if p.exported else "")),
        ("data terms", p.data_terms),
    ]
    if p.quantization:  # float models have no such row
        rows.insert(1, ("quantisation", p.quantization))
    return [(label, text or "not in the file's metadata") for label, text in rows]


def latency_text(latency: LatencySummary | None) -> str:
    if latency is None or not latency.frames:
        return "not measured yet"
    return f"inference p50 {latency.inference_p50:.1f} / p95 {latency.inference_p95:.1f} ms, pipeline p50 {latency.pipeline_p50:.1f} ms ({latency.frames:,} frames)"


#: the sections of :func:`report_rows`, in order.
SECTIONS = ("model", "provenance", "claimed vs measured")


def report_rows(report: ModelReport, latency: LatencySummary | None = None, live: bool = True) -> list[tuple[str, str, str]]:
    """(section, label, text) rows in display order, for the window's panel and the CLI's text
    output. ``live``: with a latency row (the window)."""
    hw = f"{report.input_hw[1]}x{report.input_hw[0]}"
    if report.gmacs is not None:
        compute = f"{report.gmacs:.3f} GMACs at {hw} (counted from the graph)"
    else:
        compute = f"unknown at {hw} ({report.macs_note})"
    params = f"{report.parameters:,}" if report.parameters is not None else "not stated"
    if report.graph_weights is not None:
        params += f" ({report.graph_weights:,} weights stored in the graph)"
    ap = "no figure on a model card"
    if report.card_ap is not None:
        ap = "easy {:.1f} / medium {:.1f} / hard {:.1f}".format(*(100 * v for v in report.card_ap)) + f" ({report.path.with_suffix('.md').name})"
    rows: list[tuple[str, str]] = [
        ("model", report.name),
        ("family", report.family),
        ("variant", f"{report.variant} (version {report.version})"),
        ("parameters", params),
        ("compute", compute),
        ("file", f"{report.path.name}, {_size_text(report.file_bytes)}"),
        ("input", report.input_policy),
        ("AP (model card)", ap),
    ]
    if live:
        rows.append(("latency since start", latency_text(latency)))
    out = [("model", label, text) for label, text in rows]
    out += [("provenance", label, text) for label, text in _provenance_rows(report.provenance)]
    for claim in report.claims:
        out.append(("claimed vs measured", claim.what, f"claimed: {claim.claimed}, {claim.source}\nmeasured: {claim.measured}"))
    return out
