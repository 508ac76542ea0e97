"""Turn HTTP responses into the client's typed errors (docs/protocol.md, "Errors")."""

from __future__ import annotations

import json
from typing import Any

import requests

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

CONFLICT_TYPES: dict[int, type[ConflictError]] = {
    10: WrongCredentialsError,
    20: UserDisabledError,
    30: HardwareMismatchError,
}


def _error_body(resp: requests.Response) -> tuple[int | None, str]:
    text = resp.text or ""
    try:
        data: Any = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested too deep
        return None, text.strip()
    if isinstance(data, dict):
        code = data.get("ErrorCode", data.get("errorCode"))
        message = data.get("Message", data.get("message", ""))
        try:
            code = int(code) if code is not None else None
        except (TypeError, ValueError):
            code = None
        return code, str(message or "").strip()
    return None, text.strip()


def error_for_response(resp: requests.Response, what: str) -> AzaionError:
    status = resp.status_code
    code, message = _error_body(resp)
    if status == 409:
        if code is None:
            return ProtocolError(f"{what}: server refused (409) without an ErrorCode: {message[:200]}")
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
        detail = message[:500] if message else resp.reason
        return ServerError(f"{what}: server error {status}: {detail}", status)
    return ServerError(f"{what}: unexpected HTTP status {status}: {message[:200]}", status)
