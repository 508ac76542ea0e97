"""Image unlock panel over core.images with REAL podman (isolated store, tests/podman_store.py) and the sandbox's
sample archive: unlock through the GUI (✓ table, docker's own output and the images loaded shown while it runs,
progress on the panel), failures (✗ table, the message, docker's stderr; a check that fails after the load does
not claim nothing was loaded), a retried older unlock becomes the one shown, lock for admins (picked images,
fragment published, "Lock" in Transfers), drops on the window while the panel is shown, and what role None
gets."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import tarfile
import uuid

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from core.images import decrypt_archive, fetch_key_fragment
from core.images.names import normalize
from core.models import RoleEnum
from gui.models import TransfersModel
from gui.workers.jobs import JobKind, JobState
from sandbox.images import SAMPLE_VERSION, sample_archive
from sandbox.tarball import service_images
from tests.gui.conftest import gate_probes, wait_jobs, write_random
from tests.podman_store import encrypt_file


@pytest.fixture
def check_gate(monkeypatch):
    """Unlocks created while this fixture is active are held when they reach their "checking" stage (docker load
    has finished and printed what it loaded), so the job is RUNNING; returns the list of GateProbes made."""
    yield from gate_probes(monkeypatch, stage="checking", wait=60)


def _use_podman(qtbot, window, store, command: str | None = None) -> None:
    """Settings → Images → docker command = the test's podman (its store isolated by CONTAINERS_STORAGE_CONF), or
    ``command`` (a wrapper around it)."""
    from gui.dialogs.settings import SettingsDialog

    command = command or store.docker
    dialog = SettingsDialog(window.ctx, window.client, window)
    qtbot.addWidget(dialog)
    dialog.docker.setText(command)
    language = window.ctx.settings.language
    dialog.accept()
    window.settings_applied(language_before=language)
    panel = window.unlock_panel
    qtbot.waitUntil(lambda: panel.docker_info is not None and panel.docker_info.path == command, timeout=20000)
    assert "podman" in panel.docker_label.text().lower() and panel.docker_label.text().startswith("✓")


def _sample_archive(tmp_path):
    path = tmp_path / f"azaion-images-{SAMPLE_VERSION}.tar.enc"
    path.write_bytes(sample_archive())
    return path


def _drop(window, path) -> tuple[bool, bool]:
    """Real drag-enter + drop of ``path`` on the main window; (enter accepted, drop accepted)."""
    mime = QMimeData()  # kept referenced for the lifetime of the events
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    pos = window.rect().center()
    enter = QDragEnterEvent(QPoint(pos), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    drop = QDropEvent(QPointF(pos), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, drop)
    return enter.isAccepted(), drop.isAccepted()


def _marks(panel) -> list[tuple[str, str, str]]:
    table = panel.services
    return [tuple(table.item(r, c).text() for c in range(3)) for r in range(table.rowCount())]


def _direction(window, job) -> str:
    model = window.transfers_panel.model
    return model.data(model.index(window.queue.row_of(job), TransfersModel.DIRECTION))


def test_unlock_sample_archive_with_podman_all_services_ok(qtbot, logged_in, store, check_gate, tmp_path):
    controller, _ = logged_in(RoleEnum.Operator)
    window = controller.window
    panel = window.unlock_panel
    assert not panel.lock_toggle.isVisibleTo(panel) and not panel.lock_box.lock_button.isEnabled()  # operators: no lock
    _use_podman(qtbot, window, store)
    window.show_panel("unlock")
    archive = _sample_archive(tmp_path)
    assert _drop(window, archive) == (True, True)
    assert panel.archive_edit.text() == str(archive)
    assert panel.version_edit.text() == SAMPLE_VERSION
    qtbot.waitUntil(panel.unlock_button.isEnabled, timeout=5000)
    qtbot.mouseClick(panel.unlock_button, Qt.MouseButton.LeftButton)
    job = panel.current_job
    assert job is not None and job.kind is JobKind.UNLOCK
    settings = window.ctx.settings

    # While the job still runs (held after docker load, before the check), the panel already shows docker's
    # lines and the images loaded: the feed's 10 Hz timer is not restarted by every progress update.
    (gate,) = check_gate
    qtbot.waitUntil(gate.reached.is_set, timeout=120000)
    qtbot.waitUntil(lambda: "Loaded image" in panel.output.toPlainText(), timeout=3000)
    qtbot.waitUntil(lambda: f"{len(settings.services)} images loaded" in panel.progress_label.text(), timeout=3000)
    assert job.state is JobState.RUNNING
    assert [m[2] for m in _marks(panel)] == ["—"] * len(settings.services)  # not checked yet
    gate.release.set()
    wait_jobs(qtbot, [job], timeout=120000)
    assert job.state is JobState.DONE, job.message

    assert _marks(panel) == [(s, f"{settings.image_prefix}{s}:{SAMPLE_VERSION}", "✓") for s in settings.services]
    assert "all service images present" in panel.availability.text()
    wanted = {normalize(f"{settings.image_prefix}{s}:{SAMPLE_VERSION}") for s in settings.services}
    assert wanted <= store.images()  # podman really has them

    # docker's own output in the collapsible log (podman prints "Loaded image: localhost/azaion/...")
    log_lines = panel.output.toPlainText().splitlines()
    loaded_lines = [ln for ln in log_lines if ln.startswith("Loaded image")]
    assert len(loaded_lines) >= 1, log_lines
    assert all(any(f"{settings.image_prefix}{s}:{SAMPLE_VERSION}" in ln for ln in loaded_lines)
               for s in settings.services), loaded_lines

    # progress on the panel itself: every archive byte decrypted, every image counted
    size = archive.stat().st_size
    assert (panel.progress_done, panel.progress_total) == (size, size)
    assert panel.progress.value() == panel.progress.maximum()
    assert len(panel.images_loaded) == len(settings.services)
    assert f"{len(settings.services)} images loaded" in panel.progress_label.text()
    assert _direction(window, job) == "Unlock"


def test_unlock_wrong_archive_shows_crosses_and_message(qtbot, logged_in, store, tmp_path):
    controller, _ = logged_in(RoleEnum.Operator)
    window = controller.window
    panel = window.unlock_panel
    _use_podman(qtbot, window, store)
    window.show_panel("unlock")
    wrong = tmp_path / f"azaion-images-{SAMPLE_VERSION}.tar.enc"  # right name, other bytes: not the published hash
    wrong.write_bytes(os.urandom(16 + 64 * 1024))
    panel.set_archive(wrong)
    assert _marks(panel)[0][2] == "—"
    job = panel.start_unlock()
    assert job is not None
    wait_jobs(qtbot, [job], timeout=60000)
    assert job.state is JobState.FAILED
    assert "tampered" in job.message and "Traceback" not in job.message
    settings = window.ctx.settings
    assert _marks(panel) == [(s, f"{settings.image_prefix}{s}:{SAMPLE_VERSION}", "✗") for s in settings.services]
    assert job.message in panel.availability.text() and "nothing was loaded" in panel.availability.text()
    assert panel.services.item(0, 2).toolTip() == job.message
    assert panel.unlock_button.isEnabled()  # may try again
    assert store.images() == set()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([wrong.name, "containers", "tmp"])
    # The panel's own background docker calls (the docker version check after the settings changed) have private
    # TMPDIRs of their own while they run: a CI run under load saw one of those, gone a moment later.
    qtbot.waitUntil(lambda: panel.session.runner.busy == 0, timeout=30000)
    assert list((tmp_path / "tmp").iterdir()) == []  # podman's private TMPDIR is gone

    # Retry from Transfers once the file is the real archive: the same job, its output and table updated.
    wrong.write_bytes(sample_archive())
    window.show_panel("transfers")
    window.transfers_panel.table.selectRow(window.queue.row_of(job))
    window.queue.retry(job)
    wait_jobs(qtbot, [job], timeout=120000)
    assert job.state is JobState.DONE, job.message
    assert [m[2] for m in _marks(panel)] == ["✓"] * len(settings.services)
    assert "Loaded image" in panel.output.toPlainText()
    assert panel.progress.value() == panel.progress.maximum()


def _failing_load_docker(tmp_path, real: str, said: str):
    """A docker command that is podman, except that ``load`` reads its whole input, writes ``said`` and a last
    summary line to stderr and exits 125 (a load that fails after reading the archive). The last line also ends up
    in the job's message; ``said`` can only reach the log as the tool's stderr."""
    script = tmp_path / "bin" / "docker-failing-load"
    script.parent.mkdir()
    script.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = load ]; then\n'
        "  cat >/dev/null\n"
        "  echo 'Loading the layers (simulated)'\n"
        f"  echo '{said}' >&2\n"
        "  echo 'Error: payload does not match any of the supported image formats (simulated)' >&2\n"
        "  exit 125\n"
        "fi\n"
        f'exec "{real}" "$@"\n'
    )
    script.chmod(0o755)
    return str(script)


def test_unlock_failing_docker_load_shows_its_stderr(qtbot, logged_in, store, sandbox, tmp_path):
    """docker load fails after reading the archive: what it wrote to stderr is in the log, line by line, besides
    the job's one-line summary."""
    controller, _ = logged_in(RoleEnum.Operator)
    window = controller.window
    panel = window.unlock_panel
    said = f"loading layer {uuid.uuid4().hex}: unexpected EOF (simulated)"
    _use_podman(qtbot, window, store, _failing_load_docker(tmp_path, store.docker, said))
    version = f"9.1.{uuid.uuid4().int % 10**9}"
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        data = b"not an image\n" * 100
        info = tarfile.TarInfo("readme.txt")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    archive = tmp_path / f"azaion-images-{version}.tar.enc"
    fragment = os.urandom(32)
    sandbox.state.put_fragment(version, fragment, encrypt_file(buf.getvalue(), archive, fragment))
    panel.set_archive(archive)
    assert panel.version_edit.text() == version
    job = panel.start_unlock()
    wait_jobs(qtbot, [job], timeout=60000)
    assert job.state is JobState.FAILED, job.message
    assert "exit 125" in job.message and said not in job.message, job.message
    lines = panel.output.toPlainText().splitlines()
    assert said in lines, lines  # docker's own stderr line, as it wrote it
    assert "Loading the layers (simulated)" in lines, lines  # its stdout too
    assert panel.log_toggle.isChecked() and not panel.output.isHidden()
    assert [m[2] for m in _marks(panel)] == ["✗"] * len(window.ctx.settings.services)
    assert store.images() == set()


