"""User administration over the API (docs/protocol.md, "Users") and reading users' hardware strings.

Every call takes a logged-in :class:`core.api_client.ApiClient` and goes through its public ``request`` (so it
gets the same re-login, retry and error mapping as every other call). A refusal arrives as the client's typed
errors: ``ConflictError`` with the server's ``Message`` (409/40 exists, 50 unknown role, 60 self, 70 ApiAdmin),
``PermissionDeniedError`` (403, the role may not manage users), ``NotFoundError`` (no such user).

The hardware helpers turn the canonical string ``CPU: …. GPU: …. Memory: …. DriveSerial: …`` (and the older
forms seen in real deployments) into fields, and memory values into gigabytes the way the web admin shows them.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core import safejson
from core.errors import AzaionError, ProtocolError
from core.models import RoleEnum, User
from core.text import printable
from core.urls import segment

if TYPE_CHECKING:
    from core.api_client import ApiClient

log = logging.getLogger("azaion.users")

ASSIGNABLE_ROLES: tuple[RoleEnum, ...] = (
    RoleEnum.Operator,
    RoleEnum.Validator,
    RoleEnum.CompanionPC,
    RoleEnum.Admin,
    RoleEnum.ResourceUploader,
    RoleEnum.ApiAdmin,
)
"""The roles an administrator hands out, in the order the web admin lists them (None is a code, not offered)."""

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


class UserInputError(AzaionError, ValueError):
    """A bad email, password or role given by the user, refused before any request."""


class InvalidRoleError(UserInputError):
    """A role that is neither a known name (any case) nor a known code."""


# ---- input checks ---------------------------------------------------------------------------------------------


def parse_role(value: str | int | RoleEnum) -> RoleEnum:
    """``"validator"``, ``"Validator"``, ``20`` or ``"20"`` → ``RoleEnum.Validator``; else InvalidRoleError."""
    if isinstance(value, RoleEnum):
        return value
    try:
        return RoleEnum.parse(value)
    except ValueError as exc:
        raise InvalidRoleError(str(exc)) from None


def check_email(email: str) -> str:
    """The email trimmed; UserInputError unless it looks like ``name@domain`` (the server has the last word)."""
    text = (email or "").strip()
    if not text:
        raise UserInputError("an email address is required")
    if not _EMAIL.match(text) or any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise UserInputError(f"{text!r} is not an email address")
    return text


def check_password(password: str) -> str:
    if not password:
        raise UserInputError("a password is required")
    if "\n" in password or "\r" in password:
        raise UserInputError("the password must be one line")
    return password


# ---- API calls ------------------------------------------------------------------------------------------------


def _json(resp, what: str) -> Any:  # requests.Response
    try:
        return resp.json()
    except (ValueError, RecursionError):  # RecursionError: nested too deep
        raise ProtocolError(f"{what}: the server's answer is not JSON") from None


def current_user(client: ApiClient) -> User:
    """``GET /users/current``: the logged-in account as the server stores it."""
    resp = client.request("GET", "/users/current", what="read the current user")
    return User.from_json(_json(resp, "current user"))


def list_users(client: ApiClient, search: str = "") -> list[User]:
    """``GET /users?searchEmail=S``: users whose email contains ``search`` (any case); all when empty."""
    params = {"searchEmail": search} if search else None
    resp = client.request("GET", "/users", params=params, what="list users")
    data = _json(resp, "list users")
    if not isinstance(data, list):
        raise ProtocolError("list users: expected an array of users")
    users = []
    for item in data:
        try:
            users.append(User.from_json(item))
        except ProtocolError as exc:
            log.warning("Skipping a malformed user record: %s", printable(exc, 200))
    return users


def create_user(client: ApiClient, email: str, password: str, role: str | int | RoleEnum) -> User:
    """``POST /users``; returns the created user (as the server describes it)."""
    email = check_email(email)
    check_password(password)
    role = parse_role(role)
    resp = client.request(
        "POST", "/users", json={"email": email, "password": password, "role": int(role)}, what=f"create user {email}"
    )
    try:
        data = resp.json()
    except (ValueError, RecursionError):  # RecursionError: nested too deep
        data = None
    if isinstance(data, dict) and "email" in data:
        user = User.from_json(data)
    else:  # a server that answers 200 without the record: the request succeeded, describe what we sent
        user = User(id="", email=email, role=role)
    log.info("Created user %s (%s)", printable(user.email), user.role.label)  # the server's words: one log line
    return user


def _user_path(email: str, suffix: str = "") -> str:
    text = (email or "").strip()
    if not text:
        raise UserInputError("an email address is required")
    return f"/users/{segment(text)}{suffix}"


def enable_user(client: ApiClient, email: str) -> None:
    client.request("PUT", _user_path(email, "/enable"), what=f"enable {email}")
    log.info("Enabled user %s", email)


def disable_user(client: ApiClient, email: str) -> None:
    client.request("PUT", _user_path(email, "/disable"), what=f"disable {email}")
    log.info("Disabled user %s", email)


def set_enabled(client: ApiClient, email: str, enabled: bool) -> None:
    (enable_user if enabled else disable_user)(client, email)


def set_role(client: ApiClient, email: str, role: str | int | RoleEnum) -> RoleEnum:
    """``PUT /users/{email}/set-role/{code}``; returns the role that was set."""
    role = parse_role(role)
    client.request("PUT", _user_path(email, f"/set-role/{int(role)}"), what=f"change the role of {email}")
    log.info("Set the role of %s to %s", email, role.label)
    return role


def delete_user(client: ApiClient, email: str) -> None:
    client.request("DELETE", _user_path(email), what=f"delete {email}")
    log.info("Deleted user %s", email)


def reset_hardware(client: ApiClient, email: str) -> None:
    """``DELETE /users/{email}/hardware``: the account's next login binds it to the machine it comes from."""
    client.request("DELETE", _user_path(email, "/hardware"), what=f"reset the hardware of {email}")
    log.info("Reset the hardware binding of %s", email)


