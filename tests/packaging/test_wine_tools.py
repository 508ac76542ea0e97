"""The parts of the installer test under Wine (packaging/wine_test.py, run by ``make package-test``) that read what
Wine wrote: the shortcut reader (packaging/shelllink.py), ``reg query`` output, an UninstallString. The whole Wine run
is in package-test (it needs a ~0.7 GB WINEPREFIX and about a minute and a half)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
import shelllink
import wine_test

DATA = Path(__file__).parent / "data"
INSTALLED = r"C:\users\root\AppData\Local\Programs\Azaion Admin"


def test_reads_the_shortcut_wine_wrote():
    # written by the installer's CreateShortCut under Wine 8.0 (Wine counts a terminating NUL in each string)
    link = shelllink.parse((DATA / "wine-start-menu.lnk").read_bytes())
    assert link.target == INSTALLED + r"\azaion-admin.exe"
    assert link.working_dir == INSTALLED
    assert link.icon_location == INSTALLED + r"\azaion-admin.exe" and link.icon_index == 0
    assert link.arguments == "" and link.show_command == 1


def _windows_style_link(target: str, working_dir: str, arguments: str) -> bytes:
    """A shortcut as Windows writes one: LinkInfo with an ANSI local base path, Unicode string data counted
    without a terminating NUL."""
    flags = shelllink.HAS_LINK_INFO | shelllink.HAS_WORKING_DIR | shelllink.HAS_ARGUMENTS | shelllink.IS_UNICODE
    header = struct.pack("<I16sIIQQQIiIH2xII", 0x4C, shelllink.LINK_CLSID, flags, 0x20, 0, 0, 0, 0, 3, 7, 0, 0, 0)
    base = target.encode("latin-1") + b"\0"
    volume = struct.pack("<IIII", 16, 3, 0, 16)  # VolumeID: size, fixed drive, serial, label offset (empty)
    info_header = 0x1C
    volume_off, base_off = info_header, info_header + len(volume)
    suffix_off = base_off + len(base)
    body = volume + base + b"\0"
    info = struct.pack("<7I", info_header + len(body), info_header, 1, volume_off, base_off, 0, suffix_off) + body
    strings = b"".join(struct.pack("<H", len(s)) + s.encode("utf-16-le") for s in (working_dir, arguments))
    return header + info + strings


def test_reads_a_windows_style_shortcut():
    data = _windows_style_link(r"C:\Program Files\Azaion Admin\azaion-admin.exe", r"C:\Program Files\Azaion Admin",
                               "--smoke-test")
    assert len(data) > shelllink.HEADER_SIZE
    link = shelllink.parse(data)
    assert link.target == r"C:\Program Files\Azaion Admin\azaion-admin.exe"
    assert link.working_dir == r"C:\Program Files\Azaion Admin"
    assert link.arguments == "--smoke-test" and link.icon_index == 3 and link.show_command == 7


@pytest.mark.parametrize("data", [b"", b"MZ" + bytes(100), bytes(0x4C),
                                  (DATA / "wine-start-menu.lnk").read_bytes()[:200]])
def test_refuses_what_is_not_a_whole_shortcut(data):
    with pytest.raises(shelllink.ShellLinkError):
        shelllink.parse(data)


REG_QUERY = (
    "\r\nHKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\AzaionAdmin\r\n"
    f"    DisplayIcon    REG_SZ    {INSTALLED}\\azaion-admin.exe,0\r\n"
    "    DisplayName    REG_SZ    Azaion Admin\r\n"
    "    DisplayVersion    REG_SZ    1.2.3\r\n"
    "    EstimatedSize    REG_DWORD    0x29\r\n"
    f"    InstallLocation    REG_SZ    {INSTALLED}\r\n"
    f'    UninstallString    REG_SZ    "{INSTALLED}\\uninstall.exe" /CurrentUser\r\n'
    "    Empty    REG_SZ    \r\n"
    "\r\nHKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\Other\r\n"
    "    DisplayName    REG_SZ    Other app\r\n"
)


def test_parses_reg_query_output():
    keys = wine_test.parse_reg_query(REG_QUERY)
    ours = keys["HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\AzaionAdmin"]
    assert ours["DisplayName"] == "Azaion Admin" and ours["DisplayVersion"] == "1.2.3"
    assert ours["EstimatedSize"] == "41" and ours["InstallLocation"] == INSTALLED and ours["Empty"] == ""
    assert len(keys) == 2


def test_splits_an_uninstall_string():
    program, args = wine_test.split_command(f'"{INSTALLED}\\uninstall.exe" /CurrentUser')
    assert program == INSTALLED + r"\uninstall.exe" and args == ["/CurrentUser"]
    assert wine_test.split_command(r"C:\x\uninstall.exe /AllUsers /S") == (r"C:\x\uninstall.exe", ["/AllUsers", "/S"])


def test_estimated_size_rounds_each_file_up(tmp_path):
    (tmp_path / "a").write_bytes(bytes(40960))
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b").write_bytes(b"xy")
    assert wine_test.estimated_kb(tmp_path) == 41  # what NSIS's SectionGetSize gave under Wine for this bundle
