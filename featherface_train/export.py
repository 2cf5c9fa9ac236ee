"""Export a network to ONNX with the model-file contract the app reads.

    python -m featherface_train.export --variant v1|v2|retinaface [--weights W] --out F.onnx

(``--variant``: any name in :data:`featherface_train.nets.variants.VARIANTS`.)

Opset 17, dynamic height and width, outputs ``box_deltas`` [1,N,4], ``scores`` [1,N,2]
(softmaxed), ``landmark_deltas`` [1,N,10]; metadata as :class:`featherface_app.core.metadata.ModelInfo`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import subprocess
from pathlib import Path
from typing import Any

import onnx
import torch

from featherface_app import __version__
from featherface_app.core.anchors import AnchorConfig
from featherface_app.core.metadata import DATA_TERMS_KEY, WIDER_FACE_DATA_TERMS, ModelInfo

from .nets.models import SoftmaxExport, Variant, build_model
from .nets.variants import VARIANTS, variant_spec

log = logging.getLogger(__name__)

OPSET = 17
INPUT_NAME = "input"
OUTPUT_NAMES = {"boxes": "box_deltas", "scores": "scores", "landmarks": "landmark_deltas"}


def git_revision() -> str:
    try:
        return subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True, text=True, check=True, cwd=Path(__file__).parent).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def load_weights(net: torch.nn.Module, weights: Path) -> dict[str, Any]:
    """Load a plain state_dict or a training checkpoint (``{"model": ..., "provenance": ...}``) strictly."""
    blob = torch.load(weights, map_location="cpu", weights_only=True)
    state = blob["model"] if isinstance(blob, dict) and "model" in blob else blob
    net.load_state_dict(state, strict=True)
    provenance = blob.get("provenance", {}) if isinstance(blob, dict) and "model" in blob else {}
    return dict(provenance)


def export(variant: Variant, out: Path, weights: Path | None = None, provenance: dict[str, Any] | None = None, name: str | None = None) -> ModelInfo:
    """Build ``variant``, load ``weights`` (random init if None), write ``out`` and return its metadata."""
    spec = variant_spec(variant)
    net = build_model(variant)
    stored = load_weights(net, weights) if weights else {"weights": "random initialisation (untrained)"}
    net.eval()
    info = ModelInfo(
        name=name or spec.display_name,
        variant=spec.variant_id,
        version=__version__,
        parameters=sum(p.numel() for p in net.parameters()),
        input_name=INPUT_NAME,
        output_names=dict(OUTPUT_NAMES),
        anchors=AnchorConfig(),
        confidence_threshold=0.5,
        nms_iou_threshold=0.4,
        provenance={
            **stored,
            **(provenance or {}),
            "weights_file": weights.name if weights else None,
            "exported": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "git_revision": git_revision(),
            "exporter": f"torch {torch.__version__}, opset {OPSET}",
            DATA_TERMS_KEY: WIDER_FACE_DATA_TERMS,
        },
    )
    model = write_onnx(SoftmaxExport(net), out, info, "featherface_train")
    log.info("wrote %s (%s, %d parameters, %d nodes)", out, info.variant, info.parameters, len(model.graph.node))
    return info


def write_onnx(module: torch.nn.Module, out: Path, info: ModelInfo, producer: str) -> onnx.ModelProto:
    """Trace ``module`` (outputs boxes, softmaxed scores, landmarks) to ``out`` with the app's
    contract: opset 17, dynamic height and width, ``info`` as metadata, checked in full."""
    out.parent.mkdir(parents=True, exist_ok=True)
    names = info.output_names
    torch.onnx.export(
        module,
        (torch.zeros(1, 3, 480, 640),),
        str(out),
        input_names=[info.input_name],
        output_names=[names["boxes"], names["scores"], names["landmarks"]],
        dynamic_axes={info.input_name: {2: "height", 3: "width"}, **{n: {1: "priors"} for n in names.values()}},
        opset_version=OPSET,
        dynamo=False,
    )
    model = onnx.load(str(out))
    for key, value in info.to_metadata_props().items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    model.producer_name = producer
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, str(out))
    return model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m featherface_train.export", description=__doc__.splitlines()[0])
    parser.add_argument("--variant", choices=list(VARIANTS), required=True)
    parser.add_argument("--weights", type=Path, help="state_dict or training checkpoint; random init if omitted")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--name", help="display name stored in the metadata")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    export(args.variant, args.out, args.weights, name=args.name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
