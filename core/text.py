"""Text from elsewhere (the API, the CDN, a file name) made safe to show on a terminal or in a window.

A server's ``Message``, a 500 body or a user's email is data, not output: shown as sent, an ``ESC ] 0 ; ... BEL``
retitles the terminal, ``ESC [ ...`` moves the cursor and recolours, ``\\r`` or ``\\n`` starts a forged line
(``ok: ...`` printed by "us"), a tab forges a column of a tab-separated listing, and U+202E (right-to-left
override) makes ``exe.txt`` read as ``txt.exe``. :func:`printable` replaces all of that:

* line and field breaks (``\\t \\n \\r \\v \\f``, U+001C..U+001F, U+0085 NEL, U+2028, U+2029) become one space;
* every other control or format character (C0, DEL, C1, Unicode ``Cf``: bidi overrides and isolates, zero-width
  characters, tag characters; lone surrogates, which cannot even be encoded) is written as a visible escape,
  ``\\x1b`` / ``\\u202e`` / ``\\U000e0041``, so what the server sent stays readable;
* a ``limit`` caps the result (a 500 answer can be a whole HTML page), saying how much was cut.

Apply it where server text enters the client (core.http_errors, the CLI's printing) and to each field of a
listing separately, so a field cannot carry the separator.
"""

from __future__ import annotations

import re
import unicodedata

from core.redaction import redact

MESSAGE_LIMIT = 500
"""Characters kept of a server's error message (a 409 ``Message``, a 500 body, an S3 error)."""

_BREAKS = re.compile(r"[\t\n\r\v\f\x1c-\x1f\x85\u2028\u2029]+")
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def _escape(char: str) -> str:
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _safe(char: str) -> str:
    return _escape(char) if unicodedata.category(char) in _UNSAFE_CATEGORIES else char


def printable(text: object, limit: int | None = None) -> str:
    """``text`` (``str()`` of it) with no character a terminal or a label would act on: breaks become a space,
    other control and format characters a visible escape; at most ``limit`` characters of the original are
    kept (None: all), followed by ``... [N more characters]`` when it was longer."""
    return _shown(text if isinstance(text, str) else str(text), limit, 0)


def printable_message(text: object, limit: int | None = MESSAGE_LIMIT) -> str:
    """:func:`printable` of ``text`` after the log's redaction (``core.redaction.redact``: registered passwords and
    tokens, ``Bearer ...``, JWTs, ``password=...`` fields): for error messages, which may echo what we sent."""
    value = text if isinstance(text, str) else str(text)
    beyond = 0
    if limit is not None and len(value) > limit + _REDACT_MARGIN:  # bound the regex work on a huge body
        beyond = len(value) - limit - _REDACT_MARGIN
        value = value[: limit + _REDACT_MARGIN]
    return _shown(redact(value), limit, beyond)


_REDACT_MARGIN = 4096  # a secret that starts before the limit is redacted whole if it is shorter than this


def _shown(value: str, limit: int | None, beyond: int) -> str:
    cut = beyond
    if limit is not None and len(value) > limit:
        cut += len(value) - limit
        value = value[:limit]
    if not value.isprintable():  # the common case (plain text) costs one C-level scan
        value = _BREAKS.sub(" ", value)
        if not value.isprintable():
            value = "".join(c if c.isprintable() else _safe(c) for c in value)
    if cut:
        value = f"{value}... [{cut} more characters]"
    return value


_LOG_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def one_line(text: str) -> str:
    """``text`` as one log line: every control or format character, line breaks included, written as a visible
    escape (``\\n``, ``\\x1b``). A log record quotes the server's words; with a raw ``\\n`` they could forge a
    record of their own, and with ``ESC`` sequences retitle the terminal of whoever runs ``tail -f`` on it."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == " " else _LOG_ESCAPES.get(c) or _escape(c) for c in text)

