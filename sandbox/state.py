"""In-memory state of the sandbox server, guarded by one lock so the threaded HTTP server and tests can touch it
concurrently. It only stores things; the protocol rules (roles, 409 codes) live in ``sandbox.api``."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import logging
import os
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sandbox.roles import RoleEnum

log = logging.getLogger("sandbox.state")

DEMO_DOMAIN = "sandbox.local"
DEMO_PASSWORD = "sandbox"  # documented demo password of a loopback-only test server
DEMO_ACCOUNTS: tuple[tuple[str, RoleEnum], ...] = (
    (f"apiadmin@{DEMO_DOMAIN}", RoleEnum.ApiAdmin),
    (f"admin@{DEMO_DOMAIN}", RoleEnum.Admin),
    (f"uploader@{DEMO_DOMAIN}", RoleEnum.ResourceUploader),
    (f"operator@{DEMO_DOMAIN}", RoleEnum.Operator),
    (f"validator@{DEMO_DOMAIN}", RoleEnum.Validator),
    (f"companion@{DEMO_DOMAIN}", RoleEnum.CompanionPC),
)

# When the demo accounts last logged in (before this sandbox started). They stay unbound, so they log in from any
# machine; the uploader is the seed account and stays "never" (sandbox.seed).
DEMO_LAST_LOGIN: dict[str, timedelta] = {
    f"apiadmin@{DEMO_DOMAIN}": timedelta(days=6, hours=3),
    f"admin@{DEMO_DOMAIN}": timedelta(days=1, hours=2),
    f"operator@{DEMO_DOMAIN}": timedelta(hours=3, minutes=20),
    f"validator@{DEMO_DOMAIN}": timedelta(days=2, hours=5),
    f"companion@{DEMO_DOMAIN}": timedelta(days=12),
}

# Accounts of a field fleet, bound to machines elsewhere, so the Users and Hardware views show real-looking data:
# (email, role, hardware string, last login this long ago, enabled). Strings as clients send them: the canonical
# "CPU: …. GPU: …. Memory: <KB>. DriveSerial: …" and two older forms the web admin also read (memory in MB or
# "16 GB", comma separators). Their password is the demo one; logging in as one from this machine shows the
# "bound to another machine" refusal.
DEMO_FLEET: tuple[tuple[str, RoleEnum, str | None, timedelta | None, bool], ...] = (
    (f"o.kovalenko@{DEMO_DOMAIN}", RoleEnum.Operator,
     "CPU: 12th Gen Intel(R) Core(TM) i7-12700H. GPU: NVIDIA GeForce RTX 3070 Laptop GPU. Memory: 33408104. "
     "DriveSerial: 0025_38B5_21B0_4C12.", timedelta(hours=2, minutes=10), True),
    (f"i.shevchenko@{DEMO_DOMAIN}", RoleEnum.Operator,
     "CPU: 12th Gen Intel(R) Core(TM) i7-12700H. GPU: NVIDIA GeForce RTX 3070 Laptop GPU. Memory: 33408104. "
     "DriveSerial: 0025_38B5_21B0_7A03.", timedelta(days=1, hours=4), True),
    (f"a.melnyk@{DEMO_DOMAIN}", RoleEnum.Operator,
     "CPU: AMD Ryzen 7 5800H with Radeon Graphics. GPU: NVIDIA GeForce RTX 3060 Laptop GPU. Memory: 16645708. "
     "DriveSerial: 2J4120058411", timedelta(days=3, hours=1), True),
    (f"d.bondarenko@{DEMO_DOMAIN}", RoleEnum.Validator,
     "CPU: Intel(R) Core(TM) i5-10400 CPU @ 2.90GHz. GPU: Intel(R) UHD Graphics 630. Memory: 16384. "
     "DriveSerial: WD-WX12A80N1234", timedelta(days=9), True),
    (f"m.tkachenko@{DEMO_DOMAIN}", RoleEnum.Validator,
     "CPU: AMD Ryzen 5 5600X 6-Core Processor, GPU: NVIDIA GeForce GTX 1660 SUPER, Memory: 16 GB, "
     "DriveSerial: S5GXNF0R501234", timedelta(minutes=35), True),
    (f"s.lysenko@{DEMO_DOMAIN}", RoleEnum.ResourceUploader,
     "CPU: 13th Gen Intel(R) Core(TM) i9-13900K. GPU: NVIDIA GeForce RTX 4090. Memory: 66892920. "
     "DriveSerial: S6B0NL0T812345", timedelta(hours=5), True),
    (f"jetson-01@{DEMO_DOMAIN}", RoleEnum.CompanionPC,
     "CPU: ARMv8 Processor rev 1 (v8l). GPU: NVIDIA Orin (nvgpu). Memory: 15987868. DriveSerial: 1423021012345",
     timedelta(hours=7), True),
    (f"jetson-02@{DEMO_DOMAIN}", RoleEnum.CompanionPC,
     "CPU: ARMv8 Processor rev 1 (v8l). GPU: NVIDIA Orin (nvgpu). Memory: 7620044. DriveSerial: 1423021067890",
     timedelta(days=2, hours=6), True),
    (f"k.savchuk@{DEMO_DOMAIN}", RoleEnum.Operator,
     "CPU: Intel(R) Core(TM) i7-10750H CPU @ 2.60GHz. GPU: NVIDIA GeForce GTX 1650 Ti. Memory: 16600956. "
     "DriveSerial: 50026B7784A1B2C3", timedelta(days=47), False),
    (f"v.marchenko@{DEMO_DOMAIN}", RoleEnum.Operator, None, None, True),  # created, never logged in
)

INSTALLER_NAME = "AzaionSuite-1.4.2.exe"
STAGE_INSTALLER_NAME = "AzaionSuite-stage-1.5.0-rc1.exe"

# scrypt cost: the usual interactive setting (~45 ms); a sandbox does not need more, tests should not wait longer.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


def _hash_password(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, **_SCRYPT)


def utc_now() -> datetime:
    """Whole seconds, so the ISO form round-trips exactly."""
    return datetime.now(UTC).replace(microsecond=0)


@dataclass
class UserRecord:
    """A stored account; ``get_user`` hands out copies, so mutate through the state's methods."""

    id: str
    email: str
    role: RoleEnum
    salt: bytes = field(repr=False)
    password_hash: bytes = field(repr=False)
    hardware: str | None = None
    is_enabled: bool = True
    last_login: datetime | None = None


