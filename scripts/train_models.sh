#!/usr/bin/env bash
# Reproduce the shipped models in models/ with the project's own training code (about 1 h 50 min
# on 2 CPU cores; a CUDA machine is used automatically). Stage 1 trains V1 (task loss) and V2 (task
# + distillation from the reference RetinaFace teacher) side by side on 320-px crops; stage 2
# fine-tunes each on 512-px crops, so that CBAM's global max pooling also sees the larger
# feature maps of full-size images. Re-running resumes unfinished runs from runs/*/last.pt.
# Reads ../shared (or $FEATHERFACE_SHARED); needs the train extra (`pip install -e ".[train]"`).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
train() { "$PY" -m featherface_train.train --threads "${THREADS:-1}" --workers 1 "$@"; }

# stage 1: 9 epochs on 320-px crops, V1 and V2 side by side (one core each)
train --variant v1 --out runs/v1 --epochs 9 & v1=$!
train --variant v2 --distill --out runs/v2 --epochs 9 & v2=$!
wait $v1; wait $v2

# stage 2: 4 epochs on 512-px crops from the stage-1 weights
FINE_TUNE="--epochs 4 --image-size 512 --lr 5e-4"
train --variant v1 --out runs/v1_ft512 --init-weights runs/v1/final.pt $FINE_TUNE & v1=$!
train --variant v2 --distill --out runs/v2_ft512 --init-weights runs/v2/final.pt $FINE_TUNE & v2=$!
wait $v1; wait $v2

cp runs/v1_ft512/model.onnx models/featherface_v1_cbam.onnx
cp runs/v2_ft512/model.onnx models/featherface_v2_eca.onnx
"$PY" main.py eval --model models/featherface_v1_cbam.onnx --model models/featherface_v2_eca.onnx
