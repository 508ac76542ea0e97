"""core.users and core.installers against the session sandbox, and the pure hardware helpers."""

from __future__ import annotations

import os
import uuid

import pytest

from core import users
from core.cancel import CancelToken
from core.errors import (
    CancelledError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ProtocolError,
)
from core.installers import download_installer, filename_from_disposition, server_filename
from core.models import RoleEnum, User
from sandbox.api import MSG_APIADMIN, MSG_EXISTS, MSG_SELF


def _email(tag: str = "c") -> str:
    return f"{tag}-{uuid.uuid4().hex[:10]}@core.test"


# ---- users over the API ----------------------------------------------------------------------------------------


def test_current_list_and_search(sandbox, make_client):
    admin = make_client(role=RoleEnum.Admin)
    me = users.current_user(admin)
    assert me.email == admin.credentials.email and me.role is RoleEnum.Admin and me.last_login is not None
    everyone = users.list_users(admin)
    assert {"apiadmin@sandbox.local", me.email} <= {u.email for u in everyone}
    found = users.list_users(admin, me.email.upper()[:14])
    assert me.email in [u.email for u in found] and all(me.email[:14] in u.email for u in found)


def test_create_enable_disable_role_reset_delete(sandbox, make_client):
    admin = make_client(role=RoleEnum.Admin)
    email = _email()
    created = users.create_user(admin, email, "pw-123456", "validator")
    assert created.email == email and created.role is RoleEnum.Validator and created.is_enabled
    record = sandbox.state.get_user(email)
    assert record is not None and record.role == RoleEnum.Validator and record.last_login is None

    users.disable_user(admin, email)
    assert sandbox.state.get_user(email).is_enabled is False
    users.set_enabled(admin, email, True)
    assert sandbox.state.get_user(email).is_enabled is True

    assert users.set_role(admin, email, "50") is RoleEnum.ResourceUploader
    assert sandbox.state.get_user(email).role == RoleEnum.ResourceUploader

    sandbox.state.set_hardware(email, "CPU: X. GPU: Y. Memory: 1. DriveSerial: Z")
    users.reset_hardware(admin, email)
    assert sandbox.state.get_user(email).hardware is None

    users.delete_user(admin, email)
    assert sandbox.state.get_user(email) is None
    with pytest.raises(NotFoundError):
        users.enable_user(admin, email)


def test_refusals_carry_the_servers_message(sandbox, make_client):
    admin = make_client(role=RoleEnum.Admin)
    me = admin.credentials.email
    for call in (lambda: users.delete_user(admin, me), lambda: users.disable_user(admin, me),
                 lambda: users.set_role(admin, me, RoleEnum.Operator)):
        with pytest.raises(ConflictError) as info:
            call()
        assert info.value.error_code == 60 and info.value.message == MSG_SELF
    assert sandbox.state.get_user(me).role == RoleEnum.Admin and sandbox.state.get_user(me).is_enabled
    users.set_role(admin, me, RoleEnum.Admin)  # setting one's own current role again is a no-op

    with pytest.raises(ConflictError) as info:
        users.set_role(admin, "apiadmin@sandbox.local", RoleEnum.Operator)
    assert info.value.error_code == 70 and info.value.message == MSG_APIADMIN
    assert sandbox.state.get_user("apiadmin@sandbox.local").role == RoleEnum.ApiAdmin
    with pytest.raises(ConflictError) as info:
        users.create_user(admin, _email(), "pw-123456", RoleEnum.ApiAdmin)
    assert info.value.error_code == 70
    with pytest.raises(ConflictError) as info:
        users.create_user(admin, "operator@sandbox.local", "pw-123456", RoleEnum.Operator)
    assert info.value.error_code == 40 and info.value.message == MSG_EXISTS


def test_apiadmin_may_change_an_apiadmin(sandbox, make_client):
    boss = make_client(role=RoleEnum.ApiAdmin)
    email = _email("api")
    users.create_user(boss, email, "pw-123456", RoleEnum.ApiAdmin)
    users.set_role(boss, email, RoleEnum.Operator)
    assert sandbox.state.get_user(email).role == RoleEnum.Operator


def test_operator_is_refused_with_403(sandbox, make_client):
    operator = make_client(role=RoleEnum.Operator)
    with pytest.raises(PermissionDeniedError, match="may not manage users"):
        users.list_users(operator)
    with pytest.raises(PermissionDeniedError):
        users.disable_user(operator, "validator@sandbox.local")
    assert sandbox.state.get_user("validator@sandbox.local").is_enabled
    assert users.current_user(operator).role is RoleEnum.Operator


