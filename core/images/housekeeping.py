"""Image housekeeping: which versions of the platform's images are present locally, how much disk they use, and
removing old ones (``azaion images ls|rm|prune``, the Image unlock panel's versions box). No Qt.

The platform's images are ``{prefix}{service}:{version}`` for the configured services (core.images.image_config,
the same names unlock checks); the tag is the version. Anything else in the store is not ours and is never listed
or touched. A version is *complete* when every configured service has its image.

Removal is ``rmi NAME`` per image (never ``-f``, never by id): an image another name also points to is only
untagged. An image any container uses (running or stopped) is never removed, and neither is the rest of its
version: a version is removed whole or kept whole, and each kept version comes with the reason.

Sizes are what the tool reports per image (``image inspect``, bytes); layers shared between images are counted
once per image, so a version's size is an upper bound of what removing it frees. ``disk_used`` counts each
image id once."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from core.errors import AzaionError, DockerError
from core.images.archive import image_config
from core.images.docker_cli import DockerCli
from core.images.names import normalize, validate_version
from core.settings import Settings

log = logging.getLogger("azaion.images")

ID_PREFIX = "sha256:"


def _image_id(text: str) -> str:
    text = text.strip()
    return text[len(ID_PREFIX):] if text.startswith(ID_PREFIX) else text


def version_key(version: str) -> tuple:
    """Natural order of versions: ``1.10.0`` after ``1.9.2``, digits compared as numbers, the rest as text."""
    parts = re.findall(r"\d+|[^\d]+", version)
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


@dataclass(frozen=True)
class Container:
    name: str
    running: bool

    @property
    def described(self) -> str:
        return f"{'running' if self.running else 'stopped'} container {self.name}"


@dataclass(frozen=True)
class LocalImage:
    service: str
    name: str  # {prefix}{service}:{version}, as unlock names it
    image_id: str  # full id, without "sha256:"
    size: int | None  # bytes, as the tool reports; None when it said nothing usable
    containers: tuple[Container, ...] = ()

    @property
    def in_use(self) -> bool:
        return bool(self.containers)


@dataclass(frozen=True)
class VersionImages:
    version: str
    images: tuple[LocalImage, ...]
    missing: tuple[str, ...]  # configured services with no image of this version

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def size(self) -> int:
        """Bytes of this version's images (each image id once)."""
        return sum({i.image_id: i.size or 0 for i in self.images}.values())

    @property
    def users(self) -> list[tuple[LocalImage, Container]]:
        return [(image, c) for image in self.images for c in image.containers]

    @property
    def running(self) -> bool:
        return any(c.running for _, c in self.users)


@dataclass(frozen=True)
class Inventory:
    docker: str
    prefix: str
    services: tuple[str, ...]
    versions: tuple[VersionImages, ...]  # oldest first (version_key)

    @property
    def disk_used(self) -> int:
        return sum({i.image_id: i.size or 0 for v in self.versions for i in v.images}.values())

    def version(self, version: str) -> VersionImages | None:
        return next((v for v in self.versions if v.version == version), None)


@dataclass(frozen=True)
class Kept:
    version: str
    reason: str


@dataclass
class Removal:
    """What ``remove_version`` / ``prune`` did: images removed, versions kept (with why), images that failed."""

    removed: list[LocalImage] = field(default_factory=list)
    removed_versions: list[str] = field(default_factory=list)
    kept: list[Kept] = field(default_factory=list)
    failed: list[tuple[LocalImage, str]] = field(default_factory=list)

    @property
    def freed(self) -> int:
        return sum({i.image_id: i.size or 0 for i in self.removed}.values())


# ---- reading the store ---------------------------------------------------------------------------------------


def _tagged_images(cli: DockerCli) -> list[tuple[str, str]]:
    """(normalized name, image id) of every tagged image."""
    out = cli.run(["images", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}}\t{{.ID}}"],
                  what=f"{cli.command} images").stdout
    found = []
    for line in out.splitlines():
        name, _, ident = line.strip().partition("\t")
        if name and ident and "<none>" not in name:
            found.append((normalize(name), _image_id(ident)))
    return found


def _sizes(cli: DockerCli, ids: Sequence[str]) -> dict[str, int]:
    if not ids:
        return {}
    out = cli.run(["image", "inspect", "--format", "{{.Id}}\t{{.Size}}", *ids],
                  what=f"{cli.command} image inspect").stdout
    sizes = {}
    for line in out.splitlines():
        ident, _, size = line.strip().partition("\t")
        if size.strip().isdigit():
            sizes[_image_id(ident)] = int(size.strip())
    return sizes


def _containers(cli: DockerCli) -> dict[str, list[Container]]:
    """Image id → the containers (running or stopped) made from it."""
    ids = cli.run(["ps", "-a", "-q", "--no-trunc"], what=f"{cli.command} ps").stdout.split()
    if not ids:
        return {}
    out = cli.run(["container", "inspect", "--format", "{{.Image}}\t{{.State.Running}}\t{{.Name}}", *ids],
                  what=f"{cli.command} container inspect").stdout
    users: dict[str, list[Container]] = {}
    for line in out.splitlines():
        fields = line.strip().split("\t")
        if len(fields) != 3:
            continue
        image, running, name = fields
        users.setdefault(_image_id(image), []).append(Container(name.lstrip("/"), running.strip() == "true"))
    return users


