"""One exception hierarchy for everything the client can report, so callers (CLI, GUI) can show a clear message
per kind of failure instead of a traceback."""

from __future__ import annotations


class AzaionError(Exception):
    """Base of every error the client raises on purpose; ``str(err)`` is meant for the user."""


class UnreachableError(AzaionError):
    """The server (API or CDN) could not be reached: DNS, refused, reset, timeout."""


class AuthError(AzaionError):
    """Authentication failed or the token was refused even after a fresh login."""


class PermissionDeniedError(AuthError):
    """Authenticated, but the account's role may not do this (HTTP 403 after re-login)."""


class ConflictError(AzaionError):
    """HTTP 409 with ``{"ErrorCode": int, "Message": str}``: the server refused and said why."""

    def __init__(self, error_code: int, message: str) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.message = message


class WrongCredentialsError(ConflictError, AuthError):
    """409 with ErrorCode 10: wrong email or password."""


class UserDisabledError(ConflictError, AuthError):
    """409 with ErrorCode 20: the account exists but is disabled."""


class HardwareMismatchError(ConflictError):
    """409 with ErrorCode 30: the account is bound to another machine."""


class NotFoundError(AzaionError):
    """HTTP 404, or a CDN object / local file that does not exist."""


class ServerError(AzaionError):
    """HTTP 5xx (the body text is kept) or an unexpected status."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ObjectChangedError(ServerError):
    """The CDN object's ETag no longer matches the one a resumed download is pinned to (HTTP 412). Not transient:
    asking again for the old ETag can only fail again, so the download starts over with the new object."""


class ProtocolError(AzaionError):
    """The server answered, but not in the documented format (bad JSON, missing fields, bad cdn.yaml)."""


class ConfigError(ProtocolError):
    """cdn.yaml or settings are malformed or miss required keys."""


class IntegrityError(AzaionError):
    """Bytes did not decrypt or did not match their recorded SHA-256: corrupt, truncated or tampered."""


class CancelledError(AzaionError):
    """The user cancelled; nothing partial was left behind."""


class PausedError(CancelledError):
    """The user paused: the transfer's journal and server-side parts are kept so it can resume."""


class InvalidNameError(AzaionError, ValueError):
    """A resource, folder or file name that must not become a path (separators, '..', control characters)."""


class KeyringUnavailableError(AzaionError):
    """No usable OS keyring: the password is kept in memory only for this session."""


class LocalIOError(AzaionError):
    """A local file problem (missing input, disk full, permission) with the path in the message."""


class ArchiveFormatError(IntegrityError):
    """An image archive decrypted to something that is not a tar (wrong key fragment, or not an image archive)."""


class DockerError(AzaionError):
    """docker/podman failed or timed out. ``str(err)`` is one line ending with what the tool said (its error
    lines, else its last line); ``stderr`` keeps everything it wrote to stderr for a details view."""

    def __init__(self, message: str, *, stderr: str = "", returncode: int | None = None) -> None:
        said = _tool_said(stderr)
        super().__init__(f"{message}: {said}" if said else message)
        self.stderr = stderr
        self.returncode = returncode


def _tool_said(stderr: str) -> str:
    lines = [line.strip() for line in (stderr or "").splitlines() if line.strip()]
    errors = [line for line in lines if line.lower().startswith(("error", "fatal"))]
    text = " ".join(errors[-3:] or lines[-1:])
    return text if len(text) <= 1000 else text[:1000] + "..."


class DockerNotFoundError(DockerError):
    """The configured docker command (``docker``, ``podman`` or a path) does not exist or cannot be run."""
