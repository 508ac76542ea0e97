"""Packaging tests import the helpers in packaging/ (a plain folder, not a package: ``packaging`` would shadow the
PyPI distribution of that name)."""

from __future__ import annotations

import sys
from pathlib import Path

PACKAGING = Path(__file__).resolve().parents[2] / "packaging"
if str(PACKAGING) not in sys.path:
    sys.path.insert(0, str(PACKAGING))
