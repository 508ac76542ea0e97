"""What the CLI prints: :func:`out` and :func:`out_row` (stdout), :func:`err` (stderr), the last guard before the
terminal. No control or format character of a server's text (or of anything else) reaches it as such
(``core.text.printable``), and what goes to stderr (errors, warnings, notes: the lines that carry exception
texts, which may echo a server's answer) is redacted like the log (``core.redaction.redact``). Its own module so the
commands print without importing ``cli.main``, which imports them."""

from __future__ import annotations

import sys

from cli.args import ERROR_LIMIT
from core.text import printable, printable_message


def shown(value: object) -> str:
    """An exception's (or any) text as the CLI shows it: redacted, one line, control characters visible, at most
    ``ERROR_LIMIT`` characters."""
    return printable_message(value, ERROR_LIMIT)


def out(line: str) -> None:
    """One line on stdout. Tabs separate the fields of a listing and are kept; any other control character is
    made visible. Callers pass server-given fields through ``printable`` first, so they cannot carry a tab."""
    sys.stdout.write("\t".join(printable(field) for field in line.split("\t")) + "\n")
    sys.stdout.flush()


def out_row(*fields: object) -> None:
    """One tab-separated line on stdout; each field is made printable first, so none can carry a tab (a forged
    column) or a line break (a forged line)."""
    sys.stdout.write("\t".join(printable(field) for field in fields) + "\n")
    sys.stdout.flush()


def err(line: str) -> None:
    """One line on stderr (errors, warnings, notes), redacted like the log and made printable."""
    sys.stderr.write(printable_message(line, None) + "\n")
    sys.stderr.flush()
