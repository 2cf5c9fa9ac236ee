#!/usr/bin/env bash
# Train the 2 x 2 ablation with one recipe: attention {CBAM (v1), ECA (v2)} x distillation
# {on (kd), off (gt)}. Every run uses the same data, augmentation (15 % face-free samples),
# initialisation (backbone, SSH and heads from the reference RetinaFace-mnet0.25), schedule,
# image sizes and seed; only the attention module (and, between pairs, --distill) differs.
#   stage 1: 5 epochs on 320-px crops; stage 2: 2 epochs on 512-px crops from the stage-1 weights.
# Two runs at a time, one core each: the distilled pair first (the shipped one), then the
# ground-truth-only pair; about 55 min a pair on 2 CPU cores (a CUDA machine is used automatically).
# Re-running resumes unfinished runs from runs/*/last.pt. Reads ../shared (or $FEATHERFACE_SHARED);
# needs the train extra (`pip install -e ".[train]"`). Then: python main.py eval --model runs/*_ft512/model.onnx
#   bash scripts/train_models.sh            # both pairs
#   bash scripts/train_models.sh kd         # one pair: kd or gt
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
train() { "$PY" -m featherface_train.train --threads "${THREADS:-1}" --workers 1 "$@"; }
STAGE1="--epochs 5 --image-size 320 --lr 2e-3"
STAGE2="--epochs 2 --image-size 512 --lr 5e-4"

pair() {  # pair kd|gt: V1 and V2 side by side, stage 1 then stage 2
    local tag=$1 flags=""
    [[ $tag == kd ]] && flags="--distill"
    train --variant v1 $flags --out "runs/v1_$tag" $STAGE1 & local a=$!
    train --variant v2 $flags --out "runs/v2_$tag" $STAGE1 & local b=$!
    wait $a; wait $b
    train --variant v1 $flags --out "runs/v1_${tag}_ft512" --init-weights "runs/v1_$tag/final.pt" $STAGE2 & a=$!
    train --variant v2 $flags --out "runs/v2_${tag}_ft512" --init-weights "runs/v2_$tag/final.pt" $STAGE2 & b=$!
    wait $a; wait $b
}

for tag in "${@:-kd gt}"; do
    for t in $tag; do pair "$t"; done
done
