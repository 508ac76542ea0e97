"""CLI commands for image archives: ``unlock``, ``lock``, ``images`` and ``fetch-archive``.

Output of ``unlock`` and ``images --tag V``: one line per configured service, ``ok`` or ``missing``, then the
image name (``ok      azaion/loader:1.0.0``); the exit status is 1 when any service is missing.

``images ls|rm|prune``: housekeeping of the versions present (core/images/housekeeping.py); see the README.
The image tag is ``--tag V``; ``--version V`` is its deprecated alias there (a warning on stderr).
"""

from __future__ import annotations

import argparse

from cli.args import add_tag_option, path_arg
from cli.interrupt import long_running
from cli.jsonout import add_json_option, emit
from cli.output import err, out, out_row
from core.errors import LocalIOError

MISSING_EXIT = 1


def _csv(value: str) -> list[str]:
    items = [part.strip() for part in value.split(",") if part.strip()]
    if not items:
        raise argparse.ArgumentTypeError("expected a comma-separated list, e.g. annotations,detections")
    return items


def _add_image_options(p: argparse.ArgumentParser, *, check: bool = True, nested: bool = False) -> None:
    """``--tag V`` (with its deprecated alias ``--version V``), ``--docker`` and, for a check, ``--services`` and
    ``--prefix``. The tag is required by the commands that set ``needs_tag`` (checked in cli/main.py, a usage
    error); ``nested`` parsers default to SUPPRESS so a value given before the sub-command is kept."""
    unset = argparse.SUPPRESS if nested else None
    add_tag_option(p, nested=nested)
    p.add_argument("--docker", metavar="CMD", default=unset,
                   help="docker command: docker, podman or a full path (default: settings)")
    if check:
        p.add_argument("--services", type=_csv, metavar="a,b,c", default=unset,
                       help="services to check (default: settings)")
        p.add_argument("--prefix", metavar="P", default=unset,
                       help="image name prefix, e.g. azaion/ (default: settings)")


def _add_store_options(p: argparse.ArgumentParser) -> None:
    """What ``images ls|rm|prune`` share with ``images``: the store and the names (given before or after)."""
    p.add_argument("--docker", metavar="CMD", default=argparse.SUPPRESS,
                   help="docker command: docker, podman or a full path (default: settings)")
    p.add_argument("--services", type=_csv, metavar="a,b,c", default=argparse.SUPPRESS,
                   help="the platform's services (default: settings)")
    p.add_argument("--prefix", metavar="P", default=argparse.SUPPRESS,
                   help="image name prefix, e.g. azaion/ (default: settings)")
    add_json_option(p)