def test_input_checks_before_any_request(make_client):
    admin = make_client(role=RoleEnum.Admin, login=False)  # no token: a request would have to log in first
    with pytest.raises(users.UserInputError):
        users.create_user(admin, "not-an-email", "pw", RoleEnum.Operator)
    with pytest.raises(users.UserInputError):
        users.create_user(admin, "a@b", "", RoleEnum.Operator)
    with pytest.raises(users.InvalidRoleError, match="unknown role 'boss'"):
        users.create_user(admin, "a@b", "pw", "boss")
    assert admin.token is None


@pytest.mark.parametrize(
    "text,role",
    [("operator", RoleEnum.Operator), ("VALIDATOR", RoleEnum.Validator), ("CompanionPC", RoleEnum.CompanionPC),
     ("admin", RoleEnum.Admin), ("resourceuploader", RoleEnum.ResourceUploader), ("ApiAdmin", RoleEnum.ApiAdmin),
     ("10", RoleEnum.Operator), ("1000", RoleEnum.ApiAdmin), (40, RoleEnum.Admin)],
)
def test_parse_role(text, role):
    assert users.parse_role(text) is role


@pytest.mark.parametrize("bad", ["boss", "7", "", "-10"])
def test_parse_role_rejects(bad):
    with pytest.raises(users.InvalidRoleError):
        users.parse_role(bad)


# ---- hardware strings ------------------------------------------------------------------------------------------

CANONICAL = "CPU: Intel(R) Core(TM) i7-10700 CPU @ 2.90GHz. GPU: NVIDIA GeForce RTX 3060, Intel UHD 630. " \
            "Memory: 16318908. DriveSerial: S4EWNX0N"


def test_parse_canonical_hardware():
    hw = users.parse_hardware(CANONICAL)
    assert hw.cpu == "Intel(R) Core(TM) i7-10700 CPU @ 2.90GHz"
    assert hw.gpu == "NVIDIA GeForce RTX 3060, Intel UHD 630"
    assert hw.memory == "16318908" and hw.memory_label == "16 GB" and round(hw.memory_gb, 2) == 15.56
    assert hw.drive == "S4EWNX0N" and hw.raw == CANONICAL


@pytest.mark.parametrize(
    "text,cpu,gpu,memory,drive",
    [
        ("CPU: AMD Ryzen 7 5800X, GPU: Radeon RX 6800, Memory: 32768, DriveSerial: ABC", "AMD Ryzen 7 5800X",
         "Radeon RX 6800", "32 GB", "ABC"),
        ("cpu=Xeon E5; gpu=Unknown; ram=64 GB; disk=D1", "Xeon E5", None, "64 GB", "D1"),
        ("Processor: M1 Pro | Graphics: Apple M1 Pro | RAM: 17179869184 | Serial: XYZ", "M1 Pro", "Apple M1 Pro",
         "16 GB", "XYZ"),
        ('{"CPU": "Celeron", "GPU": ["A", "B"], "Memory": "8192 MB", "DriveSerial": "S"}', "Celeron", "A, B",
         "8 GB", "S"),
        ("CPU: Only CPU here.", "Only CPU here", None, None, None),
        ("Memory: 16318908kB. CPU: i5", "i5", None, "16 GB", None),
    ],
)
def test_parse_other_formats(text, cpu, gpu, memory, drive):
    hw = users.parse_hardware(text)
    assert (hw.cpu, hw.gpu, hw.memory_label, hw.drive) == (cpu, gpu, memory, drive)


def test_unknown_format_and_unbound():
    assert users.parse_hardware(None) is None and users.parse_hardware("  ") is None
    hw = users.parse_hardware("3f9a0c7e-legacy-hash")
    assert hw.raw == "3f9a0c7e-legacy-hash" and not hw.recognised and hw.cpu is None


@pytest.mark.parametrize(
    "value,gb",
    [("16318908", 15.56), ("16384", 16.0), ("16", 16.0), ("8 GB", 8.0), ("8192MB", 8.0), ("512 MiB", 0.5),
     ("17179869184", 16.0), ("1 TB", 1024.0), (33554432, 32.0), ("lots", None), ("0", None), (None, None)],
)
def test_memory_gb(value, gb):
    got = users.memory_gb(value)
    assert (got is None and gb is None) or round(got, 2) == gb


def test_memory_labels_round_to_whole_gigabytes():
    assert users.memory_label("7990000") == "8 GB"  # 7.62 GiB reported for an 8 GB machine
    assert users.memory_label("32768") == "32 GB"
    assert users.memory_label("512 MB") == "0.5 GB"


