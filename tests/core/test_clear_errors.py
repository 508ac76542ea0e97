"""Every bad input ends in a clear error (exit 1 or 2), never `error: unexpected ...` (exit 3), and nothing is
left behind: hostile local files (settings.json), a server that names the installer `.bashrc` or hides its
extension behind U+202E, an archive whose bytes do not match its published SHA-256, a sandbox asked to listen on
every interface. The real CLI (subprocess) against the sandbox."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import uuid

import pytest

from core.images.archive import ARCHIVE_BUCKET, archive_key
from core.models import RoleEnum
from sandbox.state import STAGE_INSTALLER_NAME


def run(args, *, env=None, timeout=120):
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=full_env, timeout=timeout)


def azaion(sandbox, *args, creds=None, env=None, timeout=120):
    extra = dict(env or {})
    if creds is not None:
        extra.update(AZAION_EMAIL=creds.email, AZAION_PASSWORD=creds.password)
    return run(["-m", "cli.main", "--api", sandbox.api_url, *args], env=extra, timeout=timeout)


def _leftovers(folder):
    return sorted(p.name for p in folder.rglob(".azaion-*"))


# ---- local files the client reads ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["[" * 100_000, '{"profiles": ' * 50_000, '{"x": ' + "[" * 500 + "]" * 500 + "}"])
def test_deeply_nested_settings_file_is_a_clear_error(sandbox, make_account, tmp_path, text):
    """settings.json nested 100,000 deep ended in `error: unexpected RecursionError`. The file is not touched."""
    settings = tmp_path / "config" / "azaion-admin" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text(text)
    res = azaion(sandbox, "whoami", creds=make_account(), env={"XDG_CONFIG_HOME": str(tmp_path / "config")})
    assert res.returncode == 1, res.stderr
    assert res.stderr.startswith(f"error: {settings}: the settings file is not valid JSON"), res.stderr
    assert "nested more than 64 levels deep" in res.stderr
    assert settings.read_text() == text


@pytest.mark.parametrize("kind", ["fifo", "huge"])
def test_settings_file_that_is_not_a_settings_file_is_a_clear_error(sandbox, make_account, tmp_path, kind):
    """A FIFO named settings.json blocked every start for ever (read waits for a writer); a 2 MiB one was read
    whole. Both are refused at once, named, and left as they are."""
    settings = tmp_path / "config" / "azaion-admin" / "settings.json"
    settings.parent.mkdir(parents=True)
    if kind == "fifo":
        os.mkfifo(settings)
    else:
        settings.write_text('{"x": "' + "y" * (2 << 20) + '"}')
    res = azaion(sandbox, "whoami", creds=make_account(), env={"XDG_CONFIG_HOME": str(tmp_path / "config")},
                 timeout=60)  # the old code waited for ever on the FIFO
    assert res.returncode == 1, res.stderr
    why = "is larger than 1048576 bytes" if kind == "huge" else "is not a regular file"
    assert res.stderr.startswith(f"error: {settings}: the settings file {why}"), res.stderr
    assert settings.exists()


def test_deeply_nested_transfer_queue_is_ignored(tmp_path):
    """The GUI's transfer queue file (its sibling): a nested one is read as empty, as any malformed one is."""
    from gui.workers.queue import TransferQueue

    store = tmp_path / "queue.json"
    store.write_text("[" * 100_000)
    queue = TransferQueue()
    queue._store = store
    assert queue._load_specs() == []


# ---- the installer's name is the server's: no hidden, invisible or existing file ----------------------------------


@pytest.fixture
def stage_installer(sandbox):
    """Publish a stage installer under a name of the test's choice; the sandbox's own is put back after."""
    original = sandbox.state.get_installer(True)

    def publish(filename: str, data: bytes = b"MZ installer bytes") -> bytes:
        sandbox.state.set_installer(filename, data, stage=True)
        return data

    yield publish
    sandbox.state.set_installer(original.filename if original else STAGE_INSTALLER_NAME,
                                original.data if original else b"", stage=True)


@pytest.mark.parametrize("filename, why", [
    (".bashrc", "is a hidden file name"),
    ('x.exe"; filename*=UTF-8\'\'Suite%E2%80%AEexe.msi; x="', "bidirectional control characters"),
    ('x.exe"; filename*=UTF-8\'\'Suite%E2%80%8Bsetup.exe; x="', "invisible format characters"),
    ("AzaionSuite.exe.", "ends with a dot"),
    ("NUL.exe", "reserved device name"),
    ("a" * 256 + ".exe", "at most 255 bytes"),
])
def test_installer_refuses_an_unsafe_server_file_name(sandbox, make_account, stage_installer, tmp_path, filename, why):
    """`Content-Disposition: filename=".bashrc"` silently replaced the user's ~/.bashrc; U+202E was accepted."""
    stage_installer(filename)
    home = tmp_path / "home"
    home.mkdir()
    (home / ".bashrc").write_text("the user's shell setup\n")
    res = azaion(sandbox, "installer", "--stage", "-o", f"{home}/", creds=make_account(RoleEnum.Operator))
    assert res.returncode == 1, res.stderr
    assert "the server sent an unsafe installer file name" in res.stderr and why in res.stderr, res.stderr
    assert sorted(p.name for p in home.iterdir()) == [".bashrc"]
    assert (home / ".bashrc").read_text() == "the user's shell setup\n"


