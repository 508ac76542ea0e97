"""``azaion``: the scripting CLI over the same core as the GUI. One line ``error: <message>`` on failure.

Everything the CLI prints goes through :func:`out` (stdout) or :func:`err` (stderr), the last guard before the
terminal: no control or format character of a server's text (or of anything else) reaches it as such
(``core.text.printable``), and what goes to stderr (errors, warnings, notes: the lines that carry exception
texts, which may echo a server's answer) is redacted like the log (``core.logs.redact``).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

from cli.args import ERROR_LIMIT, CliParser
from core import __version__
from core.errors import AzaionError, CancelledError
from core.text import printable, printable_message

log = logging.getLogger("azaion.cli")

Command = Callable[[argparse.Namespace], int]


FAILURE_EXIT = 1  # the command failed for a reason it names (AzaionError): server, files, docker, ...
UNEXPECTED_EXIT = 3  # a bug or an unforeseen failure: details in the log; scripts must not read it as usage
INTERRUPTED_EXIT = 130


def build_parser() -> argparse.ArgumentParser:
    from cli import commands, image_commands, sandbox_command, user_commands

    parser = CliParser(prog="azaion", description="Azaion platform client (scripting CLI).")
    parser.add_argument("--version", action="version", version=f"azaion {__version__}")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--api", metavar="URL", help="API base URL (https; http only on loopback)")
    where.add_argument("--profile", metavar="NAME", help="server profile from the settings")
    parser.add_argument("--email", metavar="E", help="account email (or AZAION_EMAIL)")
    parser.add_argument(
        "--password-stdin", action="store_true", help="read the password from the first line of stdin"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="also log to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    commands.register(sub)  # login, ls, upload, download, transfers, ...
    image_commands.register(sub)  # unlock, lock, images, fetch-archive
    user_commands.register(sub)  # users ..., installer
    sandbox_command.register(sub)  # the reference server, imported only when it runs
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from core.logs import setup_logging

    try:
        setup_logging(logging.DEBUG if args.verbose else logging.INFO, console=args.verbose)
    except OSError as exc:
        err(f"warning: cannot write the log file: {exc}")
    func: Command = args.func
    try:
        return func(args)
    except CancelledError as exc:
        err(f"error: {shown(exc)}")
        return INTERRUPTED_EXIT
    except KeyboardInterrupt:
        err("error: interrupted")
        return INTERRUPTED_EXIT
    except AzaionError as exc:
        log.debug("command failed", exc_info=True)
        err(f"error: {shown(exc)}")
        return FAILURE_EXIT
    except Exception as exc:  # noqa: BLE001 - the CLI promises no tracebacks; they go to the log
        log.exception("unexpected failure in %s", args.command)
        err(f"error: unexpected {type(exc).__name__}: {shown(exc)} (details in the log)")
        return UNEXPECTED_EXIT


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


if __name__ == "__main__":
    sys.exit(main())