def _count(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {number}")
    return number


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("unlock", help="decrypt an image archive straight into docker load, then check the services")
    p.add_argument("archive", type=path_arg, metavar="ARCHIVE")
    _add_image_options(p)
    p.set_defaults(func=cmd_unlock, needs_tag=True)

    p = sub.add_parser("lock", help="docker save images into an encrypted archive and publish its key (admin)")
    _add_image_options(p, check=False)
    p.add_argument("-o", "--output", required=True, type=path_arg, metavar="ARCHIVE")
    p.add_argument(
        "images", nargs="*", metavar="IMAGE",
        help="images to save (default: {prefix}{service}:{version} for every service in the settings)",
    )
    p.set_defaults(func=cmd_lock, needs_tag=True)

    p = sub.add_parser(
        "images", help="check which service images of a version are loaded (--tag V); ls, rm, prune: housekeeping",
        description="Without ACTION: check which service images of version --tag V are loaded (one line "
                    "'ok|missing IMAGE' each, exit 1 if any is missing). ls, rm, prune: the versions present.",
    )
    _add_image_options(p)
    p.set_defaults(func=cmd_images, needs_tag=True)
    actions = p.add_subparsers(dest="images_command", metavar="ACTION")

    q = actions.add_parser("ls", help="the platform's images present here, by version: size, complete, in use")
    _add_store_options(q)
    q.set_defaults(func=cmd_images_ls, needs_tag=False)

    q = actions.add_parser("rm", help="remove every image of one version (never one a container uses)")
    add_tag_option(q, nested=True)
    _add_store_options(q)
    q.set_defaults(func=cmd_images_rm, needs_tag=True)

    q = actions.add_parser("prune", help="keep the N newest versions (and any in use); remove the others' images")
    q.add_argument("--keep", type=_count, required=True, metavar="N", help="how many of the newest versions to keep")
    q.add_argument("--dry-run", action="store_true", help="only say what would be removed")
    _add_store_options(q)
    q.set_defaults(func=cmd_images_prune, needs_tag=False)

    p = sub.add_parser("fetch-archive", help="download a version's encrypted image archive from the CDN")
    p.add_argument("archive_version", metavar="VERSION")
    p.add_argument("-o", "--output", required=True, type=path_arg, metavar="PATH",
                   help="a new file, or an existing folder (saved as VERSION.tar.enc)")
    p.add_argument("--force", action="store_true", help="replace an existing output file")
    p.set_defaults(func=cmd_fetch_archive)

def _print_statuses(statuses) -> int:  # Sequence[ServiceStatus]
    missing = 0
    for status in statuses:
        out(f"{status.label:<8}{status.image}")
        missing += not status.present
    return MISSING_EXIT if missing else 0


def cmd_unlock(args: argparse.Namespace) -> int:
    from cli.context import open_session
    from core.fileio import require_file
    from core.images import unlock_archive

    require_file(args.archive, "archive")
    session = open_session(args)
    with long_running(f"unlock {args.image_version}") as (progress, token):
        report = unlock_archive(
            args.archive,
            args.image_version,
            client=session.client,
            docker=args.docker,
            services=args.services,
            prefix=args.prefix,
            settings=session.settings,
            progress=progress,
            on_stage=progress.on_stage,
            cancel=token,
        )
    err(f"loaded {len(report.loaded)} image(s) from {report.archive}")
    return _print_statuses(report.services)


def cmd_lock(args: argparse.Namespace) -> int:
    from cli.context import open_session
    from core.fileio import check_output
    from core.images import expected_images, image_config, lock_images

    check_output(args.output)  # a device, FIFO or link to one is refused before docker runs (core/fileio.py)
    session = open_session(args)
    images = args.images
    if not images:
        cfg = image_config(session.settings)
        images = [image for _, image in expected_images(cfg.services, cfg.prefix, args.image_version)]
    with long_running(f"lock {args.image_version}") as (progress, token):
        report = lock_images(
            args.image_version,
            images,
            args.output,
            client=session.client,
            docker=args.docker,
            settings=session.settings,
            progress=progress,
            on_stage=progress.on_stage,
            cancel=token,
        )
    out(f"locked {len(report.images)} image(s) into {report.output} ({report.archive_bytes} bytes, "
        f"sha256 {report.sha256}); key fragment published for version {report.version}")
    return 0


def cmd_images(args: argparse.Namespace) -> int:
    from core.images import check_images

    result = check_images(args.image_version, docker=args.docker, services=args.services, prefix=args.prefix)
    return _print_statuses(result.services)


def cmd_fetch_archive(args: argparse.Namespace) -> int:
    from cli.commands import checked_output
    from cli.context import open_session
    from core.fileio import OutputExistsError
    from core.images import fetch_archive
    from core.images.archive import archive_key

    checked_output(args.output, archive_key(args.archive_version), args.force)  # before any login or download
    session = open_session(args)
    with long_running(f"fetch {args.archive_version}") as (progress, token):
        try:
            path = fetch_archive(session.client, args.archive_version, args.output, progress=progress,
                                 cancel=token, replace=args.force)
        except OutputExistsError as exc:  # appeared during the download
            raise LocalIOError(f"{exc}; use --force to replace it") from None
    out(f"downloaded the image archive of version {args.archive_version} to {path}")
    return 0


def _store_args(args: argparse.Namespace) -> dict:
    return {"docker": args.docker, "services": args.services, "prefix": args.prefix}


def cmd_images_ls(args: argparse.Namespace) -> int:
    from core.images.housekeeping import inventory
    from core.progress import human_bytes

    inv = inventory(**_store_args(args))
    if args.json:
        emit({
            "docker": inv.docker, "prefix": inv.prefix, "services": list(inv.services), "disk_used": inv.disk_used,
            "versions": [{
                "version": v.version, "complete": v.complete, "missing": list(v.missing), "size": v.size,
                "in_use": bool(v.users), "running": v.running,
                "images": [{"service": i.service, "name": i.name, "id": i.image_id, "size": i.size,
                            "containers": [{"name": c.name, "running": c.running} for c in i.containers]}
                           for i in v.images],
            } for v in inv.versions],
        })
        return 0
    for v in inv.versions:
        state = "complete" if v.complete else "incomplete (missing: " + ", ".join(v.missing) + ")"
        users = v.users
        use = "; ".join(f"{i.name} used by {c.described}" for i, c in users) if users else "-"
        out_row(v.version, state, human_bytes(v.size), f"{len(v.images)}/{len(inv.services)} services", use)
    err(f"{len(inv.versions)} version(s), {human_bytes(inv.disk_used)} of images")
    return 0


def _report_removal(args: argparse.Namespace, result, dry_run: bool = False) -> int:  # Removal
    from core.progress import human_bytes

    if args.json:
        emit({
            "dry_run": dry_run,
            "removed_versions": list(result.removed_versions),
            "removed_images": [i.name for i in result.removed],
            "freed": result.freed,
            "kept": [{"version": k.version, "reason": k.reason} for k in result.kept],
            "failed": [{"image": i.name, "error": message} for i, message in result.failed],
        })
    else:
        for kept in result.kept:
            out(f"kept {kept.version}: {kept.reason}")
        for image in result.removed:
            out(f"removed {image.name}")
        for version in result.removed_versions:
            out(f"{'would remove' if dry_run else 'removed'} version {version}")
        for image, message in result.failed:
            err(f"error: could not remove {image.name}: {message}")
        if result.removed:
            err(f"freed up to {human_bytes(result.freed)}")
    return 1 if result.failed else 0


def cmd_images_rm(args: argparse.Namespace) -> int:
    from core.images.housekeeping import remove_version

    result = remove_version(args.image_version, **_store_args(args))
    code = _report_removal(args, result)
    return code or (1 if result.kept else 0)  # asked to remove it and could not: a script must see it


def cmd_images_prune(args: argparse.Namespace) -> int:
    from core.images.housekeeping import prune

    result = prune(args.keep, dry_run=args.dry_run, **_store_args(args))
    return _report_removal(args, result, dry_run=args.dry_run)
