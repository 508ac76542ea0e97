"""``python -m sandbox``: run the sandbox in the foreground for manual testing of the GUI and CLI."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence

from sandbox.server import Sandbox, is_loopback
from sandbox.state import DEMO_ACCOUNTS, DEMO_PASSWORD


def port_arg(value: str) -> int:
    """A TCP port (0: any free one), checked here so a wrong one is a usage error, not a failure of bind()."""
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} is outside 0..65535")
    return port


def loopback_host(value: str) -> str:
    """argparse type for ``--host``: the sandbox serves test accounts with a known password, so it listens on
    loopback only; anything else is a usage error instead of a failure once it starts."""
    if not is_loopback(value):
        raise argparse.ArgumentTypeError(
            f"the sandbox only listens on loopback addresses (127.0.0.1, ::1, localhost), not {value!r}"
        )
    return value


def run(host: str = "127.0.0.1", api_port: int = 0, s3_port: int = 0, cdn_url: str | None = None,
        tls: bool = False) -> int:
    """Start the sandbox, print where it listens and the demo accounts, block until Ctrl+C or SIGTERM. ``tls``:
    the API and S3 over https with a private CA made at start, whose file is printed for the client to trust."""
    stop = threading.Event()
    previous: dict[int, object] = {}
    if threading.current_thread() is threading.main_thread():
        for name in ("SIGINT", "SIGTERM", "SIGBREAK"):  # SIGBREAK: Ctrl+Break on Windows
            sig = getattr(signal, name, None)
            if sig is not None:
                previous[sig] = signal.signal(sig, lambda *_: stop.set())
    try:
        with Sandbox(host=host, api_port=api_port, s3_port=s3_port, cdn_url=cdn_url, tls=tls,
                     api_tls=tls) as sandbox:
            print(f"API: {sandbox.api_url}")
            print(f"S3: {sandbox.s3_url}")
            if sandbox.cdn_url != sandbox.s3_url:
                print(f"CDN: {sandbox.cdn_url}")
            if sandbox.api_ca_bundle:
                print(f"CA: {sandbox.api_ca_bundle}")
                print(f"Trust it in the client: AWS_CA_BUNDLE={sandbox.api_ca_bundle} "
                      f"REQUESTS_CA_BUNDLE={sandbox.api_ca_bundle} azaion --api {sandbox.api_url} ...")
            for email, role in DEMO_ACCOUNTS:
                print(f"{email} {role.label} {DEMO_PASSWORD}")
            print("Press Ctrl+C to stop.")
            sys.stdout.flush()
            while not stop.wait(0.5):  # a timed wait stays interruptible on Windows
                pass
    except KeyboardInterrupt:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description="Azaion reference server (loopback only)")
    parser.add_argument("--host", default="127.0.0.1", type=loopback_host, help="loopback address to listen on")
    parser.add_argument("--api-port", type=port_arg, default=0, help="API port (0: any free port)")
    parser.add_argument("--s3-port", type=port_arg, default=0, help="S3 port (0: any free port)")
    parser.add_argument("--cdn-url", default=None, help="host advertised in cdn.yaml (default: the S3 URL)")
    parser.add_argument("--tls", action="store_true",
                        help="serve the API and S3 over https with a private CA made at start (its file is printed)")
    args = parser.parse_args(argv)
    return run(args.host, args.api_port, args.s3_port, args.cdn_url, args.tls)