def test_retried_older_unlock_is_the_one_the_panel_shows(qtbot, logged_in, store, check_gate, tmp_path):
    """Like a file manager's transfer list: the panel shows the unlock the user started last. Retrying an older
    unlock in Transfers brings back its archive and version; the newer one finishing later does not overwrite it."""
    controller, _ = logged_in(RoleEnum.Operator)
    window = controller.window
    panel = window.unlock_panel
    settings = window.ctx.settings
    _use_podman(qtbot, window, store)
    window.show_panel("unlock")

    # A: an archive of a version with no published fragment: fails, nothing loaded
    old_version = f"9.3.{uuid.uuid4().int % 10**9}"
    old = write_random(tmp_path / "a" / f"azaion-images-{old_version}.tar.enc", 64 * 1024)
    panel.set_archive(old)
    job_a = panel.start_unlock()
    wait_jobs(qtbot, [job_a], timeout=60000)
    assert job_a.state is JobState.FAILED and "nothing was loaded" in panel.availability.text()

    # B: the real sample archive, held after docker load (RUNNING)
    new = tmp_path / "b" / f"azaion-images-{SAMPLE_VERSION}.tar.enc"
    new.parent.mkdir()
    new.write_bytes(sample_archive())
    panel.set_archive(new)
    job_b = panel.start_unlock()
    gate_b = check_gate[-1]
    qtbot.waitUntil(gate_b.reached.is_set, timeout=120000)
    qtbot.waitUntil(lambda: "Loaded image" in panel.output.toPlainText(), timeout=3000)
    assert panel.version_edit.text() == SAMPLE_VERSION

    # Retry A in Transfers: the panel shows A again (its archive and version, a fresh log), and its failure
    window.queue.retry(job_a)
    assert panel.current_job is job_a
    assert (panel.archive_edit.text(), panel.version_edit.text()) == (str(old), old_version)
    assert "Loaded image" not in panel.output.toPlainText()
    wait_jobs(qtbot, [job_a], timeout=60000)
    assert job_a.state is JobState.FAILED
    shown = panel.availability.text()
    assert job_a.message in shown and "nothing was loaded" in shown

    # B ends afterwards: its result, lines and loaded images stay off the panel
    gate_b.release.set()
    wait_jobs(qtbot, [job_b], timeout=120000)
    assert job_b.state is JobState.DONE, job_b.message
    qtbot.wait(300)  # feed ticks
    assert panel.availability.text() == shown
    assert [m[2] for m in _marks(panel)] == ["✗"] * len(settings.services)
    assert (panel.archive_edit.text(), panel.version_edit.text()) == (str(old), old_version)
    assert "Loaded image" not in panel.output.toPlainText() and panel.images_loaded == []
    assert " loaded" not in panel.progress_label.text()