def inventory(
    settings: Settings | None = None,
    *,
    docker: str | None = None,
    services: Sequence[str] | None = None,
    prefix: str | None = None,
    cli: DockerCli | None = None,
) -> Inventory:
    """The platform's images present locally, grouped by version (three or four short tool calls)."""
    cfg = image_config(settings, docker=docker, services=services, prefix=prefix)
    cli = cli or DockerCli(cfg.docker)
    by_repo = {normalize(f"{cfg.prefix}{service}:x").rsplit(":", 1)[0]: service for service in cfg.services}
    grouped: dict[str, dict[str, tuple[str, str]]] = {}
    for name, ident in _tagged_images(cli):
        repo, _, tag = name.rpartition(":")
        service = by_repo.get(repo)
        if service is None or "@" in name:
            continue
        grouped.setdefault(tag, {})[service] = (f"{cfg.prefix}{service}:{tag}", ident)
    ids = sorted({ident for group in grouped.values() for _, ident in group.values()})
    sizes = _sizes(cli, ids)
    users = _containers(cli) if ids else {}
    versions = []
    for tag in sorted(grouped, key=version_key):
        group = grouped[tag]
        images = tuple(
            LocalImage(service, name, ident, sizes.get(ident), tuple(users.get(ident, ())))
            for service in cfg.services if service in group
            for name, ident in (group[service],)
        )
        missing = tuple(s for s in cfg.services if s not in group)
        versions.append(VersionImages(tag, images, missing))
    return Inventory(cli.path, cfg.prefix, cfg.services, tuple(versions))


# ---- removing ------------------------------------------------------------------------------------------------


def _in_use_reason(group: VersionImages) -> str | None:
    users = group.users
    if not users:
        return None
    image, container = users[0]
    more = f" (and {len(users) - 1} more)" if len(users) > 1 else ""
    return f"in use: {image.name} is used by {container.described}{more}"


def _remove(cli: DockerCli, group: VersionImages, result: Removal,
            on_image: Callable[[LocalImage], None] | None) -> None:
    failures = 0
    for image in group.images:
        try:
            cli.run(["rmi", image.name], what=f"{cli.command} rmi {image.name}")
        except DockerError as exc:  # its text ends with what the tool said
            result.failed.append((image, str(exc)))
            failures += 1
            continue
        log.info("removed image %s", image.name)
        result.removed.append(image)
        if on_image is not None:
            on_image(image)
    if not failures:
        result.removed_versions.append(group.version)


def remove_version(
    version: str,
    settings: Settings | None = None,
    *,
    docker: str | None = None,
    services: Sequence[str] | None = None,
    prefix: str | None = None,
    cli: DockerCli | None = None,
    on_image: Callable[[LocalImage], None] | None = None,
) -> Removal:
    """Remove every image of ``version``, unless a container uses one of them (then the version is kept, with
    the reason). A version with no image here is an error (a typo must not look like success)."""
    validate_version(version)
    cfg = image_config(settings, docker=docker, services=services, prefix=prefix)
    cli = cli or DockerCli(cfg.docker)
    inv = inventory(docker=cfg.docker, services=cfg.services, prefix=cfg.prefix, cli=cli)
    group = inv.version(version)
    if group is None:
        present = ", ".join(v.version for v in inv.versions) or "none"
        raise AzaionError(f"no image of version {version} is present (versions present: {present})")
    result = Removal()
    reason = _in_use_reason(group)
    if reason:
        result.kept.append(Kept(version, reason))
        return result
    _remove(cli, group, result, on_image)
    return result


def prune(
    keep: int,
    settings: Settings | None = None,
    *,
    docker: str | None = None,
    services: Sequence[str] | None = None,
    prefix: str | None = None,
    cli: DockerCli | None = None,
    dry_run: bool = False,
    on_image: Callable[[LocalImage], None] | None = None,
) -> Removal:
    """Keep the ``keep`` newest versions (natural version order) and any version a container uses; remove the
    images of every other version. ``dry_run`` only reports what would be removed (``removed_versions``)."""
    if keep < 0:
        raise AzaionError(f"--keep must be 0 or more, not {keep}")
    cfg = image_config(settings, docker=docker, services=services, prefix=prefix)
    cli = cli or DockerCli(cfg.docker)
    inv = inventory(docker=cfg.docker, services=cfg.services, prefix=cfg.prefix, cli=cli)
    newest = [v.version for v in inv.versions][::-1][:keep]
    result = Removal()
    for group in inv.versions:
        if group.version in newest:
            rank = newest.index(group.version) + 1
            result.kept.append(Kept(group.version, "the newest version" if rank == 1 else
                                    f"among the {keep} newest versions (number {rank})"))
            continue
        reason = _in_use_reason(group)
        if reason:
            result.kept.append(Kept(group.version, reason))
            continue
        if dry_run:
            result.removed_versions.append(group.version)
            continue
        _remove(cli, group, result, on_image)
    return result
