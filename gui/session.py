"""Application-wide state the GUI shares: settings, the credential store, QSettings, the logged-in session.

This module is the GUI's adapter over ``core`` for logging in; everything here runs without widgets, so login
can run in a worker thread.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings

from core.errors import AzaionError, ConfigError
from core.paths import config_dir
from core.redaction import register_secret
from core.settings import Settings, effective_cache_dir, load_settings, save_settings, server_id

if TYPE_CHECKING:
    from core.api_client import ApiClient
    from core.credential_store import CredentialStore
    from core.models import User

log = logging.getLogger("azaion.gui.session")


def _credential_store() -> CredentialStore:
    from core.credential_store import CredentialStore

    return CredentialStore()

SANDBOX_PROFILE = "sandbox"
CUSTOM_PROFILE = "custom"
QSETTINGS_FILE = "gui.ini"


def gui_settings() -> QSettings:
    """Window geometry, last panel, last folders: an INI file in the config folder (isolated by XDG vars)."""
    return QSettings(str(config_dir() / QSETTINGS_FILE), QSettings.Format.IniFormat)


@dataclass
class LoginResult:
    client: ApiClient
    profile_id: str
    email: str
    user: User
    remembered: bool = False
    keyring_warning: str | None = None


@dataclass
class AppContext:
    settings: Settings = field(default_factory=Settings)
    _store: CredentialStore | None = None  # built on first use: importing keyring costs ~40 ms of start-up
    sandbox: object | None = None  # sandbox.server.Sandbox when started with --sandbox
    settings_error: str | None = None
    keyring_warning_shown: bool = False
    client_factory: object | None = None  # tests may pass a callable(api_url) -> ApiClient

    @classmethod
    def load(cls, **kwargs) -> AppContext:
        try:
            settings = load_settings()
            error = None
        except ConfigError as exc:
            log.error("%s", exc)
            settings, error = Settings(), str(exc)
        ctx = cls(settings=settings, settings_error=error, **kwargs)
        ctx.apply_bandwidth()
        return ctx

    @property
    def store(self) -> CredentialStore:
        if self._store is None:
            self._store = _credential_store()
        return self._store

    @store.setter
    def store(self, value: CredentialStore) -> None:
        self._store = value

    @property
    def is_sandbox(self) -> bool:
        return self.sandbox is not None

    def save(self) -> None:
        if self.settings_error:
            # Never overwrite a settings file we could not read: the user has to fix or remove it.
            log.warning("Settings not saved: the settings file could not be read")
            return
        settings = self.settings
        if self.is_sandbox:
            # The sandbox's URL dies with this process: never leave it in the settings file.
            settings = copy.deepcopy(settings)
            for profile in settings.profiles:
                if profile.id == SANDBOX_PROFILE:
                    profile.api_url = ""
        try:
            save_settings(settings)
        except ConfigError as exc:
            log.error("Could not save settings: %s", exc)

    def attach_sandbox(self, sandbox) -> None:
        self.sandbox = sandbox
        self.settings.add_or_update_profile(SANDBOX_PROFILE, name="Sandbox", api_url=sandbox.api_url)
        self.settings.current_profile = SANDBOX_PROFILE

    def profile_label(self, profile_id: str) -> str:
        """The profile's name as shown (a built-in one in the interface language)."""
        from gui.profile_names import profile_display_name

        try:
            return profile_display_name(self.settings.profile(profile_id))
        except ConfigError:
            return profile_id

    def cache_root(self) -> Path:
        return effective_cache_dir(self.settings)

    def make_client(self, api_url: str) -> ApiClient:
        if callable(self.client_factory):
            return self.client_factory(api_url)
        from core.api_client import ApiClient  # requests, boto3, cryptography: not needed for the login dialog

        return ApiClient(
            api_url,
            cache_dir=self.cache_root() / "cdn" / server_id(api_url),
            resource_key_text=self.settings.resource_key,
            token_margin=self.settings.token_margin_s,
            proxy=self.proxy(),
            cache_downloads=self.settings.cache_downloads,
        )

    def proxy(self):  # core.proxy.ProxyConfig | None
        """The Settings' proxy with its password from the keyring; None: the system's (core/proxy.py)."""
        from core.proxy import load_proxy

        s = self.settings
        return load_proxy(s.proxy_host, s.proxy_port, s.proxy_user, store=self.store)

    def apply_bandwidth(self) -> None:
        """The Settings' cap on every transfer of the app, running ones included (core/bandwidth.py)."""
        from core.bandwidth import LIMITER
        from core.settings import bandwidth_limit

        LIMITER.set_limit(bandwidth_limit(self.settings))

    # -- runs in a worker thread ----------------------------------------------------------------------------

    def login(self, profile_id: str, api_url: str, email: str, password: str, remember: bool) -> LoginResult:
        """Log in, bind/check this machine, read the user; store or forget the password. Raises AzaionError."""
        register_secret(password)
        client = self.make_client(api_url)
        from core.models import Credentials

        client.set_credentials(Credentials(email.strip(), password))
        token = client.login()
        register_secret(token.raw)
        client.check_resource()  # HardwareMismatchError (409/30) surfaces at login, not at first download
        user = client.get_user()
        try:
            # Build the CDN clients now, while the dialog is busy: boto3 loads its service models in long
            # GIL-holding calls that would otherwise stall the event loop at the start of the first transfer.
            _ = client.cdn
        except AzaionError as exc:
            log.warning("CDN settings not available yet: %s", exc)
        result = LoginResult(client, profile_id, email.strip(), user)
        if remember:
            result.remembered = self.store.save(profile_id, email.strip(), password)
            if not result.remembered:
                result.keyring_warning = self.store.last_warning
        else:
            self.store.forget(profile_id, email.strip())
        return result

    def remembered_password(self, profile_id: str, email: str) -> str | None:
        if not email:
            return None
        return self.store.load(profile_id, email)

    def forget(self, profile_id: str, email: str) -> None:
        self.store.forget(profile_id, email)

    def record_login(self, result: LoginResult) -> None:
        """GUI thread: remember the profile and email (never the password) in the settings file."""
        self.settings.current_profile = result.profile_id
        try:
            profile = self.settings.profile(result.profile_id)
            profile.email = result.email
        except ConfigError:
            pass
        self.save()
