"""HS256 login tokens of the sandbox. The ``gen`` claim ties a token to the state's token generation so that
``SandboxState.revoke_tokens`` can invalidate every token issued so far without keeping a list of them."""

from __future__ import annotations

import time
from typing import Any

import jwt

from sandbox.state import UserRecord

ALGORITHM = "HS256"


class TokenRejected(Exception):
    """The token is missing, malformed, expired or revoked; ``str()`` is the 401 message."""


def issue_token(user: UserRecord, secret: str, lifetime_s: int, generation: int) -> str:
    now = int(time.time())
    claims = {
        "sub": user.id,
        "email": user.email,
        "role": int(user.role),
        "iat": now,
        "exp": now + int(lifetime_s),
        "gen": generation,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_token(raw: str, secret: str, generation: int) -> dict[str, Any]:
    """Verified claims of ``raw``; TokenRejected when it must be answered with 401."""
    try:
        claims = jwt.decode(raw, secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub", "gen"]})
    except jwt.ExpiredSignatureError:
        raise TokenRejected("The token has expired. Log in again.") from None
    except jwt.PyJWTError:
        raise TokenRejected("The token is invalid. Log in again.") from None
    if not isinstance(claims.get("gen"), int) or claims["gen"] < generation:
        raise TokenRejected("The token has been revoked. Log in again.")
    return claims
