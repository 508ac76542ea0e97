"""CLI commands for user administration and installers (the forms other checks depend on: see the README).

``users ls`` prints one user a line, tab-separated: email, role name, ``enabled``/``disabled``, last login
(ISO 8601 UTC, ``never`` before the first login).

``users add EMAIL --role ROLE`` takes the new user's password from stdin when stdin is not a terminal (its
first line), else prompts twice. With the global ``--password-stdin`` the administrator's password is stdin's
line 1 and the new user's password line 2.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC

from cli.args import path_arg
from cli.context import open_session, read_password
from cli.jsonout import add_json_option, emit
from cli.output import out, out_row
from core.errors import AzaionError, CancelledError
from core.models import User
from core.text import printable

NEVER_LOGGED_IN = "never"


def register(sub: argparse._SubParsersAction) -> None:
    users = sub.add_parser("users", help="manage users (Admin, ApiAdmin)")
    users_sub = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)

    p = users_sub.add_parser("ls", help="list users, one a line: email, role, enabled, last login")
    p.add_argument("--search", default="", metavar="S", help="only emails containing S (any case)")
    add_json_option(p)
    p.set_defaults(func=cmd_users_ls)

    p = users_sub.add_parser("add", help="create a user; the password comes from stdin or a prompt")
    p.add_argument("user_email", metavar="EMAIL")
    p.add_argument("--role", required=True, metavar="ROLE", help="a role name (any case) or its code")
    p.set_defaults(func=cmd_users_add)

    for name, helptext in (
        ("enable", "enable a user"),
        ("disable", "disable a user (they cannot log in until enabled)"),
        ("rm", "delete a user"),
        ("reset-hw", "unbind a user's machine; their next login binds the machine they use"),
    ):
        p = users_sub.add_parser(name, help=helptext)
        p.add_argument("user_email", metavar="EMAIL")
        if name in ("rm", "reset-hw"):
            p.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation on a terminal")
        p.set_defaults(func=cmd_users_action, action=name)

    p = users_sub.add_parser("role", help="change a user's role")
    p.add_argument("user_email", metavar="EMAIL")
    p.add_argument("role", metavar="ROLE", help="a role name (any case) or its code")
    p.set_defaults(func=cmd_users_role)

    p = sub.add_parser("installer", help="download the platform installer")
    p.add_argument("--stage", action="store_true", help="the stage installer instead of production")
    p.add_argument(
        "-o", "--output", required=True, type=path_arg, metavar="PATH",
        help="a file, or a folder to save under the server's file name",
    )
    p.add_argument("--force", action="store_true", help="replace an existing file of the server's name in the folder")
    p.set_defaults(func=cmd_installer)


def user_fields(user: User) -> tuple[str, str, str, str]:
    last = user.last_login.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if user.last_login else NEVER_LOGGED_IN
    return user.email, user.role.label, "enabled" if user.is_enabled else "disabled", last


def cmd_users_ls(args: argparse.Namespace) -> int:
    from core.users import list_users

    found = list_users(open_session(args).client, args.search)
    if args.json:
        from cli.commands import user_document

        emit({"users": [user_document(user) for user in found]})
        return 0
    for user in found:
        out_row(*user_fields(user))  # each field printable: an email cannot forge a column or a line
    return 0


def read_new_password(args: argparse.Namespace) -> str:
    """The new user's password: stdin's next line when stdin is not a terminal (after the administrator's, when
    ``--password-stdin`` took line 1), else typed twice at a prompt."""
    from core.users import UserInputError, check_password

    if args.password_stdin:
        read_password(args)  # line 1 is the administrator's: take it first, open_session reuses it
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            where = "line 2 of stdin (line 1 is your own password)" if args.password_stdin else "stdin"
            raise UserInputError(f"no password for the new user on {where}")
        return check_password(password)
    first = getpass.getpass(f"Password for {args.user_email}: ")
    second = getpass.getpass("Repeat the password: ")
    if first != second:
        raise UserInputError("the passwords do not match")
    return check_password(first)


def cmd_users_add(args: argparse.Namespace) -> int:
    from core.redaction import register_secret
    from core.users import check_email, create_user, parse_role

    email = check_email(args.user_email)
    role = parse_role(args.role)  # refuse a bad role before asking for any password
    password = read_new_password(args)
    register_secret(password)
    user = create_user(open_session(args).client, email, password, role)
    out(f"created {printable(user.email)} ({user.role.label})")
    return 0


def _confirm(question: str) -> bool:
    """Ask on a terminal only; scripts (stdin not a terminal) are never asked."""
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        return True
    sys.stderr.write(f"{printable(question)} [y/N] ")
    sys.stderr.flush()
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def cmd_users_action(args: argparse.Namespace) -> int:
    from core import users

    email = args.user_email.strip()
    if args.action == "rm" and not args.yes and not _confirm(f"Delete the user {email}?"):
        raise CancelledError("not deleted")
    if args.action == "reset-hw" and not args.yes and not _confirm(f"Reset the hardware binding of {email}?"):
        raise CancelledError("not reset")
    client = open_session(args).client
    if args.action == "enable":
        users.enable_user(client, email)
        out(f"enabled {email}")
    elif args.action == "disable":
        users.disable_user(client, email)
        out(f"disabled {email}")
    elif args.action == "rm":
        users.delete_user(client, email)
        out(f"deleted {email}")
    elif args.action == "reset-hw":
        users.reset_hardware(client, email)
        out(f"reset the hardware binding of {email}")
    else:  # pragma: no cover - argparse only offers the four above
        raise AzaionError(f"unknown action {args.action}")
    return 0


def cmd_users_role(args: argparse.Namespace) -> int:
    from core.users import parse_role, set_role

    role = parse_role(args.role)
    email = args.user_email.strip()
    set_role(open_session(args).client, email, role)
    out(f"{email} is now {role.label}")
    return 0


def cmd_installer(args: argparse.Namespace) -> int:
    from cli.interrupt import long_running
    from core.errors import LocalIOError
    from core.fileio import OutputExistsError
    from core.installers import download_installer

    session = open_session(args)
    label = "stage installer" if args.stage else "installer"
    with long_running(label) as (progress, token):
        try:
            result = download_installer(session.client, args.output, stage=args.stage, progress=progress,
                                        cancel=token, replace=args.force)
        except OutputExistsError as exc:
            raise LocalIOError(f"{exc}; use --force to replace it") from None
    out(f"downloaded the {label} to {printable(result.path)} ({result.size} bytes)")  # the name is the server's
    return 0
