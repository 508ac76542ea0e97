"""Validation of names that come from the server or the user before they become paths or object keys."""

from __future__ import annotations

import re

from core.errors import InvalidNameError

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
"""C0, DEL, C1 (NEL ``\\x85`` among them) and the Unicode line/paragraph separators: each can break a log line,
a listing (one name per line) or a terminal."""
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
MAX_NAME = 255


def validate_name(name: str, what: str = "resource name") -> str:
    """Return ``name`` if it is a single plain path component, else raise InvalidNameError."""
    if not isinstance(name, str) or not name:
        raise InvalidNameError(f"{what} is empty")
    if len(name) > MAX_NAME:
        raise InvalidNameError(f"{what} is longer than {MAX_NAME} characters")
    if _CONTROL.search(name):
        raise InvalidNameError(f"{what} {name!r} contains control characters")
    if "/" in name or "\\" in name:
        raise InvalidNameError(f"{what} {name!r} contains a path separator")
    if name in (".", "..") or name.strip(" .") == "":
        raise InvalidNameError(f"{what} {name!r} is not a file name")
    if ":" in name:
        raise InvalidNameError(f"{what} {name!r} contains ':' (drive or stream syntax)")
    if name != name.strip():
        raise InvalidNameError(f"{what} {name!r} starts or ends with white space")
    if name.split(".")[0].upper() in _WINDOWS_RESERVED:
        raise InvalidNameError(f"{what} {name!r} is a reserved device name on Windows")
    return name


def validate_folder(folder: str) -> str:
    """Folders are single components too; S3 bucket rules are checked where the bucket is used."""
    return validate_name(folder, "folder name")
