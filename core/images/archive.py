"""Image archives: unlock (fragment → key → decrypt as a stream into ``docker load`` → check the services) and
lock (``docker save`` → encrypt as a stream into the archive → publish the fragment and the archive's hash).

Archive format: 16-byte IV + AES-256-CBC(SHA-256(fragment), PKCS7(``docker save`` tar)), the platform's usual
format (core.crypto). AES-CBC does not detect tampering, so the archive's SHA-256 is published with its
fragment, and unlock never lets the tool see a complete tar before that hash (and the padding) is verified:

* the last ``HOLD`` bytes of the archive are hashed but held back; only when the hash over the whole file
  matches are they decrypted and written, then the padding is checked, and only then is stdin closed;
* on any failure (hash, padding, not a tar, cancel, the tool dying) the tool is killed *before* its stdin
  reaches EOF, so ``docker load`` / ``podman load`` see a truncated stream and load nothing;
* the first 512 plaintext bytes must be a tar header before anything reaches the tool (a wrong fragment or an
  archive of something else is reported as such, at once).

The app writes no plaintext to disk during unlock. podman itself spools its stdin to ``$TMPDIR``; it gets a
private 0700 folder for the call, removed afterwards (core.images.docker_cli).

Callbacks (``progress``, ``on_image``, ``on_stage``) run on worker threads (``on_image`` on the thread that
reads the tool's output); they must be cheap and thread-safe. ``cancel`` stops the decryption and kills the
tool; the call then raises CancelledError and nothing is loaded.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Protocol

from core.cancel import NEVER, CancelToken, ProgressCallback, no_progress
from core.crypto import CHUNK, IV_SIZE, StreamDecryptor, StreamEncryptor
from core.errors import (
    ArchiveFormatError,
    CancelledError,
    DockerError,
    IntegrityError,
    LocalIOError,
)
from core.fileio import atomic_write, describe_os_error, output_target
from core.images.docker_cli import FINISH_TIMEOUT, STALL_TIMEOUT, DockerCli, private_tmpdir
from core.images.fragments import (
    FragmentApi,
    KeyFragment,
    fetch_key_fragment,
    publish_key_fragment,
    require_publisher,
)
from core.images.names import expected_images, normalize, parse_loaded, validate_image, validate_version
from core.keys import fragment_key

if TYPE_CHECKING:
    from core.cdn import CDNManager
    from core.settings import Settings

log = logging.getLogger("azaion.images")

HOLD = CHUNK  # archive bytes held back until the whole file's SHA-256 is verified
TAR_BLOCK = 512
FRAGMENT_SIZE = 32
ARCHIVE_BUCKET = "images"
ARCHIVE_SUFFIX = ".tar.enc"

StageCallback = Callable[[str], None]
ImageCallback = Callable[[str], None]


def _no_stage(stage: str) -> None:
    """Default stage callback: ``fragment``, ``decrypting``, ``loading``, ``checking``, ``saving``, ``publishing``."""


def _no_image(name: str) -> None:
    """Default image callback: called with each image name the tool reports as loaded."""


# ---- configuration ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImageConfig:
    docker: str
    services: tuple[str, ...]
    prefix: str


def image_config(
    settings: Settings | None = None,
    *,
    docker: str | None = None,
    services: Sequence[str] | None = None,
    prefix: str | None = None,
) -> ImageConfig:
    """Docker command, service list and image prefix: the arguments given, the rest from the settings."""
    if settings is None and (docker is None or services is None or prefix is None):
        from core.settings import load_settings

        settings = load_settings()
    docker = docker if docker is not None else settings.docker_command  # type: ignore[union-attr]
    services = services if services is not None else settings.services  # type: ignore[union-attr]
    prefix = prefix if prefix is not None else settings.image_prefix  # type: ignore[union-attr]
    cleaned = tuple(s.strip() for s in services if s and s.strip())
    if not cleaned:
        from core.errors import ConfigError

        raise ConfigError("no services configured: set 'services' in the settings or pass --services")
    return ImageConfig(docker=docker, services=cleaned, prefix=prefix.strip())


# ---- reports ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceStatus:
    service: str
    image: str  # the expected name, {prefix}{service}:{version}
    present: bool

    @property
    def label(self) -> str:
        return "ok" if self.present else "missing"


@dataclass(frozen=True)
class ImageCheck:
    version: str
    services: tuple[ServiceStatus, ...]

    @property
    def all_present(self) -> bool:
        return all(s.present for s in self.services)

    @property
    def missing(self) -> list[ServiceStatus]:
        return [s for s in self.services if not s.present]


@dataclass
class UnlockReport:
    version: str
    archive: Path
    archive_bytes: int
    sha256: str
    loaded: list[str]  # names as the tool printed them
    check: ImageCheck
    seconds: float

    @property
    def all_present(self) -> bool:
        return self.check.all_present

    @property
    def services(self) -> tuple[ServiceStatus, ...]:
        return self.check.services

    @property
    def missing(self) -> list[ServiceStatus]:
        return self.check.missing


@dataclass
class LockReport:
    version: str
    output: Path
    images: list[str]
    plain_bytes: int
    archive_bytes: int
    sha256: str
    seconds: float
    published: bool = field(default=True)


# ---- checking ---------------------------------------------------------------------------------------------


def check_images(
    version: str,
    *,
    docker: str | None = None,
    services: Sequence[str] | None = None,
    prefix: str | None = None,
    settings: Settings | None = None,
    cli: DockerCli | None = None,
) -> ImageCheck:
    """Which of the configured services are present as ``{prefix}{service}:{version}`` (one ``images`` call)."""
    validate_version(version)
    cfg = image_config(settings, docker=docker, services=services, prefix=prefix)
    cli = cli or DockerCli(cfg.docker)
    available = cli.normalized_images()
    statuses = tuple(
        ServiceStatus(service, image, normalize(image) in available)
        for service, image in expected_images(cfg.services, cfg.prefix, version)
    )
    return ImageCheck(version, statuses)


def check_images_loaded(version: str, **kwargs) -> bool:
    """The seed's check: True when every configured service of ``version`` is present. Missing ones are logged;
    ``check_images`` returns them. Keyword arguments as for ``check_images``."""
    result = check_images(version, **kwargs)
    for status in result.missing:
        log.warning("Image of service %s is missing: %s", status.service, status.image)
    return result.all_present


# ---- streaming helpers ------------------------------------------------------------------------------------


def is_tar_header(block: bytes | bytearray | memoryview) -> bool:
    """True when ``block`` (512 bytes) is a tar header with a valid checksum (any tar dialect)."""
    data = bytes(block[:TAR_BLOCK])
    if len(data) < TAR_BLOCK or data[0] == 0:
        return False
    field_ = data[148:156].split(b"\0", 1)[0].strip()
    try:
        stored = int(field_, 8)
    except ValueError:
        return False
    unsigned = sum(data[:148]) + 8 * 0x20 + sum(data[156:])
    signed = unsigned - 256 * sum(1 for b in data[:148] + data[156:] if b > 127)
    return stored in (unsigned, signed)


class _TarGate:
    """Passes plaintext on, but only once its first 512 bytes proved to be a tar header."""

    def __init__(self, write: Callable[[memoryview], None], what: str) -> None:
        self._write = write
        self._what = what
        self._head = bytearray()
        self.open = False
        self.total = 0

    def __call__(self, view: memoryview) -> None:
        self.total += len(view)
        if self.open:
            self._write(view)
            return
        self._head += view
        if len(self._head) >= TAR_BLOCK:
            if not is_tar_header(self._head[:TAR_BLOCK]):
                raise ArchiveFormatError(self._what)
            self.open = True
            head, self._head = self._head, bytearray()
            self._write(memoryview(head))

    def close(self) -> None:
        if not self.open:
            raise ArchiveFormatError(self._what)


def _open_archive(path: Path) -> tuple[BinaryIO, int]:
    try:
        fh = open(path, "rb", buffering=0)  # closed by the caller
    except OSError as exc:
        if isinstance(exc, FileNotFoundError):
            raise LocalIOError(f"no such archive: {path}") from None
        raise describe_os_error(exc, path) from None
    size = os.fstat(fh.fileno()).st_size
    if size < IV_SIZE + 16 or (size - IV_SIZE) % 16:
        fh.close()
        raise IntegrityError(
            f"{path} is not a complete image archive ({size} bytes: truncated, or not an encrypted archive)"
        )
    return fh, size


def _read_exact(fh: BinaryIO, view: memoryview, path: Path) -> None:
    got = 0
    while got < len(view):
        n = fh.readinto(view[got:])  # type: ignore[attr-defined]  # a file opened "rb": typeshed's BinaryIO lacks it
        if not n:
            raise IntegrityError(f"{path} ended early while reading (truncated or changed during unlock)")
        got += n


def _resolve_fragment(
    fragment: KeyFragment | bytes | None, expected_sha256: str | None, client: FragmentApi | None, version: str
) -> tuple[bytes, str | None]:
    if fragment is None:
        if client is None:
            raise ValueError("unlock needs a client (to fetch the key fragment) or a fragment")
        kf = fetch_key_fragment(client, version)
        return kf.fragment, kf.sha256
    if isinstance(fragment, KeyFragment):
        return fragment.fragment, expected_sha256 or fragment.sha256
    return bytes(fragment), expected_sha256


# ---- unlock -----------------------------------------------------------------------------------------------


def unlock_archive(
    archive: Path | str,
    version: str,
    *,
    client: FragmentApi | None = None,
    fragment: KeyFragment | bytes | None = None,
    expected_sha256: str | None = None,
    docker: str | None = None,
    services: Sequence[str] | None = None,
    prefix: str | None = None,
    settings: Settings | None = None,
    progress: ProgressCallback = no_progress,
    on_image: ImageCallback = _no_image,
    on_stage: StageCallback = _no_stage,
    cancel: CancelToken = NEVER,
    tmp_parent: Path | str | None = None,
    stall_timeout: float = STALL_TIMEOUT,
    finish_timeout: float = FINISH_TIMEOUT,
    on_output: Callable[[str], None] | None = None,
) -> UnlockReport:
    """Decrypt ``archive`` as a stream into ``docker load`` and check the services of ``version``.

    The fragment and the archive's SHA-256 come from the API through ``client`` (or are given as ``fragment``:
    a KeyFragment, or raw bytes with ``expected_sha256``; without a hash only the padding is checked).
    ``progress(archive_bytes_done, archive_size)``; ``on_image(name)`` per image loaded; ``on_output(line)``
    per line the tool printed on stdout (for a details view; its stderr is in the DockerError on failure).

    Raises IntegrityError (hash mismatch, bad padding, truncated), ArchiveFormatError (not a tar: wrong fragment
    or not an image archive), NotFoundError (no fragment for the version), PermissionDeniedError, DockerError /
    DockerNotFoundError, CancelledError, LocalIOError. On every error the tool was killed before it saw the end
    of its input, so nothing was loaded."""
    started = time.monotonic()
    validate_version(version)
    cfg = image_config(settings, docker=docker, services=services, prefix=prefix)
    cli = DockerCli(cfg.docker)  # DockerNotFoundError before any network or decryption
    path = Path(archive)
    fh, size = _open_archive(path)
    try:
        cancel.raise_if_cancelled()
        on_stage("fragment")
        frag, sha256 = _resolve_fragment(fragment, expected_sha256, client, version)
        if sha256 is None:
            log.warning("Unlocking %s without a published SHA-256: tampering is detected only at the padding", path)
        key = fragment_key(frag)
        cancel.raise_if_cancelled()
        loaded: list[str] = []

        def on_line(line: str) -> None:
            if on_output is not None:
                on_output(line)
            for name in parse_loaded(line):
                loaded.append(name)
                on_image(name)

        on_stage("decrypting")
        with (
            private_tmpdir(tmp_parent) as tmp,
            cli.start_load(tmp, on_line=on_line, stall_timeout=stall_timeout) as proc,
        ):
            unhook = cancel.on_cancel(lambda: proc.abort("cancelled by the user"))
            try:
                digest = _stream_to_tool(fh, size, path, key, sha256, proc.write, progress, cancel, proc.abort)
                on_stage("loading")
                proc.finish(finish_timeout)
            except BaseException as exc:
                proc.abort(_reason(exc))
                if cancel.cancelled and not isinstance(exc, CancelledError):
                    raise CancelledError("unlock cancelled by the user; nothing was loaded") from None
                raise
            finally:
                unhook()
    finally:
        fh.close()
    log.info("Loaded %d image(s) from %s: %s", len(loaded), path, ", ".join(loaded) or "none")
    on_stage("checking")
    check = check_images(version, services=cfg.services, prefix=cfg.prefix, cli=cli)
    for status in check.missing:
        log.warning("After unlocking %s, image of service %s is missing: %s", path, status.service, status.image)
    return UnlockReport(version, path, size, digest, loaded, check, time.monotonic() - started)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, CancelledError):
        return "cancelled by the user"
    if isinstance(exc, IntegrityError):
        return "the archive failed verification"
    return f"{type(exc).__name__}"


def _stream_to_tool(
    fh: BinaryIO,
    size: int,
    path: Path,
    key: bytes,
    sha256: str | None,
    write: Callable[[memoryview], None],
    progress: ProgressCallback,
    cancel: CancelToken,
    abort: Callable[[str], None] | None = None,
) -> str:
    """Hash every archive byte; decrypt all but the last HOLD bytes straight into ``write``; release the tail
    only after the hash matched; then the padding check. Returns the archive's hex SHA-256.

    When the plaintext is not a tar, the tool is aborted at once but the rest of the file is still hashed, so
    the error can say which it is: a damaged archive (hash mismatch) or a wrong fragment / foreign file."""
    gate = _TarGate(
        write,
        f"{path} does not decrypt to an image tar: wrong key fragment for this version, or not an image archive",
    )
    dec = StreamDecryptor(key, gate)
    hasher = hashlib.sha256()
    tail_len = min(HOLD, size)
    body_len = size - tail_len
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    done = 0
    failure: ArchiveFormatError | None = None
    while done < body_len:
        cancel.raise_if_cancelled()
        n = min(CHUNK, body_len - done)
        part = view[:n]
        _read_exact(fh, part, path)
        hasher.update(part)
        if failure is None:
            try:
                dec.update(part)
            except ArchiveFormatError as exc:
                if sha256 is None:
                    raise
                failure = exc
                if abort is not None:
                    abort("the archive does not decrypt to a tar")
        done += n
        progress(done, size)
    tail = bytearray(tail_len)
    _read_exact(fh, memoryview(tail), path)
    if fh.readinto(view[:1]):  # type: ignore[attr-defined]  # as in _read_exact
        raise IntegrityError(f"{path} grew while it was being unlocked")
    hasher.update(tail)
    digest = hasher.hexdigest()
    if sha256 is not None and not hmac.compare_digest(digest, sha256.lower()):
        raise IntegrityError(
            f"{path} is corrupt or has been tampered with: its SHA-256 does not match the one published for this "
            "version (nothing was loaded)"
        )
    if failure is not None:
        raise failure
    cancel.raise_if_cancelled()
    try:
        dec.update(tail)
        dec.finalize()  # padding: IntegrityError on a wrong key or a damaged end
    except ArchiveFormatError:
        raise
    except IntegrityError:
        if sha256 is None:
            raise
        raise IntegrityError(
            f"{path} matches its published SHA-256 but does not decrypt: the key fragment does not belong to this "
            "archive"
        ) from None
    gate.close()
    progress(size, size)
    return digest


# ---- lock -------------------------------------------------------------------------------------------------


def lock_images(
    version: str,
    images: Sequence[str],
    out_path: Path | str,
    *,
    client: FragmentApi,
    docker: str | None = None,
    settings: Settings | None = None,
    progress: ProgressCallback = no_progress,
    on_stage: StageCallback = _no_stage,
    cancel: CancelToken = NEVER,
    tmp_parent: Path | str | None = None,
    stall_timeout: float = STALL_TIMEOUT,
    finish_timeout: float = FINISH_TIMEOUT,
) -> LockReport:
    """``docker save IMAGES`` encrypted as a stream with a fresh random fragment into ``out_path``; the fragment
    and the archive's SHA-256 are then published for ``version`` (Admin/ApiAdmin).

    The archive is written to a temporary file beside ``out_path``; the fragment is published, and only then
    is the file renamed into place. So a failure anywhere (docker, permission, network, cancel) leaves neither a
    new archive nor a changed fragment, and an existing archive at ``out_path`` stays as it was.
    ``progress(plain_bytes_saved, None)``."""
    started = time.monotonic()
    validate_version(version)
    names = [validate_image(name) for name in images]
    if not names:
        raise ValueError("lock needs at least one image")
    require_publisher(client)
    docker_cmd = docker if docker is not None else image_config(settings).docker
    cli = DockerCli(docker_cmd)
    out = Path(out_path)
    fragment = os.urandom(FRAGMENT_SIZE)
    hasher = hashlib.sha256()
    written = 0
    plain = 0
    on_stage("saving")
    with private_tmpdir(tmp_parent) as tmp, atomic_write(out, output=True) as dst:

        def sink(data: memoryview) -> None:
            nonlocal written
            hasher.update(data)
            pos = 0
            while pos < len(data):
                pos += dst.write(data[pos:]) or 0
            written += len(data)

        enc = StreamEncryptor(fragment_key(fragment), sink)
        with cli.start_save(names, tmp, stall_timeout=stall_timeout) as proc:
            unhook = cancel.on_cancel(lambda: proc.abort("cancelled by the user"))
            try:
                gate = _TarGate(enc.update, f"{proc.what} did not produce a tar")
                buf = bytearray(CHUNK)
                view = memoryview(buf)
                while n := proc.read_into(view):
                    cancel.raise_if_cancelled()
                    gate(view[:n])
                    plain += n
                    progress(plain, None)
                cancel.raise_if_cancelled()
                proc.finish(finish_timeout)
                try:
                    gate.close()
                except ArchiveFormatError:
                    raise DockerError(f"{proc.what} produced no image archive", stderr=proc.stderr_text) from None
                enc.finalize()
            except BaseException as exc:
                proc.abort(_reason(exc))
                if cancel.cancelled and not isinstance(exc, CancelledError):
                    raise CancelledError("lock cancelled by the user; no archive was written") from None
                raise
            finally:
                unhook()
        digest = hasher.hexdigest()
        cancel.raise_if_cancelled()
        on_stage("publishing")
        publish_key_fragment(client, version, fragment, digest)
    log.info("Locked %d image(s) of version %s into %s (%d bytes, sha256 %s)", len(names), version, out, written,
             digest)
    return LockReport(version, out, names, plain, written, digest, time.monotonic() - started)


# ---- the seed's functions, streaming ----------------------------------------------------------------------


def download_key_fragment(resource_api_url: str, token: str, version: str | None = None) -> bytes:
    """See core.images.fragments.download_key_fragment."""
    from core.images.fragments import download_key_fragment as impl

    return impl(resource_api_url, token, version)


def decrypt_archive(
    encrypted_path: Path | str,
    key_fragment: bytes | KeyFragment,
    output_path: Path | str,
    *,
    expected_sha256: str | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER,
) -> None:
    """The seed's function, streaming: write the plaintext ``docker save`` tar to ``output_path`` (0600, via a
    temporary file renamed only after the hash, padding and tar checks pass). For users who want the tar; the
    app's own unlock never writes it."""
    src_path = Path(encrypted_path)
    frag = key_fragment.fragment if isinstance(key_fragment, KeyFragment) else bytes(key_fragment)
    if expected_sha256 is None and isinstance(key_fragment, KeyFragment):
        expected_sha256 = key_fragment.sha256
    fh, size = _open_archive(src_path)
    try:
        with atomic_write(output_path, private=True, output=True) as dst:

            def write(data: memoryview) -> None:
                pos = 0
                while pos < len(data):
                    pos += dst.write(data[pos:]) or 0

            _stream_to_tool(fh, size, src_path, fragment_key(frag), expected_sha256, write, progress, cancel)
    finally:
        fh.close()


