"""The sandbox's sample image archive: one tiny hand-made image per default service, locked exactly as
``azaion lock`` would (``docker save`` tar, IV + AES-256-CBC keyed by SHA-256 of a fragment), stored on the CDN
as ``images/{version}.tar.enc`` with its key fragment and SHA-256 published for the version.

The bytes are deterministic (fixed fragment, IV and tar): moto keeps its buckets process-wide, so every sandbox
in one process writes the same object and each one's fragment matches it.
"""

from __future__ import annotations

import functools
import hashlib
from typing import TYPE_CHECKING

from sandbox.crypto import encrypt, fragment_key
from sandbox.tarball import docker_archive_bytes, service_images

if TYPE_CHECKING:
    from sandbox.server import Sandbox

ARCHIVE_BUCKET = "images"
ARCHIVE_SUFFIX = ".tar.enc"
# The client's defaults (docs/protocol.md, "Services and image names"): with default settings, the sample unlocks.
SAMPLE_SERVICES = ("annotations", "detections", "loader", "gps-denied")
SAMPLE_PREFIX = "azaion/"
SAMPLE_VERSION = "1.0.0-sandbox"
SAMPLE_FRAGMENT = hashlib.sha256(b"Azaion sandbox sample image key fragment").digest()
_SAMPLE_IV = hashlib.sha256(b"Azaion sandbox sample image IV").digest()[:16]


@functools.lru_cache(maxsize=4)
def sample_archive(version: str = SAMPLE_VERSION) -> bytes:
    """The encrypted archive of ``{prefix}{service}:{version}`` for every default service (a few KiB)."""
    tar = docker_archive_bytes(service_images(SAMPLE_SERVICES, SAMPLE_PREFIX, version))
    return encrypt(tar, fragment_key(SAMPLE_FRAGMENT), iv=_SAMPLE_IV)


def seed_sample_images(sandbox: Sandbox, version: str = SAMPLE_VERSION) -> None:
    """Put the sample archive on the CDN and publish its fragment and SHA-256 for ``version``."""
    data = sample_archive(version)
    digest = hashlib.sha256(data).hexdigest()
    sandbox.s3_client().put_object(
        Bucket=ARCHIVE_BUCKET, Key=version + ARCHIVE_SUFFIX, Body=data, Metadata={"sha256": digest}
    )
    sandbox.state.put_fragment(version, SAMPLE_FRAGMENT, digest)
