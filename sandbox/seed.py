"""Seed a sample big/small resource through the real client path, so a fresh sandbox already holds a resource
whose parts (API small part, S3 big part with sha256 metadata) were produced exactly as a client produces them."""

from __future__ import annotations

import random
import shutil
import tempfile
from typing import TYPE_CHECKING

from sandbox.state import DEMO_PASSWORD

if TYPE_CHECKING:
    from sandbox.server import Sandbox

SEED_ACCOUNT = "uploader@sandbox.local"
SEED_HARDWARE = "sandbox-seed"
SAMPLE_NAME = "sample-model.bin"
SAMPLE_FOLDER = "models"
SAMPLE_SIZE = 200 * 1024


def sample_bytes() -> bytes:
    """~200 KB, identical on every OS and run (tests compare against it)."""
    header = b"Azaion sandbox sample model (deterministic test data)\n"
    return header + random.Random(42).randbytes(SAMPLE_SIZE - len(header))


def seed_sample_resource(sandbox: Sandbox) -> None:
    """Upload ``models/sample-model.bin`` as the uploader, then put that account back as it was: unbound, with its
    previous last login (the seeding is not a user's login)."""
    from core.api_client import ApiClient

    before = sandbox.state.get_user(SEED_ACCOUNT)
    last_login = before.last_login if before is not None else None
    cache = tempfile.mkdtemp(prefix="azaion-sandbox-seed-")
    try:
        options = {"ca_bundle": sandbox.ca_bundle} if sandbox.ca_bundle else {}
        client = ApiClient(sandbox.api_url, cache_dir=cache, hardware=SEED_HARDWARE, cdn_options=options)
        client.set_credentials_from_dict(SEED_ACCOUNT, DEMO_PASSWORD)
        client.login()
        client.upload_big_small_resource(sample_bytes(), SAMPLE_NAME, SAMPLE_FOLDER)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        sandbox.state.set_hardware(SEED_ACCOUNT, None)
        sandbox.state.set_last_login(SEED_ACCOUNT, last_login)
