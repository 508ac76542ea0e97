"""Users endpoints and the role rules (403, 409/40, 409/50, 409/60, 409/70)."""

from __future__ import annotations

import pytest

from sandbox.api import MSG_APIADMIN, MSG_EXISTS, MSG_ROLE, MSG_SELF
from sandbox.roles import RoleEnum
from sandbox.server import Sandbox
from tests.sandbox.conftest import login

USER_KEYS = {"id", "email", "role", "hardware", "isEnabled", "lastLogin"}


def conflict(resp, code: int, message: str) -> None:
    assert resp.status_code == 409, resp.text
    assert resp.json() == {"ErrorCode": code, "Message": message}


def test_current_user(sb: Sandbox) -> None:
    body = login(sb, "validator@sandbox.local").get("/users/current").json()
    assert set(body) == USER_KEYS
    assert body["email"] == "validator@sandbox.local" and body["role"] == 20 and body["isEnabled"] is True
    assert body["lastLogin"].endswith("Z")


@pytest.mark.parametrize("email", ["operator@sandbox.local", "uploader@sandbox.local", "companion@sandbox.local"])
def test_non_admins_get_403(sb: Sandbox, email: str) -> None:
    api = login(sb, email)
    resp = api.get("/users")
    assert resp.status_code == 403 and resp.json()["ErrorCode"] == 403
    assert api.put("/users/validator@sandbox.local/disable").status_code == 403


def test_list_users_with_case_insensitive_search(sb: Sandbox) -> None:
    api = login(sb, "admin@sandbox.local")
    everyone = api.get("/users").json()
    assert {u["email"] for u in everyone} >= {"apiadmin@sandbox.local", "operator@sandbox.local"}
    assert all(set(u) == USER_KEYS for u in everyone)
    found = api.get("/users", params={"searchEmail": "OPERATOR@"}).json()
    assert [u["email"] for u in found] == ["operator@sandbox.local"]
    assert len(api.get("/users", params={"searchEmail": ""}).json()) == len(everyone)


def test_create_user_and_conflicts(sb: Sandbox) -> None:
    api = login(sb, "admin@sandbox.local")
    resp = api.post("/users", json={"email": "created@sandbox.local", "password": "pw1", "role": 10})
    assert resp.status_code == 200
    assert resp.json()["email"] == "created@sandbox.local" and resp.json()["role"] == 10
    assert resp.json()["hardware"] is None and resp.json()["lastLogin"] is None
    assert login(sb, "created@sandbox.local", "pw1").get("/users/current").status_code == 200
    conflict(api.post("/users", json={"email": "CREATED@sandbox.local", "password": "x", "role": 10}), 40, MSG_EXISTS)
    conflict(api.post("/users", json={"email": "r@sandbox.local", "password": "x", "role": 7}), 50, MSG_ROLE)
    conflict(api.post("/users", json={"email": "r@sandbox.local", "password": "x", "role": 1000}), 70, MSG_APIADMIN)
    missing = api.post("/users", json={"email": "r@sandbox.local", "role": 10})
    assert missing.status_code == 400 and missing.json()["ErrorCode"] == 90


def test_enable_disable(sb: Sandbox, new_account) -> None:
    email, _ = new_account()
    api = login(sb, "admin@sandbox.local")
    assert api.put(f"/users/{email}/disable").json() == {}
    assert sb.state.get_user(email).is_enabled is False
    assert api.put(f"/users/{email}/enable").status_code == 200
    assert sb.state.get_user(email).is_enabled is True
    assert api.put("/users/nobody@sandbox.local/enable").status_code == 404


def test_nobody_can_delete_disable_or_demote_themselves(sb: Sandbox) -> None:
    for email, role in (("admin@sandbox.local", 40), ("apiadmin@sandbox.local", 1000)):
        api = login(sb, email)
        conflict(api.delete(f"/users/{email}"), 60, MSG_SELF)
        conflict(api.put(f"/users/{email}/disable"), 60, MSG_SELF)
        conflict(api.put(f"/users/{email}/set-role/10"), 60, MSG_SELF)
        assert api.put(f"/users/{email}/set-role/{role}").status_code == 200  # unchanged role is not a demotion
        user = sb.state.get_user(email)
        assert user.is_enabled and int(user.role) == role


