"""Roles of docs/protocol.md ("Roles"): codes, names and which roles may do what, as the sandbox enforces them."""

from __future__ import annotations

from enum import IntEnum


class RoleEnum(IntEnum):
    """Role codes. An IntEnum, so a client's role of the same code compares equal (``==``, not ``is``)."""

    NONE = 0
    Operator = 10
    Validator = 20
    CompanionPC = 30
    Admin = 40
    ResourceUploader = 50
    ApiAdmin = 1000

    @classmethod
    def parse(cls, value: str | int) -> RoleEnum:
        """``POST /users`` takes ``role`` as a code (``40``, ``"40"``) or a name in any case (``"admin"``)."""
        text = str(value).strip()
        if text.lstrip("-").isdigit():
            return cls(int(text))
        for role in cls:
            if role.name.lower() == text.lower():
                return role
        raise ValueError(f"unknown role {value!r}")

    @property
    def label(self) -> str:
        return "None" if self is RoleEnum.NONE else self.name


UPLOAD_ROLES = frozenset({RoleEnum.ResourceUploader, RoleEnum.Admin, RoleEnum.ApiAdmin})
"""Upload (``POST /resources/{folder}``) and ``POST /clear-folder``."""
USER_ADMIN_ROLES = frozenset({RoleEnum.Admin, RoleEnum.ApiAdmin})
"""User administration and publishing key fragments."""
