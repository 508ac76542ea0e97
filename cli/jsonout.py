"""``--json``: one JSON document on stdout for a script to read (README, "JSON output"). Field names are snake_case
and stable; a value not known is ``null``, never left out. Dates are ISO 8601 in UTC (``2026-12-03T17:11:18Z``).

Non-ASCII characters are written as ``\\uXXXX`` escapes (``ensure_ascii``), so no control or bidi character of a
server's text reaches a terminal as such, as with the plain output (cli/output.py). On failure nothing is written
to stdout: the one ``error: ...`` line goes to stderr and the exit status is non-zero, as without ``--json``."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Any


def iso(moment: datetime | float | None) -> str | None:
    """A date (or a Unix time) as ISO 8601 UTC with a ``Z``; None stays None. A naive date is taken as UTC."""
    if moment is None:
        return None
    if not isinstance(moment, datetime):
        moment = datetime.fromtimestamp(moment, UTC)
    elif moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def emit(document: Any) -> None:
    """Write ``document`` as the command's one JSON document (indented, one trailing newline)."""
    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=True, allow_nan=False) + "\n")
    sys.stdout.flush()


def add_json_option(parser: Any) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON document (fields: see the README)")
