"""``azaion completion bash|zsh|fish``: a shell completion script generated from the parser itself (``shtab``), so
it knows every command, sub-command and option the installed version has. shtab is imported only here."""

from __future__ import annotations

import argparse
import sys

SHELLS = ("bash", "zsh", "fish")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "completion", help="print a shell completion script (bash, zsh, fish); see the README for where it goes"
    )
    p.add_argument("shell", choices=SHELLS)
    p.set_defaults(func=cmd_completion)


def completion_script(shell: str) -> str:
    """The completion script of ``azaion`` for ``shell``."""
    import shtab

    from cli.main import build_parser

    return shtab.complete(build_parser(), shell=shell)


def cmd_completion(args: argparse.Namespace) -> int:
    script = completion_script(args.shell)
    sys.stdout.write(script if script.endswith("\n") else script + "\n")
    sys.stdout.flush()
    return 0
