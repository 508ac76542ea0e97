"""The CDN key pairs a sandbox serves in cdn.yaml (and its own admin pair), and an external S3 endpoint to use in
place of the sandbox's moto: kept apart from sandbox/s3.py so naming another S3 server does not import moto."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class KeyPair:
    access_key: str
    secret: str = field(repr=False)

    def __iter__(self):  # (key, secret) unpacking, as the old tuples allowed
        return iter((self.access_key, self.secret))


@dataclass(frozen=True)
class S3Users:
    """The key pairs of one sandbox. ``admin`` is the sandbox's own; cdn.yaml never carries it."""

    downloader: KeyPair
    uploader: KeyPair
    admin: KeyPair
    user_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExternalS3:
    """An S3-compatible server the sandbox uses instead of starting moto (a real Ceph RGW in tests/compat/):
    cdn.yaml names ``url`` with ``users``' downloader (and, for the upload roles, uploader) keys; the sandbox's
    own bucket creation and seeding use ``users.admin``. The server's users and policies are the caller's to
    make; ``ca_bundle`` is the PEM file to trust for an https ``url``."""

    url: str
    users: S3Users
    ca_bundle: str | None = None
