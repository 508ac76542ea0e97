"""Argument parsing for ``azaion``: the parser class that keeps usage errors to one line, and the argparse types
that turn a wrong value into a usage error (exit 2) before any command starts."""

from __future__ import annotations

import argparse
import functools
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


# ---- global options ------------------------------------------------------------------------------------------

GLOBAL_OPTIONS = ("--api", "--profile", "--email", "--password-stdin", "--verbose", "--bwlimit", "--no-cache")


@functools.cache
def program_version() -> str:
    """``azaion X.Y.Z`` (read once: the package metadata lookup is slow and every command's parser shows it)."""
    from core import __version__

    return f"azaion {__version__}"


def add_global_options(parser: argparse.ArgumentParser, *, nested: bool) -> None:
    """The options every command takes, before or after the command's name (``azaion ls models --email x``).

    On a command's own parser (``nested``) they default to ``SUPPRESS``: argparse copies every attribute of a
    subparser's namespace over the one already parsed, so a plain default (None) there would silently replace a
    value given before the command (``azaion --email x ls models``). ``--version`` (the program's version) is added
    wherever the parser has no ``--version`` of its own (``unlock``/``lock``/``images`` keep a deprecated one)."""
    unset = argparse.SUPPRESS if nested else None
    off = argparse.SUPPRESS if nested else False
    group = parser.add_argument_group("global options (accepted before or after the command)")
    if "--version" not in parser._option_string_actions:
        group.add_argument("--version", action="version", version=program_version(),
                           help="show the program's version and exit")
    group.add_argument("--api", metavar="URL", default=unset, help="API base URL (https; http only on loopback)")
    group.add_argument("--profile", metavar="NAME", default=unset, help="server profile from the settings")
    group.add_argument("--email", metavar="E", default=unset, help="account email (or AZAION_EMAIL)")
    group.add_argument("--password-stdin", action="store_true", default=off,
                       help="read the password from the first line of stdin")
    group.add_argument("-v", "--verbose", action="store_true", default=off, help="also log to stderr")
    group.add_argument(
        "--bwlimit", metavar="RATE", type=bwlimit_arg, default=unset,
        help="cap all transfers together: 512k, 2M, off, or a timetable \"08:00,1M 18:00,off\" (default: the "
             "settings' cap)",
    )
    group.add_argument("--no-cache", action="store_true", default=off,
                       help="this run keeps no downloaded copy in the cache and uses none from it (default: the "
                            "settings' cache_downloads)")


def subparsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """The parsers of ``parser``'s commands (one level), each once (aliases share a parser)."""
    found: list[argparse.ArgumentParser] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                if child not in found:
                    found.append(child)
    return found


def spread_global_options(parser: argparse.ArgumentParser) -> None:
    """Give every command and sub-command (``users ls``, ``images rm``) the global options."""
    for child in subparsers(parser):
        add_global_options(child, nested=True)
        spread_global_options(child)


def check_parsed(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """What argparse cannot check once an option may come before and after the command: ``--api`` and
    ``--profile`` name the server two ways, so both together are a usage error wherever each was written; and the
    image tag a command needs (``--tag``, or its deprecated alias, given at either level)."""
    if getattr(args, "api", None) and getattr(args, "profile", None):
        parser.error("--api and --profile exclude each other: name the server one way")
    if getattr(args, "needs_tag", False) and not getattr(args, "image_version", None):
        parser.error("the image tag is required: --tag V (the platform version)")


class DeprecatedTag(argparse.Action):
    """``--version V`` where ``--tag V`` is meant (``unlock``, ``lock``, ``images``): still accepted, with a
    warning on stderr; ``--version`` with no value prints the program's version, as everywhere else."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        kwargs.setdefault("nargs", "?")
        kwargs.setdefault("metavar", "V")
        super().__init__(option_strings, dest, **kwargs)  # type: ignore[arg-type]

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        import sys

        if values is None:  # on stdout, as argparse's version action prints it
            sys.stdout.write(program_version() + "\n")
            sys.stdout.flush()
            parser.exit(0)
        sys.stderr.write(f"warning: '--version {printable(values)}' for the image tag is deprecated; use "
                         f"'--tag {printable(values)}' ('--version' alone prints the program's version)\n")
        setattr(namespace, self.dest, values)


def add_tag_option(parser: argparse.ArgumentParser, *, nested: bool = False, help_text: str = "") -> None:
    """``--tag V`` (the platform version, i.e. the image tag) and its deprecated alias ``--version V``."""
    unset = argparse.SUPPRESS if nested else None
    parser.add_argument("--tag", metavar="V", dest="image_version", default=unset,
                        help=help_text or "platform version (image tag)")
    parser.add_argument("--version", action=DeprecatedTag, dest="image_version", default=unset,
                        help="deprecated alias of --tag (alone: the program's version)")
