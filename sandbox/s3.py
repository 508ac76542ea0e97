"""The sandbox's S3 endpoint: moto's threaded server, made quiet and quick to stop, with IAM authentication on
(one IAM user per key pair, as a real CDN has), plus the bucket setup.

Real S3 refuses unknown keys and anything a key's policy does not allow; moto accepts everything unless its IAM
simulation is on (``settings.INITIAL_NO_AUTH_ACTION_COUNT``, moto's documented switch, read process-wide). The
sandbox turns it on while at least one sandbox runs, creates three IAM users per sandbox (downloader: list and
read; uploader: also write, multipart and delete; admin: everything, for the sandbox's own seeding and for tests,
never served), and refuses moto's unauthenticated ``/moto-api/`` control endpoints, one of which would turn the
authentication off again."""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable, Iterable

from botocore.client import BaseClient
from botocore.exceptions import ClientError
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from moto.server import ThreadedMotoServer

from sandbox.s3keys import KeyPair, S3Users
from sandbox.wsgi import make_threaded_server

BUCKETS = ("models", "suite", "suite-stage", "config", "images")
ACCOUNT_ID = "123456789012"  # moto's default account: the one an unknown (or any) key is looked up in

READ_ACTIONS = (
    "s3:GetObject",
    "s3:ListBucket",
    "s3:ListAllMyBuckets",
    "s3:GetBucketLocation",
    "s3:HeadBucket",
    # moto names some list calls by their API name instead of the IAM action a real policy uses for them
    "s3:ListObjects",
    "s3:ListObjectsV2",
    "s3:ListBuckets",
)
WRITE_ACTIONS = (
    "s3:PutObject",  # also CreateMultipartUpload, UploadPart and CompleteMultipartUpload
    "s3:DeleteObject",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
    "s3:ListBucketMultipartUploads",
    "s3:ListMultipartUploads",  # moto's name for ListBucketMultipartUploads
)


def _policy(actions: Iterable[str]) -> str:
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": sorted(actions), "Resource": ["arn:aws:s3:::*"]}],
    })


def create_users() -> S3Users:
    """Three IAM users with fresh random keys in moto's in-process IAM backend (not over HTTP: the IAM endpoint
    itself needs a key once authentication is on). Names carry a random suffix: moto's backends are process-wide
    and several sandboxes may run in one process."""
    from moto.iam.models import iam_backends

    iam = iam_backends[ACCOUNT_ID]["aws"]
    suffix = secrets.token_hex(4)
    pairs: dict[str, KeyPair] = {}
    names = []
    for role, actions in (
        ("downloader", READ_ACTIONS),
        ("uploader", READ_ACTIONS + WRITE_ACTIONS),
        ("admin", ("s3:*",)),
    ):
        name = f"azaion-sandbox-{role}-{suffix}"
        iam.create_user("us-east-1", name)
        iam.put_user_policy(name, f"azaion-{role}", _policy(actions))
        key = iam.create_access_key(name)
        pairs[role] = KeyPair(key.access_key_id, key.secret_access_key)
        names.append(name)
    return S3Users(pairs["downloader"], pairs["uploader"], pairs["admin"], tuple(names))


def delete_users(users: S3Users) -> None:
    """Remove a stopped sandbox's users (their keys stop working in any other sandbox of the process)."""
    from moto.iam.models import iam_backends

    iam = iam_backends[ACCOUNT_ID]["aws"]
    for name in users.user_names:
        user = iam.users.get(name)
        if user is None:
            continue
        for key in list(user.access_keys):
            iam.delete_access_key(key.access_key_id, name)
        for policy in list(user.policies):
            iam.delete_user_policy(name, policy)
        iam.delete_user(name)


_auth_lock = threading.Lock()
_auth_users = 0
_auth_previous: float | None = None


def require_authentication() -> None:
    """Turn moto's IAM checks on for every request from now on (process-wide; counted, see release)."""
    global _auth_users, _auth_previous
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin

    with _auth_lock:
        if _auth_users == 0:
            _auth_previous = settings.INITIAL_NO_AUTH_ACTION_COUNT
            settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
            ActionAuthenticatorMixin.request_count = 0
        _auth_users += 1


def release_authentication() -> None:
    """The last running sandbox of the process puts moto's setting back."""
    global _auth_users
    from moto import settings

    with _auth_lock:
        if _auth_users == 0:
            return
        _auth_users -= 1
        if _auth_users == 0 and _auth_previous is not None:
            settings.INITIAL_NO_AUTH_ACTION_COUNT = _auth_previous


def refuse_control_api(app: Callable) -> Callable:
    """WSGI wrapper answering 403 to moto's ``/moto-api/`` endpoints (reset, reset-auth, data ...): they take no
    key, and ``reset-auth`` would switch the authentication off for every sandbox in the process."""

    def wrapped(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith("/moto-api"):
            body = b"<Error><Code>AccessDenied</Code><Message>moto's control API is off here</Message></Error>"
            start_response("403 Forbidden", [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))])
            return [body]
        return app(environ, start_response)

    return wrapped


class _QuietMotoHandler(MotoRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class QuietMotoServer(ThreadedMotoServer):
    """ThreadedMotoServer without access-log lines, with a 0.1 s shutdown poll (moto: 0.5 s) and with bind
    errors (port in use) raised from start() instead of a hang.

    Note: moto keeps its backends process-wide, so every sandbox in one process shares the same buckets."""

    _bind_error: BaseException | None = None
    ssl_context: tuple[str, str] | None = None
    """(certificate, key) files to serve https with; None: http."""

    def _server_entry(self) -> None:
        try:
            app = refuse_control_api(DomainDispatcherApplication(create_backend_app))
            self._server = make_threaded_server(self._ip_address, self._port, app, _QuietMotoHandler,
                                                ssl_context=self.ssl_context)
        except BaseException as exc:  # moto's own entry would leave start() waiting forever
            self._bind_error = exc
            self._server_ready_event.set()
            return
        self._server_ready_event.set()
        self._server.serve_forever(poll_interval=0.1)

    def start(self) -> None:
        super().start()
        if self._bind_error is not None:
            raise self._bind_error

    def stop(self) -> None:
        super().stop()
        if self._server is not None:  # moto only shuts down; release the listening socket too
            self._server.server_close()


def create_buckets(client: BaseClient, buckets: tuple[str, ...] = BUCKETS) -> None:
    """Create the folder buckets; existing ones (another sandbox in this process) are fine."""
    for bucket in buckets:
        try:
            client.create_bucket(Bucket=bucket)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise
