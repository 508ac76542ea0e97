"""``azaion``: the scripting CLI over the same core as the GUI. One line ``error: <message>`` on failure.

Everything the CLI prints goes through ``cli.output`` (``out``, ``out_row``, ``err``, ``shown``): see there."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

from cli.args import CliParser, add_global_options, check_parsed, spread_global_options
from cli.output import err, shown
from core.errors import AzaionError, CancelledError

log = logging.getLogger("azaion.cli")

Command = Callable[[argparse.Namespace], int]


FAILURE_EXIT = 1  # the command failed for a reason it names (AzaionError): server, files, docker, ...
UNEXPECTED_EXIT = 3  # a bug or an unforeseen failure: details in the log; scripts must not read it as usage
INTERRUPTED_EXIT = 130


def build_parser() -> argparse.ArgumentParser:
    from cli import commands, completion_command, image_commands, sandbox_command, sync_command, user_commands

    parser = CliParser(prog="azaion", description="Azaion platform client (scripting CLI).")
    add_global_options(parser, nested=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    commands.register(sub)  # login, logout, ls, upload, download, transfers, ...
    image_commands.register(sub)  # unlock, lock, images, fetch-archive
    user_commands.register(sub)  # users ..., installer
    sync_command.register(sub)  # sync
    sandbox_command.register(sub)  # the reference server, imported only when it runs
    completion_command.register(sub, parser)  # completion bash|zsh|fish
    spread_global_options(parser)  # azaion ls models --email x: after the command too
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    check_parsed(parser, args)
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
    except Exception as exc:  # the CLI promises no tracebacks; they go to the log
        log.exception("unexpected failure in %s", args.command)
        err(f"error: unexpected {type(exc).__name__}: {shown(exc)} (details in the log)")
        return UNEXPECTED_EXIT


if __name__ == "__main__":
    sys.exit(main())
