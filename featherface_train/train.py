"""Train FeatherFace V1 / V2 on WIDER FACE, with the landmark pseudo-labels and (optionally) the
distillation terms taken from a teacher network run on the same augmented batch.

    python -m featherface_train.train --variant v1 --out runs/v1
    python -m featherface_train.train --variant v2 --distill --out runs/v2

Loss: ``(1 - alpha) * task + alpha * distill`` with ``--distill``, else ``task``; task = multibox
(smooth-L1 boxes + CE with hard negative mining) + landmark loss against the teacher's landmark
deltas on positive priors. AdamW with a one-cycle schedule. Resumable: re-running the same command
continues from ``OUT/last.pt``. Progress goes to stdout and ``OUT/train.log``; at the end the model
is exported to ``OUT/model.onnx`` with its provenance. The flags, their defaults and the recipe's
fixed constants (box-loss weight, clip, warm-up, matching, mining) are
:class:`featherface_train.config.TrainConfig`; the provenance records its ``recipe()``.

Distributed: ``torchrun --nproc_per_node N -m featherface_train.train ...`` runs data parallel
(gloo on CPU, NCCL on CUDA): each process takes its share of every epoch (a distributed sampler),
``--batch-size`` is per process, and only rank 0 writes the log, checkpoints and the model. At the
end every rank's weights are digested and compared; the log line says they agree.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

import torch
from torch import distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler

from featherface_app.core.anchors import AnchorConfig, prior_boxes

from .config import TrainConfig, parser
from .data import WiderTrainSet, collate
from .export import export, git_revision, load_weights
from .losses import distillation_loss, landmark_loss, multibox_loss
from .nets.backbone import MobileNetV1
from .nets.models import build_model

log = logging.getLogger("featherface_train")


def shared_dir() -> Path:
    return Path(os.environ.get("FEATHERFACE_SHARED", Path(__file__).resolve().parents[2] / "shared"))


def _teacher_parts(net: nn.Module, teacher_state: dict[str, torch.Tensor]) -> int:
    """Copy the teacher's SSH modules and heads into a FeatherFace (same shapes, other key names)."""
    own = net.state_dict()
    picked: dict[str, torch.Tensor] = {}
    for key in own:
        if key.startswith("ssh."):
            level, rest = key[len("ssh.") :].split(".", 1)
            picked[key] = teacher_state[f"ssh{int(level) + 1}.{rest}"]
        elif key.startswith("heads."):
            picked[key] = teacher_state[key[len("heads.") :]]
    net.load_state_dict(picked, strict=False)
    return len(picked)


def _backbone(net: nn.Module) -> MobileNetV1:
    body = net.body
    if not isinstance(body, MobileNetV1):
        raise TypeError(f"{type(net).__name__}.body is {type(body).__name__}, not the MobileNetV1 backbone")
    return body


def init_backbone(net: nn.Module, source: str) -> str:
    """Initialise from the ImageNet MobileNetV1 or the teacher (backbone only, or backbone + SSH + heads).

    ``teacher``: the parts FeatherFace shares with RetinaFace-mnet0.25 — backbone, the three SSH
    context modules and the heads, identical in shape — so only attention and BiFPN start random.
    """
    shared = shared_dir()
    if source == "imagenet":
        blob = torch.load(shared / "checkpoints/mobilenetv1_x0.25_imagenet.tar", map_location="cpu", weights_only=False)
        count = _backbone(net).load_stages(blob["state_dict"], "module.")
        return f"backbone from mobilenetv1_x0.25_imagenet.tar ({count} tensors)"
    if source in ("teacher", "teacher-backbone"):
        state = torch.load(shared / "checkpoints/retinaface_mnet025_teacher.pth", map_location="cpu", weights_only=True)
        count = _backbone(net).load_stages(state, "body.")
        if source == "teacher-backbone":
            return f"backbone from retinaface_mnet025_teacher.pth body.* ({count} tensors)"
        more = _teacher_parts(net, state)
        return f"backbone, SSH and heads from retinaface_mnet025_teacher.pth ({count} + {more} tensors); attention and BiFPN random"
    if source == "none":
        return "backbone randomly initialised"
    raise ValueError(f"unknown backbone init {source!r}")


