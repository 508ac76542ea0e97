"""``azaion sync FOLDER DIR``: keep a local folder up to date with a server folder (core/sync.py), once or every
``--every`` period. Exit status: 0 when DIR is up to date, 4 when something was left alone on purpose (a file
changed or made locally, a name refused: listed on stderr, or in ``--json``), 1 on a failure, 130 when
interrupted mid-transfer (Ctrl+C, SIGTERM; a rerun resumes). Between ``--every`` rounds Ctrl+C or SIGTERM ends
the loop with 0: nothing was in flight."""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

from cli.args import path_arg
from cli.context import open_session
from cli.interrupt import cancel_on_sigint, restore_sigint
from cli.output import err, out, out_row, shown
from cli.progress import TerminalProgress
from core.cancel import CancelToken
from core.errors import AzaionError, CancelledError
from core.names import validate_folder
from core.observer import Callbacks
from core.retry import describe_retry
from core.text import printable

log = logging.getLogger("azaion.cli.sync")

INCOMPLETE_EXIT = 4
"""Something was not synced on purpose: a local change kept (conflict) or a server name refused."""


def duration_arg(value: str) -> int:
    from core.sync import parse_duration

    try:
        return parse_duration(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sync", help="keep a local folder up to date with a server folder (download what is new "
                                    "or changed)")
    p.add_argument("folder", metavar="FOLDER", help="the server folder")
    p.add_argument("dir", metavar="DIR", type=path_arg, help="the local folder (created if missing)")
    p.add_argument("--delete", action="store_true",
                   help="remove local files the server no longer has (only files sync wrote and nobody changed)")
    p.add_argument("--dry-run", action="store_true", help="print what would be done and change nothing")
    p.add_argument("--force", action="store_true",
                   help="replace local files that were changed locally or not written by sync")
    p.add_argument("--every", type=duration_arg, metavar="PERIOD",
                   help="keep running and sync every PERIOD (30s, 15m, 1h, 1h30m)")
    p.add_argument("--json", action="store_true",
                   help="print the plan (--dry-run) or the result as one JSON document (one per round with --every)")
    p.set_defaults(func=cmd_sync)


def cmd_sync(args: argparse.Namespace) -> int:
    validate_folder(args.folder)  # before any login
    if args.dry_run and args.every:
        raise AzaionError("--dry-run and --every do not go together: a plan is printed once")
    session = open_session(args)
    token, previous = cancel_on_sigint()
    try:
        with token.active():
            if args.every is None:
                return _round(session.client, args, token)
            return _loop(session.client, args, token)
    finally:
        restore_sigint(previous)


def _loop(client, args: argparse.Namespace, token: CancelToken) -> int:
    from core.sync import SyncBusyError

    while True:
        started = time.monotonic()
        try:
            _round(client, args, token)
        except CancelledError:
            raise
        except SyncBusyError as exc:
            err(f"note: {shown(exc)}; trying again in the next round")
        except AzaionError as exc:  # the server down, a file that failed: the next round tries again
            log.warning("sync round failed: %s", exc)
            err(f"error: {shown(exc)}; trying again in {args.every} s")
        wait = max(0.0, args.every - (time.monotonic() - started))
        if token.wait(wait):
            err("note: stopped")
            return 0


def _round(client, args: argparse.Namespace, token: CancelToken) -> int:
    from core import sync

    if args.dry_run:
        plan = sync.plan_sync(client, args.folder, args.dir, delete=args.delete, force=args.force, cancel=token)
        if args.json:
            print(json.dumps(plan.to_json(), ensure_ascii=True, sort_keys=True), flush=True)
            return 0
        for item in plan.download:
            out_row("download", item.name, item.reason)
        for name in plan.delete:
            out_row("delete", name)
        for item in plan.conflicts:
            out_row("conflict", item.name, item.reason)
        for item in plan.refused:
            out_row("refused", item.name, item.reason)
        out(f"{len(plan.unchanged)} unchanged")
        return 0

    progress: list[TerminalProgress] = []

    def on_file(name: str, what: str) -> None:
        if progress:
            progress.pop().close()
        if what == "download":
            progress.append(TerminalProgress(f"sync {name}"))

    def on_progress(done: int, total: int | None) -> None:
        if progress:
            progress[-1](done, total)

    def on_stage(stage: str) -> None:
        if progress:
            progress[-1].on_stage(stage)

    try:
        observer = Callbacks(on_progress, on_stage, on_event=lambda m: err(f"note: {m}"),
                             on_retry=lambda a, n, d, e: err(f"warning: {shown(e)}; {describe_retry(a, n, d)}"))
        result = sync.sync(client, args.folder, args.dir, delete=args.delete, force=args.force, observer=observer,
                           on_file=on_file, cancel=token)
    finally:
        on_file("", "done")
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=True, sort_keys=True), flush=True)
    else:
        for name in result.downloaded:
            out_row("downloaded", name)
        for name in result.deleted:
            out_row("deleted", name)
        out(f"synced {args.folder} into {printable(str(Path(args.dir)))}: {len(result.downloaded)} downloaded, "
            f"{len(result.deleted)} deleted, {len(result.plan.unchanged)} unchanged")
    for item in result.conflicts:
        err(f"warning: not synced {printable(item.name)}: {item.reason} (--force replaces it)")
    for item in result.plan.refused:
        err(f"warning: refused {printable(item.name)}: {shown(item.reason)}")
    for item in result.failed:
        err(f"error: {printable(item.name)}: {shown(item.reason)}")
    if result.failed:
        return 1
    return 0 if result.complete else INCOMPLETE_EXIT