def _flaky_docker(tmp_path, real: str):
    """A docker command that is podman, except that ``images`` fails once while the ``fail-images`` file exists
    (an image store that cannot be read for a moment). Returns (command, the file that arms it)."""
    arm = tmp_path / "fail-images"
    script = tmp_path / "bin" / "docker-flaky"
    script.parent.mkdir()
    script.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = images ] && [ -e "{arm}" ]; then\n'
        f'  rm -f "{arm}"\n'
        '  echo "Error: reading the image store: resource temporarily unavailable (simulated)" >&2\n'
        "  exit 125\n"
        "fi\n"
        f'exec "{real}" "$@"\n'
    )
    script.chmod(0o755)
    return str(script), arm


def test_check_failing_after_the_load_does_not_say_nothing_was_loaded(qtbot, logged_in, store, sandbox, tmp_path):
    """An archive without the last service's image, and the check after docker load fails once: the job fails
    after the images were loaded, so the panel says how many were loaded (not "nothing was loaded"), checks again
    and shows the loaded services ✓ and the missing one ✗. A check that fails is shown on the panel too."""
    controller, _ = logged_in(RoleEnum.Operator)
    window = controller.window
    panel = window.unlock_panel
    settings = window.ctx.settings
    command, arm = _flaky_docker(tmp_path, store.docker)
    _use_podman(qtbot, window, store, command)
    window.show_panel("unlock")
    version = f"9.4.{uuid.uuid4().int % 10**9}"
    archive = tmp_path / f"azaion-images-{version}.tar.enc"
    fragment = os.urandom(32)
    present = settings.services[:-1]
    digest = encrypt_file(service_images(present, settings.image_prefix, version), archive, fragment)
    sandbox.state.put_fragment(version, fragment, digest)
    panel.set_archive(archive)
    arm.touch()
    job = panel.start_unlock()
    wait_jobs(qtbot, [job], timeout=120000)
    assert job.state is JobState.FAILED and "simulated" in job.message, job.message
    assert not arm.exists()  # the check after the load is what failed
    expected = [(s, f"{settings.image_prefix}{s}:{version}", "✓" if s in present else "✗") for s in settings.services]
    qtbot.waitUntil(lambda: _marks(panel) == expected, timeout=30000)  # checked again
    shown = panel.availability.text()
    assert "nothing was loaded" not in shown, shown
    loaded = f"{len(present)} images were loaded" if len(present) != 1 else "1 image was loaded"
    assert loaded in shown and job.message in shown, shown
    assert "some service images are missing" in shown, shown
    assert panel.log_toggle.isChecked() and job.message in panel.output.toPlainText()

    # Check images when docker fails: the reason is on the panel, not only in the collapsed log
    arm.touch()
    panel.log_toggle.setChecked(False)
    qtbot.mouseClick(panel.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Could not check" in panel.availability.text(), timeout=30000)
    assert "simulated" in panel.availability.text()
    assert _marks(panel) == expected  # the last answer stays

    # ... in the interface language (the error's headline translated, docker's words kept as data)
    from gui.theme import set_language

    set_language("uk")
    try:
        arm.touch()
        qtbot.mouseClick(panel.check_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "Не вдалося перевірити образи сервісів" in panel.availability.text(), timeout=30000)
        shown = panel.availability.text()
        assert "Docker (або podman)" in shown and "simulated" in shown and "Could not" not in shown, shown
    finally:
        set_language("en")


def test_lock_picked_images_through_the_gui(qtbot, logged_in, store, make_client, tmp_path):
    controller, _ = logged_in(RoleEnum.Admin)
    window = controller.window
    panel = window.unlock_panel
    settings = window.ctx.settings
    assert panel.lock_toggle.isVisibleTo(panel) and not panel.lock_box.isVisibleTo(panel)
    qtbot.mouseClick(panel.lock_toggle, Qt.MouseButton.LeftButton)
    assert panel.lock_box.isVisibleTo(panel)
    _use_podman(qtbot, window, store)
    # the sample images, then tagged under a new version in the isolated store
    store.load(service_images(settings.services, settings.image_prefix, SAMPLE_VERSION))
    version = f"9.2.{uuid.uuid4().hex[:8]}"
    for service in settings.services:
        subprocess.run([store.docker, "tag", f"{settings.image_prefix}{service}:{SAMPLE_VERSION}",
                        f"{settings.image_prefix}{service}:{version}"], check=True, capture_output=True, timeout=120)
    extra = f"{settings.image_prefix}extra-tool:{version}"
    subprocess.run([store.docker, "tag", f"{settings.image_prefix}{settings.services[0]}:{SAMPLE_VERSION}", extra],
                   check=True, capture_output=True, timeout=120)

    window.show_panel("unlock")
    panel.version_edit.setText(version)
    prefilled = [panel.lock_box.lock_images.item(r).text() for r in range(panel.lock_box.lock_images.count())]
    assert prefilled == [f"{settings.image_prefix}{s}:{version}" for s in settings.services]
    panel.lock_box.lock_images.item(len(prefilled) - 1).setCheckState(Qt.CheckState.Unchecked)  # leave the last one out
    qtbot.keyClicks(panel.lock_box.add_image_edit, extra)
    qtbot.mouseClick(panel.lock_box.add_image_button, Qt.MouseButton.LeftButton)
    picked = [f"{settings.image_prefix}{s}:{version}" for s in settings.services[:-1]] + [extra]
    assert panel.lock_box.picked_images() == picked
    out = tmp_path / "out" / f"azaion-images-{version}.tar.enc"
    out.parent.mkdir()
    panel.lock_box.lock_output_edit.setText(str(out))
    assert panel.lock_box.lock_button.isEnabled()
    qtbot.mouseClick(panel.lock_box.lock_button, Qt.MouseButton.LeftButton)
    job = panel.lock_box.job
    assert job is not None and job.kind is JobKind.LOCK
    assert _direction(window, job) == "Lock"
    wait_jobs(qtbot, [job], timeout=120000)
    assert job.state is JobState.DONE, job.message
    assert out.is_file() and [p.name for p in out.parent.iterdir()] == [out.name]
    assert "published" in panel.availability.text()

    # the fragment is published: an operator fetches it, and it opens this archive with exactly the picked images
    kf = fetch_key_fragment(make_client(role=RoleEnum.Operator), version)
    assert kf.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()
    plain = tmp_path / "plain.tar"
    decrypt_archive(out, kf, plain)
    import json

    with tarfile.open(plain) as tf:
        manifest = json.load(tf.extractfile("manifest.json"))
    tags = sorted(normalize(t) for m in manifest for t in m.get("RepoTags") or [])
    assert tags == sorted(normalize(n) for n in picked)


def test_drop_on_window_while_unlock_shown_sets_archive_not_upload(qtbot, logged_in, new_folder, tmp_path):
    controller, _ = logged_in(RoleEnum.ResourceUploader)  # may upload: a drop elsewhere would queue an upload
    window = controller.window
    archive = write_random(tmp_path / "azaion-images-3.4.5.tar.enc", 4096)
    window.show_panel("unlock")
    before = len(window.queue.jobs)
    assert _drop(window, archive) == (True, True)
    assert window.unlock_panel.archive_edit.text() == str(archive)
    assert window.unlock_panel.version_edit.text() == "3.4.5"
    assert len(window.queue.jobs) == before  # nothing queued for upload
    # a folder is no archive: refused while the unlock panel is shown
    assert _drop(window, tmp_path) == (False, False)
    assert len(window.queue.jobs) == before
    # on another panel the same drop is an upload again
    window.show_panel("upload")
    window.upload_panel.set_folder(new_folder("unlockdrop"))
    batches = window.upload_panel.batches
    assert _drop(window, archive) == (True, True)
    qtbot.waitUntil(lambda: window.upload_panel.batches > batches, timeout=30000)  # after the folder's listing
    (job,) = window.queue.jobs[before:]
    assert job.kind is JobKind.UPLOAD and job.title == archive.name
    wait_jobs(qtbot, [job])
    assert job.state is JobState.DONE, job.message


def test_role_none_gets_only_a_message(qtbot, logged_in):
    controller, _ = logged_in(RoleEnum.NONE)
    window = controller.window
    assert window.no_role_page is not None and window.stack.currentWidget() is window.no_role_page
    assert "no role" in window.no_role_page.text()
    for row, panel in enumerate(window.panels):
        item = window.nav.item(row)
        assert not (item.flags() & Qt.ItemFlag.ItemIsEnabled), panel.key
        assert "no role" in item.toolTip(), panel.key
        assert not panel.isEnabled() and "no role" in panel.toolTip()
        assert not window.show_panel(panel.key)
    assert not any(action.isEnabled() for action in window.panel_actions)
    assert window.stack.currentWidget() is window.no_role_page
    assert window.nav.currentRow() == -1


def test_check_images_button_does_not_show_false(qtbot, logged_in, tmp_path):
    """Defect: the Check button's clicked(bool) reached start_check(note) as note=False, and the panel said
    "False Checked: …" or "False Could not check …"."""
    controller, _ = logged_in(RoleEnum.Operator)
    window = controller.window
    window.ctx.settings.docker_command = str(tmp_path / "no-such-docker")
    window.show_panel("unlock")
    panel = window.unlock_panel
    panel.version_edit.setText("1.0.0")
    # The button is enabled once the panel's own docker probe has answered (a loaded machine: seconds); a click
    # before that lands on a disabled button and does nothing.
    qtbot.waitUntil(panel.check_button.isEnabled, timeout=30000)
    qtbot.mouseClick(panel.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "check" in panel.availability.text().lower(), timeout=30000)
    assert "False" not in panel.availability.text(), panel.availability.text()
