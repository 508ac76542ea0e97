"""Image names: what a version's services are called, how docker and podman spell what they loaded, and how to
compare the two (``docker.io/``, ``docker.io/library/`` and ``localhost/`` are the same image to a user)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from core.errors import InvalidNameError

# Docker's tag grammar: what may follow the ':' of an image name.
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_SERVICE = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")
_IMPLICIT_REGISTRIES = (
    "docker.io/library/",
    "index.docker.io/library/",
    "docker.io/",
    "index.docker.io/",
    "localhost/",
)
_LOADED = re.compile(r"^Loaded image(?:\(s\))?:\s*(.+)$")
_LOADED_ID = re.compile(r"^Loaded image ID:\s*(\S+)$")


def validate_version(version: str) -> str:
    """A version becomes an image tag and a URL segment: docker's tag rules (letters, digits, ``_ . -``)."""
    if not isinstance(version, str) or not _TAG.match(version):
        raise InvalidNameError(
            f"version {version!r} is not a valid image tag (letters, digits, '_', '.', '-'; at most 128, "
            "not starting with '.' or '-')"
        )
    return version


def validate_service(service: str) -> str:
    if not isinstance(service, str) or not _SERVICE.match(service):
        raise InvalidNameError(f"service name {service!r} is not a valid image name component (lower-case a-z, 0-9, "
                               "separators '.', '_', '-')")
    return service


def validate_image(name: str) -> str:
    """A name handed to ``docker save``: non-empty, no white space, and never option-like (``-o``...)."""
    if not isinstance(name, str) or not name or name.startswith("-") or any(c.isspace() for c in name):
        raise InvalidNameError(f"image name {name!r} is not valid")
    return name


def image_name(prefix: str, service: str, version: str) -> str:
    """``{prefix}{service}:{version}``, e.g. ``azaion/annotations:1.4.2``."""
    return f"{prefix}{validate_service(service)}:{validate_version(version)}"


def expected_images(services: Sequence[str], prefix: str, version: str) -> list[tuple[str, str]]:
    """(service, image name) for every configured service of ``version``."""
    return [(service, image_name(prefix, service, version)) for service in services]


def normalize(name: str) -> str:
    """The name as a user means it: implicit registries dropped, ``:latest`` made explicit.

    ``docker.io/library/redis`` → ``redis:latest``; ``localhost/azaion/loader:1.0`` → ``azaion/loader:1.0``."""
    text = name.strip()
    for registry in _IMPLICIT_REGISTRIES:
        if text.startswith(registry):
            text = text[len(registry):]
            break
    if "@" not in text and ":" not in text.rsplit("/", 1)[-1]:
        text += ":latest"
    return text


def parse_loaded(line: str) -> list[str]:
    """Image names from one line of ``docker load`` / ``podman load`` output (``Loaded image: X``,
    ``Loaded image(s): X, Y``, ``Loaded image ID: sha256:…``); [] for any other line."""
    text = line.strip()
    match = _LOADED_ID.match(text)
    if match:
        return [match.group(1)]
    match = _LOADED.match(text)
    if not match:
        return []
    return [part.strip() for part in match.group(1).split(",") if part.strip()]


def present(expected: str, available: Iterable[str]) -> bool:
    wanted = normalize(expected)
    return any(normalize(name) == wanted for name in available)
