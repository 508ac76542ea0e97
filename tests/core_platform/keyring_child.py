"""Child process of the keyring tests: exercises CredentialStore against whatever keyring this process gets and
prints one JSON object with the results. Run as ``python keyring_child.py MODE`` with the password in the
environment variable AZAION_TEST_PASSWORD (never on the command line).

MODE ``secretservice``: save / load / direct keyring read / forget through the session's Secret Service.
MODE ``locked``: locks the Secret Service's default collection first (no prompt can unlock it here), so the
store must report the keyring unusable and keep the password in memory.
MODE ``nobackend``: also sets up logging and saves settings, so the caller can scan every file written under
the isolated HOME for the password.
"""

from __future__ import annotations

import json
import logging
import os
import sys

import keyring
import keyring.errors

from core.credential_store import CredentialStore
from core.logs import get_logger, setup_logging
from core.settings import Settings, save_settings


def direct_read(service: str, email: str) -> str | None:
    """keyring.get_password in this same process, bypassing CredentialStore; None if the backend refuses."""
    try:
        return keyring.get_password(service, email)
    except keyring.errors.KeyringError:
        return None


def main(mode: str) -> int:
    password = os.environ["AZAION_TEST_PASSWORD"]
    profile, email = "stage", "child@test.local"
    out: dict[str, object] = {"mode": mode}
    if mode == "nobackend":
        out["log_file"] = str(setup_logging(level=logging.DEBUG))
        settings = Settings()
        settings.add_or_update_profile(profile, email=email)
        out["settings_file"] = str(save_settings(settings))

    if mode == "locked":
        import secretstorage

        connection = secretstorage.dbus_init()
        collection = secretstorage.get_default_collection(connection)
        collection.lock()
        out["collection_locked"] = collection.is_locked()

    store = CredentialStore()
    out["backend"] = store.backend_name()
    out["usable"] = store.is_usable()
    out["saved"] = store.save(profile, email, password)
    out["last_warning"] = store.last_warning
    out["loaded_matches"] = store.load(profile, email) == password
    direct = direct_read(store.service_for(profile), email)
    out["direct_matches"] = direct == password
    out["direct_is_none"] = direct is None
    # A second store (as after a restart) sees the password only if the keyring holds it.
    out["fresh_store_matches"] = CredentialStore().load(profile, email) == password
    get_logger("test.child").info("signed in with %s and header Bearer %s", password, password)
    store.forget(profile, email)
    out["after_forget_is_none"] = store.load(profile, email) is None
    out["direct_after_forget_is_none"] = direct_read(store.service_for(profile), email) is None
    logging.shutdown()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
