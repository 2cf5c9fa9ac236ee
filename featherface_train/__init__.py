"""PyTorch side of FeatherFace: networks, losses, data, training with distillation, ONNX export.

Optional extra (``pip install -e .[train]``); the application never imports this package.
"""
