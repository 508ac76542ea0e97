"""Turns the global CLI options into a logged-in ApiClient: which server, which email, which password."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass

from core.api_client import ApiClient
from core.credential_store import CredentialStore
from core.errors import AuthError, ConfigError
from core.models import Credentials
from core.redaction import register_secret
from core.settings import Settings, load_settings, server_id


@dataclass
class Session:
    client: ApiClient
    settings: Settings
    profile_id: str
    email: str
    password_source: str  # "env", "stdin" or "keyring"


def resolve_api(args: argparse.Namespace, settings: Settings) -> tuple[str, str, str]:
    """(api_url, profile id for the keyring, default email) from --api / --profile / settings."""
    if args.api:
        url = args.api
        for profile in settings.profiles:
            if profile.api_url and profile.api_url.rstrip("/") == url.rstrip("/"):
                return url, profile.id, profile.email
        return url, server_id(url), ""
    profile = settings.profile(args.profile or settings.current_profile)
    if not profile.api_url:
        raise ConfigError(f"profile {profile.name!r} has no API URL; pass --api URL")
    return profile.api_url, profile.id, profile.email


def read_password(args: argparse.Namespace) -> tuple[str | None, str]:
    if args.password_stdin:
        if getattr(args, "_stdin_password", None) is None:
            args._stdin_password = sys.stdin.readline().rstrip("\r\n")
        return args._stdin_password, "stdin"
    env = os.environ.get("AZAION_PASSWORD")
    if env:
        return env, "env"
    return None, "keyring"


def build_client(args: argparse.Namespace, settings: Settings, api_url: str) -> ApiClient:
    from core.bandwidth import LIMITER
    from core.proxy import load_proxy
    from core.settings import bandwidth_limit, effective_cache_dir

    # The cap for this run: --bwlimit, else the settings' (core/bandwidth.py); shared by every transfer.
    chosen = getattr(args, "bwlimit", None)
    LIMITER.set_limit(chosen if chosen is not None else bandwidth_limit(settings))

    return ApiClient(
        api_url,
        cache_dir=effective_cache_dir(settings) / "cdn" / server_id(api_url),
        resource_key_text=settings.resource_key,
        token_margin=settings.token_margin_s,
        # The Settings' proxy (its password from the keyring), else the system's (core/proxy.py).
        proxy=load_proxy(settings.proxy_host, settings.proxy_port, settings.proxy_user),
        cache_downloads=settings.cache_downloads and not getattr(args, "no_cache", False),
    )


def open_session(args: argparse.Namespace, *, login: bool = True) -> Session:
    settings = load_settings()
    api_url, profile_id, default_email = resolve_api(args, settings)
    email = args.email or os.environ.get("AZAION_EMAIL") or default_email
    if not email:
        raise AuthError("no email: pass --email or set AZAION_EMAIL")
    password, source = read_password(args)
    if password is None:
        store = CredentialStore()
        password = store.load(profile_id, email)
        if not password:
            raise AuthError(
                f"no password for {email}: set AZAION_PASSWORD, pass --password-stdin, "
                "or run 'azaion login' to store it in the keyring"
            )
    register_secret(password)
    client = build_client(args, settings, api_url)
    client.set_credentials(Credentials(email, password))
    if login:
        token = client.login()
        register_secret(token.raw)
    return Session(client, settings, profile_id, email, source)
