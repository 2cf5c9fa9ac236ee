"""Qt-free core: models, detection, frame sources, annotation, recording, benchmark, evaluation.

Nothing under this package may import PySide6 or torch (checked by tests/core/test_layering.py).
"""
