"""Per-user application folders (config, cache, logs, data) from platformdirs.

The paths are computed on every call, never at import, so the XDG_* variables (Linux) in force at call time
decide where files go; tests isolate runs by pointing XDG_CONFIG_HOME / XDG_CACHE_HOME / XDG_STATE_HOME /
XDG_DATA_HOME at temporary folders. A folder that does not exist yet is created with mode 0700.

On Linux: config ``$XDG_CONFIG_HOME/azaion-admin``, cache ``$XDG_CACHE_HOME/azaion-admin``, logs
``$XDG_STATE_HOME/azaion-admin/log``, data ``$XDG_DATA_HOME/azaion-admin``. On Windows they live under
``%LOCALAPPDATA%\\azaion\\azaion-admin`` (Cache, Logs) and ``%LOCALAPPDATA%``/``%APPDATA%``.
"""

from __future__ import annotations

import ntpath
import os
from pathlib import Path

import platformdirs

from core.errors import LocalIOError
from core.fileio import describe_os_error

APP_NAME = "azaion-admin"
APP_AUTHOR = "azaion"


def _dirs() -> platformdirs.PlatformDirs:
    # A fresh object per call: platformdirs reads the environment when a property is accessed.
    return platformdirs.PlatformDirs(appname=APP_NAME, appauthor=APP_AUTHOR, ensure_exists=False)


def ensure_private_dir(path: Path | str) -> Path:
    """Create ``path`` (and parents) if missing; a folder created here gets mode 0700. Returns the Path."""
    target = Path(path)
    if target.is_dir():
        return target
    try:
        target.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(target, 0o700)
    except OSError as exc:
        raise describe_os_error(exc, target) from exc
    if not target.is_dir():  # pragma: no cover - a file squats on the name
        raise LocalIOError(f"not a folder: {target}")
    return target


EXTENDED_PREFIX = "\\\\?\\"
"""Windows' extended-length prefix: a path that starts with it may be ~32767 characters long (no MAX_PATH)."""


def extended_length(path: str, *, nt: bool | None = None) -> str:
    """``path`` as a Windows extended-length path (``\\\\?\\C:\\...``, ``\\\\?\\UNC\\server\\share\\...``) when
    ``nt`` (default: running on Windows), else unchanged. The cache's folders and files are joined below these
    roots, and a long folder + resource name goes past the 260-character MAX_PATH under the default cache path
    (docs/development.md, Windows); below an extended-length root every later join is too, whatever
    ``LongPathsEnabled`` says. Such a path is not normalised by Windows, so it is made absolute-normal here
    (backslashes, no ``.``/``..``); a relative path or one already prefixed (or a device path) is left alone."""
    if not (os.name == "nt" if nt is None else nt):
        return path
    if path.startswith(("\\\\?\\", "\\\\.\\", "//?/", "//./")) or not ntpath.isabs(path):
        return path
    normal = ntpath.normpath(path)
    if normal.startswith("\\\\"):
        return EXTENDED_PREFIX + "UNC\\" + normal[2:]
    if not ntpath.splitdrive(normal)[0]:  # "\\x" (rooted, no drive): leave it to Windows
        return path
    return EXTENDED_PREFIX + normal


def _root(path: Path) -> Path:
    return Path(extended_length(str(path)))


def config_dir() -> Path:
    """Settings live here (``settings.json``)."""
    return ensure_private_dir(_dirs().user_config_path)


def cache_dir() -> Path:
    """Default cache root (big parts of resources under ``cdn/{server_id}/``)."""
    return ensure_private_dir(_root(_dirs().user_cache_path))


def log_dir() -> Path:
    """Rotating log files; on Linux under ``$XDG_STATE_HOME``."""
    return ensure_private_dir(_dirs().user_log_path)


def data_dir() -> Path:
    """Other persistent per-user data."""
    return ensure_private_dir(_root(_dirs().user_data_path))
