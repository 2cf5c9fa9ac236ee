"""The models' data terms travel in the metadata's provenance (``data_terms``) and read back;
files written before the field existed still parse, with no terms."""

from __future__ import annotations

import json

from featherface_app.core.metadata import DATA_TERMS_KEY, METADATA_KEY, WIDER_FACE_DATA_TERMS, ModelInfo, parse_metadata


def test_data_terms_round_trip_through_the_metadata() -> None:
    info = ModelInfo(name="V1", variant="v1-cbam", provenance={"training_data": "WIDER FACE", DATA_TERMS_KEY: WIDER_FACE_DATA_TERMS})
    parsed = parse_metadata(info.to_metadata_props()[METADATA_KEY])
    assert parsed.data_terms == WIDER_FACE_DATA_TERMS
    assert "non-commercial research" in WIDER_FACE_DATA_TERMS


def test_files_without_terms_or_with_a_wrong_type_parse_without_terms() -> None:
    old = ModelInfo(name="V1", variant="v1-cbam", provenance={"training_data": "WIDER FACE"}).to_json()
    assert DATA_TERMS_KEY not in json.dumps(old)
    assert parse_metadata(json.dumps(old)).data_terms is None
    old["provenance"][DATA_TERMS_KEY] = ["not", "a", "string"]
    assert parse_metadata(json.dumps(old)).data_terms is None
