"""Passwords in the operating system's keyring (Secret Service / KWallet on Linux, Credential Manager on
Windows, Keychain on macOS) through the ``keyring`` library.

When no usable keyring exists (no backend, a locked or unreachable Secret Service, a plain-text file
backend) the password is kept in this process's memory only and ``last_warning`` says so. So is a password longer
than Windows Credential Manager can hold (``MAX_SECRET_BYTES``), on every platform. A password is never
written to a file by this module and never logged.
"""

from __future__ import annotations

import logging
import secrets
import threading

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

from core.redaction import register_secret

log = logging.getLogger("azaion.credentials")

_PROBE_USER = "azaion-keyring-probe"
# Windows Credential Manager holds at most CRED_MAX_CREDENTIAL_BLOB_SIZE = 5 * 512 bytes per secret and keyring stores
# a password there as UTF-16-LE: 1280 characters of the Basic Multilingual Plane (others count twice). CredWrite
# refuses a longer one (ERROR_INVALID_PARAMETER). Longer passwords are kept out of every keyring, so one that is
# remembered on Linux is remembered on Windows too, and the keyring is not marked unusable for the next one.
MAX_SECRET_BYTES = 2560


def secret_size(secret: str) -> int:
    """Bytes ``secret`` takes in Windows Credential Manager (UTF-16-LE, as keyring's Windows backend writes it)."""
    return len(secret.encode("utf-16-le", "surrogatepass"))


def _describe(backend: KeyringBackend) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__name__}"


def _is_dbus_error(exc: BaseException) -> bool:
    module = type(exc).__module__ or ""
    return module.split(".")[0] in {"dbus", "jeepney", "secretstorage"}


def backend_problem(backend: KeyringBackend) -> str | None:
    """Why ``backend`` cannot hold passwords safely, or None if it looks usable (before probing)."""
    from keyring.backends import chainer, fail, null

    if isinstance(backend, fail.Keyring):
        return "no keyring backend is available"
    if isinstance(backend, null.Keyring):
        return "the keyring backend is disabled (null backend)"
    if isinstance(backend, chainer.ChainerBackend):
        inner = list(backend.backends)
        if not inner:
            return "no keyring backend is available"
        return backend_problem(inner[0])
    module = type(backend).__module__ or ""
    if module.startswith("keyrings.alt") or module.startswith("keyrings.cryptfile"):
        return f"the keyring backend {_describe(backend)} stores passwords in a file"
    return None


