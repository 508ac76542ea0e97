"""Child process of the keyring tests: exercises CredentialStore against whatever keyring this process gets and
prints one JSON object with the results. Run as ``python keyring_child.py MODE`` with the password in the
environment variable AZAION_TEST_PASSWORD (never on the command line).

MODE ``secretservice``: save / load / direct keyring read / forget through the session's Secret Service.
MODE ``locked``: locks the Secret Service's default collection first (no prompt can unlock it here), so the
store must report the keyring unusable and keep the password in memory.
MODE ``toolong``: the password is longer than Windows Credential Manager holds: a short one is saved first, then
the long one must stay out of the keyring (and the short one with it); the limit's edge with the real backend.
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

    if mode == "toolong":
        return too_long(password, profile, email, out)

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


def too_long(password: str, profile: str, email: str, out: dict[str, object]) -> int:
    from core.credential_store import MAX_SECRET_BYTES

    store = CredentialStore()
    out["backend"] = store.backend_name()
    service = store.service_for(profile)
    out["short_saved"] = store.save(profile, email, "short-password-1")
    out["saved"] = store.save(profile, email, password)
    out["last_warning"] = store.last_warning
    out["still_usable"] = store.is_usable()
    out["loaded_matches"] = store.load(profile, email) == password  # this session: from memory
    out["direct"] = direct_read(service, email)  # neither the long one nor the old short one
    out["fresh_store"] = CredentialStore().load(profile, email)
    edge = "x" * (MAX_SECRET_BYTES // 2)  # exactly the limit: stored
    out["edge_saved"] = store.save(profile, "edge@test.local", edge)
    out["edge_direct_matches"] = direct_read(service, "edge@test.local") == edge
    wide = "\U0001f511" * (MAX_SECRET_BYTES // 4 + 1)  # outside the BMP: 4 bytes each in UTF-16, one over
    out["wide_saved"] = store.save(profile, "wide@test.local", wide)
    out["wide_direct"] = direct_read(service, "wide@test.local")
    for user in (email, "edge@test.local", "wide@test.local"):
        store.forget(profile, user)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
