"""Find test passwords and tokens in files the suite wrote: run on every test's tmp_path when the test ends
(tests/conftest.py), on each GUI test's folder before it is removed (so the suite does not keep hundreds of MB of
caches until the end), and on the session folder and pytest's base temp folder by the final scan."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

JWT = re.compile(rb"eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*")
SCAN_LIMIT = 64 << 20
"""Larger files are resource payloads (random bytes), not logs or settings."""
TEXT_LIMIT = 4 << 20
"""Per-test scans read only files up to this size, unless they are logs or settings by name."""
TEXT_SUFFIXES = frozenset({".log", ".json", ".ini", ".txt", ".yaml", ".yml", ".cfg", ".conf", ".toml", ".xml",
                           ".csv", ".md", ".out", ".err", ".env", ".sh", ".py"})
SNIFF = 8192


def written_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and p.stat().st_size < SCAN_LIMIT]


def _is_named_text(path: Path) -> bool:
    name = path.name.lower()
    return ".log" in name or path.suffix.lower() in TEXT_SUFFIXES or name.startswith("settings")


def text_files(root: Path, limit: int = TEXT_LIMIT) -> list[Path]:
    """The cheap selection for per-test scans: logs, settings, JSON, INI and the like by name (up to SCAN_LIMIT),
    and any other file up to ``limit`` whose first 8 KiB hold no NUL byte (random payloads almost always do)."""
    found = []
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            path = Path(dirpath) / name
            try:
                if path.is_symlink() or not path.is_file():
                    continue
                size = path.stat().st_size
                if _is_named_text(path):
                    if size < SCAN_LIMIT:
                        found.append(path)
                    continue
                if size > limit:
                    continue
                with open(path, "rb") as fh:
                    if b"\0" in fh.read(SNIFF):
                        continue
            except OSError:  # removed while walking, or unreadable: nothing a test wrote for us to check
                continue
            found.append(path)
    return found


def find_secrets(files: Iterable[Path], secrets: Iterable[str]) -> list[tuple[Path, str]]:
    needles = [s.encode() for s in secrets if s]
    found = []
    for path in files:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if JWT.search(data):
            found.append((path, "a JWT"))
        if any(needle in data for needle in needles):
            found.append((path, "a test password or token"))
    return found


def scan_tree(root: Path, secrets: Iterable[str]) -> list[tuple[Path, str]]:
    """Secrets in the text-like files under ``root`` (see text_files); [] when ``root`` is gone."""
    return find_secrets(text_files(root), secrets) if root.exists() else []
