"""CLI commands for image archives: ``unlock``, ``lock``, ``images`` and ``fetch-archive``.

Output of ``unlock`` and ``images``: one line per configured service, ``ok`` or ``missing``, then the image
name (``ok      azaion/loader:1.0.0``); the exit status is 1 when any service is missing.
"""

from __future__ import annotations

import argparse

from cli.args import path_arg
from cli.interrupt import long_running
from cli.output import err, out
from core.errors import LocalIOError

MISSING_EXIT = 1


def _csv(value: str) -> list[str]:
    items = [part.strip() for part in value.split(",") if part.strip()]
    if not items:
        raise argparse.ArgumentTypeError("expected a comma-separated list, e.g. annotations,detections")
    return items


def _add_image_options(p: argparse.ArgumentParser, *, check: bool = True) -> None:
    p.add_argument("--version", required=True, metavar="V", dest="image_version", help="platform version (image tag)")
    p.add_argument("--docker", metavar="CMD", help="docker command: docker, podman or a full path (default: settings)")
    if check:
        p.add_argument("--services", type=_csv, metavar="a,b,c", help="services to check (default: settings)")
        p.add_argument("--prefix", metavar="P", help="image name prefix, e.g. azaion/ (default: settings)")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("unlock", help="decrypt an image archive straight into docker load, then check the services")
    p.add_argument("archive", type=path_arg, metavar="ARCHIVE")
    _add_image_options(p)
    p.set_defaults(func=cmd_unlock)

    p = sub.add_parser("lock", help="docker save images into an encrypted archive and publish its key (admin)")
    _add_image_options(p, check=False)
    p.add_argument("-o", "--output", required=True, type=path_arg, metavar="ARCHIVE")
    p.add_argument(
        "images", nargs="*", metavar="IMAGE",
        help="images to save (default: {prefix}{service}:{version} for every service in the settings)",
    )
    p.set_defaults(func=cmd_lock)

    p = sub.add_parser("images", help="check which service images of a version are loaded")
    _add_image_options(p)
    p.set_defaults(func=cmd_images)

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
