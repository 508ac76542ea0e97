"""A small reader of Windows shortcut files (.lnk, the MS-SHLLINK format): what packaging/wine_test.py needs to check
the installer's Start-menu shortcut on Linux (target, working folder, arguments, icon). Standard library only; it
reads the header, skips the item-ID list and takes the target from the LinkInfo structure, then the string data.
Anything else in the file (extra data blocks) is ignored.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

HEADER_SIZE = 0x4C
LINK_CLSID = bytes.fromhex("0114020000000000c000000000000046")
HAS_ID_LIST, HAS_LINK_INFO, HAS_NAME, HAS_RELATIVE_PATH = 0x1, 0x2, 0x4, 0x8
HAS_WORKING_DIR, HAS_ARGUMENTS, HAS_ICON_LOCATION, IS_UNICODE = 0x10, 0x20, 0x40, 0x80
VOLUME_ID_AND_LOCAL_BASE_PATH = 0x1


class ShellLinkError(ValueError):
    """Not a shortcut file, or a truncated one."""


@dataclass(frozen=True)
class ShellLink:
    target: str  # the local path the shortcut starts ("" if it only has an item-ID list)
    working_dir: str
    arguments: str
    icon_location: str
    icon_index: int
    description: str
    relative_path: str
    show_command: int


def _cstring(data: bytes, offset: int, wide: bool) -> str:
    if wide:
        end = offset
        while end + 1 < len(data) and data[end:end + 2] != b"\0\0":
            end += 2
        return data[offset:end].decode("utf-16-le")
    end = data.find(b"\0", offset)
    if end < 0:
        raise ShellLinkError("unterminated string in LinkInfo")
    return data[offset:end].decode("latin-1")  # the ANSI code page is not recorded; the test paths are ASCII


def _link_info_target(info: bytes) -> str:
    if len(info) < 0x1C:
        raise ShellLinkError("LinkInfo too short")
    _size, header_size, flags, _vol, base_off, _net, suffix_off = struct.unpack_from("<7I", info, 0)
    if not flags & VOLUME_ID_AND_LOCAL_BASE_PATH:
        return ""
    if header_size >= 0x24 and len(info) >= 0x24:
        base_w, suffix_w = struct.unpack_from("<2I", info, 0x1C)
        if base_w:
            return _cstring(info, base_w, True) + (_cstring(info, suffix_w, True) if suffix_w else "")
    return _cstring(info, base_off, False) + (_cstring(info, suffix_off, False) if suffix_off else "")


def parse(data: bytes) -> ShellLink:
    """Read a .lnk file's bytes; ShellLinkError if they are not one."""
    if len(data) < HEADER_SIZE or struct.unpack_from("<I", data, 0)[0] != HEADER_SIZE \
            or data[4:20] != LINK_CLSID:
        raise ShellLinkError("not a shell link (bad header)")
    flags = struct.unpack_from("<I", data, 0x14)[0]
    icon_index, show_command = struct.unpack_from("<iI", data, 0x38)
    pos = HEADER_SIZE
    try:
        if flags & HAS_ID_LIST:
            pos += 2 + struct.unpack_from("<H", data, pos)[0]
        target = ""
        if flags & HAS_LINK_INFO:
            size = struct.unpack_from("<I", data, pos)[0]
            target = _link_info_target(data[pos:pos + size])
            pos += size
        wide = bool(flags & IS_UNICODE)
        strings: dict[int, str] = {}
        for flag in (HAS_NAME, HAS_RELATIVE_PATH, HAS_WORKING_DIR, HAS_ARGUMENTS, HAS_ICON_LOCATION):
            if flags & flag:
                count = struct.unpack_from("<H", data, pos)[0]
                pos += 2
                nbytes = count * 2 if wide else count
                if pos + nbytes > len(data):
                    raise ShellLinkError("string data runs past the end of the file")
                raw = data[pos:pos + nbytes]
                # Wine counts a terminating NUL that Windows leaves out: drop it
                strings[flag] = (raw.decode("utf-16-le") if wide else raw.decode("latin-1")).rstrip("\0")
                pos += nbytes
    except struct.error as exc:
        raise ShellLinkError(f"truncated shell link: {exc}") from exc
    return ShellLink(target=target, working_dir=strings.get(HAS_WORKING_DIR, ""),
                     arguments=strings.get(HAS_ARGUMENTS, ""), icon_location=strings.get(HAS_ICON_LOCATION, ""),
                     icon_index=icon_index, description=strings.get(HAS_NAME, ""),
                     relative_path=strings.get(HAS_RELATIVE_PATH, ""), show_command=show_command)
