"""Turn HTTP responses into the client's typed errors (docs/protocol.md, "Errors").

The server's words (a 409 ``Message``, a 4xx/5xx body, the status line's reason) end up on the user's terminal
and in the GUI's labels, so they are taken through :func:`core.text.printable_message` here, where they enter
the client: control and format characters made visible, passwords and tokens the server echoes masked as in the
log, and at most ``core.text.MESSAGE_LIMIT`` characters kept.
"""

from __future__ import annotations

from typing import Any

import requests

from core import safejson
from core.errors import (
    AuthError,
    AzaionError,
    ConflictError,
    HardwareMismatchError,
    NotFoundError,
    PermissionDeniedError,
    ProtocolError,
    ServerError,
    UserDisabledError,
    WrongCredentialsError,
)
from core.text import printable_message

CONFLICT_TYPES: dict[int, type[ConflictError]] = {
    10: WrongCredentialsError,
    20: UserDisabledError,
    30: HardwareMismatchError,
}


def _error_body(resp: requests.Response) -> tuple[int | None, str]:
    """(ErrorCode or None, the server's message made safe to show)."""
    text = resp.text or ""
    try:
        data: Any = safejson.loads(text)
    except ValueError:
        return None, printable_message(text.strip())
    if isinstance(data, dict):
        code = data.get("ErrorCode", data.get("errorCode"))
        message = data.get("Message", data.get("message", ""))
        try:
            code = int(code) if code is not None else None
        except (TypeError, ValueError, OverflowError):
            code = None
        return code, printable_message(str(message or "").strip())
    return None, printable_message(text.strip())


def error_for_response(resp: requests.Response, what: str) -> AzaionError:
    status = resp.status_code
    code, message = _error_body(resp)
    if status == 409:
        if code is None:
            return ProtocolError(f"{what}: server refused (409) without an ErrorCode: {message}")
        return CONFLICT_TYPES.get(code, ConflictError)(code, message or f"refused (ErrorCode {code})")
    if status == 404:
        return NotFoundError(message or f"{what}: not found")
    if status == 401:
        return AuthError(message or "the server did not accept the session; log in again")
    if status == 403:
        return PermissionDeniedError(message or f"{what}: your role may not do this")
    if status == 400:
        return ProtocolError(message or f"{what}: the server rejected the request as malformed")
    if status >= 500:
        detail = message or printable_message(resp.reason or "", 100)
        return ServerError(f"{what}: server error {status}: {detail}", status)
    return ServerError(f"{what}: unexpected HTTP status {status}: {message}", status)
