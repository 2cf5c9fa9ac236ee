"""One box coding across the two halves: the trainer's torch ``encode`` is the app's ``encode_boxes``,
and the app's ``decode_boxes`` inverts it, with the variances of ``AnchorConfig``."""

from __future__ import annotations

import numpy as np
import torch

from featherface_app.core.anchors import AnchorConfig, decode_boxes, encode_boxes, prior_boxes
from featherface_train import losses


def _boxes_on(priors: np.ndarray, seed: int) -> np.ndarray:
    """Normalised corner boxes near each prior: centres shifted, sizes scaled 0.3-3x."""
    rng = np.random.default_rng(seed)
    centres = priors[:, :2] + rng.uniform(-0.5, 0.5, (len(priors), 2)) * priors[:, 2:]
    sizes = priors[:, 2:] * rng.uniform(0.3, 3.0, (len(priors), 2))
    return np.concatenate([centres - sizes / 2, centres + sizes / 2], axis=1).astype(np.float32)


def test_the_trainer_codes_with_the_apps_variances() -> None:
    assert losses.VARIANCES == AnchorConfig().variances


def test_torch_encode_equals_the_apps_encode_and_decode_inverts_it() -> None:
    config = AnchorConfig()
    priors = prior_boxes(config, 160, 224)
    xyxy = _boxes_on(priors, 0)
    deltas_torch = losses.encode(torch.from_numpy(xyxy), torch.from_numpy(priors.copy())).numpy()
    deltas_numpy = encode_boxes(xyxy, priors, config.variances)
    np.testing.assert_allclose(deltas_torch, deltas_numpy, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(decode_boxes(deltas_torch, priors, config.variances), xyxy, atol=1e-5)
    np.testing.assert_allclose(decode_boxes(deltas_numpy, priors, config.variances), xyxy, atol=1e-5)


def test_match_targets_decode_to_the_matched_faces() -> None:
    priors = prior_boxes(AnchorConfig(), 128, 128)
    faces = torch.tensor([[0.2, 0.2, 0.6, 0.7], [0.05, 0.5, 0.2, 0.7]])
    positive, targets = losses.match(faces, torch.from_numpy(priors.copy()))
    assert positive.sum() >= 2
    decoded = decode_boxes(targets.numpy()[positive.numpy()], priors[positive.numpy()], AnchorConfig().variances)
    distance = np.abs(decoded[:, None, :] - faces.numpy()[None]).max(axis=2).min(axis=1)
    assert float(distance.max()) < 1e-5  # every positive's target is one of the faces
