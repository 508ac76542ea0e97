"""Argument parsing for ``azaion``: the parser class that keeps usage errors to one line, and the argparse types
that turn a wrong value into a usage error (exit 2) before any command starts."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import NoReturn

from core.bandwidth import BandwidthError, BandwidthLimit, parse_limit
from core.text import printable

USAGE_EXIT = 2  # the command line itself is wrong (argparse)
ERROR_LIMIT = 2000  # characters of an exception's text on the error line (server messages are capped before)


class CliParser(argparse.ArgumentParser):
    """Usage errors in the CLI's one form too: a single line ``error: <message>`` on stderr and exit 2, instead
    of argparse's usage block and ``azaion download: error: ...``. Subparsers inherit this class."""

    def error(self, message: str) -> NoReturn:
        text = printable(" ".join(message.split()), ERROR_LIMIT)  # one line, whatever argv held
        self.exit(USAGE_EXIT, f"error: {text} (see '{self.prog} --help')\n")


def path_arg(value: str) -> Path:
    """A path as the user typed it, ``~`` expanded."""
    return Path(value).expanduser()


def port_arg(value: str) -> int:
    """A TCP port (0: any free one), checked here so a wrong one is a usage error, not a failure of bind()."""
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} is outside 0..65535")
    return port


def bwlimit_arg(value: str) -> BandwidthLimit:
    """``--bwlimit``: a rate (``2M``, ``512k``, ``off``) or an rclone timetable (``"08:00,1M 18:00,off"``)."""
    try:
        return parse_limit(value)
    except BandwidthError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
