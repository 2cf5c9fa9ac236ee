"""Train FeatherFace V1 / V2 on WIDER FACE, with the landmark pseudo-labels and (optionally) the
distillation terms taken from a teacher network run on the same augmented batch.

    python -m featherface_train.train --variant v1 --out runs/v1
    python -m featherface_train.train --variant v2 --distill --out runs/v2

Loss: ``(1 - alpha) * task + alpha * distill`` with ``--distill``, else ``task``; task = multibox
(smooth-L1 boxes + CE with hard negative mining) + landmark loss against the teacher's landmark
deltas on positive priors. AdamW with a one-cycle schedule. Resumable: re-running the same command
continues from ``OUT/last.pt``. Progress goes to stdout and ``OUT/train.log``; at the end the model
is exported to ``OUT/model.onnx`` with its provenance.

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
from torch import nn
from torch import distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler

from featherface_app.core.anchors import AnchorConfig, prior_boxes

from .data import WiderTrainSet, collate
from .export import export, git_revision, load_weights
from .losses import distillation_loss, landmark_loss, multibox_loss
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
            level, rest = key[len("ssh."):].split(".", 1)
            picked[key] = teacher_state[f"ssh{int(level) + 1}.{rest}"]
        elif key.startswith("heads."):
            picked[key] = teacher_state[key[len("heads."):]]
    net.load_state_dict(picked, strict=False)
    return len(picked)


def init_backbone(net: nn.Module, source: str) -> str:
    """Initialise from the ImageNet MobileNetV1 or the teacher (backbone only, or backbone + SSH + heads).

    ``teacher``: the parts FeatherFace shares with RetinaFace-mnet0.25 — backbone, the three SSH
    context modules and the heads, identical in shape — so only attention and BiFPN start random.
    """
    shared = shared_dir()
    if source == "imagenet":
        blob = torch.load(shared / "checkpoints/mobilenetv1_x0.25_imagenet.tar", map_location="cpu", weights_only=False)
        count = net.body.load_stages(blob["state_dict"], "module.")  # type: ignore[operator]
        return f"backbone from mobilenetv1_x0.25_imagenet.tar ({count} tensors)"
    if source in ("teacher", "teacher-backbone"):
        state = torch.load(shared / "checkpoints/retinaface_mnet025_teacher.pth", map_location="cpu", weights_only=True)
        count = net.body.load_stages(state, "body.")  # type: ignore[operator]
        if source == "teacher-backbone":
            return f"backbone from retinaface_mnet025_teacher.pth body.* ({count} tensors)"
        more = _teacher_parts(net, state)
        return (f"backbone, SSH and heads from retinaface_mnet025_teacher.pth ({count} + {more} tensors); "
                "attention and BiFPN random")
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


def init_network(net: nn.Module, weights: Path) -> str:
    """Start from a whole trained network, e.g. to fine-tune V1 at a larger image size."""
    earlier = load_weights(net, weights)
    return f"whole network from {weights} (trained {earlier.get('training_minutes', '?')} min: {earlier.get('init', '?')})"


def load_teacher(variant: str, weights: Path | None) -> nn.Module:
    teacher = build_model(variant)  # type: ignore[arg-type]
    path = weights or shared_dir() / "checkpoints/retinaface_mnet025_teacher.pth"
    load_weights(teacher, path)
    teacher.eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    return teacher


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m featherface_train.train", description=__doc__.splitlines()[0])
    p.add_argument("--variant", choices=["v1", "v2"], required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--data", type=Path, help="default: $FEATHERFACE_SHARED/data/wider_train_640")
    p.add_argument("--teacher-variant", default="retinaface", choices=["retinaface", "v1"])
    p.add_argument("--teacher-weights", type=Path, help="default: the reference RetinaFace checkpoint")
    p.add_argument("--distill", action="store_true", help="add the distillation term (V2 recipe)")
    p.add_argument("--alpha", type=float, default=0.7)
    p.add_argument("--temperature", type=float, default=4.0)
    p.add_argument("--backbone-init", default="teacher", choices=["teacher", "teacher-backbone", "imagenet", "none"],
                   help="teacher: backbone, SSH and heads from the reference RetinaFace; teacher-backbone: its backbone only")
    p.add_argument("--init-weights", type=Path, help="start from a whole trained network (fine-tuning); overrides --backbone-init")
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--image-size", type=int, default=320)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--weight-decay", type=float, default=5e-4)
    p.add_argument("--negative-fraction", type=float, default=0.15, help="share of face-free samples (background, synthetic)")
    p.add_argument("--min-negatives", type=int, default=64, help="mined negatives per image at least (face-free images too)")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch default)")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--limit-images", type=int, default=0, help="train on the first N images only (smoke runs)")
    p.add_argument("--checkpoint-minutes", type=float, default=5.0)
    p.add_argument("--stop-after-steps", type=int, default=0,
                   help="checkpoint and stop after N steps of this invocation (train in slices; re-run to resume)")
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args(argv)


def train(args: argparse.Namespace) -> Path:
    rank, world = start_distributed()
    leader = rank == 0
    args.out.mkdir(parents=True, exist_ok=True)
    if leader:
        handler = logging.FileHandler(args.out / "train.log")
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        log.addHandler(handler)
    else:
        log.setLevel(logging.WARNING)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    if torch.cuda.is_available():
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")

    dataset = WiderTrainSet(args.data or shared_dir() / "data/wider_train_640", args.image_size, args.seed,
                            args.negative_fraction)
    if args.limit_images:
        dataset.samples = dataset.samples[: args.limit_images]
    sampler = DistributedSampler(dataset, world, rank, shuffle=True, seed=args.seed, drop_last=True) if world > 1 else None
    loader = DataLoader(dataset, batch_size=args.batch_size, shuffle=sampler is None, sampler=sampler, drop_last=True,
                        collate_fn=collate, num_workers=args.workers, persistent_workers=args.workers > 0)
    net = build_model(args.variant).to(device)
    teacher = load_teacher(args.teacher_variant, args.teacher_weights).to(device)
    priors = torch.from_numpy(prior_boxes(AnchorConfig(), args.image_size, args.image_size).copy()).to(device)
    total_steps = args.epochs * len(loader)
    optimizer = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, total_steps=total_steps, pct_start=0.15)

    last = args.out / "last.pt"
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
        provenance = {
            "recipe": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
            "init": init_network(net, args.init_weights) if args.init_weights else init_backbone(net, args.backbone_init),
            "teacher": f"{args.teacher_variant}: {(args.teacher_weights or 'retinaface_mnet025_teacher.pth')}",
            "landmarks": "pseudo-labels: the teacher's landmark deltas on positive priors it scores > 0.5",
            "training_data": f"WIDER FACE train subset wider_train_640 ({len(dataset)} images)",
            "git_revision": git_revision(),
            "device": str(device),
            "processes": world,
        }
    model: nn.Module = DistributedDataParallel(net) if world > 1 else net

    def save(path: Path) -> None:
        if not leader:
            return
        torch.save({"model": net.state_dict(), "optimizer": optimizer.state_dict(), "schedule": schedule.state_dict(),
                    "step": step, "elapsed_s": elapsed_before + time.monotonic() - started, "provenance": provenance},
                   path.with_suffix(".tmp"))
        path.with_suffix(".tmp").replace(path)

    started = time.monotonic()
    last_checkpoint = started
    net.train()
    running: dict[str, float] = {}
    stop_at = step + args.stop_after_steps if args.stop_after_steps else total_steps
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
            box_loss, cls_loss, used, positive = multibox_loss(boxes, logits, targets, priors,
                                                               min_negatives=args.min_negatives)
            lm_loss = landmark_loss(landmarks, t_landmarks, t_scores, positive)
            task = 2.0 * box_loss + cls_loss + lm_loss
            loss = task
            parts = {"box": box_loss.item(), "cls": cls_loss.item(), "lm": lm_loss.item()}
            if args.distill:
                kd = distillation_loss(logits, t_logits, boxes, t_boxes, args.temperature, used, positive)
                loss = (1 - args.alpha) * task + args.alpha * kd
                parts["kd"] = kd.item()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 10.0)
            optimizer.step()
            schedule.step()
            step += 1
            for k, v in {"loss": loss.item(), **parts}.items():
                running[k] = 0.9 * running.get(k, v) + 0.1 * v
            now = time.monotonic()
            if step % 10 == 0 or step == total_steps:
                rate = step / max(1e-6, elapsed_before + now - started)
                eta_min = (total_steps - step) / max(rate, 1e-9) / 60
                log.info("step %d/%d epoch %.2f %s lr %.2e | %.2f it/s ETA %.1f min", step, total_steps,
                         step / len(loader), " ".join(f"{k} {v:.3f}" for k, v in running.items()),
                         schedule.get_last_lr()[0], rate, eta_min)
            if now - last_checkpoint > args.checkpoint_minutes * 60:
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
        log.info("weights digest per rank: %s (%s)", " ".join(map(str, digests)),
                 "identical" if len(set(digests)) == 1 else "DIFFERENT")
        dist.destroy_process_group()
    minutes = (elapsed_before + time.monotonic() - started) / 60
    provenance["training_minutes"] = round(minutes, 1)
    provenance["steps"] = total_steps
    final = args.out / "final.pt"
    if not leader:
        return final
    torch.save({"model": net.state_dict(), "provenance": provenance}, final)
    export(args.variant, args.out / "model.onnx", final)
    (args.out / "provenance.json").write_text(json.dumps(provenance, indent=2))
    log.info("done in %.1f min; exported %s", minutes, args.out / "model.onnx")
    return args.out / "model.onnx"


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    train(parse_args(argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
