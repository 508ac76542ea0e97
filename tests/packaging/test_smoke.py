"""``azaion-admin --smoke-test`` from the source tree: it passes here, and each of its checks fails, clearly, when
what it checks is missing (the frozen variants run in ``make package-test``)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.conftest import SESSION_DIR

ROOT = Path(__file__).resolve().parents[2]


def _env(**extra: str) -> dict[str, str]:
    """Own XDG folders inside the suite's session folder (so the final secrets scan reads what the run wrote)."""
    base = SESSION_DIR / "packaging" / uuid.uuid4().hex[:8]
    env = dict(os.environ)
    for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        env[var] = str(base / var.lower())
    env.pop("QT_QPA_PLATFORM", None)  # the smoke test picks offscreen itself
    env.update(extra)
    return env


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gui.launcher", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture
def keyring_usable():
    from core.credential_store import CredentialStore

    store = CredentialStore()
    if not store.is_usable():
        if os.environ.get("AZAION_REQUIRE_KEYRING"):
            pytest.fail(f"AZAION_REQUIRE_KEYRING is set but the keyring is not usable (backend {store.backend_name()})")
        pytest.skip("no usable system keyring here (run under scripts/with-keyring.sh)")


def test_smoke_test_passes(keyring_usable):
    env = _env()
    result = _run("--smoke-test", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    checks = [line.split()[1] for line in lines if line.startswith("ok ")]
    assert checks == ["bundle", "paths", "qt", "resources", "translations", "keyring", "tls", "sandbox",
                      "login-dialog", "login", "list", "download", "transfer-process", "files"]
    assert lines[-1].startswith("smoke test passed: 14 checks")
    assert "-m core.transfer_worker" in next(line for line in lines if line.split()[:2] == ["ok", "transfer-process"])
    log_file = Path(env["XDG_STATE_HOME"]) / "azaion-admin" / "log" / "azaion-admin.log"
    assert "smoke test passed" in log_file.read_text()
    # the run leaves no settings behind (it restores what was there: nothing)
    assert not (Path(env["XDG_CONFIG_HOME"]) / "azaion-admin" / "settings.json").exists()


def test_smoke_test_fails_without_a_real_keyring():
    result = _run("--smoke-test", env=_env(PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring"))
    assert result.returncode == 1
    assert "FAIL keyring: no keyring backend is available" in result.stdout
    assert "ok   keyring" not in result.stdout and "ok   sandbox" not in result.stdout  # stops at the first failure


def test_startup_mode():
    env = _env()
    result = _run("--smoke-test=startup", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "login dialog shown" in result.stdout
    assert "startup phases:" in result.stdout and "login dialog" in result.stdout.split("startup phases:")[1]
    # The log file opens only after the dialog is up (core.logs.hold_records); a start that quits at once still
    # writes what it logged.
    log_file = Path(env["XDG_STATE_HOME"]) / "azaion-admin" / "log" / "azaion-admin.log"
    assert "smoke: login dialog shown" in log_file.read_text(encoding="utf-8")


def test_unknown_smoke_mode_is_rejected():
    from gui.launcher import main

    with pytest.raises(SystemExit) as exc:
        main(["--smoke-test=bogus"])
    assert exc.value.code == 2


# -- each check on its own, in this process ------------------------------------------------------------------


@pytest.fixture
def checks():
    from gui.smoke import _Checks

    return _Checks()


def test_resources_missing(qapp, checks, tmp_path, monkeypatch):
    from gui import assets, smoke

    monkeypatch.setattr(assets, "resources_dir", lambda: tmp_path)
    with pytest.raises(smoke.SmokeFailure, match="no icons folder") as exc:
        smoke.check_resources(checks, qapp)
    assert exc.value.check == "resources"


def test_style_sheet_missing(qapp, checks, tmp_path, monkeypatch):
    from gui import assets, smoke

    (tmp_path / "icons").mkdir()
    (tmp_path / "icons" / "app.svg").write_bytes((ROOT / "resources" / "icons" / "app.svg").read_bytes())
    monkeypatch.setattr(assets, "resources_dir", lambda: tmp_path)
    with pytest.raises(smoke.SmokeFailure, match="style sheet"):
        smoke.check_resources(checks, qapp)


def test_icon_that_does_not_render(qapp, checks, tmp_path, monkeypatch):
    from gui import assets, smoke

    (tmp_path / "icons").mkdir()
    (tmp_path / "icons" / "app.svg").write_text("not an svg")
    monkeypatch.setattr(assets, "resources_dir", lambda: tmp_path)
    with pytest.raises(smoke.SmokeFailure, match="does not render"):
        smoke.check_resources(checks, qapp)


def test_translations(qapp, checks, tmp_path, monkeypatch):
    from gui import assets, smoke

    shipped = ROOT / "resources" / "translations"
    folder = tmp_path / "translations"
    monkeypatch.setattr(assets, "resources_dir", lambda: tmp_path)
    with pytest.raises(smoke.SmokeFailure, match="no translations folder"):
        smoke.check_translations(checks, qapp)
    folder.mkdir()
    with pytest.raises(smoke.SmokeFailure, match="azaion_uk.qm is missing") as exc:  # an empty folder fails
        smoke.check_translations(checks, qapp)
    assert exc.value.check == "translations"
    (folder / "azaion_en.qm").write_bytes((shipped / "azaion_en.qm").read_bytes())
    with pytest.raises(smoke.SmokeFailure, match="azaion_uk.qm is missing"):  # English alone is not enough
        smoke.check_translations(checks, qapp)
    # a catalogue that loads but does not translate the known string (here: the English one under the uk name)
    (folder / "azaion_uk.qm").write_bytes((shipped / "azaion_en.qm").read_bytes())
    with pytest.raises(smoke.SmokeFailure,
                       match="azaion_uk.qm translates LoginDialog/'Log in' as '', expected 'Увійти'"):
        smoke.check_translations(checks, qapp)
    (folder / "azaion_uk.qm").write_bytes((shipped / "azaion_uk.qm").read_bytes())
    (folder / "azaion_en.qm").unlink()
    with pytest.raises(smoke.SmokeFailure, match="azaion_en.qm is missing"):
        smoke.check_translations(checks, qapp)
    (folder / "azaion_en.qm").write_bytes((shipped / "azaion_en.qm").read_bytes())
    smoke.check_translations(checks, qapp)
    assert checks.count == 1
    (folder / "azaion_xx.qm").write_bytes(b"garbage")
    with pytest.raises(smoke.SmokeFailure, match="azaion_xx.qm does not load"):
        smoke.check_translations(checks, qapp)


def test_real_translations_load(qapp, checks):
    from gui import smoke

    smoke.check_translations(checks, qapp)
    assert checks.count == 1


def test_keyring_fail_and_null_backends(checks, monkeypatch):
    import keyring
    from keyring.backends import fail, null

    from gui import smoke

    for backend, text in ((fail.Keyring(), "no keyring backend"), (null.Keyring(), "null backend")):
        monkeypatch.setattr(keyring, "get_keyring", lambda b=backend: b)
        with pytest.raises(smoke.SmokeFailure, match=text) as exc:
            smoke.check_keyring(checks)
        assert exc.value.check == "keyring"


def test_ca_bundle_missing(checks, tmp_path, monkeypatch):
    import botocore.httpsession  # noqa: F401 - imported first: they read certifi.where() once, at import
    import certifi
    import requests.utils  # noqa: F401

    from gui import smoke

    monkeypatch.setattr(certifi, "where", lambda: str(tmp_path / "cacert.pem"))
    with pytest.raises(smoke.SmokeFailure, match="does not exist") as exc:
        smoke.check_tls(checks)
    assert exc.value.check == "tls"
    (tmp_path / "cacert.pem").write_text("no certificates here\n")
    with pytest.raises(smoke.SmokeFailure, match="holds no certificates"):
        smoke.check_tls(checks)


def test_ca_bundle_requests_uses_is_missing(checks, tmp_path, monkeypatch):
    import requests.utils

    from gui import smoke

    monkeypatch.setattr(requests.utils, "DEFAULT_CA_BUNDLE_PATH", str(tmp_path / "gone.pem"))
    with pytest.raises(smoke.SmokeFailure, match="requests's CA bundle"):
        smoke.check_tls(checks)


def test_tls_check_passes_here(checks):
    from gui import smoke

    smoke.check_tls(checks)
    assert checks.count == 1


def test_paths_are_platformdirs_not_the_executable_folder(checks, monkeypatch, tmp_path):
    from core import logs
    from gui import smoke

    try:
        log_file = smoke.check_paths(checks)
        assert log_file.parent == Path(os.environ["XDG_STATE_HOME"]) / "azaion-admin" / "log"
        # a log folder next to the executable is refused
        monkeypatch.setattr(smoke, "_bundle_roots", lambda: [tmp_path])
        monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
        with pytest.raises(smoke.SmokeFailure, match="inside"):
            smoke.check_paths(checks)
    finally:
        logs.setup_logging()  # back to the suite's log file


def test_package_test_broken_resource_bundles_fail_the_named_check(qapp, checks, tmp_path, monkeypatch):
    """``make package-test`` hides installed files and expects a named smoke check to fail. Here the same cases
    that concern resources/ are played on a copy of the shipped resources (as the bundle holds them), in process:
    each fails the check package-test expects, and the intact copy passes."""
    import shutil

    import package_test
    from pkgtools import keep_data

    from gui import assets, smoke

    internal = tmp_path / "_internal"
    source = ROOT / "resources"
    for path in source.rglob("*"):
        rel = path.relative_to(source).as_posix()
        if path.is_file() and keep_data(f"resources/{rel}"):
            (internal / "resources" / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, internal / "resources" / rel)
    monkeypatch.setattr(assets, "resources_dir", lambda: internal / "resources")

    def first_failure() -> str | None:
        try:
            smoke.check_resources(checks, qapp)
            smoke.check_translations(checks, qapp)
        except smoke.SmokeFailure as exc:
            return f"{exc.check}: {exc.message}"
        return None

    assert first_failure() is None  # the bundle's resources as shipped pass
    cases = [case for case in package_test.broken_bundles(internal)
             if case[2] and all(internal / "resources" in (p, *p.parents) for p in case[2])]
    assert [name for name, *_ in cases] == ["resources left out", "translations left out",
                                           "Ukrainian translation left out (only azaion_uk.qm)"]
    for name, check, paths, _keyring in cases:
        with package_test.hidden(*paths):
            failure = first_failure()
        assert failure is not None and failure.startswith(f"{check}: "), (name, failure)
    assert first_failure() is None  # hidden() put everything back
    with package_test.hidden(internal / "resources" / "translations" / "azaion_uk.qm"):
        assert first_failure().startswith("translations: azaion_uk.qm is missing")
