"""JWT handling: the client trusts its API and reads claims without verifying the signature."""

from __future__ import annotations

import time
from dataclasses import dataclass

import jwt

from core.errors import ProtocolError
from core.models import RoleEnum

MS_ROLE_CLAIM = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role"
MS_EMAIL_CLAIM = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"


@dataclass(frozen=True)
class Token:
    raw: str
    email: str | None
    role: RoleEnum
    expires_at: float | None

    def expires_within(self, seconds: float, now: float | None = None) -> bool:
        if self.expires_at is None:
            return False
        return (now if now is not None else time.time()) + seconds >= self.expires_at

    def __repr__(self) -> str:  # never print the token itself
        return f"Token(email={self.email!r}, role={self.role.name}, expires_at={self.expires_at})"


def parse_token(raw: str) -> Token:
    try:
        claims = jwt.decode(raw, options={"verify_signature": False, "verify_exp": False})
    except jwt.PyJWTError:
        raise ProtocolError("the server sent a login token that is not a JWT") from None
    role_value = claims.get("role", claims.get(MS_ROLE_CLAIM, 0))
    try:
        role = RoleEnum.parse(role_value)
    except ValueError:
        role = RoleEnum.NONE
    exp = claims.get("exp")
    return Token(
        raw=raw,
        email=claims.get("email") or claims.get(MS_EMAIL_CLAIM),
        role=role,
        expires_at=float(exp) if isinstance(exp, int | float) else None,
    )
