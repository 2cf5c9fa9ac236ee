"""Each shipped model still scores the AP its model card states, so a regression cannot land silently.

The figure is read from the card's line ``AP easy E / medium M / hard H`` (fractions); the test
re-runs the same evaluation as ``python main.py eval`` on ``wider_val_dev`` at original size.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest

from featherface_app.core.detector import OnnxFaceDetector
from featherface_app.core.evaluation import APResult, evaluate_detector

MODELS_DIR = Path(__file__).resolve().parents[2] / "models"
SHIPPED = ("featherface_v1_cbam", "featherface_v2_eca", "featherface_v2_eca_int8ssh")
#: a quantised variant ships only if it keeps AP within 0.2 points of its float model (issue 13)
QUANTISED = {"featherface_v2_eca_int8ssh": "featherface_v2_eca"}
INT8_AP_LOSS = 0.002
CARD_FIGURE = re.compile(r"AP easy (\d\.\d+) / medium (\d\.\d+) / hard (\d\.\d+)")
TOLERANCE = 0.005  # onnxruntime thread scheduling moves AP by < 1e-4; anything larger is a change


def card_figures(stem: str) -> tuple[float, float, float]:
    card = (MODELS_DIR / f"{stem}.md").read_text(encoding="utf-8")
    found = CARD_FIGURE.search(card)
    if not found:
        raise AssertionError(f"{stem}.md has no 'AP easy E / medium M / hard H' line")
    easy, medium, hard = (float(v) for v in found.groups())
    return easy, medium, hard


@functools.cache
def measured_ap(stem: str, wider_val_dir: Path) -> APResult:
    """One evaluation per model per test session (the INT8 test reuses the card test's)."""
    return evaluate_detector(OnnxFaceDetector(MODELS_DIR / f"{stem}.onnx"), wider_val_dir)


@pytest.mark.parametrize("stem", SHIPPED)
def test_shipped_model_matches_its_card(stem: str, wider_val_dir: Path) -> None:
    path = MODELS_DIR / f"{stem}.onnx"
    assert path.is_file(), f"the app loads {path.name} by default; it must be shipped"
    detector = OnnxFaceDetector(path)
    measured = measured_ap(stem, wider_val_dir)
    stated = card_figures(stem)
    print(f"{stem}: measured {measured.easy:.4f}/{measured.medium:.4f}/{measured.hard:.4f}, card {stated}")
    for name, got, want in zip(("easy", "medium", "hard"), (measured.easy, measured.medium, measured.hard), stated):
        assert abs(got - want) <= TOLERANCE, f"{stem} {name} AP {got:.4f}, card says {want:.4f}"
    assert measured.easy >= 0.85, "the shipping floor is easy AP ≥ 0.85"
    assert detector.info.variant in ("v1-cbam", "v2-eca")


@pytest.mark.parametrize("stem", list(QUANTISED))
def test_quantised_model_keeps_the_float_models_accuracy(stem: str, wider_val_dir: Path) -> None:
    quantised, float_ = measured_ap(stem, wider_val_dir), measured_ap(QUANTISED[stem], wider_val_dir)
    for name in ("easy", "medium", "hard"):
        loss = getattr(float_, name) - getattr(quantised, name)
        print(f"{stem} {name}: {getattr(quantised, name):.4f} vs float {getattr(float_, name):.4f}")
        assert loss <= INT8_AP_LOSS, f"{stem} loses {loss * 100:.2f} AP points on {name} against {QUANTISED[stem]} (at most 0.2)"


#: recipe entries that name the run, not a training setting: output folder, the start file's
#: folder (each variant starts from its own stage 1), how often to checkpoint
RUN_ONLY = {"out", "init_weights", "checkpoint_minutes", "stop_after_steps"}


def _settings(recipe: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in recipe.items() if k not in RUN_ONLY | {"variant"}}


def test_v1_and_v2_were_trained_with_one_recipe() -> None:
    """Issue 9: the shipped pair differs only in the attention module, at every training stage."""
    v1, v2 = (OnnxFaceDetector(MODELS_DIR / f"{stem}.onnx").info.provenance for stem in SHIPPED[:2])
    assert (v1["recipe"]["variant"], v2["recipe"]["variant"]) == ("v1", "v2")
    assert _settings(v1["recipe"]) == _settings(v2["recipe"])
    assert len(v1["earlier_stages"]) == len(v2["earlier_stages"]) >= 1
    for first, second in zip(v1["earlier_stages"], v2["earlier_stages"]):
        assert _settings(first["recipe"]) == _settings(second["recipe"])


@pytest.mark.parametrize("stem", SHIPPED)
def test_every_shipped_file_states_its_data_terms(stem: str) -> None:
    """Issue 12: the WIDER FACE terms travel inside the model file, not only in its card."""
    from featherface_app.core.metadata import WIDER_FACE_DATA_TERMS

    info = OnnxFaceDetector(MODELS_DIR / f"{stem}.onnx").info
    assert info.data_terms == WIDER_FACE_DATA_TERMS
