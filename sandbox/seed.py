"""Seed a sample big/small resource, made by the sandbox's own implementation of docs/protocol.md ("Big/small
resources"): encrypted with the shared resource key, split, the big part on S3 with its ``sha256`` and
``small-sha256`` metadata, the small part in the API's store. The client's download of it is then a check of the
client against an independent implementation, not of the client against itself."""

from __future__ import annotations

import hashlib
import random
from typing import TYPE_CHECKING

from sandbox.crypto import encrypt, resource_key, split

if TYPE_CHECKING:
    from sandbox.server import Sandbox

SEED_ACCOUNT = "uploader@sandbox.local"
"""The account a sandbox's sample is credited to (it stays unbound and never logged in)."""
SAMPLE_NAME = "sample-model.bin"
SAMPLE_FOLDER = "models"
SAMPLE_SIZE = 200 * 1024
_SAMPLE_IV = hashlib.sha256(b"Azaion sandbox sample resource IV").digest()[:16]


def sample_bytes() -> bytes:
    """~200 KB, identical on every OS and run (tests compare against it)."""
    header = b"Azaion sandbox sample model (deterministic test data)\n"
    return header + random.Random(42).randbytes(SAMPLE_SIZE - len(header))


def sample_parts() -> tuple[bytes, bytes]:
    """(small part, big part) of the sample. A fixed IV: moto's buckets are shared by every sandbox in one process,
    so each writes the same big part and none makes another's small part stale."""
    return split(encrypt(sample_bytes(), resource_key(), iv=_SAMPLE_IV))


def seed_sample_resource(sandbox: Sandbox) -> None:
    """Put ``models/sample-model.bin`` on the CDN (big part) and the API (small part, the commit point: last)."""
    small, big = sample_parts()
    metadata = {"sha256": hashlib.sha256(big).hexdigest(), "small-sha256": hashlib.sha256(small).hexdigest()}
    sandbox.s3_client().put_object(Bucket=SAMPLE_FOLDER, Key=f"{SAMPLE_NAME}.big", Body=big, Metadata=metadata)
    sandbox.state.put_file(SAMPLE_FOLDER, f"{SAMPLE_NAME}.small", small)
