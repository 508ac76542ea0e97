"""What the user reads when something failed, in the interface language.

``core`` raises typed errors with English texts written for users (they carry the URL, path or file name that
matters). Here, at the GUI edge, each known kind gets a translated headline chosen by the exception's type:

* English (the source language): the core's own text, unchanged, as before.
* Other languages: the translated headline, then the core's text in parentheses as data (URLs, paths and the OS's
  own words are not ours to translate); for a cancel or pause only the headline.
* A 409 refusal: the server's ``Message`` is shown as sent. For the documented codes (docs/protocol.md) the
  translated meaning is shown instead when the server used the documented wording, and in front of the server's
  words when it did not. An unknown code shows the Message alone.
"""

from __future__ import annotations

import errno

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from core.errors import (
    AuthError,
    AzaionError,
    CancelledError,
    ConfigError,
    ConflictError,
    DockerError,
    DockerNotFoundError,
    IntegrityError,
    InvalidNameError,
    KeyringUnavailableError,
    LocalIOError,
    NotFoundError,
    PausedError,
    PermissionDeniedError,
    ProtocolError,
    ServerError,
    UnreachableError,
)
from core.proxy import ProxyUnreachableError

CONTEXT = "Errors"

# 409 ErrorCode → the documented Message (docs/protocol.md), which is also the translation's source text.
CONFLICT_MESSAGES = {
    10: QT_TRANSLATE_NOOP("Errors", "Wrong email or password."),
    20: QT_TRANSLATE_NOOP("Errors", "This account is disabled. Ask an administrator to enable it."),
    30: QT_TRANSLATE_NOOP("Errors", "This account is bound to another machine. Ask an administrator to reset its hardware."),  # noqa: E501
    40: QT_TRANSLATE_NOOP("Errors", "A user with this email already exists."),
    50: QT_TRANSLATE_NOOP("Errors", "Unknown role."),
    60: QT_TRANSLATE_NOOP("Errors", "You cannot delete, disable or demote your own account."),
    70: QT_TRANSLATE_NOOP("Errors", "Only an ApiAdmin can change an ApiAdmin."),
}

# Most specific first: the first matching type gives the headline.
_HEADLINES: tuple[tuple[type[BaseException], str], ...] = (
    (PausedError, QT_TRANSLATE_NOOP("Errors", "Paused")),
    (CancelledError, QT_TRANSLATE_NOOP("Errors", "Cancelled")),
    (UnreachableError, QT_TRANSLATE_NOOP("Errors", "Cannot reach the server")),
    (PermissionDeniedError, QT_TRANSLATE_NOOP("Errors", "Permission denied: your role may not do this")),
    (AuthError, QT_TRANSLATE_NOOP("Errors", "Authentication failed: log in again")),
    (NotFoundError, QT_TRANSLATE_NOOP("Errors", "Not found")),
    (IntegrityError, QT_TRANSLATE_NOOP("Errors", "The data is corrupt or was changed (integrity check failed)")),
    (ServerError, QT_TRANSLATE_NOOP("Errors", "Server error")),
    (ConfigError, QT_TRANSLATE_NOOP("Errors", "Invalid configuration")),
    (ProtocolError, QT_TRANSLATE_NOOP("Errors", "Unexpected answer from the server")),
    (InvalidNameError, QT_TRANSLATE_NOOP("Errors", "Invalid name")),
    (KeyringUnavailableError, QT_TRANSLATE_NOOP("Errors", "The system keyring is not available")),
    (DockerNotFoundError, QT_TRANSLATE_NOOP("Errors", "Docker (or podman) was not found")),
    (DockerError, QT_TRANSLATE_NOOP("Errors", "Docker (or podman) failed")),
)
_NO_DETAIL = (CancelledError,)  # "cancelled by the user; nothing was kept" says no more than the headline

_DISK_FULL = QT_TRANSLATE_NOOP("Errors", "The disk is full")
_NO_ACCESS = QT_TRANSLATE_NOOP("Errors", "Access denied to a local file or folder")
_NO_FILE = QT_TRANSLATE_NOOP("Errors", "Local file or folder not found")
_LOCAL = QT_TRANSLATE_NOOP("Errors", "Local file error")
_OS_HEADLINES = {errno.ENOSPC: _DISK_FULL, errno.EFBIG: _DISK_FULL, errno.EACCES: _NO_ACCESS,
                 errno.EPERM: _NO_ACCESS, errno.ENOENT: _NO_FILE}
# core.fileio.describe_os_error's wording, for a LocalIOError raised without its OSError as the cause
_LOCAL_PREFIXES = (("disk full", _DISK_FULL), ("permission denied", _NO_ACCESS), ("no such file", _NO_FILE))


def _tr(text: str) -> str:
    return QCoreApplication.translate("Errors", text)  # a literal: resources/translations/build.py reads it


def _plain(exc: BaseException) -> str:
    """The untranslated text: an AzaionError's own message, else the exception type and text."""
    if isinstance(exc, AzaionError):
        return str(exc) or type(exc).__name__
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _os_errno(exc: BaseException) -> int | None:
    for candidate in (exc, exc.__cause__, exc.__context__):
        if isinstance(candidate, OSError) and candidate.errno is not None:
            return candidate.errno
    return None