@dataclass(frozen=True)
class StoredFile:
    data: bytes
    modified: datetime
    big_sha256: str | None = None  # a small part's record of its big part (docs/protocol.md, "Tamper evidence")
    big_size: int | None = None

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class KeyFragment:
    fragment: bytes
    sha256: str


@dataclass(frozen=True)
class Installer:
    filename: str
    data: bytes


def _sample_installer(label: str) -> bytes:
    """Small, recognisable bytes: real installers are hundreds of MB, tests only need a body and a name."""
    return b"MZ" + f"\nAzaion Suite sandbox installer ({label})\n".encode() + bytes(range(256)) * 16


class SandboxState:
    """Users, files per folder, key fragments, installers, token generation and test fault hooks."""

    def __init__(self, demo_users: bool = True) -> None:
        self._lock = threading.RLock()
        self._users: dict[str, UserRecord] = {}  # key: lower-cased email
        self._folders: dict[str, dict[str, StoredFile]] = {}
        self._fragments: dict[str, KeyFragment] = {}
        self._installers: dict[bool, Installer] = {
            False: Installer(INSTALLER_NAME, _sample_installer("production")),
            True: Installer(STAGE_INSTALLER_NAME, _sample_installer("stage")),
        }
        self._token_generation = 0
        self._failures: list[tuple[int, str]] = []
        self._garbage_gets = 0
        if demo_users:
            now = utc_now()
            for email, role in DEMO_ACCOUNTS:
                self.add_user(email, DEMO_PASSWORD, role)
                if email in DEMO_LAST_LOGIN:
                    self.set_last_login(email, now - DEMO_LAST_LOGIN[email])
            self._add_fleet(now)

    def _add_fleet(self, now: datetime) -> None:
        """The DEMO_FLEET accounts. One scrypt hash for all of them (they share the demo password), so a sandbox
        start costs ~45 ms more, not ten times that."""
        salt = os.urandom(16)
        digest = _hash_password(DEMO_PASSWORD, salt)
        with self._lock:
            for email, role, hardware, ago, enabled in DEMO_FLEET:
                self._users[email.lower()] = UserRecord(
                    id=str(uuid.uuid4()), email=email, role=role, salt=salt, password_hash=digest, hardware=hardware,
                    is_enabled=enabled, last_login=None if ago is None else now - ago)

    # ---- users -------------------------------------------------------------------------------------------

    def add_user(
        self, email: str, password: str, role: RoleEnum | int, hardware: str | None = None, enabled: bool = True
    ) -> UserRecord:
        """Create an account; ValueError when the email (case-insensitive) already exists."""
        salt = os.urandom(16)
        digest = _hash_password(password, salt)  # outside the lock: scrypt is deliberately slow
        record = UserRecord(
            id=str(uuid.uuid4()),
            email=email,
            role=RoleEnum(int(role)),
            salt=salt,
            password_hash=digest,
            hardware=hardware,
            is_enabled=enabled,
        )
        with self._lock:
            if email.lower() in self._users:
                raise ValueError(f"user {email} already exists")
            self._users[email.lower()] = record
            return dataclasses.replace(record)

    def get_user(self, email: str) -> UserRecord | None:
        with self._lock:
            record = self._users.get(email.lower())
            return dataclasses.replace(record) if record else None

    def get_user_by_id(self, user_id: str) -> UserRecord | None:
        with self._lock:
            for record in self._users.values():
                if record.id == user_id:
                    return dataclasses.replace(record)
            return None

    def find_users(self, search: str = "") -> list[UserRecord]:
        """Case-insensitive substring match on the email; all users for an empty search."""
        needle = search.lower()
        with self._lock:
            found = [dataclasses.replace(u) for u in self._users.values() if needle in u.email.lower()]
        return sorted(found, key=lambda u: u.email.lower())

    def _update(self, email: str, **changes: object) -> None:
        with self._lock:
            record = self._users.get(email.lower())
            if record is None:
                raise KeyError(email)
            for name, value in changes.items():
                setattr(record, name, value)

    def set_enabled(self, email: str, enabled: bool) -> None:
        self._update(email, is_enabled=enabled)

    def set_role(self, email: str, role: RoleEnum | int) -> None:
        self._update(email, role=RoleEnum(int(role)))

    def set_hardware(self, email: str, hardware: str | None) -> None:
        self._update(email, hardware=hardware)

    def set_last_login(self, email: str, when: datetime | None) -> None:
        self._update(email, last_login=when)

    def delete_user(self, email: str) -> None:
        with self._lock:
            if self._users.pop(email.lower(), None) is None:
                raise KeyError(email)

    def check_password(self, email: str, password: str) -> UserRecord | None:
        """The account when ``password`` is right, else None (also for unknown emails)."""
        record = self.get_user(email)
        if record is None:
            _hash_password(password, b"\0" * 16)  # same cost either way: no user enumeration by timing
            return None
        if not hmac.compare_digest(_hash_password(password, record.salt), record.password_hash):
            return None
        return record

    def bind_hardware(self, email: str, hardware: str) -> bool:
        """Bind on first use; True when the account is (now) bound to ``hardware``, False on a mismatch."""
        with self._lock:
            record = self._users.get(email.lower())
            if record is None:
                raise KeyError(email)
            if record.hardware is None:
                record.hardware = hardware
            if record.hardware != hardware:
                # Both strings, so a test that meets "bound to another machine" shows what differed.
                log.warning("hardware refused for %s: bound to %r, presented %r", email, record.hardware, hardware)
                return False
            return True

    # ---- files -------------------------------------------------------------------------------------------

    def put_file(self, folder: str, name: str, data: bytes, modified: datetime | None = None, *,
                 big_sha256: str | None = None, big_size: int | None = None) -> None:
        """Create the folder when missing, overwrite an existing file (and its big-part record: an upload
        without one leaves none)."""
        with self._lock:
            self._folders.setdefault(folder, {})[name] = StoredFile(
                bytes(data), modified or utc_now(), big_sha256, big_size)

    def get_stored(self, folder: str, name: str) -> StoredFile | None:
        """The file with its record (``big_sha256``/``big_size`` of a small part uploaded with them)."""
        with self._lock:
            return self._folders.get(folder, {}).get(name)

    def get_file(self, folder: str, name: str) -> bytes | None:
        with self._lock:
            stored = self._folders.get(folder, {}).get(name)
            return stored.data if stored else None

    def list_files(self, folder: str, search: str = "") -> list[tuple[str, StoredFile]]:
        """Sorted (name, file) pairs whose name contains ``search`` (case-insensitive); [] for unknown folders."""
        needle = search.lower()
        with self._lock:
            items = [(n, f) for n, f in self._folders.get(folder, {}).items() if needle in n.lower()]
        return sorted(items)

    def clear_folder(self, folder: str) -> int:
        """Delete every file in ``folder``; returns how many there were."""
        with self._lock:
            return len(self._folders.pop(folder, {}))

    # ---- key fragments and installers --------------------------------------------------------------------

    def put_fragment(self, version: str, fragment: bytes, sha256: str) -> None:
        with self._lock:
            self._fragments[version] = KeyFragment(bytes(fragment), sha256.lower())

    def get_fragment(self, version: str) -> KeyFragment | None:
        with self._lock:
            return self._fragments.get(version)

    def set_installer(self, filename: str, data: bytes, stage: bool = False) -> None:
        with self._lock:
            self._installers[stage] = Installer(filename, bytes(data))

    def get_installer(self, stage: bool = False) -> Installer | None:
        with self._lock:
            return self._installers.get(stage)

    # ---- tokens and test fault hooks ---------------------------------------------------------------------

    @property
    def token_generation(self) -> int:
        with self._lock:
            return self._token_generation

    def revoke_tokens(self) -> None:
        """Every token issued so far becomes invalid (401); tokens from later logins work."""
        with self._lock:
            self._token_generation += 1

    def fail_next(self, status: int, count: int = 1, body: str = "") -> None:
        """The next ``count`` requests other than POST /login answer ``status`` with ``body``."""
        if count < 1:
            raise ValueError("count must be at least 1")
        with self._lock:
            self._failures.extend([(status, body)] * count)

    def take_failure(self) -> tuple[int, str] | None:
        with self._lock:
            return self._failures.pop(0) if self._failures else None

    def garbage_next_get(self, count: int = 1) -> None:
        """The next ``count`` POST /resources/get answers are random bytes of the right length, not ciphertext."""
        with self._lock:
            self._garbage_gets += count

    def take_garbage(self) -> bool:
        with self._lock:
            if self._garbage_gets > 0:
                self._garbage_gets -= 1
                return True
            return False

    def clear_faults(self) -> None:
        """Drop pending fail_next / garbage_next_get hooks (for test teardown)."""
        with self._lock:
            self._failures.clear()
            self._garbage_gets = 0
