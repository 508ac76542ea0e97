"""The sandbox's S3 endpoint: moto's threaded server, made quiet and quick to stop, plus the bucket setup."""

from __future__ import annotations

from botocore.client import BaseClient
from botocore.exceptions import ClientError
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from moto.server import ThreadedMotoServer

from sandbox.wsgi import make_threaded_server

BUCKETS = ("models", "suite", "suite-stage", "config", "images")


class _QuietMotoHandler(MotoRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class QuietMotoServer(ThreadedMotoServer):
    """ThreadedMotoServer without access-log lines, with a 0.1 s shutdown poll (moto: 0.5 s) and with bind
    errors (port in use) raised from start() instead of a hang.

    Note: moto keeps its backends process-wide, so every sandbox in one process shares the same buckets."""

    _bind_error: BaseException | None = None

    def _server_entry(self) -> None:
        try:
            app = DomainDispatcherApplication(create_backend_app)
            self._server = make_threaded_server(self._ip_address, self._port, app, _QuietMotoHandler)
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