# ---- hardware strings -----------------------------------------------------------------------------------------

_FIELD_ALIASES = {
    "cpu": "cpu",
    "processor": "cpu",
    "gpu": "gpu",
    "gpus": "gpu",
    "graphics": "gpu",
    "video": "gpu",
    "memory": "memory",
    "mem": "memory",
    "ram": "memory",
    "driveserial": "drive",
    "drive serial": "drive",
    "drive": "drive",
    "disk": "drive",
    "diskserial": "drive",
    "disk serial": "drive",
    "hdd": "drive",
    "serial": "drive",
}
_KEY = re.compile(
    r"(?i)(?:^|(?<=[\s.,;|{]))\s*[\"']?"
    r"(cpu|processor|gpus?|graphics|video|memory|mem|ram|drive\s*serial|disk\s*serial|drive|disk|hdd|serial)"
    r"[\"']?\s*[:=]\s*"
)
_TRAILING = " \t\r\n.,;|\"'}"
UNKNOWN_VALUES = {"", "unknown", "none", "null", "n/a", "-"}


@dataclass(frozen=True)
class UserHardware:
    """The fields of a user's hardware string. A field is None when the string does not carry it (or says
    ``Unknown``); ``raw`` keeps the string as stored, for tooltips and formats this parser does not know."""

    raw: str
    cpu: str | None = None
    gpu: str | None = None
    memory: str | None = None
    drive: str | None = None

    @property
    def memory_gb(self) -> float | None:
        return memory_gb(self.memory)

    @property
    def memory_label(self) -> str | None:
        return memory_label(self.memory)

    @property
    def recognised(self) -> bool:
        return any(v is not None for v in (self.cpu, self.gpu, self.memory, self.drive))


def _clean(value: Any) -> str | None:
    """A field as shown (labels, chart slices): one line, no control or format character of the server's."""
    if value is None:
        return None
    text = printable(re.sub(r"\s+", " ", str(value)), 200).strip(_TRAILING).strip()
    return None if text.lower() in UNKNOWN_VALUES else text


def parse_hardware(text: str | None) -> UserHardware | None:
    """Fields of a hardware string; None when there is none (an unbound account).

    Accepts the canonical ``CPU: …. GPU: …. Memory: …. DriveSerial: …``, other separators (``,``, ``;``, ``|``,
    new lines), ``key=value``, other key names (Processor, RAM, Disk, HDD, Serial…) in any case and order, and a
    JSON object with such keys. Anything else is kept in ``raw`` with every field None.
    """
    if text is None:
        return None
    raw = str(text)
    if not raw.strip():
        return None
    fields: dict[str, str | None] = {}
    stripped = raw.strip()
    if stripped.startswith("{"):
        try:
            data = safejson.loads(stripped)
        except ValueError:
            data = None
        if isinstance(data, dict):
            for key, value in data.items():
                name = _FIELD_ALIASES.get(re.sub(r"[\s_-]+", " ", str(key)).strip().lower())
                name = name or _FIELD_ALIASES.get(re.sub(r"[\s_-]+", "", str(key)).lower())
                if name and name not in fields:
                    if isinstance(value, list):
                        value = ", ".join(str(v) for v in value)
                    fields[name] = _clean(value)
            return UserHardware(raw, **fields)
    matches = list(_KEY.finditer(raw))
    for i, match in enumerate(matches):
        key = re.sub(r"\s+", " ", match.group(1).lower())
        name = _FIELD_ALIASES.get(key) or _FIELD_ALIASES.get(key.replace(" ", ""))
        end = matches[i + 1].start() if i + 1 < len(matches) else len(raw)
        if name and name not in fields:
            fields[name] = _clean(raw[match.end() : end])
    return UserHardware(raw, **fields)


