"""The one table of networks: CLI name, attention module, display name, metadata variant id, file stem.

Everything that names a network reads it: :func:`featherface_train.nets.models.build_model`, the
exporters (display name and variant id in the metadata), the trainer's and exporters' ``--variant``
choices, the report's columns and the tests. A new attention module is
:func:`featherface_train.nets.attention.create_attention` plus one row here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VariantSpec:
    """One network. ``attention`` None is the reference RetinaFace-mnet0.25 (the teacher)."""

    name: str  #: CLI and API name: ``--variant v1``, ``build_model("v1")``
    attention: str | None  #: ``create_attention`` kind of a FeatherFace, None for the reference network
    display_name: str  #: ``ModelInfo.name`` written by the exporters
    variant_id: str  #: ``ModelInfo.variant`` in the model file's metadata
    column: str  #: column heading in the report's parameter table
    file_stem: str | None  #: shipped model file ``models/<stem>.onnx``, None if not shipped


VARIANTS: dict[str, VariantSpec] = {
    spec.name: spec
    for spec in (
        VariantSpec("v1", "cbam", "FeatherFace V1 (CBAM)", "v1-cbam", "V1 (CBAM)", "featherface_v1_cbam"),
        VariantSpec("v2", "eca", "FeatherFace V2 (ECA)", "v2-eca", "V2 (ECA)", "featherface_v2_eca"),
        VariantSpec("retinaface", None, "RetinaFace-mnet0.25", "retinaface-mnet025", "RetinaFace-mnet0.25", None),
    )
}

#: the trainable FeatherFace networks (``train --variant`` choices), in table order
FEATHERFACE_VARIANTS: tuple[str, ...] = tuple(name for name, spec in VARIANTS.items() if spec.attention is not None)
#: the reference network(s) without attention
REFERENCE_VARIANTS: tuple[str, ...] = tuple(name for name, spec in VARIANTS.items() if spec.attention is None)


def variant_spec(name: str) -> VariantSpec:
    """The row of ``name``; ``ValueError`` naming the known variants otherwise."""
    try:
        return VARIANTS[name]
    except KeyError:
        known = ", ".join(VARIANTS)
        raise ValueError(f"unknown variant {name!r}; expected one of {known}") from None
