"""Settings → Network: the bandwidth cap applies at once to transfers already waiting on it, the proxy password
goes to the keyring (never the settings file), "Test connection" tries the proxy as typed in a worker, and bad
values are refused with the reason, changing nothing."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from core.bandwidth import LIMITER, OFF, parse_limit
from core.settings import Settings, default_settings_path
from tests.conftest import USED_SECRETS
from tests.loopback_proxy import LoopbackProxy

KiB = 1 << 10


@pytest.fixture
def ctx(sandbox):
    from gui.session import AppContext

    context = AppContext(settings=Settings())
    context.settings.add_or_update_profile("sandbox", api_url=sandbox.api_url)
    context.settings.current_profile = "sandbox"
    yield context
    LIMITER.set_limit(OFF)


def dialog_for(qtbot, ctx):
    from gui.dialogs.settings import SettingsDialog

    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    return dialog


def test_the_cap_applies_live_and_the_proxy_password_goes_to_the_keyring(qtbot, themed, ctx):
    LIMITER.set_limit(parse_limit("1k"))
    finished: list[float] = []

    def transfer_waiting_on_the_cap() -> None:
        LIMITER.take(64 * KiB)  # about a minute at 1 KiB/s
        finished.append(time.monotonic())

    waiter = threading.Thread(target=transfer_waiting_on_the_cap)
    waiter.start()
    user, password = "gui-proxy", "gpx-" + uuid.uuid4().hex
    USED_SECRETS.add(password)
    dialog = dialog_for(qtbot, ctx)
    with LoopbackProxy(auth=(user, password)) as proxy:
        dialog.bwlimit.setText("off")
        dialog.bwschedule.setText("  08:00,1M   18:00,off ")
        dialog.proxy_host.setText("127.0.0.1")
        dialog.proxy_port.setValue(proxy.port)
        dialog.proxy_user.setText(user)
        dialog.proxy_password.setText(password)
        assert dialog.test_connection()
        qtbot.waitUntil(lambda: dialog.test_button.isEnabled(), timeout=30000)
        assert dialog.proxy_status.text().startswith(f"OK: reached {ctx.settings.current().api_url} through the "
                                                     f"proxy http://127.0.0.1:{proxy.port}"), dialog.proxy_status.text()
        assert proxy.forwards and proxy.refused == []
        dialog.bwschedule.setText("")
        applied = time.monotonic()
        dialog.accept()
        waiter.join(10)
        assert finished and finished[0] - applied < 3.0  # the waiting transfer went on at once (slack for load)
        assert not LIMITER.active
    text = default_settings_path().read_text()
    assert password not in text and f'"proxy_port": {proxy.port}' in text and '"bwlimit": "off"' in text
    proxy_config = ctx.proxy()
    assert proxy_config is not None and proxy_config.password == password  # from the keyring


def test_a_schedule_is_saved_and_applied(qtbot, themed, ctx):
    dialog = dialog_for(qtbot, ctx)
    dialog.bwlimit.setText("2M")
    dialog.bwschedule.setText("  00:00,1M   ")
    dialog.accept()
    assert ctx.settings.bwlimit_schedule == "00:00,1M"
    assert LIMITER.limit.timetable is not None and LIMITER.limit.rate_now() == 1 << 20


@pytest.mark.parametrize(("field", "value", "says"), [
    ("bwlimit", "fast", "not a bandwidth rate: 'fast'"),
    ("bwschedule", "25:00,1M", "not a time of day"),
    ("proxy_host", "http://proxy.example", "give a host name or address only"),
])
def test_bad_network_settings_are_refused_and_change_nothing(qtbot, themed, ctx, field, value, says):
    LIMITER.set_limit(parse_limit("3M"))
    dialog = dialog_for(qtbot, ctx)
    getattr(dialog, field).setText(value)
    dialog.proxy_port.setValue(3128)
    dialog.accept()
    assert dialog.isVisible() or dialog.result() == 0  # not accepted
    assert says in dialog.error.text()
    assert LIMITER.limit.rate == 3 << 20  # unchanged
    assert not default_settings_path().exists()


def test_test_connection_names_a_refused_proxy_password(qtbot, themed, ctx):
    with LoopbackProxy(auth=("u", "right-" + uuid.uuid4().hex)) as proxy:
        dialog = dialog_for(qtbot, ctx)
        dialog.proxy_host.setText("127.0.0.1")
        dialog.proxy_port.setValue(proxy.port)
        dialog.proxy_user.setText("u")
        dialog.proxy_password.setText("wrong-proxy-pw")
        assert dialog.test_connection()
        qtbot.waitUntil(lambda: dialog.test_button.isEnabled(), timeout=30000)
    assert "refused the user name or password (407" in dialog.proxy_status.text()
    assert "wrong-proxy-pw" not in dialog.proxy_status.text()
