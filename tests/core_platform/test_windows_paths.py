"""Windows-only behaviour of paths and renames, run here on Linux.

``extended_length`` is a pure function over Windows path text (``ntpath``), so it runs here as it would there.
The rename tests use a stand-in ``os.replace`` that raises what Windows raises when another process has the
target open (PermissionError with winerror 32) a given number of times: a double for the Windows behaviour, which
the project's rules allow where the real one cannot run; the files, folders and temp files are real.
"""

from __future__ import annotations

import errno
import os

import pytest

from core import fileio, paths
from core.errors import LocalIOError

LONG_CACHE = "C:\\Users\\operator.name.here\\AppData\\Local\\azaion\\azaion-admin\\Cache"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (LONG_CACHE, "\\\\?\\" + LONG_CACHE),
        ("C:/Users/op/AppData/Local/x/../azaion/Cache", "\\\\?\\C:\\Users\\op\\AppData\\Local\\azaion\\Cache"),
        ("\\\\fileserver\\home$\\op\\Cache", "\\\\?\\UNC\\fileserver\\home$\\op\\Cache"),
        ("\\\\?\\C:\\already", "\\\\?\\C:\\already"),
        ("\\\\.\\pipe\\x", "\\\\.\\pipe\\x"),
        ("relative\\Cache", "relative\\Cache"),
    ],
)
def test_windows_roots_become_extended_length_paths(given, expected):
    assert paths.extended_length(given, nt=True) == expected


def test_a_long_cache_path_fits_below_an_extended_length_root():
    root = paths.extended_length(LONG_CACHE, nt=True)
    big = "\\".join([root, "cdn", "api_azaion_com_443", "f" * 120, "n" * 120 + ".big.part.json"])
    assert len(big) - len("\\\\?\\") > 260 and big.startswith("\\\\?\\C:\\")  # past MAX_PATH, still prefixed


def test_other_platforms_keep_their_paths(tmp_path):
    assert paths.extended_length("/home/op/.cache/azaion-admin", nt=False) == "/home/op/.cache/azaion-admin"
    assert paths.extended_length(LONG_CACHE, nt=False) == LONG_CACHE
    assert not str(paths.cache_dir()).startswith("\\\\?\\")  # on Linux (os.name "posix"): unchanged


def _refusing_replace(monkeypatch: pytest.MonkeyPatch, times: int) -> list[int]:
    real = os.replace
    calls: list[int] = []

    def replace(src, dst, *args, **kwargs):
        calls.append(1)
        if len(calls) <= times:
            exc = PermissionError(errno.EACCES, "The process cannot access the file because it is being used "
                                  "by another process", str(dst))
            exc.winerror = 32
            raise exc
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(fileio, "REPLACE_DELAY_S", 0.01)
    return calls


def _temps(folder):
    return [p for p in folder.iterdir() if p.name.startswith(fileio.TEMP_PREFIX)]


def test_a_replace_refused_while_another_process_has_the_file_open_is_retried(monkeypatch, tmp_path):
    target = tmp_path / "settings.json"
    target.write_bytes(b"old")
    calls = _refusing_replace(monkeypatch, 3)
    fileio.write_bytes_atomic(target, b"new", private=True)
    assert len(calls) == 4 and target.read_bytes() == b"new" and _temps(tmp_path) == []


def test_a_file_kept_open_elsewhere_is_named_as_in_use_and_nothing_is_left(monkeypatch, tmp_path):
    target = tmp_path / "settings.json"
    target.write_bytes(b"old")
    calls = _refusing_replace(monkeypatch, 1000)
    with pytest.raises(LocalIOError, match="settings.json: the file is in use by another process"):
        fileio.write_bytes_atomic(target, b"new", private=True)
    assert len(calls) == fileio.REPLACE_ATTEMPTS
    assert target.read_bytes() == b"old" and _temps(tmp_path) == []


def test_the_caches_commit_retries_the_same_way(monkeypatch, tmp_path):
    from core.cache import ResourceCache

    cache = ResourceCache(tmp_path / "cache")
    temp = cache.folder_dir("f") / "download.tmp"
    temp.write_bytes(b"big part")
    calls = _refusing_replace(monkeypatch, 2)
    part = cache.commit("f", "model.bin", temp, "0" * 64)
    assert part.path.read_bytes() == b"big part" and not temp.exists() and len(calls) >= 3


def test_other_rename_errors_are_not_retried(monkeypatch, tmp_path):
    monkeypatch.setattr(fileio, "REPLACE_DELAY_S", 0.01)
    with pytest.raises(LocalIOError, match="no such file"):
        fileio.replace_file(tmp_path / "missing", tmp_path / "target")