def _headline(exc: BaseException) -> str | None:
    """The source text of the headline for this kind of failure, or None for an unknown kind."""
    if isinstance(exc, LocalIOError | OSError):
        code = _os_errno(exc)
        if code in _OS_HEADLINES:
            return _OS_HEADLINES[code]
        if isinstance(exc, LocalIOError):
            lowered = str(exc).lower()
            return next((h for prefix, h in _LOCAL_PREFIXES if lowered.startswith(prefix)), _LOCAL)
        return _LOCAL if isinstance(exc, OSError) and not isinstance(exc, ConnectionError | TimeoutError) else None
    return next((text for kind, text in _HEADLINES if isinstance(exc, kind)), None)


_KEYRING_MEMORY_ONLY = QT_TRANSLATE_NOOP(
    "Errors", "No usable system keyring: the password is kept in memory for this session only")
_SETTINGS_UNREADABLE = QT_TRANSLATE_NOOP(
    "Errors", "The settings file could not be read: defaults are used, nothing is saved until it is fixed or removed")


def _notice(source: str, detail: str) -> str:
    headline = _tr(source)
    return detail if headline == source else f"{headline} ({detail})"


def keyring_warning_text(warning: str) -> str:
    """The banner for core.credential_store's ``last_warning`` (the password stays in memory only)."""
    return _notice(_KEYRING_MEMORY_ONLY, warning)


def settings_error_text(error: str) -> str:
    """The banner for a settings file that could not be read (AppContext.settings_error)."""
    return _notice(_SETTINGS_UNREADABLE, error)


def conflict_message(code: int) -> str:
    """The documented Message of a 409 code, translated (for refusing an action before asking the server)."""
    return _tr(CONFLICT_MESSAGES[code])


def conflict_text(exc: ConflictError) -> str:
    """A 409 refusal: the server's Message (translated when it is a documented one, see the module docstring)."""
    message = (exc.message or str(exc)).strip()
    source = CONFLICT_MESSAGES.get(exc.error_code)
    if source is None:
        return message or _tr("The server refused the request")
    translated = _tr(source)
    if not message or message == source:
        return translated
    if translated == source:  # English: the server's own words are enough
        return message
    return f"{translated} ({message})"


def error_text(exc: BaseException) -> str:
    """The message a user sees for ``exc``, in the interface language."""
    if isinstance(exc, ConflictError):
        return conflict_text(exc)
    plain = _plain(exc)
    source = _headline(exc)
    if source is None:
        return plain
    headline = _tr(source)
    if headline == source:  # English (or not translated): the core's text is already written for users
        return plain if str(exc) else headline
    if isinstance(exc, _NO_DETAIL) or not str(exc):
        return headline
    return f"{headline} ({plain})"


# One sentence per kind of failure: what happened and what to do. The technical text goes behind "Details".
_ADVICE: tuple[tuple[type[BaseException], str], ...] = (
    (ProxyUnreachableError, QT_TRANSLATE_NOOP(
        "Errors", "Cannot get through the proxy. Check its host and port in Settings (Network), or clear them to "
                  "use the system's proxy.")),
    (UnreachableError, QT_TRANSLATE_NOOP(
        "Errors", "Cannot reach the server. Check the server address and the network connection, then try again.")),
    (PermissionDeniedError, QT_TRANSLATE_NOOP(
        "Errors", "Your role may not do this. Ask an administrator if you need it.")),
    (AuthError, QT_TRANSLATE_NOOP("Errors", "The server no longer accepts this session. Log out and log in again.")),
    (NotFoundError, QT_TRANSLATE_NOOP("Errors", "The server does not have it. Refresh the list and try again.")),
    (ServerError, QT_TRANSLATE_NOOP(
        "Errors", "The server could not complete the request. Try again later; if it keeps failing, tell its "
                  "administrator.")),
    (ProtocolError, QT_TRANSLATE_NOOP(
        "Errors", "The server's answer was not understood. Check that the address is an Azaion server.")),
    (IntegrityError, QT_TRANSLATE_NOOP(
        "Errors", "The data failed its integrity check and was not kept. Try again.")),
)
_UNEXPECTED = QT_TRANSLATE_NOOP("Errors", "Something went wrong. The details are in the log; please report them.")


def technical_detail(exc: BaseException) -> str:
    """The exception and its causes, one a line, as a developer reads them (for Details and the log)."""
    lines: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(lines) < 8:
        seen.add(id(current))
        text = str(current)
        lines.append(f"{type(current).__name__}: {text}" if text else type(current).__name__)
        current = current.__cause__ or current.__context__
    return "\n".join(lines)


def error_summary(exc: BaseException) -> tuple[str, str]:
    """(one translated sentence saying what happened and what to do, the technical detail for "Details").

    The sentence never carries the exception's own text when that is technical (a connection pool's repr, a
    stack of causes); the kinds whose text is written for users (a refusal's Message, a local file's path, a
    cancel) keep error_text's wording."""
    detail = technical_detail(exc)
    if isinstance(exc, ConflictError):
        return conflict_text(exc), detail
    advice = next((text for kind, text in _ADVICE if isinstance(exc, kind)), None)
    if advice is not None:
        return _tr(advice), detail
    if isinstance(exc, AzaionError | OSError):
        return error_text(exc), detail
    return _tr(_UNEXPECTED), detail


__all__ = ["CONFLICT_MESSAGES", "conflict_message", "conflict_text", "error_summary", "error_text",
           "keyring_warning_text", "settings_error_text", "technical_detail"]
