"""Which text is a secret and how it is masked: the registered passwords and tokens, ``Bearer ...``, JWTs and
password/token/secret field values. The log's filter (core/logs.py) and every text we show that may echo a
server's answer (core/text.py ``printable_message``) use it; its own module, so neither imports the other.
"""

from __future__ import annotations

import re
import threading

MIN_SECRET_LENGTH = 4
MASK = "***"

_secrets: set[str] = set()
_secrets_lock = threading.Lock()
_secret_pattern: re.Pattern[str] | None = None

_BEARER = re.compile(r"(?i)\b(Bearer)\s+[^\s\"',;}\]]+")
_JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]*")
# "password": "x", 'token': 'x', \"password\": \"x\" (JSON inside a repr), password=x, access_token: x,
# "Password": 1234 - the key may be quoted, the value quoted or bare.
_FIELD = re.compile(
    r"(?i)(?P<head>(?P<kq>\\?[\"']?)\b[\w-]*(?:password|passwd|token|secret)\b(?P=kq)\s*[:=]\s*)"
    r"(?:(?P<vq>\\?[\"'])(?P<quoted>.*?)(?<!\\)(?P=vq)|(?P<bare>[^\s\"'&,;}\])]+))"
)


def _mask_field(match: re.Match[str]) -> str:
    quote = match.group("vq")
    if quote is not None:
        return f"{match.group('head')}{quote}{MASK}{quote}"
    return f"{match.group('head')}{MASK}"


def register_secret(secret: str | None) -> None:
    """Redact ``secret`` from every log record from now on (strings shorter than 4 characters are ignored,
    they would mangle ordinary text)."""
    global _secret_pattern
    if not secret or len(secret) < MIN_SECRET_LENGTH:
        return
    with _secrets_lock:
        if secret in _secrets:
            return
        _secrets.add(secret)
        ordered = sorted(_secrets, key=len, reverse=True)
        _secret_pattern = re.compile("|".join(re.escape(s) for s in ordered))


def unregister_secret(secret: str) -> None:
    global _secret_pattern
    with _secrets_lock:
        _secrets.discard(secret)
        ordered = sorted(_secrets, key=len, reverse=True)
        _secret_pattern = re.compile("|".join(re.escape(s) for s in ordered)) if ordered else None


def redact(text: str) -> str:
    """``text`` with registered secrets, bearer tokens, JWTs and password/token field values masked."""
    if not text:
        return text
    pattern = _secret_pattern
    if pattern is not None:
        text = pattern.sub(MASK, text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", text)
    text = _JWT.sub(MASK, text)
    text = _FIELD.sub(_mask_field, text)
    return text
