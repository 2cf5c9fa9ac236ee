"""Start FeatherFace Live: ``python main.py`` (the window) or ``python main.py --help``."""

from __future__ import annotations

import sys

from featherface_app.cli import main

if __name__ == "__main__":
    sys.exit(main())
