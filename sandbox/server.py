"""The sandbox: the API (Flask on werkzeug) and an S3 endpoint (moto) on loopback ports, started in threads so
tests and the GUI can talk to a real server without any network or cloud account."""

from __future__ import annotations

import ipaddress
import secrets
import shutil
import tempfile
import threading
from pathlib import Path
from types import TracebackType

import yaml
from botocore.client import BaseClient
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler

from sandbox.api import create_app
from sandbox.roles import UPLOAD_ROLES, RoleEnum
from sandbox.s3keys import ExternalS3
from sandbox.state import SandboxState
from sandbox.wsgi import make_threaded_server

REGION = "us-east-1"
README = b"Azaion sandbox: sample folder. Files here come from the sandbox seed, not from a real deployment.\n"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _url(host: str, port: int, scheme: str = "http") -> str:
    bare = host.strip("[]")
    return f"{scheme}://[{bare}]:{port}" if ":" in bare else f"{scheme}://{bare}:{port}"


class _QuietHandler(WSGIRequestHandler):
    """No per-request access log lines on stderr."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class Sandbox:
    """API + S3 on loopback. ``with Sandbox(seed=False) as sb: requests.get(sb.api_url + ...)``."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        api_port: int = 0,
        s3_port: int = 0,
        cdn_url: str | None = None,
        token_lifetime: int = 3600,
        seed: bool = True,
        tls: bool = False,
        s3: ExternalS3 | None = None,
        api_tls: bool = False,
    ) -> None:
        """``tls``: serve S3 over https with a private CA made at start (``ca_bundle`` names its PEM file, for
        clients to trust; production CDNs are https). ``api_tls``: the API too, with the same CA (``python -m
        sandbox --tls`` turns both on). ``s3``: use that S3 server (its URL, keys and CA) instead of starting
        moto; ``s3_port`` and ``tls`` then do not apply to it, and ``ca_bundle`` is its CA."""
        if not is_loopback(host):
            raise ValueError(f"the sandbox only listens on loopback hosts, not {host!r}")
        self.host = host.strip("[]")
        self._api_port = api_port
        self._s3_port = s3_port
        self._cdn_url_override = cdn_url.rstrip("/") if cdn_url else None
        self.token_lifetime = token_lifetime
        self.seed = seed
        self.tls = tls
        self.external_s3 = s3
        self.api_tls = api_tls
        self.api_ca_bundle: str | None = None
        """The PEM file of the CA that signed the API's certificate (``api_tls``)."""
        self._tls_files: tuple[str, str, str] | None = None  # (ca, certificate, key)
        self.ca_bundle: str | None = None
        self._tls_dir: str | None = None
        self.state = SandboxState()
        self.secret = secrets.token_hex(32)
        self.api_url = ""
        self.s3_url = ""
        self.cdn_url = self._cdn_url_override or ""  # the S3 URL once started, unless overridden
        self._api_server: BaseWSGIServer | None = None
        self._api_thread: threading.Thread | None = None
        self._moto = None
        self.s3_users = None  # sandbox.s3.S3Users once started: fresh IAM keys per sandbox

    # ---- lifecycle ---------------------------------------------------------------------------------------

    def start(self) -> Sandbox:
        if self._api_server is not None:
            raise RuntimeError("the sandbox is already running")
        try:
            self._start_s3()
            self._start_api()
            self._create_buckets()
            self._seed_state()
            if self.seed:
                from sandbox.images import seed_sample_images
                from sandbox.seed import seed_sample_resource

                seed_sample_resource(self)
                seed_sample_images(self)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Shut both servers down and join their threads; safe to call twice."""
        server, thread, self._api_server, self._api_thread = self._api_server, self._api_thread, None, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        moto, self._moto = self._moto, None
        if moto is not None:
            moto.stop()
        tls_dir, self._tls_dir, self._tls_files, self.api_ca_bundle = self._tls_dir, None, None, None
        if self.external_s3 is None:
            self.ca_bundle = None
        if tls_dir is not None:
            shutil.rmtree(tls_dir, ignore_errors=True)
        users, self.s3_users = self.s3_users, None
        if users is not None and self.external_s3 is None:
            from sandbox.s3 import delete_users, release_authentication

            delete_users(users)
            release_authentication()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # ---- parts -------------------------------------------------------------------------------------------

    def _start_s3(self) -> None:
        if self.external_s3 is not None:
            self.s3_users = self.external_s3.users
            self.s3_url = self.external_s3.url.rstrip("/")
            self.ca_bundle = self.external_s3.ca_bundle
            self.cdn_url = self._cdn_url_override or self.s3_url
            return
        from sandbox.s3 import (  # imports moto: only when a sandbox really starts
            QuietMotoServer,
            create_users,
            release_authentication,
            require_authentication,
        )

        require_authentication()
        try:
            self.s3_users = create_users()  # stop() releases the authentication from here on
        except BaseException:
            release_authentication()
            raise
        self._moto = QuietMotoServer(ip_address=self.host, port=self._s3_port, verbose=False)
        if self.tls:
            ca, cert, key = self._private_ca()
            self.ca_bundle = ca
            self._moto.ssl_context = (cert, key)
        self._moto.start()
        _, port = self._moto.get_host_and_port()
        self.s3_url = _url(self.host, port, "https" if self.tls else "http")
        self.cdn_url = self._cdn_url_override or self.s3_url

    def _private_ca(self) -> tuple[str, str, str]:
        """(CA, certificate, key) files, made once per start in a private folder that stop() removes."""
        if self._tls_files is None:
            from sandbox.tls import make_private_ca

            self._tls_dir = tempfile.mkdtemp(prefix="azaion-sandbox-tls-")
            ca, cert, key = make_private_ca(Path(self._tls_dir), self.host)
            self._tls_files = (str(ca), str(cert), str(key))
        return self._tls_files

    def _start_api(self) -> None:
        app = create_app(self.state, self.secret, self.token_lifetime, self.cdn_yaml)
        ssl_context = None
        if self.api_tls:
            ca, cert, key = self._private_ca()
            self.api_ca_bundle, ssl_context = ca, (cert, key)
        self._api_server = make_threaded_server(self.host, self._api_port, app, _QuietHandler, ssl_context=ssl_context)
        self.api_url = _url(self.host, self._api_server.server_port, "https" if self.api_tls else "http")
        self._api_thread = threading.Thread(
            target=self._api_server.serve_forever, kwargs={"poll_interval": 0.1}, name="sandbox-api", daemon=True
        )
        self._api_thread.start()

    def s3_client(self, access: tuple[str, str] | None = None) -> BaseClient:
        """A boto3 S3 client for this sandbox's S3 endpoint (credentials passed here, never via env); by default
        with the sandbox's admin key, which may do anything and is never served in cdn.yaml."""
        import boto3
        from botocore.config import Config

        if access is None:
            if self.s3_users is None:
                raise RuntimeError("the sandbox is not running")
            access = tuple(self.s3_users.admin)
        return boto3.client(
            "s3",
            endpoint_url=self.s3_url,
            region_name=REGION,
            aws_access_key_id=access[0],
            aws_secret_access_key=access[1],
            # plain bodies with a Content-Length: S3 servers other than AWS refuse aws-chunked ones (core/cdn.py)
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2},
                          request_checksum_calculation="when_required", response_checksum_validation="when_required"),
            verify=self.ca_bundle,
        )

    def _create_buckets(self) -> None:
        from sandbox.s3 import create_buckets

        create_buckets(self.s3_client())

    def _seed_state(self) -> None:
        for folder in ("suite", "suite-stage"):
            self.state.put_file(folder, "readme.txt", README)

    def cdn_yaml(self, role: RoleEnum | None = None) -> str:
        """cdn.yaml as served under config/ to an account of ``role``: the S3 endpoint (or ``cdn_url``) with the
        downloader keys, and the uploader keys only for the roles that may upload (docs/protocol.md). Keys are
        there once the sandbox runs."""
        data = {"host": self.cdn_url, "region": REGION}
        users = self.s3_users
        if users is not None:
            data["downloader_access_key"], data["downloader_access_secret"] = users.downloader
            if role in UPLOAD_ROLES:
                data["uploader_access_key"], data["uploader_access_secret"] = users.uploader
        return yaml.safe_dump(data, sort_keys=False)
