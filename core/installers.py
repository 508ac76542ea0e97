"""Download the platform installer (``GET /resources/get-installer`` and ``/resources/get-installer/stage``).

The body is streamed to a temporary file beside the target and renamed into place only when it is complete, so
a failed, cancelled or truncated download leaves nothing under the real name. The file name comes from the
answer's ``Content-Disposition`` and must pass the name rules (a single plain path component) before it is used.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

import requests
import urllib3

from core.cancel import NEVER, CancelToken, ProgressCallback, current_cancel, no_progress
from core.errors import IntegrityError, InvalidNameError, ProtocolError, UnreachableError
from core.fileio import atomic_write, check_output, is_folder_target
from core.http_limits import read_some, streaming, throttled_read
from core.names import validate_server_file_name

if TYPE_CHECKING:
    from core.api_client import ApiClient

log = logging.getLogger("azaion.installers")

PRODUCTION_PATH = "/resources/get-installer"
STAGE_PATH = "/resources/get-installer/stage"
CHUNK = 1 << 20


@dataclass(frozen=True)
class InstallerDownload:
    path: Path
    filename: str  # the server's name (Content-Disposition), or "" when it sent none
    size: int
    sha256: str
    stage: bool


def installer_path(stage: bool = False) -> str:
    return STAGE_PATH if stage else PRODUCTION_PATH


_FILENAME_STAR = re.compile(r"""(?i)(?:^|;)\s*filename\*\s*=\s*([^';]*)'[^']*'([^;]+)""")
_FILENAME = re.compile(r"""(?i)(?:^|;)\s*filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]+))""")


def filename_from_disposition(header: str | None) -> str | None:
    """The file name of a ``Content-Disposition`` header (RFC 6266: ``filename*`` wins over ``filename``), or
    None when it names none. The name is returned as sent: validate it before using it."""
    if not header:
        return None
    star = _FILENAME_STAR.search(header)
    if star:
        charset = (star.group(1) or "utf-8").strip() or "utf-8"
        try:
            return unquote(star.group(2).strip(), encoding=charset, errors="strict")
        except (LookupError, UnicodeDecodeError):
            pass
    plain = _FILENAME.search(header)
    if plain:
        if plain.group(1) is not None:
            return re.sub(r"\\(.)", r"\1", plain.group(1))
        return plain.group(2).strip()
    return None


def server_filename(header: str | None) -> str:
    """The validated file name from ``Content-Disposition``; ProtocolError when missing or unsafe: the server
    chooses a name in a folder of the user's, so no hidden name (``.bashrc``), no invisible or bidi characters
    (U+202E), no separators, controls, Windows device names or overlong names (core/names.py)."""
    name = filename_from_disposition(header)
    if name is None:
        raise ProtocolError("the installer answer names no file (Content-Disposition without a filename)")
    try:
        return validate_server_file_name(name, "installer file name")
    except InvalidNameError as exc:
        raise ProtocolError(f"the server sent an unsafe installer file name: {exc}") from None


def download_installer(
    client: ApiClient,
    output: Path | str,
    *,
    stage: bool = False,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER,
    replace: bool = False,
) -> InstallerDownload:
    """Save the production (or ``stage``) installer. ``output`` is a file path, or a folder (existing, or
    written with a trailing separator) to save under the server's file name.

    An existing file is replaced only when the user said so: an explicit file path, or ``replace`` (the CLI's
    ``--force``) for a name the server chose; never a device, FIFO or link to one (core/fileio.py
    ``check_output``, also checked before the request for an explicit path)."""
    what = "download the stage installer" if stage else "download the installer"
    as_directory = is_folder_target(output)
    if not as_directory:
        check_output(output)
    cancel = cancel if cancel is not NEVER else current_cancel()
    cancel.raise_if_cancelled()
    # Bounded (core/http_limits.py): the answer within client.limits.request, then at least stall_bytes per
    # stall seconds; a deadline, stall or cancel shuts the socket, which ends a blocked read at once.
    with streaming(client.limits, what, cancel) as watch, cancel.active():
        resp = client.request("GET", installer_path(stage), what=what, stream=True)
        watch.streaming()
        with resp:
            header = resp.headers.get("Content-Disposition")
            if as_directory:
                filename = server_filename(header)
                target = check_output(Path(output) / filename, replace=replace)
            else:
                target = Path(output)
                try:
                    filename = server_filename(header)
                except ProtocolError:
                    filename = ""  # not needed: the caller chose the name
            total = _content_length(resp)
            digest = hashlib.sha256()
            done = 0
            progress(0, total)
            with atomic_write(target, output=True, replace=replace or not as_directory) as fh:
                while True:
                    watch.check()
                    try:
                        chunk = throttled_read(lambda n: read_some(resp.raw, n), CHUNK, cancel)
                    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
                        raise watch.failure(exc, UnreachableError(
                            f"{what}: the connection broke after {done} bytes ({exc})")) from None
                    if not chunk:
                        watch.check()  # a socket shut by the watch may read as a clean end
                        break
                    watch.progress(len(chunk))
                    fh.write(chunk)
                    digest.update(chunk)
                    done += len(chunk)
                    progress(done, total)
                if total is not None and done != total:
                    raise IntegrityError(f"{what}: got {done} of {total} bytes; the download is incomplete")
                cancel.raise_if_cancelled()
    log.info("Downloaded the %s installer %s to %s (%d bytes)", "stage" if stage else "production",
             filename or "(unnamed)", target, done)
    return InstallerDownload(target, filename, done, digest.hexdigest(), stage)


def _content_length(resp: requests.Response) -> int | None:
    value = resp.headers.get("Content-Length")
    if value is None or "Content-Encoding" in resp.headers:
        return None
    try:
        length = int(value)
    except ValueError:
        return None
    return length if length >= 0 else None