def test_installer_never_replaces_an_existing_file_unless_told(sandbox, make_account, stage_installer, tmp_path):
    data = stage_installer("AzaionSuite-9.9.9.exe", b"MZ new installer")
    creds = make_account(RoleEnum.Operator)
    folder = tmp_path / "downloads"
    folder.mkdir()
    existing = folder / "AzaionSuite-9.9.9.exe"
    existing.write_bytes(b"the copy the user already has")
    refused = azaion(sandbox, "installer", "--stage", "-o", str(folder), creds=creds)
    assert refused.returncode == 1, refused.stderr
    assert refused.stderr == f"error: {existing} already exists; use --force to replace it\n"
    assert existing.read_bytes() == b"the copy the user already has"

    forced = azaion(sandbox, "installer", "--stage", "-o", str(folder), "--force", creds=creds)
    assert forced.returncode == 0, forced.stderr
    assert existing.read_bytes() == data
    explicit = folder / "mine.exe"  # an explicit file path is the user saying so
    explicit.write_bytes(b"old")
    named = azaion(sandbox, "installer", "--stage", "-o", str(explicit), creds=creds)
    assert named.returncode == 0, named.stderr
    assert explicit.read_bytes() == data
    fifo = folder / "pipe.exe"
    os.mkfifo(fifo)
    bad = azaion(sandbox, "installer", "--stage", "-o", str(fifo), creds=creds)
    assert bad.returncode == 1 and "it is a FIFO (named pipe), not a regular file" in bad.stderr, bad.stderr
    assert _leftovers(folder) == []


# ---- fetch-archive checks what it promises ------------------------------------------------------------------------


@pytest.mark.parametrize("metadata", [{"sha256": "0" * 64}, {}])
def test_fetch_archive_with_a_wrong_or_missing_hash_fails_and_saves_nothing(sandbox, make_account, tmp_path,
                                                                             metadata):
    """An archive whose `sha256` metadata did not match was saved with exit 0 (its docstring and protocol.md said
    it was checked)."""
    version = f"9.9.{uuid.uuid4().int % 1000}-t"
    body = os.urandom(50_000)
    sandbox.s3_client().put_object(Bucket=ARCHIVE_BUCKET, Key=archive_key(version), Body=body, Metadata=metadata)
    out = tmp_path / "a.tar.enc"
    res = azaion(sandbox, "fetch-archive", version, "-o", str(out), creds=make_account(RoleEnum.Operator))
    assert res.returncode == 1, res.stderr
    expected = "does not match its recorded SHA-256" if metadata else "has no sha256 metadata"
    assert expected in res.stderr and "not saved" in res.stderr, res.stderr
    assert not out.exists() and _leftovers(tmp_path) == []


def test_fetch_archive_keeps_an_existing_file_without_force(sandbox, make_account, tmp_path):
    version = f"9.8.{uuid.uuid4().int % 1000}-t"
    body = os.urandom(20_000)
    sandbox.s3_client().put_object(Bucket=ARCHIVE_BUCKET, Key=archive_key(version), Body=body,
                                   Metadata={"sha256": hashlib.sha256(body).hexdigest()})
    creds = make_account(RoleEnum.Operator)
    out = tmp_path / "a.tar.enc"
    out.write_bytes(b"older archive")
    refused = azaion(sandbox, "fetch-archive", version, "-o", str(out), creds=creds)
    assert refused.returncode == 1 and "already exists; use --force" in refused.stderr, refused.stderr
    assert out.read_bytes() == b"older archive"
    forced = azaion(sandbox, "fetch-archive", version, "-o", str(out), "--force", creds=creds)
    assert forced.returncode == 0, forced.stderr
    assert out.read_bytes() == body
    into_folder = azaion(sandbox, "fetch-archive", version, "-o", str(tmp_path), creds=creds)
    assert into_folder.returncode == 0, into_folder.stderr
    assert (tmp_path / archive_key(version)).read_bytes() == body


# ---- the sandbox's own command line ------------------------------------------------------------------------------


@pytest.mark.parametrize("argv", [["-m", "cli.main", "sandbox"], ["-m", "sandbox"]])
@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.1", "example.com"])
def test_sandbox_on_a_non_loopback_host_is_a_usage_error(argv, host):
    """Refused, but as `error: unexpected ValueError` (exit 3): now a usage error (exit 2) before anything starts."""
    res = run([*argv, "--host", host], timeout=60)
    assert res.returncode == 2, res.stderr
    assert "only listens on loopback addresses" in res.stderr and "unexpected" not in res.stderr


# ---- input paths: a name too long to look up was `unexpected OSError` --------------------------------------------


def test_input_paths_that_cannot_be_files_are_clear_errors(tmp_path):
    """Checked before any network access (the API URL here is a closed port)."""
    long_path = tmp_path / ("a" * 300)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    cases = [
        (["upload", str(long_path), "--folder", "models", "--name", "x.bin"], "File name too long"),
        (["unlock", str(long_path), "--tag", "1.0.0"], "File name too long"),
        (["upload", str(fifo), "--folder", "models"], "is a FIFO (named pipe), not a regular file"),
        (["unlock", str(tmp_path), "--tag", "1.0.0"], "is a folder, not a regular file"),
        (["lock", "--tag", "1.0.0", "-o", str(fifo)], "refusing to write to"),
    ]
    for args, message in cases:
        res = run(["-m", "cli.main", "--api", "http://127.0.0.1:1", *args], timeout=60)
        assert res.returncode == 1, (args, res.stderr)
        assert message in res.stderr and "unexpected" not in res.stderr, (args, res.stderr)
