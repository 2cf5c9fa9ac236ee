"""Reliability tests: faults, hostile input, endurance and shutdown, on the real core and window.

Long tests are marked ``endurance`` and run a short form by default; environment variables
select the full forms of issue #6 (see docs/RELIABILITY.md): ``FEATHERFACE_ENDURANCE_FRAMES``
(50000), ``FEATHERFACE_WINDOW_CYCLES`` (50); ``FEATHERFACE_SWITCHES`` defaults to the full 1000.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Qt under test: no display; set before any test module imports PySide6.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# The test modules share helpers through one plain module beside this file (pytest runs in
# importlib mode, where test folders are not packages).
sys.path.insert(0, str(Path(__file__).parent))
