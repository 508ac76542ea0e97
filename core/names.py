"""Validation of names that come from the server or the user before they become paths or object keys.

Lengths are counted in UTF-8 bytes, not characters: file systems limit a path component to 255 bytes (ext4,
btrfs, APFS; NTFS's 255 UTF-16 units are never more than that many UTF-8 bytes), so 125 Cyrillic letters (250
bytes) fit a file name where 245 ASCII ones do too, but neither fits once the cache appends ``.big.part.json``.
"""

from __future__ import annotations

import re
import unicodedata

from core.errors import InvalidNameError
from core.protocol import BIG_SUFFIX

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
"""C0, DEL, C1 (NEL ``\\x85`` among them) and the Unicode line/paragraph separators: each can break a log line,
a listing (one name per line) or a terminal."""
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Bidirectional controls (U+202E RIGHT-TO-LEFT OVERRIDE among them): they make ``gpj.exe`` look like
``exe.jpg`` in a listing or a file manager. Refused in every name; other format characters (Unicode category
Cf: zero-width joiners, which some scripts need) only in names the server chooses (``validate_server_file_name``)."""
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}

MAX_NAME_BYTES = 255
"""A single path component on the file systems the client runs on (NAME_MAX)."""
MAX_NAME = MAX_NAME_BYTES  # the old name of the limit (it was counted in characters)
LONGEST_SUFFIX = BIG_SUFFIX + ".part.json"  # the cache's {name}.big.part.json
"""The longest suffix the client appends to a resource name for a file of its own: the record of an interrupted
download in the cache (``{name}.big``, ``.big.sha256``, ``.big.part`` and the rest are shorter; temp and journal
names do not contain the full name)."""
SUFFIX_RESERVE = 16
"""Bytes kept free for ``LONGEST_SUFFIX`` (14) and two to spare for a future one."""
MAX_RESOURCE_NAME_BYTES = MAX_NAME_BYTES - SUFFIX_RESERVE
"""239 bytes of UTF-8: the longest resource name whose every cache file can exist. Checked before an upload
(so no resource lands that could never be downloaded) and before a download."""


def name_bytes(name: str) -> int:
    """Length of ``name`` as a file system counts it (UTF-8; a lone surrogate counts as its escape)."""
    return len(name.encode("utf-8", "surrogateescape" if _has_surrogates(name) else "strict"))


def _has_surrogates(name: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in name)


def validate_name(name: str, what: str = "resource name", *, max_bytes: int = MAX_NAME_BYTES) -> str:
    """Return ``name`` if it is a single plain path component of at most ``max_bytes`` UTF-8 bytes, else raise
    InvalidNameError."""
    if not isinstance(name, str) or not name:
        raise InvalidNameError(f"{what} is empty")
    if _has_surrogates(name):
        raise InvalidNameError(f"{what} {name[:40]!r} is not valid Unicode")
    size = name_bytes(name)
    if size > max_bytes:
        raise InvalidNameError(
            f"{what} {_short(name)!r} is {size} bytes long (UTF-8); at most {max_bytes} bytes are allowed"
        )
    if _CONTROL.search(name):
        raise InvalidNameError(f"{what} {name!r} contains control characters")
    if _BIDI.search(name):
        raise InvalidNameError(f"{what} {name!r} contains bidirectional control characters")
    if "/" in name or "\\" in name:
        raise InvalidNameError(f"{what} {name!r} contains a path separator")
    if name in (".", "..") or name.strip(" .") == "":
        raise InvalidNameError(f"{what} {name!r} is not a file name")
    if ":" in name:
        raise InvalidNameError(f"{what} {name!r} contains ':' (drive or stream syntax)")
    if name != name.strip():
        raise InvalidNameError(f"{what} {name!r} starts or ends with white space")
    if name.split(".")[0].rstrip(" ").upper() in _WINDOWS_RESERVED:
        raise InvalidNameError(f"{what} {name!r} is a reserved device name on Windows")
    return name


def validate_resource_name(name: str, what: str = "resource name") -> str:
    """A resource name: the name rules, and short enough (``MAX_RESOURCE_NAME_BYTES``) for the longest file the
    client makes of it (``{name}.big.part.json`` in the cache)."""
    return validate_name(name, what, max_bytes=MAX_RESOURCE_NAME_BYTES)


def validate_server_file_name(name: str, what: str = "file name") -> str:
    """A file name the SERVER chose for a file in a folder the user named (the installer's Content-Disposition):
    the name rules plus no hidden name (``.bashrc``, ``.profile``), no format characters at all (category Cf:
    zero-width and bidi characters hide what the name really is) and no trailing dot (Windows drops it)."""
    validate_name(name, what)
    if name.startswith("."):
        raise InvalidNameError(f"{what} {name!r} is a hidden file name")
    if name.endswith("."):
        raise InvalidNameError(f"{what} {name!r} ends with a dot")
    if any(unicodedata.category(ch) == "Cf" for ch in name):
        raise InvalidNameError(f"{what} {name!r} contains invisible format characters")
    return name


def _short(name: str) -> str:
    return name if len(name) <= 40 else name[:40] + "…"


def validate_folder(folder: str) -> str:
    """Folders are single components too; S3 bucket rules are checked where the bucket is used."""
    return validate_name(folder, "folder name")