def test_hardware_stats_and_top_slices():
    def user(hw):
        return User(id="", email=f"{uuid.uuid4().hex[:6]}@x", role=RoleEnum.Operator, hardware=hw)

    population = [
        user("CPU: A. GPU: G1. Memory: 16318908. DriveSerial: 1"),
        user("CPU: A. GPU: G1. Memory: 16384. DriveSerial: 2"),
        user("CPU: B. GPU: G2. Memory: 8 GB. DriveSerial: 3"),
        user("CPU: A. GPU: Unknown. Memory: 32768. DriveSerial: 4"),
        user(None),
    ]
    stats = users.hardware_stats(population)
    assert (stats.users, stats.bound, stats.unbound) == (5, 4, 1)
    assert stats.cpu == [("A", 3), ("B", 1)]
    assert stats.gpu == [("G1", 2), ("G2", 1), ("Unknown", 1)]
    assert stats.memory == [("16 GB", 2), ("8 GB", 1), ("32 GB", 1)]
    many = [(f"m{i}", 10 - i) for i in range(10)]
    top = users.top_slices(many, limit=4, other="Other")
    assert top == [("m0", 10), ("m1", 9), ("m2", 8), ("Other", 7 + 6 + 5 + 4 + 3 + 2 + 1)]
    assert users.top_slices(many[:3], limit=4) == many[:3]


# ---- installers ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header,name",
    [
        ('attachment; filename="AzaionSuite-1.2.3.exe"', "AzaionSuite-1.2.3.exe"),
        ("attachment; filename=plain.exe", "plain.exe"),
        ("attachment; filename=\"a.exe\"; filename*=UTF-8''%D0%90%D0%B7%D0%B0%D1%97%D0%BE%D0%BD.exe", "Азаїон.exe"),
        ('attachment; filename="quo\\"te.exe"', 'quo"te.exe'),
        ("attachment", None),
        (None, None),
    ],
)
def test_filename_from_disposition(header, name):
    assert filename_from_disposition(header) == name


@pytest.mark.parametrize("header", ['attachment; filename="../evil.exe"', 'attachment; filename="C:evil"',
                                    "attachment", 'attachment; filename="a/b"'])
def test_unsafe_or_missing_names_are_refused(header):
    with pytest.raises(ProtocolError):
        server_filename(header)


@pytest.mark.parametrize("stage", [False, True])
def test_installer_to_a_folder_uses_the_servers_name(sandbox, make_client, tmp_path, stage):
    client = make_client(role=RoleEnum.Operator)
    seen = []
    result = download_installer(client, tmp_path, stage=stage, progress=lambda d, t: seen.append((d, t)))
    served = sandbox.state.get_installer(stage)
    assert result.path == tmp_path / served.filename and result.filename == served.filename
    assert result.path.read_bytes() == served.data and result.size == len(served.data)
    assert seen[-1] == (len(served.data), len(served.data))
    assert [p.name for p in tmp_path.iterdir()] == [served.filename]


def test_installer_to_a_file_and_a_new_folder(sandbox, make_client, tmp_path):
    client = make_client(role=RoleEnum.Validator)
    target = tmp_path / "sub" / "setup.exe"
    result = download_installer(client, target)
    assert result.path == target and target.read_bytes() == sandbox.state.get_installer(False).data
    folder = str(tmp_path / "new-folder") + os.sep
    result = download_installer(client, folder, stage=True)
    assert result.path.parent == tmp_path / "new-folder"
    assert result.path.read_bytes() == sandbox.state.get_installer(True).data


def test_installer_with_an_unsafe_name_writes_nothing(sandbox, make_client, tmp_path):
    client = make_client(role=RoleEnum.Operator)
    original = sandbox.state.get_installer(True)
    sandbox.state.set_installer("..", b"evil", stage=True)
    try:
        with pytest.raises(ProtocolError, match="unsafe installer file name"):
            download_installer(client, tmp_path, stage=True)
    finally:
        sandbox.state.set_installer(original.filename, original.data, stage=True)
    assert list(tmp_path.iterdir()) == []


def test_cancelled_installer_download_leaves_nothing(sandbox, make_client, tmp_path):
    client = make_client(role=RoleEnum.Operator)
    token = CancelToken()
    calls = []

    def progress(done, total):
        calls.append(done)
        if done:
            token.cancel()

    original = sandbox.state.get_installer(True)
    sandbox.state.set_installer("Big-1.0.exe", os.urandom(3 << 20), stage=True)
    try:
        with pytest.raises(CancelledError):
            download_installer(client, tmp_path, stage=True, progress=progress, cancel=token)
    finally:
        sandbox.state.set_installer(original.filename, original.data, stage=True)
    assert list(tmp_path.iterdir()) == []


def test_installer_needs_a_role(sandbox, make_client, tmp_path):
    nobody = make_client(role=RoleEnum.NONE)
    with pytest.raises(PermissionDeniedError):
        download_installer(nobody, tmp_path)
    assert list(tmp_path.iterdir()) == []