def docker_load(tar_path: Path | str, *, docker: str | None = None, settings: Settings | None = None) -> list[str]:
    """The seed's function: ``docker load -i tar_path`` (private TMPDIR); returns the loaded image names.
    DockerError (with the tool's stderr) on failure, DockerNotFoundError when the command is missing."""
    path = Path(tar_path)
    if not path.is_file():
        raise LocalIOError(f"no such file: {path}")
    cmd = docker if docker is not None else image_config(settings).docker
    return DockerCli(cmd).load_file(path)


# ---- fetching a published archive -------------------------------------------------------------------------


class ArchiveSource(Protocol):
    """What fetching an archive needs from the API client (core/api_client.py's ApiClient is one): its CDN."""

    @property
    def cdn(self) -> CDNManager:
        ...


def archive_key(version: str) -> str:
    """Object name of a version's archive in the ``images`` CDN bucket: ``{version}.tar.enc``."""
    return f"{validate_version(version)}{ARCHIVE_SUFFIX}"


def fetch_archive(
    client: ArchiveSource,
    version: str,
    output: Path | str,
    *,
    bucket: str = ARCHIVE_BUCKET,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER,
    replace: bool = True,
) -> Path:
    """Download ``{bucket}/{version}.tar.enc`` from the CDN to ``output`` (a file, or a folder to save it in under
    that name): one streamed GET into a temp file, checked against the object's ``sha256`` metadata, renamed into
    place only when it matches (else IntegrityError and nothing is left; an archive published without that
    metadata cannot be checked and is refused too). The archive stays encrypted. ``replace=False`` refuses an
    existing file; a device, FIFO or link to one is always refused (core/fileio.py ``check_output``)."""
    key = archive_key(version)
    out = output_target(output, key, replace=replace)
    hasher = hashlib.sha256()
    with atomic_write(out, output=True, replace=replace) as dst:

        def sink(view: memoryview) -> None:
            hasher.update(view)
            dst.write(view)

        info = client.cdn.stream(bucket, key, sink, progress=progress, cancel=cancel)
        if not info.sha256:
            raise IntegrityError(f"CDN object {bucket}/{key} has no sha256 metadata: it cannot be checked, not saved")
        if hasher.hexdigest() != info.sha256.strip().lower():
            raise IntegrityError(
                f"CDN object {bucket}/{key} does not match its recorded SHA-256: corrupt or tampered; not saved"
            )
    return out


__all__ = [
    "ImageCheck",
    "ImageConfig",
    "LockReport",
    "ServiceStatus",
    "UnlockReport",
    "archive_key",
    "check_images",
    "check_images_loaded",
    "decrypt_archive",
    "docker_load",
    "download_key_fragment",
    "fetch_archive",
    "image_config",
    "is_tar_header",
    "lock_images",
    "unlock_archive",
]
