"""Core data models shared by the API client, CLI and GUI."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime

from core.errors import ProtocolError


class RoleEnum(IntEnum):
    NONE = 0
    Operator = 10
    Validator = 20
    CompanionPC = 30
    Admin = 40
    ResourceUploader = 50
    ApiAdmin = 1000

    @classmethod
    def parse(cls, value: str | int) -> RoleEnum:
        """Accept a code (``40``, ``"40"``) or a name in any case (``"admin"``, ``"None"``)."""
        if isinstance(value, int) or (isinstance(value, str) and value.strip().lstrip("-").isdigit()):
            try:
                return cls(int(value))
            except ValueError:
                raise ValueError(f"unknown role code {value}") from None
        text = str(value).strip().lower()
        for role in cls:
            if role.name.lower() == text:
                return role
        names = ", ".join(r.name for r in cls if r is not cls.NONE)
        raise ValueError(f"unknown role {value!r} (expected one of {names} or a code)")

    @property
    def label(self) -> str:
        return "None" if self is RoleEnum.NONE else self.name

    def can_upload(self) -> bool:
        return self in UPLOAD_ROLES

    def can_manage_users(self) -> bool:
        return self in USER_ADMIN_ROLES


UPLOAD_ROLES = frozenset({RoleEnum.ResourceUploader, RoleEnum.Admin, RoleEnum.ApiAdmin})
USER_ADMIN_ROLES = frozenset({RoleEnum.Admin, RoleEnum.ApiAdmin})


@dataclass(frozen=True)
class Credentials:
    email: str
    password: str = field(repr=False)

    def __post_init__(self) -> None:
        if not self.email or "@" not in self.email:
            raise ValueError("an email address is required")
        if not self.password:
            raise ValueError("a password is required")


@dataclass(frozen=True)
class User:
    id: str
    email: str
    role: RoleEnum
    hardware: str | None = None
    is_enabled: bool = True
    last_login: datetime | None = None

    @classmethod
    def from_json(cls, data: Any) -> User:
        if not isinstance(data, dict) or "email" not in data:
            raise ProtocolError("server sent a user record without an email")
        try:
            role = RoleEnum.parse(data.get("role", 0))
        except ValueError as exc:
            raise ProtocolError(f"server sent an unknown role: {exc}") from None
        last = data.get("lastLogin")
        last_login = None
        if last:
            try:
                from datetime import datetime  # not at import: the GUI's start does not need it

                last_login = datetime.fromisoformat(str(last).replace("Z", "+00:00"))
            except ValueError:
                last_login = None
        return cls(
            id=str(data.get("id", "")),
            email=str(data["email"]),
            role=role,
            hardware=data.get("hardware") or None,
            is_enabled=bool(data.get("isEnabled", True)),
            last_login=last_login,
        )


@dataclass(frozen=True)
class ResourceEntry:
    """One row of a folder listing; size and modified are None when the server sends bare names."""

    name: str
    size: int | None = None
    modified: datetime | None = None
