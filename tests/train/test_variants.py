"""The variant table is the one list of networks: every row builds, and the exporters, the trainer and
the shipped model files agree with it."""

from __future__ import annotations

import json
from pathlib import Path

import onnx
import pytest

from featherface_app.core.metadata import METADATA_KEY
from featherface_train.config import parser
from featherface_train.nets.models import FeatherFace, RetinaFaceMnet, build_model
from featherface_train.nets.variants import FEATHERFACE_VARIANTS, REFERENCE_VARIANTS, VARIANTS, variant_spec
from featherface_train.report import params_table

REPO = Path(__file__).resolve().parents[2]


def test_the_table_holds_todays_networks() -> None:
    assert list(VARIANTS) == ["v1", "v2", "retinaface"]
    assert FEATHERFACE_VARIANTS == ("v1", "v2") and REFERENCE_VARIANTS == ("retinaface",)
    assert {n: (s.attention, s.variant_id, s.display_name) for n, s in VARIANTS.items()} == {
        "v1": ("cbam", "v1-cbam", "FeatherFace V1 (CBAM)"),
        "v2": ("eca", "v2-eca", "FeatherFace V2 (ECA)"),
        "retinaface": (None, "retinaface-mnet025", "RetinaFace-mnet0.25"),
    }
    assert len({s.variant_id for s in VARIANTS.values()}) == len(VARIANTS)


@pytest.mark.parametrize("name", list(VARIANTS))
def test_every_row_builds_its_network(name: str) -> None:
    spec = variant_spec(name)
    net = build_model(name)
    if spec.attention is None:
        assert isinstance(net, RetinaFaceMnet)
    else:
        assert isinstance(net, FeatherFace) and net.attention_kind == spec.attention


def test_unknown_variants_are_refused_with_the_known_names() -> None:
    with pytest.raises(ValueError, match="v1, v2, retinaface"):
        build_model("v3")


def test_the_trainer_offers_the_featherface_rows() -> None:
    p = parser("train", "")
    assert p.parse_args(["--variant", "v2", "--out", "x"]).variant == "v2"
    with pytest.raises(SystemExit):
        p.parse_args(["--variant", "retinaface", "--out", "x"])


def test_the_report_has_a_column_per_row() -> None:
    header = params_table().splitlines()[0]
    assert header == "| part | RetinaFace-mnet0.25 | V1 (CBAM) | V2 (ECA) |"


@pytest.mark.parametrize("name", [n for n, s in VARIANTS.items() if s.file_stem])
def test_shipped_files_carry_their_rows_name_and_variant_id(name: str) -> None:
    spec = VARIANTS[name]
    path = REPO / "models" / f"{spec.file_stem}.onnx"
    if not path.is_file():
        pytest.skip(f"{path.name} not in this checkout")
    meta = json.loads({p.key: p.value for p in onnx.load(str(path), load_external_data=False).metadata_props}[METADATA_KEY])
    assert (meta["variant"], meta["name"]) == (spec.variant_id, spec.display_name)
