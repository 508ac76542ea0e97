"""The name rules of docs/protocol.md ("Resources", "Names"), as the server applies them to folders, file names
and versions in paths: a refused name is answered 409/80 ``Invalid name: ...``."""

from __future__ import annotations

import re

MAX_NAME_LENGTH = 255
_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029/\\\\:]")
"""C0, DEL, C1 (with NEL), the line/paragraph separators, both path separators and ``:``."""
_DEVICE_NAMES = frozenset(
    ["CON", "PRN", "AUX", "NUL"] + [f"COM{i}" for i in range(1, 10)] + [f"LPT{i}" for i in range(1, 10)]
)


class InvalidNameError(ValueError):
    """``str()`` is the reason, shown after ``Invalid name: ``."""


def validate_name(name: str, what: str = "file name") -> str:
    """``name`` when it is one plain path component, else InvalidNameError."""
    if not name:
        raise InvalidNameError(f"{what} is empty")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidNameError(f"{what} is longer than {MAX_NAME_LENGTH} characters")
    bad = _FORBIDDEN.search(name)
    if bad:
        raise InvalidNameError(f"{what} {name!r} contains {bad.group()!r}, which is not allowed in a name")
    if set(name) <= {".", " "}:
        raise InvalidNameError(f"{what} {name!r} is not a file name (dots and spaces only)")
    if name != name.strip():
        raise InvalidNameError(f"{what} {name!r} starts or ends with white space")
    if name.split(".")[0].upper() in _DEVICE_NAMES:
        raise InvalidNameError(f"{what} {name!r} is a reserved device name on Windows")
    return name


def validate_folder(folder: str) -> str:
    return validate_name(folder, "folder name")