def weights_digest(net: nn.Module) -> str:
    """A short SHA-256 of every parameter, to compare replicas across ranks.

    BatchNorm statistics are left out: DDP copies rank 0's at every forward, so after the last
    step each rank holds those of its own last batch; the saved model has rank 0's.
    """
    digest = hashlib.sha256()
    for key, value in sorted(net.named_parameters()):
        digest.update(key.encode())
        digest.update(value.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


def start_distributed() -> tuple[int, int]:
    """(rank, world size); joins the process group when started by ``torchrun`` with N > 1."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return 0, 1
    dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    return dist.get_rank(), world


def init_network(net: nn.Module, weights: Path) -> tuple[str, list[dict[str, Any]]]:
    """Start from a whole trained network, e.g. to fine-tune V1 at a larger image size.

    Returns the ``init`` text and the earlier stages' recipes (oldest first), so a fine-tuned
    model's provenance still records every stage it went through.
    """
    earlier = load_weights(net, weights)
    text = f"whole network from {weights} (trained {earlier.get('training_minutes', '?')} min: {earlier.get('init', '?')})"
    stages = [*earlier.get("earlier_stages", []), {"recipe": earlier.get("recipe"), "training_minutes": earlier.get("training_minutes")}]
    return text, stages


def load_teacher(variant: str, weights: Path | None) -> nn.Module:
    teacher = build_model(variant)
    path = weights or shared_dir() / "checkpoints/retinaface_mnet025_teacher.pth"
    load_weights(teacher, path)
    teacher.eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    return teacher


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line as argparse reads it (flags and defaults: :func:`featherface_train.config.parser`)."""
    return parser("python -m featherface_train.train", __doc__.splitlines()[0]).parse_args(argv)


def train(config: TrainConfig) -> Path:
    rank, world = start_distributed()
    leader = rank == 0
    config.out.mkdir(parents=True, exist_ok=True)
    if leader:
        handler = logging.FileHandler(config.out / "train.log")
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        log.addHandler(handler)
    else:
        log.setLevel(logging.WARNING)
    if config.threads:
        torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    if torch.cuda.is_available():
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")

    dataset = WiderTrainSet(
        config.data or shared_dir() / "data/wider_train_640", config.image_size, config.seed, config.negative_fraction, config.crop_scale_size
    )
    if config.limit_images:
        dataset.samples = dataset.samples[: config.limit_images]
    sampler: DistributedSampler[tuple[torch.Tensor, torch.Tensor]] | None
    sampler = DistributedSampler(dataset, world, rank, shuffle=True, seed=config.seed, drop_last=True) if world > 1 else None
    loader = DataLoader(
        dataset,
        batch_size=config.batch_size,
        shuffle=sampler is None,
        sampler=sampler,
        drop_last=True,
        collate_fn=collate,
        num_workers=config.workers,
        persistent_workers=config.workers > 0,
    )
    net = build_model(config.variant).to(device)
    teacher = load_teacher(config.teacher_variant, config.teacher_weights).to(device)
    anchors = AnchorConfig()
    priors = torch.from_numpy(prior_boxes(anchors, config.image_size, config.image_size).copy()).to(device)
    total_steps = config.epochs * len(loader)
    optimizer = torch.optim.AdamW(net.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=config.lr, total_steps=total_steps, pct_start=config.pct_start)

    last = config.out / "last.pt"
    step, elapsed_before = 0, 0.0
    provenance: dict[str, Any]
    if last.exists():
        state = torch.load(last, map_location=device, weights_only=False)
        net.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        schedule.load_state_dict(state["schedule"])
        step, elapsed_before, provenance = state["step"], state["elapsed_s"], state["provenance"]
        log.info("resumed from %s at step %d/%d", last, step, total_steps)
    else:
        earlier_stages: list[dict[str, Any]] = []
        if config.init_weights:
            init, earlier_stages = init_network(net, config.init_weights)
        else:
            init = init_backbone(net, config.backbone_init)
        provenance = {
            "recipe": config.recipe(),
            "earlier_stages": earlier_stages,
            "init": init,
            "teacher": f"{config.teacher_variant}: {(config.teacher_weights or 'retinaface_mnet025_teacher.pth')}",
            "landmarks": f"pseudo-labels: the teacher's landmark deltas on positive priors it scores > {config.teacher_min_score}",
            "training_data": f"WIDER FACE train subset wider_train_640 ({len(dataset)} images)",
            "git_revision": git_revision(),
            "device": str(device),
            "processes": world,
        }
    model: nn.Module = DistributedDataParallel(net) if world > 1 else net

    def save(path: Path) -> None:
        if not leader:
            return
        torch.save(
            {
                "model": net.state_dict(),
                "optimizer": optimizer.state_dict(),
                "schedule": schedule.state_dict(),
                "step": step,
                "elapsed_s": elapsed_before + time.monotonic() - started,
                "provenance": provenance,
            },
            path.with_suffix(".tmp"),
        )
        path.with_suffix(".tmp").replace(path)

    started = time.monotonic()
    last_checkpoint = started
    net.train()
    running: dict[str, float] = {}
    stop_at = step + config.stop_after_steps if config.stop_after_steps else total_steps
    while step < min(stop_at, total_steps):
        if sampler is not None:
            sampler.set_epoch(step // len(loader))
        for images, targets in loader:
            if step >= min(stop_at, total_steps):
                break
            images = images.to(device)
            targets = [t.to(device) for t in targets]
            with torch.no_grad():
                t_boxes, t_logits, t_landmarks = teacher(images)
                t_scores = torch.softmax(t_logits, dim=-1)[..., 1]
            boxes, logits, landmarks = model(images)
            box_loss, cls_loss, used, positive = multibox_loss(
                boxes,
                logits,
                targets,
                priors,
                neg_pos_ratio=config.neg_pos_ratio,
                min_negatives=config.min_negatives,
                match_iou=config.match_iou,
                best_prior_floor=config.best_prior_floor,
                variances=anchors.variances,
            )
            lm_loss = landmark_loss(landmarks, t_landmarks, t_scores, positive, config.teacher_min_score)
            task = config.box_weight * box_loss + cls_loss + lm_loss
            loss = task
            parts = {"box": box_loss.item(), "cls": cls_loss.item(), "lm": lm_loss.item()}
            if config.distill:
                kd = distillation_loss(logits, t_logits, boxes, t_boxes, config.temperature, used, positive, config.teacher_min_score)
                loss = (1 - config.alpha) * task + config.alpha * kd
                parts["kd"] = kd.item()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()  # type: ignore[no-untyped-call]  # torch's stubs leave Tensor.backward untyped
            nn.utils.clip_grad_norm_(net.parameters(), config.grad_clip)
            optimizer.step()
            schedule.step()
            step += 1
            for k, v in {"loss": loss.item(), **parts}.items():
                running[k] = 0.9 * running.get(k, v) + 0.1 * v
            now = time.monotonic()
            if step % 10 == 0 or step == total_steps:
                rate = step / max(1e-6, elapsed_before + now - started)
                eta_min = (total_steps - step) / max(rate, 1e-9) / 60
                log.info(
                    "step %d/%d epoch %.2f %s lr %.2e | %.2f it/s ETA %.1f min",
                    step,
                    total_steps,
                    step / len(loader),
                    " ".join(f"{k} {v:.3f}" for k, v in running.items()),
                    schedule.get_last_lr()[0],
                    rate,
                    eta_min,
                )
            if now - last_checkpoint > config.checkpoint_minutes * 60:
                save(last)
                last_checkpoint = now
    save(last)
    if step < total_steps:
        log.info("stopped at step %d/%d as asked; run the same command again to resume", step, total_steps)
        if world > 1:
            dist.destroy_process_group()
        return last
    if world > 1:
        digests: list[str | None] = [None] * world
        dist.all_gather_object(digests, weights_digest(net))
        log.info("weights digest per rank: %s (%s)", " ".join(map(str, digests)), "identical" if len(set(digests)) == 1 else "DIFFERENT")
        dist.destroy_process_group()
    minutes = (elapsed_before + time.monotonic() - started) / 60
    provenance["training_minutes"] = round(minutes, 1)
    provenance["steps"] = total_steps
    final = config.out / "final.pt"
    if not leader:
        return final
    torch.save({"model": net.state_dict(), "provenance": provenance}, final)
    export(config.variant, config.out / "model.onnx", final)
    (config.out / "provenance.json").write_text(json.dumps(provenance, indent=2))
    log.info("done in %.1f min; exported %s", minutes, config.out / "model.onnx")
    return config.out / "model.onnx"


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    train(TrainConfig.from_args(parse_args(argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
