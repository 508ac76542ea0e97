"""``azaion sandbox``: the reference server as a subcommand. Only the CLI layer knows the sandbox; the sandbox
knows nothing of the client (it has its own port and loopback checks in ``sandbox/cli.py``). It is imported only
when the subcommand runs, so every other command starts without flask and moto."""

from __future__ import annotations

import argparse

from cli.args import port_arg


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sandbox", help="run the reference server (API + S3) on loopback in the foreground")
    p.add_argument("--host", default="127.0.0.1", type=_loopback_host, help="a loopback address to listen on")
    p.add_argument("--api-port", type=port_arg, default=0)
    p.add_argument("--s3-port", type=port_arg, default=0)
    p.add_argument("--cdn-url", help="advertise this S3 URL in cdn.yaml (e.g. a proxy in front of the S3 port)")
    p.add_argument("--tls", action="store_true",
                   help="the API and S3 over https with a private CA made at start (its file is printed)")
    p.set_defaults(func=cmd_sandbox)


def _loopback_host(value: str) -> str:
    """The sandbox listens on loopback only: any other address is a usage error (exit 2), before anything starts."""
    from sandbox.cli import loopback_host

    return loopback_host(value)


def cmd_sandbox(args: argparse.Namespace) -> int:
    from sandbox.cli import run

    return run(host=args.host, api_port=args.api_port, s3_port=args.s3_port, cdn_url=args.cdn_url, tls=args.tls)
