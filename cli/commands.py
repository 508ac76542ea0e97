"""CLI commands for sessions and resources (the forms other checks depend on: see the README)."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cli.args import path_arg
from cli.context import open_session
from cli.interrupt import long_running
from cli.jsonout import add_json_option, emit, iso
from cli.output import err, out, out_row, shown
from core.errors import AzaionError, LocalIOError, PermissionDeniedError
from core.names import validate_folder, validate_resource_name
from core.retry import describe_retry
from core.text import printable

if TYPE_CHECKING:
    from cli.progress import TerminalProgress
    from core.observer import TransferObserver


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("login", help="verify the credentials and store the password in the keyring")
    p.add_argument("--no-store", action="store_true", help="do not store the password")
    p.set_defaults(func=cmd_login)

    p = sub.add_parser(
        "logout", help="forget the stored password for the profile and account (a token is never stored)"
    )
    p.add_argument("--json", action="store_true", help="print what was removed as one JSON document")
    p.set_defaults(func=cmd_logout)

    p = sub.add_parser("whoami", help="show the logged-in user")
    add_json_option(p)
    p.set_defaults(func=cmd_whoami)

    p = sub.add_parser("check", help="bind this account to this machine, or report the mismatch")
    add_json_option(p)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("ls", help="list the resources of a folder, one name per line (as download takes it)")
    p.add_argument("folder")
    p.add_argument("--search", default="", metavar="S")
    p.add_argument("-l", "--long", action="store_true",
                   help="also sizes and dates (tab-separated: name, size in bytes, modified, kind, cached)")
    add_json_option(p)
    p.set_defaults(func=cmd_ls)

    p = sub.add_parser("upload", help="encrypt and upload a file as a big/small resource")
    p.add_argument("file", type=path_arg)
    p.add_argument("--folder", required=True)
    p.add_argument("--name", help="resource name (default: the file's name)")
    p.set_defaults(func=cmd_upload)

    p = sub.add_parser("download", help="download and decrypt a big/small resource")
    p.add_argument("name")
    p.add_argument("--folder", required=True)
    p.add_argument("-o", "--output", required=True, type=path_arg, metavar="PATH",
                   help="a new file, an existing folder (saved under NAME), or - for standard output")
    p.add_argument("--force", action="store_true", help="replace an existing output file")
    p.set_defaults(func=cmd_download)

    p = sub.add_parser(
        "transfers", help="incomplete uploads (local journals and multipart uploads pending on the CDN): list, "
        "abort one, clean stale ones",
    )
    p.add_argument("action", choices=["ls", "abort", "clean"])
    p.add_argument(
        "id", nargs="?", metavar="ID",
        help="for abort: a journal id, a CDN upload id (or a unique prefix of either), or FOLDER/KEY",
    )
    p.add_argument("--folder", action="append", metavar="F",
                   help="CDN folder to look in (repeatable; default: every bucket the uploader key can list)")
    p.add_argument("--local", action="store_true", help="only this machine's journals; do not ask the CDN")
    p.add_argument("--older-than-days", type=float, default=None, help="for clean (default: the setting)")
    add_json_option(p)
    p.set_defaults(func=cmd_transfers)


def cmd_login(args: argparse.Namespace) -> int:
    from core.credential_store import CredentialStore
    from core.settings import save_settings

    session = open_session(args)
    user = session.client.get_user()
    if not args.no_store and session.password_source != "keyring":
        store = CredentialStore()
        credentials = session.client.credentials
        assert credentials is not None  # open_session logged in with them
        if not store.save(session.profile_id, session.email, credentials.password):
            err(f"warning: {store.last_warning}")
        _remember_email(session)
        save_settings(session.settings)
    out(f"logged in as {printable(user.email)} ({user.role.label})")
    return 0


def _remember_email(session) -> None:
    settings = session.settings
    for profile in settings.profiles:
        if profile.id == session.profile_id:
            profile.email = session.email
            return
    settings.add_or_update_profile(
        session.profile_id, name=session.client.api_url, api_url=session.client.api_url, email=session.email
    )


def cmd_logout(args: argparse.Namespace) -> int:
    """Forget the password stored in the keyring for (profile, email): the account given (``--email``,
    ``AZAION_EMAIL``) or the profile's. Idempotent: a second logout says there was nothing to remove. Tokens are
    never written anywhere (core/settings.py), so there is none to remove; the line says so."""
    from cli.context import resolve_api
    from core.credential_store import CredentialStore
    from core.settings import load_settings

    settings = load_settings()
    api_url, profile_id, default_email = resolve_api(args, settings)
    email = args.email or os.environ.get("AZAION_EMAIL") or default_email
    if not email:
        raise AzaionError("no account to log out: pass --email (the profile remembers none)")
    store = CredentialStore()
    if not store.is_usable():  # "nothing to remove" would be a guess: the password may still be stored there
        raise AzaionError(f"cannot use the system keyring ({store.problem or 'unknown reason'}); nothing was removed")
    had = bool(store.load(profile_id, email))
    store.forget(profile_id, email)
    if had and store.load(profile_id, email):  # the keyring refused the removal: not logged out
        raise AzaionError(f"could not remove the stored password for {email} from the keyring (see the log)")
    if args.json:
        emit({"profile": profile_id, "api_url": api_url, "email": email, "password_removed": had,
              "token_removed": False})
    elif had:
        out(f"removed the stored password for {printable(email)} (profile {printable(profile_id)}); "
            "no token is stored on disk")
    else:
        out(f"nothing to remove: no stored password for {printable(email)} (profile {printable(profile_id)}); "
            "no token is stored on disk")
    return 0


def user_document(user) -> dict:  # core.models.User
    """A user as ``--json`` shows one (``whoami``, ``users ls``)."""
    return {
        "id": user.id,
        "email": user.email,
        "role": user.role.label,
        "role_code": int(user.role.value),
        "enabled": bool(user.is_enabled),
        "hardware_bound": bool(user.hardware),
        "last_login": iso(user.last_login),
    }


def cmd_whoami(args: argparse.Namespace) -> int:
    session = open_session(args)
    user = session.client.get_user()
    if args.json:
        emit({**user_document(user), "api_url": session.client.api_url, "profile": session.profile_id})
        return 0
    out_row(user.email, user.role.label, "enabled" if user.is_enabled else "disabled")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    session = open_session(args)
    session.client.check_resource()  # a machine bound elsewhere fails here: error line, exit 1, nothing on stdout
    if args.json:
        emit({"bound": True, "email": session.email, "api_url": session.client.api_url})
        return 0
    out("ok: this machine is bound to the account")
    return 0


def cmd_ls(args: argparse.Namespace) -> int:
    validate_folder(args.folder)
    client = open_session(args).client
    if not (args.long or args.json):
        from core.listing import listing_names

        for name in listing_names(client.list_files(args.folder, args.search)):
            out(printable(name))  # a listed name is the server's: it must not carry a tab or a line of its own
        return 0
    from core.resource_rows import listing_rows

    rows = listing_rows(client, args.folder, args.search)  # the GUI's source: one CDN listing at most
    if args.json:
        emit({"folder": args.folder, "resources": [
            {"name": r.name, "kind": r.kind, "size": r.size, "size_approximate": r.approx,
             "modified": iso(r.modified), "cached": r.cached}
            for r in rows
        ]})
        return 0
    for r in rows:
        size = "-" if r.size is None else f"~{r.size}" if r.approx else str(r.size)
        out_row(r.name, size, iso(r.modified) or "-", r.kind, "cached" if r.cached else "-")
    return 0


def _note(message: str) -> None:
    err(f"note: {message}")


def _folder_note(message: str) -> None:
    _note(f"{message} (--folder F)")


def _retrying(attempt: int, attempts: int, delay: float, error: Exception) -> None:
    err(f"warning: {shown(error)}; {describe_retry(attempt, attempts, delay)}")


def _observer(progress: TerminalProgress) -> TransferObserver:
    """What a transfer reports, on stderr: the progress line and its stage, notes and retry warnings."""
    from core.observer import Callbacks

    return Callbacks(progress, progress.on_stage, _retrying, _note)


def cmd_upload(args: argparse.Namespace) -> int:
    from core.fileio import require_file

    path: Path = args.file
    name = validate_resource_name(args.name or path.name)  # bad names and folders fail before any I/O (no login either)
    validate_folder(args.folder)
    require_file(path)
    session = open_session(args)
    role = session.client.role
    if not role.can_upload():  # before any work: the server gives this role no uploader keys for the CDN
        raise PermissionDeniedError(
            f"this account ({role.label}) cannot upload: uploading needs a ResourceUploader, Admin or ApiAdmin account"
        )
    from core.transfers import clean_stale_uploads

    for stale in clean_stale_uploads(session.client, session.settings.stale_upload_days):
        _note(f"aborted a stale incomplete upload of {stale.folder}/{stale.name}")
    with long_running(f"upload {name}") as (progress, token):
        report = session.client.transfers.upload(path, name, args.folder, observer=_observer(progress), cancel=token)
    out(f"uploaded {args.folder}/{name} ({report.plain_size} bytes)")
    return 0


STDOUT = "-"


def checked_output(output: Path, name: str, force: bool) -> Path:
    """The file ``-o`` names (``output/name`` for a folder), checked before any login or download: a device,
    FIFO, socket or a link to one is refused, and an existing file unless ``--force``."""
    from core.fileio import OutputExistsError, output_target

    try:
        return output_target(output, name, replace=force)
    except OutputExistsError as exc:
        raise LocalIOError(f"{exc}; use --force to replace it") from None


def cmd_download(args: argparse.Namespace) -> int:
    from core.fileio import OutputExistsError

    name = validate_resource_name(args.name)  # bad names, folders and outputs fail before any I/O (no login)
    validate_folder(args.folder)
    if str(args.output) == STDOUT:
        return _download_to_stdout(args, name)
    checked_output(args.output, name, args.force)
    session = open_session(args)
    with long_running(f"download {name}") as (progress, token):
        try:
            report = session.client.transfers.download_to_path(
                name, args.folder, args.output, observer=_observer(progress), cancel=token, replace=args.force,
            )
        except OutputExistsError as exc:  # appeared during the download
            raise LocalIOError(f"{exc}; use --force to replace it") from None
    out(f"downloaded {args.folder}/{name} to {report.output} ({report.source})")
    return 0


def _download_to_stdout(args: argparse.Namespace, name: str) -> int:
    """``-o -``: the plaintext streams to standard output as it is decrypted (for a pipe), everything else goes
    to stderr. The checks still run, but only at the end: when one fails, the exit status is non-zero and what
    was written must be thrown away (a file output is never renamed into place in that case)."""
    from core.errors import IntegrityError
    from core.fileio import write_stream

    if sys.stdout.isatty():
        raise LocalIOError("refusing to write binary data to a terminal: redirect or pipe standard output")
    session = open_session(args)

    def cannot_discard() -> None:
        raise IntegrityError(
            f"{args.folder}/{name} had to be fetched again after part of it was written to standard output; "
            "discard that output and run the download again"
        )

    stdout = sys.stdout.buffer
    try:
        with long_running(f"download {name}") as (progress, token):
            report = session.client.transfers.download(
                name, args.folder, write_stream(stdout.write, "standard output"),
                observer=_observer(progress), cancel=token, discard_output=cannot_discard,
            )
            try:
                stdout.flush()
            except OSError as exc:
                raise LocalIOError(f"cannot write to standard output: {exc.strerror or exc}") from None
    except LocalIOError:
        _drop_stdout()  # a closed pipe: no second complaint when Python flushes it at exit
        raise
    err(f"downloaded {args.folder}/{name} to standard output ({report.size} bytes, {report.source})")
    return 0


def cmd_transfers(args: argparse.Namespace) -> int:
    """Lines are tab-separated. ``local  ID  FOLDER/NAME  K/N parts  SOURCE`` for this machine's journals;
    ``cdn  FOLDER/KEY  UPLOAD_ID  INITIATED  JOURNAL_ID|orphan`` for multipart uploads pending on the CDN."""
    from core import pending_uploads as pending
    from core import transfers

    for folder in args.folder or ():
        validate_folder(folder)
    if args.action == "abort" and not args.id:
        raise LocalIOError("abort needs an id shown by 'azaion transfers ls' (journal id, upload id or FOLDER/KEY)")
    if args.json and args.action != "ls":
        raise LocalIOError(f"--json is for 'transfers ls', not 'transfers {args.action}'")
    session = open_session(args)
    client = session.client
    use_cdn = not args.local
    if use_cdn and args.action == "ls":
        pending.require_uploader(client)  # before printing anything: a clear error, not half a listing
    if args.action == "ls":
        local = transfers.incomplete_uploads(client)
        remote = pending.pending_uploads(client, args.folder, on_note=_folder_note) if use_cdn else []
        if args.json:
            emit({
                "local": [{"id": u.id, "folder": u.folder, "name": u.name, "source": u.source, "size": u.size,
                           "parts_done": u.parts_done, "parts_total": u.parts_total, "updated": iso(u.updated)}
                          for u in local],
                "cdn_checked": use_cdn,
                "cdn": [{"folder": p.folder, "key": p.key, "upload_id": p.upload_id, "initiated": iso(p.initiated),
                         "journal_id": p.journal_id} for p in remote],
            })
            return 0
        for u in local:
            out_row("local", u.id, f"{u.folder}/{u.name}", f"{u.parts_done}/{u.parts_total} parts", u.source)
        for p in remote:
            out_row("cdn", f"{p.folder}/{p.key}", p.upload_id, p.initiated_text, p.journal_id or "orphan")
    elif args.action == "abort":
        _abort(client, args.id, args.folder if use_cdn else None, use_cdn)
    else:
        days = args.older_than_days if args.older_than_days is not None else session.settings.stale_upload_days
        for j in transfers.clean_stale_uploads(client, days):
            out(f"cleaned {j.folder}/{j.name} (journal {j.id})")
        if use_cdn:
            if pending.may_manage(client):
                result = pending.clean_orphans(client, days, args.folder, on_note=_folder_note)
                for p in result.cleaned:
                    out(f"cleaned {p.folder}/{printable(p.key)} (upload {printable(p.upload_id)}, no journal)")
                for p, exc in result.failed:  # still on the CDN, keeping its parts: a script must see it
                    err(f"warning: could not abort {p.folder}/{printable(p.key)} (upload {printable(p.upload_id)}): "
                        f"{shown(exc)}")
                if result.failed:
                    return 1
            else:
                _note(f"orphan uploads on the CDN were not looked for: a {client.role.label} account cannot")
    return 0


def _abort(client, ident: str, folders: list[str] | None, use_cdn: bool) -> None:
    """A local journal id (prefix) first; then CDN uploads by upload id (prefix) or FOLDER/KEY."""
    from core import pending_uploads as pending
    from core import transfers

    journals = [u for u in transfers.incomplete_uploads(client) if u.id.startswith(ident)] if "/" not in ident else []
    if len(journals) > 1:
        raise AzaionError(f"{ident!r} matches {len(journals)} incomplete uploads; give more of the id")
    if journals:
        j = transfers.abort_upload(client, journals[0].id)
        out(f"aborted {j.folder}/{j.name} (journal {j.id})")
        return
    if not use_cdn:
        raise AzaionError(f"no incomplete upload on this machine matches {ident!r}")
    if "/" in ident:
        folder, _, key = ident.partition("/")
        validate_folder(folder)
        folders = [folder]
    matches = pending.match(pending.pending_uploads(client, folders, on_note=_folder_note), ident)
    if not matches:
        raise AzaionError(f"no incomplete upload matches {ident!r} (see 'azaion transfers ls')")
    if "/" not in ident and len(matches) > 1:
        raise AzaionError(f"{ident!r} matches {len(matches)} incomplete uploads; give more of the upload id")
    for p in matches:
        pending.abort(client, p)
        out(f"aborted {p.folder}/{printable(p.key)} (upload {printable(p.upload_id)})")


def _drop_stdout() -> None:
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
