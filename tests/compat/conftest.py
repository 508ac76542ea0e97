"""The compatibility suite's fixtures: one real Ceph RADOS Gateway for the whole suite (tests/compat/ceph.py), with
three users made by ``radosgw-admin`` as a real deployment would have them:

- ``owner`` owns the buckets (the sandbox's admin key: bucket creation and its own seeding, never served);
- ``uploader`` owns no bucket and may write through each bucket's policy (so its ListBuckets is empty);
- ``downloader`` may only ``s3:GetObject`` (so a missing object is a 403, not a 404).

``sandbox`` is overridden here (package scope, like the gateway): the sandbox's API with cdn.yaml naming the
gateway, once over http and once over https (private CA; the client trusts it through ``ca_bundle``, CLI children
through ``AWS_CA_BUNDLE``). Every test asking for it runs under both. Without the Ceph packages the suite is
skipped, except under CI (where ``make test`` installs them as root), where that is a failure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest

from tests.compat.ceph import DEBIAN_PACKAGES, CephRgw, RgwUser, missing_binaries

UPLOADER_ACTIONS = (
    "s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts", "s3:ListBucketMultipartUploads",
)
DOWNLOADER_ACTIONS = ("s3:GetObject",)


class Gateway:
    """The running gateway and its three users."""

    def __init__(self, ceph: CephRgw, owner: RgwUser, uploader: RgwUser, downloader: RgwUser) -> None:
        self.ceph, self.owner, self.uploader, self.downloader = ceph, owner, uploader, downloader

    def policy(self, bucket: str) -> str:
        arn = [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]
        return json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": [self.owner.arn]}, "Action": ["s3:*"], "Resource": arn},
            {"Effect": "Allow", "Principal": {"AWS": [self.uploader.arn]}, "Action": list(UPLOADER_ACTIONS),
             "Resource": arn},
            {"Effect": "Allow", "Principal": {"AWS": [self.downloader.arn]}, "Action": list(DOWNLOADER_ACTIONS),
             "Resource": arn},
        ]})


@pytest.fixture(scope="package")
def gateway():
    """One gateway for the whole suite, stopped as soon as its last test ends (package scope: under ``make test``
    the daemons do not idle on through the rest of the run)."""
    missing = missing_binaries()
    if missing:
        message = (f"Ceph is not installed (missing {', '.join(missing)}; Debian packages: "
                   f"{' '.join(DEBIAN_PACKAGES)}, installed by 'make system-deps' as root)")
        if os.environ.get("CI") or os.environ.get("AZAION_REQUIRE_COMPAT"):
            pytest.fail(message)
        pytest.skip(message)
    try:
        ceph = CephRgw().start()
    except RuntimeError:  # a free port taken by another program meanwhile: once more, on other ports
        ceph = CephRgw().start()
    try:
        print(f"\nCeph RGW started in {ceph.started_in:.1f} s")
        yield Gateway(ceph, ceph.create_user("owner"), ceph.create_user("uploader"),
                      ceph.create_user("downloader"))
    finally:
        ceph.stop()


def _external(gw: Gateway, scheme: str):
    from sandbox.s3keys import ExternalS3, KeyPair, S3Users

    users = S3Users(
        downloader=KeyPair(gw.downloader.access_key, gw.downloader.secret),
        uploader=KeyPair(gw.uploader.access_key, gw.uploader.secret),
        admin=KeyPair(gw.owner.access_key, gw.owner.secret),
    )
    if scheme == "https":
        return ExternalS3(gw.ceph.https_url, users, gw.ceph.ca_bundle)
    return ExternalS3(gw.ceph.http_url, users)


@pytest.fixture(scope="package", params=["http", "https"])
def sandbox(request, gateway):
    """The sandbox's API serving a cdn.yaml that names the gateway (over ``request.param``)."""
    from sandbox.s3 import BUCKETS
    from sandbox.server import Sandbox

    sb = Sandbox(seed=False, s3=_external(gateway, request.param)).start()
    try:
        admin = sb.s3_client()
        for bucket in BUCKETS:
            admin.put_bucket_policy(Bucket=bucket, Policy=gateway.policy(bucket))
        yield sb
    finally:
        sb.stop()


@pytest.fixture
def cdn_options(sandbox) -> dict:
    """What a client needs to trust the gateway's private CA (nothing over http)."""
    return {"ca_bundle": sandbox.ca_bundle} if sandbox.ca_bundle else {}


@pytest.fixture
def make_client(make_client, cdn_options):
    """tests/conftest.py's make_client, trusting the gateway's CA; RGW's smallest part is 5 MiB."""

    def make(*args, **kwargs):
        options = {"part_size": 5 << 20, "multipart_threshold": 5 << 20, **cdn_options, **kwargs.pop("cdn_options", {})}
        return make_client(*args, cdn_options=options, **kwargs)

    return make


@pytest.fixture
def folder(sandbox, gateway):
    """A fresh bucket owned by ``owner``, with the usual policy."""
    name = f"compat-{uuid.uuid4().hex[:8]}"
    admin = sandbox.s3_client()
    admin.create_bucket(Bucket=name)
    admin.put_bucket_policy(Bucket=name, Policy=gateway.policy(name))
    return name


@pytest.fixture
def cli(sandbox, tmp_path):
    """``run(creds, *args)``: the real CLI with this test's own XDG folders, trusting the gateway's CA through
    ``AWS_CA_BUNDLE`` as a user would."""
    xdg = {v: tmp_path / v.lower() for v in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME")}

    def run(creds, *args: str) -> subprocess.CompletedProcess:
        env = {**os.environ, **{k: str(v) for k, v in xdg.items()},
               "AZAION_EMAIL": creds.email, "AZAION_PASSWORD": creds.password}
        if sandbox.ca_bundle:
            env["AWS_CA_BUNDLE"] = sandbox.ca_bundle
        return subprocess.run([sys.executable, "-m", "cli.main", "--api", sandbox.api_url, *args],
                              capture_output=True, text=True, env=env, timeout=120)

    run.journal_dir = xdg["XDG_DATA_HOME"] / "azaion-admin" / "transfers"
    run.xdg = xdg
    return run