_MEMORY = re.compile(
    r"(?i)^\s*([0-9]+(?:[.,][0-9]+)?)\s*(kilobytes?|megabytes?|gigabytes?|terabytes?|bytes?|[kmgt]i?b?|b)?(?![a-z0-9])"
)
_UNIT_POWER = {"b": 0, "byte": 0, "bytes": 0, "k": 1, "m": 2, "g": 3, "t": 4}
_KIB = 1024


def memory_gb(value: str | float | None) -> float | None:
    """A memory amount in GB (GiB, as the OS reports it), or None when it is not a number.

    A unit, when given (``16 GB``, ``16384MB``, ``16318908 kB``, ``17179869184 bytes``), is used. A bare number
    is read as the web admin reads it: above 1024×1024 it is KB (the canonical string's unit), above 1024 MB,
    otherwise GB; numbers of 2^33 and more are bytes (no machine has 8 TiB of RAM in KB).
    """
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number, unit = float(value), ""
    else:
        match = _MEMORY.match(str(value))
        if match is None:
            return None
        number = float(match.group(1).replace(",", "."))
        unit = (match.group(2) or "").lower()
    if number <= 0:
        return None
    if unit:
        power = _UNIT_POWER.get(unit) if unit in _UNIT_POWER else _UNIT_POWER.get(unit[0])
        if power is None:
            return None
        return number * _KIB**power / _KIB**3
    if number >= 2**33:
        return number / _KIB**3
    if number > _KIB * _KIB:
        return number / _KIB**2
    if number > _KIB:
        return number / _KIB
    return number


def memory_label(value: str | float | None) -> str | None:
    """``16318908`` → ``"16 GB"``: whole gigabytes (machines report a little under their nominal size), one
    decimal below 1 GB."""
    gb = memory_gb(value)
    if gb is None:
        return None
    if gb < 0.95:
        return f"{gb:.1f} GB"
    return f"{int(gb + 0.5)} GB"  # half up: 62.5 → 63


@dataclass(frozen=True)
class HardwareStats:
    """Counts per CPU model, GPU model and memory size over a set of users (most common first)."""

    cpu: list[tuple[str, int]]
    gpu: list[tuple[str, int]]
    memory: list[tuple[str, int]]
    users: int
    bound: int

    @property
    def unbound(self) -> int:
        return self.users - self.bound


UNKNOWN_LABEL = "Unknown"


def hardware_stats(users: Iterable[User]) -> HardwareStats:
    """Count the users' machines by CPU, GPU and memory size. Unbound users are counted in ``users`` only;
    a bound machine whose string lacks a field counts under ``"Unknown"`` for that field."""
    cpu: Counter[str] = Counter()
    gpu: Counter[str] = Counter()
    memory: Counter[str] = Counter()
    total = bound = 0
    for user in users:
        total += 1
        hw = parse_hardware(user.hardware)
        if hw is None:
            continue
        bound += 1
        cpu[hw.cpu or UNKNOWN_LABEL] += 1
        gpu[hw.gpu or UNKNOWN_LABEL] += 1
        memory[hw.memory_label or UNKNOWN_LABEL] += 1

    def ordered(counter: Counter[str], numeric: bool = False) -> list[tuple[str, int]]:
        if numeric:
            return sorted(counter.items(), key=lambda kv: (-kv[1], memory_gb(kv[0]) or float("inf")))
        return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0].casefold()))

    return HardwareStats(ordered(cpu), ordered(gpu), ordered(memory, numeric=True), total, bound)


def top_slices(counts: list[tuple[str, int]], limit: int = 8, other: str = "Other") -> list[tuple[str, int]]:
    """At most ``limit`` slices: the most common, then one ``other`` slice summing the rest."""
    if len(counts) <= limit:
        return list(counts)
    head = list(counts[: limit - 1])
    return [*head, (other, sum(n for _, n in counts[limit - 1 :]))]