class CredentialStore:
    """Remembers the password of each (profile, email) pair.

    Entries live under the service ``"{service_prefix}:{profile_id}"`` with the email as the user name.
    ``backend`` defaults to whatever ``keyring.get_keyring()`` returns at the time of each call.
    """

    def __init__(self, service_prefix: str = "azaion-admin", *, backend: KeyringBackend | None = None) -> None:
        self.service_prefix = service_prefix
        self._backend = backend
        self._memory: dict[tuple[str, str], str] = {}
        self._lock = threading.RLock()
        self._usable: bool | None = None
        self._problem: str | None = None
        self.last_warning: str | None = None

    # -- backend ------------------------------------------------------------------------------------------

    def _keyring(self) -> KeyringBackend:
        return self._backend if self._backend is not None else keyring.get_keyring()

    def service_for(self, profile_id: str) -> str:
        return f"{self.service_prefix}:{profile_id}"

    def backend_name(self) -> str:
        """Dotted class name of the active backend (a chainer lists the backends it chains)."""
        from keyring.backends import chainer

        try:
            backend = self._keyring()
        except Exception as exc:
            return f"unavailable ({type(exc).__name__})"
        if isinstance(backend, chainer.ChainerBackend):
            inner = ", ".join(_describe(b) for b in backend.backends)
            return f"{_describe(backend)}({inner})"
        return _describe(backend)

    def is_usable(self) -> bool:
        """True if the backend is a real keyring that accepted a probe write and read it back. The answer is
        remembered for this object; a later failure in ``save`` also marks it unusable."""
        with self._lock:
            if self._usable is None:
                self._problem = self._probe()
                self._usable = self._problem is None
                if self._problem:
                    log.warning("system keyring not usable: %s", self._problem)
            return self._usable

    @property
    def problem(self) -> str | None:
        """Why the keyring is not usable (after ``is_usable`` said so), or None."""
        return self._problem

    def _probe(self) -> str | None:
        try:
            backend = self._keyring()
        except Exception as exc:
            return f"the keyring could not be initialised ({type(exc).__name__}: {exc})"
        problem = backend_problem(backend)
        if problem:
            return problem
        service = self.service_for("probe")
        token = secrets.token_hex(8)
        try:
            backend.set_password(service, _PROBE_USER, token)
            read_back = backend.get_password(service, _PROBE_USER)
            try:
                backend.delete_password(service, _PROBE_USER)
            except keyring.errors.PasswordDeleteError:
                pass
        except keyring.errors.KeyringLocked:
            return f"the keyring {self.backend_name()} is locked"
        except (keyring.errors.NoKeyringError, keyring.errors.InitError) as exc:
            return f"the keyring {self.backend_name()} is not available ({type(exc).__name__})"
        except keyring.errors.KeyringError as exc:
            return f"the keyring {self.backend_name()} refused a test entry ({type(exc).__name__}: {exc})"
        except Exception as exc:
            if _is_dbus_error(exc):
                return f"the Secret Service could not be reached over D-Bus ({type(exc).__name__})"
            return f"the keyring {self.backend_name()} failed ({type(exc).__name__}: {exc})"
        if read_back != token:
            return f"the keyring {self.backend_name()} did not keep a test entry"
        return None

    def _fall_back(self, key: tuple[str, str], password: str, reason: str) -> bool:
        self._memory[key] = password
        self.last_warning = (
            f"No usable system keyring ({reason}); the password is kept in memory for this session only."
        )
        log.warning("%s", self.last_warning)
        return False

    # -- operations ---------------------------------------------------------------------------------------

    def save(self, profile_id: str, email: str, password: str) -> bool:
        """Store the password; True if the system keyring holds it, False if it is only kept in memory for
        this process (``last_warning`` then explains why)."""
        key = (profile_id, email)
        register_secret(password)
        with self._lock:
            size = secret_size(password)
            if size > MAX_SECRET_BYTES:
                self._delete_stored(profile_id, email)  # an older remembered password must not come back
                self._memory[key] = password
                self.last_warning = (
                    f"The password is too long for the system keyring ({size} bytes as UTF-16; Windows Credential "
                    f"Manager holds at most {MAX_SECRET_BYTES}); it is kept in memory for this session only."
                )
                log.warning("%s", self.last_warning)
                return False
            if not self.is_usable():
                return self._fall_back(key, password, self._problem or "unknown reason")
            try:
                self._keyring().set_password(self.service_for(profile_id), email, password)
            except Exception as exc:
                self._usable = False
                self._problem = f"saving failed: {type(exc).__name__}"
                return self._fall_back(key, password, self._problem)
            self._memory.pop(key, None)
            self.last_warning = None
            log.info("password for %s in profile %s saved to %s", email, profile_id, self.backend_name())
            return True

    def load(self, profile_id: str, email: str) -> str | None:
        """The remembered password, from this session's memory or the keyring; None if there is none or the
        keyring cannot be read."""
        key = (profile_id, email)
        with self._lock:
            if key in self._memory:
                return self._memory[key]
            if not self.is_usable():
                return None
            try:
                password = self._keyring().get_password(self.service_for(profile_id), email)
            except Exception as exc:
                log.warning("could not read the password for %s from the keyring: %s", email, type(exc).__name__)
                return None
            if password:
                register_secret(password)
            return password

    def forget(self, profile_id: str, email: str) -> None:
        """Remove the password from memory and the keyring; missing entries are not an error."""
        with self._lock:
            self._memory.pop((profile_id, email), None)
            self._delete_stored(profile_id, email)

    def _delete_stored(self, profile_id: str, email: str) -> None:
        with self._lock:
            if not self.is_usable():
                return
            try:
                self._keyring().delete_password(self.service_for(profile_id), email)
            except keyring.errors.PasswordDeleteError:
                pass
            except Exception as exc:
                log.warning("could not remove the password for %s from the keyring: %s", email, type(exc).__name__)
