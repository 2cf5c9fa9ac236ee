"""FeatherFace Live: compare FeatherFace V1 (CBAM) and V2 (ECA) face detectors on live video."""

import os
import time

# onnxruntime (1.32) otherwise writes a persistent device id and an event store under
# ~/.cache/Microsoft on import; it reads this variable once, when it is imported. Every entry
# point (main.py, the featherface-live script, the bundle) imports this package first.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

__version__ = "0.1.0"

#: ``time.monotonic()`` when the package was first imported: the first thing ``main.py`` and the
#: ``featherface-live`` script do, so start-up figures in the log are counted from about here.
STARTED_MONOTONIC = time.monotonic()
