"""Start FeatherFace Live: ``python main.py`` (the window) or ``python main.py --help``."""

from __future__ import annotations

import os
import sys

# Before anything can import onnxruntime (featherface_app sets it too; this is the bundle's entry).
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

from featherface_app.entry import main  # after the switch above, on purpose

if __name__ == "__main__":
    sys.exit(main())
