"""The sandbox's demo data: the Users and Hardware views of ``make run`` show a real-looking fleet, and the demo
login accounts still log in from this machine."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.errors import HardwareMismatchError
from core.models import Credentials, RoleEnum, User
from core.users import hardware_stats, parse_hardware
from sandbox.state import DEMO_ACCOUNTS, DEMO_FLEET, DEMO_PASSWORD, SandboxState, utc_now


def _users(state: SandboxState) -> list[User]:
    return [User(id=r.id, email=r.email, role=r.role, hardware=r.hardware, is_enabled=r.is_enabled,
                 last_login=r.last_login) for r in state.find_users()]


def test_demo_fleet_fills_the_hardware_charts():
    state = SandboxState()
    users = _users(state)
    assert len(users) == len(DEMO_ACCOUNTS) + len(DEMO_FLEET)
    stats = hardware_stats(users)
    assert stats.bound == sum(1 for _, _, hw, _, _ in DEMO_FLEET if hw) >= 8
    assert len(stats.cpu) >= 5 and len(stats.gpu) >= 5 and len(stats.memory) >= 4
    assert stats.cpu[0] == ("12th Gen Intel(R) Core(TM) i7-12700H", 2)
    assert dict(stats.memory) == {"16 GB": 4, "32 GB": 2, "15 GB": 1, "7 GB": 1, "64 GB": 1}
    for email, _role, hardware, _ago, _enabled in DEMO_FLEET:
        if hardware is not None:  # every field is read: CPU, GPU, memory (KB, MB or "16 GB"), drive
            hw = parse_hardware(hardware)
            assert None not in (hw.cpu, hw.gpu, hw.memory_label, hw.drive), email
    # varied last logins (minutes to weeks ago), one account never logged in, one disabled
    now = utc_now()
    ages = [now - u.last_login for u in users if u.last_login is not None]
    assert min(ages) < timedelta(hours=1) and max(ages) > timedelta(days=30)
    assert sum(u.last_login is None for u in users) == 2  # the seed account (uploader@) and one fleet account
    assert [u.email for u in users if not u.is_enabled] == ["k.savchuk@sandbox.local"]


def test_demo_login_accounts_stay_unbound():
    """The accounts the docs, `make run` and the tests log in with carry no hardware: any machine can bind them."""
    from core.hardware import get_hardware_string

    state = SandboxState()
    for email, _role in DEMO_ACCOUNTS:
        assert state.get_user(email).hardware is None
        assert state.bind_hardware(email, get_hardware_string()) is True
    assert {e for e, *_ in DEMO_FLEET}.isdisjoint(e for e, _ in DEMO_ACCOUNTS)
    # searching for a demo account finds only it (fleet emails hold no role name)
    assert [u.email for u in state.find_users("OPERATOR@")] == ["operator@sandbox.local"]


def test_fleet_account_is_bound_elsewhere(sandbox, make_client):
    email = next(e for e, _role, hw, _ago, enabled in DEMO_FLEET if hw and enabled)
    before = sandbox.state.get_user(email)
    client = make_client(Credentials(email, DEMO_PASSWORD), role=RoleEnum.Operator)
    with pytest.raises(HardwareMismatchError):
        client.check_resource()
    assert sandbox.state.get_user(email).hardware == before.hardware  # the binding is kept

