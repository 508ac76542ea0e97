"""JSON from files and answers the client does not control, parsed so that every malformed input is a
ValueError (``json.JSONDecodeError``) its caller already handles: ``json.loads`` itself raises RecursionError
on nesting ~1,000 deep (a settings.json of 100,000 ``[``), which no caller expects. Nesting is capped far
below that, so code walking the result (copying, saving, validating) cannot recurse too deep either."""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64
"""Deeper than any file or answer of the protocol (settings, journals, the queue, API bodies are 2-4 levels)."""


def loads(text: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads``, but nesting deeper than ``max_depth`` is a ``json.JSONDecodeError`` (a ValueError)."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise _too_deep(text, max_depth) from None
    if _deeper_than(data, max_depth):
        raise _too_deep(text, max_depth)
    return data


def _too_deep(text: str | bytes, max_depth: int) -> json.JSONDecodeError:
    return json.JSONDecodeError(f"nested more than {max_depth} levels deep", text if isinstance(text, str) else "", 0)


def _deeper_than(data: Any, max_depth: int) -> bool:
    """Iterative (a recursive walk would be the very failure this module prevents)."""
    if not isinstance(data, dict | list):
        return False
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > max_depth:
            return True
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False
