"""``azaion completion bash|zsh|fish``: a shell completion script generated from the parser itself (``shtab``), so
it knows every command, sub-command and option the installed version has. shtab is imported only here."""

from __future__ import annotations

import argparse
import functools
import sys

SHELLS = ("bash", "zsh", "fish")


def register(sub: argparse._SubParsersAction, root: argparse.ArgumentParser) -> None:
    """``root``: the whole ``azaion`` parser the script describes (complete by the time the command runs)."""
    p = sub.add_parser(
        "completion", help="print a shell completion script (bash, zsh, fish); see the README for where it goes"
    )
    p.add_argument("shell", choices=SHELLS)
    p.set_defaults(func=functools.partial(cmd_completion, root=root))


def completion_script(root: argparse.ArgumentParser, shell: str) -> str:
    """The completion script of ``root`` (the ``azaion`` parser) for ``shell``."""
    import shtab

    return shtab.complete(root, shell=shell)


def cmd_completion(args: argparse.Namespace, *, root: argparse.ArgumentParser) -> int:
    script = completion_script(root, args.shell)
    sys.stdout.write(script if script.endswith("\n") else script + "\n")
    sys.stdout.flush()
    return 0
