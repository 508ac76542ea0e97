"""Admin tests reuse the GUI fixtures (isolated settings per test, app controller on the session sandbox, login
through the dialog) and add helpers for users with known hardware."""

from __future__ import annotations

import secrets
import uuid

import pytest

from tests.conftest import USED_SECRETS
from tests.gui.conftest import (  # noqa: F401
    app_factory,
    gate_probe,
    gui_dirs,
    logged_in,
    new_folder,
    themed,
)


@pytest.fixture
def add_users(sandbox):
    """``make(hardware_list, domain=None)``: sandbox users (one per hardware string, None = unbound) under a fresh
    email domain; returns (domain, emails)."""

    def make(hardware: list[str | None], *, domain: str | None = None, role=None, enabled: bool = True):
        from core.models import RoleEnum

        domain = domain or f"hw-{uuid.uuid4().hex[:8]}.test"
        emails = []
        for i, hw in enumerate(hardware):
            email = f"u{i:02d}@{domain}"
            password = "pw-" + secrets.token_urlsafe(8)
            USED_SECRETS.add(password)
            sandbox.state.add_user(email, password, role or RoleEnum.Operator, hardware=hw, enabled=enabled)
            emails.append(email)
        return domain, emails

    return make
