"""FeatherFace Live: compare FeatherFace V1 (CBAM) and V2 (ECA) face detectors on live video."""

import time

__version__ = "0.1.0"

#: ``time.monotonic()`` when the package was first imported: the first thing ``main.py`` and the
#: ``featherface-live`` script do, so start-up figures in the log are counted from about here.
STARTED_MONOTONIC = time.monotonic()