def test_only_apiadmin_changes_apiadmin(sb: Sandbox, new_account) -> None:
    other_apiadmin, _ = new_account(RoleEnum.ApiAdmin)
    plain, _ = new_account(RoleEnum.Operator)
    admin = login(sb, "admin@sandbox.local")
    conflict(admin.put(f"/users/{other_apiadmin}/set-role/10"), 70, MSG_APIADMIN)
    conflict(admin.delete(f"/users/{other_apiadmin}"), 70, MSG_APIADMIN)
    conflict(admin.put(f"/users/{other_apiadmin}/disable"), 70, MSG_APIADMIN)
    conflict(admin.delete(f"/users/{other_apiadmin}/hardware"), 70, MSG_APIADMIN)
    conflict(admin.put(f"/users/{plain}/set-role/1000"), 70, MSG_APIADMIN)
    conflict(admin.put("/users/admin@sandbox.local/set-role/1000"), 70, MSG_APIADMIN)
    assert sb.state.get_user(other_apiadmin).role is RoleEnum.ApiAdmin

    apiadmin = login(sb, "apiadmin@sandbox.local")
    assert apiadmin.put(f"/users/{plain}/set-role/1000").status_code == 200
    assert apiadmin.put(f"/users/{other_apiadmin}/set-role/40").status_code == 200
    assert sb.state.get_user(other_apiadmin).role is RoleEnum.Admin
    assert sb.state.get_user(plain).role is RoleEnum.ApiAdmin


def test_set_role_unknown_code_is_409_50(sb: Sandbox, new_account) -> None:
    email, _ = new_account()
    api = login(sb, "admin@sandbox.local")
    for role in ("7", "admin", "-1"):
        conflict(api.put(f"/users/{email}/set-role/{role}"), 50, MSG_ROLE)
    assert api.put(f"/users/{email}/set-role/50").status_code == 200
    assert sb.state.get_user(email).role is RoleEnum.ResourceUploader


def test_delete_user_then_404(sb: Sandbox, new_account) -> None:
    email, _ = new_account()
    api = login(sb, "admin@sandbox.local")
    assert api.delete(f"/users/{email}").json() == {}
    assert sb.state.get_user(email) is None
    resp = api.delete(f"/users/{email}")
    assert resp.status_code == 404 and resp.json()["ErrorCode"] == 404


def test_reset_hardware_unbinds(sb: Sandbox, new_account) -> None:
    email, _ = new_account()
    sb.state.set_hardware(email, "CPU: old. GPU: Unknown. Memory: 1. DriveSerial: Unknown")
    assert login(sb, "admin@sandbox.local").delete(f"/users/{email}/hardware").json() == {}
    assert sb.state.get_user(email).hardware is None


def test_a_refused_hardware_is_logged_with_both_strings(caplog) -> None:
    """A CLI test once failed with "bound to another machine" and nothing to say which part of the hardware
    string differed: the refusal names both."""
    from sandbox.state import SandboxState

    state = SandboxState(demo_users=False)
    state.add_user("hw@example.com", "pw-for-hw-test", RoleEnum.Operator)
    assert state.bind_hardware("hw@example.com", "CPU: A. GPU: G. Memory: 1. DriveSerial: S")
    assert state.bind_hardware("hw@example.com", "CPU: A. GPU: G. Memory: 1. DriveSerial: S")
    assert not caplog.records
    assert not state.bind_hardware("hw@example.com", "CPU: A. GPU: G. Memory: 2. DriveSerial: S")
    [record] = [r for r in caplog.records if r.name == "sandbox.state"]
    assert "Memory: 1." in record.getMessage() and "Memory: 2." in record.getMessage()
