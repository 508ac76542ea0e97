"""Find test passwords and tokens in files the suite wrote: run on each GUI test's folder before it is removed (so
the suite does not keep hundreds of MB of caches until the end) and on the session folder by the final scan."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

JWT = re.compile(rb"eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*")
SCAN_LIMIT = 64 << 20
"""Larger files are resource payloads (random bytes), not logs or settings."""


def written_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and p.stat().st_size < SCAN_LIMIT]


def find_secrets(files: Iterable[Path], secrets: Iterable[str]) -> list[tuple[Path, str]]:
    needles = [s.encode() for s in secrets]
    found = []
    for path in files:
        data = path.read_bytes()
        if JWT.search(data):
            found.append((path, "a JWT"))
        if any(needle in data for needle in needles):
            found.append((path, "a test password or token"))
    return found
