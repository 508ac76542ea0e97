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


class ProtocolError(AzaionError):
    """The server answered, but not in the documented format (bad JSON, missing fields, bad cdn.yaml)."""


class ConfigError(ProtocolError):
    """cdn.yaml or settings are malformed or miss required keys."""


class IntegrityError(AzaionError):
    """Bytes did not decrypt or did not match their recorded SHA-256: corrupt, truncated or tampered."""


class CancelledError(AzaionError):
    """The user cancelled; nothing partial was left behind."""


class InvalidNameError(AzaionError, ValueError):
    """A resource, folder or file name that must not become a path (separators, '..', control characters)."""


class KeyringUnavailableError(AzaionError):
    """No usable OS keyring: the password is kept in memory only for this session."""


class LocalIOError(AzaionError):
    """A local file problem (missing input, disk full, permission) with the path in the message."""
