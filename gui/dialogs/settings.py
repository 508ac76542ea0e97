"""Settings: server profiles, cache folder (size, clear), docker command, services and image prefix,
concurrency, language and theme; the network: bandwidth cap (applied at once to running transfers) and proxy (its
password kept in the keyring; "Test connection" tries it in a worker).

The cache can hold many GiB: measuring and clearing it run in a worker (the window's TaskRunner), clearing asks
first (naming the size and the paused transfers whose partial data goes too) and is refused while transfers are
running or queued (they write into the cache); while it runs the queue starts no upload or download."""

from __future__ import annotations

import logging
import os
import shutil
import stat
from pathlib import Path
from urllib.parse import urlsplit

from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.bandwidth import BandwidthError, parse_limit
from core.errors import ConfigError
from core.progress import human_bytes
from core.settings import BUILTIN_PROFILE_IDS, Profile
from gui.dialogs.buttons import set_primary
from gui.fit import StatusLabel
from gui.session import AppContext
from gui.theme import apply_theme
from gui.workers.jobs import JobState
from gui.workers.task import TaskRunner, describe_exception

log = logging.getLogger("azaion.gui.settings")


def folder_size(path: Path) -> int:
    """Bytes of the regular files below ``path`` (0 when it does not exist). Blocking: run it in a worker."""
    total = 0
    for root, _dirs, names in os.walk(path):
        for name in names:
            try:
                st = os.lstat(os.path.join(root, name))
            except OSError:
                continue
            if not stat.S_ISLNK(st.st_mode):  # the lstat above already says so: no second look-up
                total += st.st_size
    return total


def clear_cache_folders(client, cdn_root: Path) -> None:
    """Remove the client's cache and the profile's CDN cache folder. Blocking: run it in a worker."""
    if client is not None:
        client.cache.clear()
    shutil.rmtree(cdn_root, ignore_errors=True)


class SettingsDialog(QDialog):
    def __init__(self, ctx: AppContext, client=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.client = client
        runner = getattr(parent, "runner", None)
        self._own_runner = not isinstance(runner, TaskRunner)
        self.runner: TaskRunner = TaskRunner(self) if self._own_runner else runner
        self.queue = getattr(parent, "queue", None)  # the window's transfers: no clearing while they run
        self.confirm_clear = self._ask_clear  # tests replace this to answer without a modal box
        self.cache_bytes: int | None = None
        self.clearing = False
        self._closed = False
        s = ctx.settings
        self.setWindowTitle(self.tr("Azaion Admin — Settings"))
        tabs = QTabWidget()

        # Profiles
        self.profiles = QTableWidget(0, 3)
        self.profiles.setObjectName("profilesTable")
        self.profiles.setHorizontalHeaderLabels([self.tr("Id"), self.tr("Name"), self.tr("API URL")])
        self.profiles.verticalHeader().hide()
        self.profiles.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for p in s.profiles:
            self._add_profile_row(p)
        add = QPushButton(self.tr("Add"))
        remove = QPushButton(self.tr("Remove"))
        add.clicked.connect(lambda: self._add_profile_row(Profile(id=f"custom-{self.profiles.rowCount()}",
                                                                  name=self.tr("Custom"), api_url="https://")))
        remove.clicked.connect(self._remove_profile)
        prow = QHBoxLayout()
        prow.addStretch(1)
        prow.addWidget(add)
        prow.addWidget(remove)
        page = QWidget()
        lay = QVBoxLayout(page)
        lay.addWidget(self.profiles)
        lay.addLayout(prow)
        tabs.addTab(page, self.tr("Servers"))

        # General
        self.cache_edit = QLineEdit(s.cache_dir or "")
        self.cache_edit.setPlaceholderText(str(ctx.cache_root()))
        browse = QPushButton(self.tr("Browse…"))
        browse.clicked.connect(self._browse_cache)
        # One line, elided at the right with the whole text as its tooltip: wrapped, the folder's path took three
        # lines that the form row clipped at the top and bottom. The size comes first, so it always shows.
        self.cache_size = StatusLabel(single_line=True)
        self.cache_size.setObjectName("cacheSize")
        clear = QPushButton(self.tr("Clear cache"))
        clear.setObjectName("clearCache")
        clear.clicked.connect(self.clear_cache)
        self.clear_button = clear
        crow = QHBoxLayout()
        crow.addWidget(self.cache_edit, 1)
        crow.addWidget(browse)
        srow = QHBoxLayout()
        srow.addWidget(self.cache_size, 1)
        srow.addWidget(clear)
        self.cache_downloads = QCheckBox(self.tr("Keep downloaded resources in the cache"))
        self.cache_downloads.setObjectName("cacheDownloads")
        self.cache_downloads.setChecked(s.cache_downloads)
        self.cache_downloads.setToolTip(self.tr(
            "On: an unchanged resource downloads again without the CDN, also offline, and an interrupted download "
            "resumes after a restart. Off: each download is written once, to its output only, and nothing is kept "
            "in the cache folder."))
        self.concurrency = QSpinBox()
        self.concurrency.setRange(1, 16)
        self.concurrency.setValue(s.concurrency)
        self.language = QComboBox()
        for code, name in (("system", self.tr("System")), ("en", "English"), ("uk", "Українська")):
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(0, self.language.findData(s.language)))
        self.theme = QComboBox()
        for code, name in (("system", self.tr("System")), ("light", self.tr("Light")), ("dark", self.tr("Dark"))):
            self.theme.addItem(name, code)
        self.theme.setCurrentIndex(max(0, self.theme.findData(s.theme)))
        general = QWidget()
        form = QFormLayout(general)
        form.addRow(self.tr("Cache folder"), crow)
        form.addRow("", srow)
        form.addRow("", self.cache_downloads)
        form.addRow(self.tr("Transfers at once"), self.concurrency)
        form.addRow(self.tr("&Language"), self.language)  # Alt+L (the created label's buddy)
        form.addRow(self.tr("Theme"), self.theme)
        tabs.addTab(general, self.tr("General"))

        # Images
        self.docker = QLineEdit(s.docker_command)
        self.services = QLineEdit(", ".join(s.services))
        self.prefix = QLineEdit(s.image_prefix)
        images = QWidget()
        iform = QFormLayout(images)
        iform.addRow(self.tr("Docker command"), self.docker)
        iform.addRow(self.tr("Services"), self.services)
        iform.addRow(self.tr("Image prefix"), self.prefix)
        tabs.addTab(images, self.tr("Images"))
        tabs.addTab(self._network_page(), self.tr("Network"))

        self.error = StatusLabel()
        self.error.setObjectName("errorLabel")
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        set_primary(buttons)
        self.buttons = buttons
        self.tabs = tabs
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 80)
        self.update_cache_size()

    def _network_page(self) -> QWidget:
        s = self.ctx.settings
        self.bwlimit = QLineEdit(s.bwlimit)
        self.bwlimit.setObjectName("bwlimit")
        self.bwlimit.setPlaceholderText(self.tr("off, or e.g. 2M, 512k"))
        self.bwschedule = QLineEdit(s.bwlimit_schedule)
        self.bwschedule.setObjectName("bwschedule")
        self.bwschedule.setPlaceholderText(self.tr("optional, e.g. 08:00,1M 18:00,off (replaces the cap)"))
        self.proxy_host = QLineEdit(s.proxy_host)
        self.proxy_host.setObjectName("proxyHost")
        self.proxy_host.setPlaceholderText(self.tr("empty: the system's proxy, if any"))
        self.proxy_port = QSpinBox()
        self.proxy_port.setObjectName("proxyPort")
        self.proxy_port.setRange(0, 65535)
        self.proxy_port.setValue(s.proxy_port)
        self.proxy_user = QLineEdit(s.proxy_user)
        self.proxy_user.setObjectName("proxyUser")
        self.proxy_password = QLineEdit()
        self.proxy_password.setObjectName("proxyPassword")
        self.proxy_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.proxy_password.setPlaceholderText(self.tr("kept in the system keyring; empty: keep the stored one"))
        test = QPushButton(self.tr("Test connection"))
        test.setObjectName("testConnection")
        test.clicked.connect(self.test_connection)
        self.test_button = test
        self.proxy_status = StatusLabel()
        self.proxy_status.setObjectName("proxyStatus")
        self.proxy_status.setWordWrap(True)
        page = QWidget()
        form = QFormLayout(page)
        form.addRow(self.tr("Bandwidth cap"), self.bwlimit)
        form.addRow(self.tr("Schedule"), self.bwschedule)
        form.addRow(self.tr("Proxy host"), self.proxy_host)
        form.addRow(self.tr("Proxy port"), self.proxy_port)
        form.addRow(self.tr("Proxy user"), self.proxy_user)
        form.addRow(self.tr("Proxy password"), self.proxy_password)
        trow = QHBoxLayout()
        trow.addWidget(self.proxy_status, 1)
        trow.addWidget(test)
        form.addRow("", trow)
        return page

    def _proxy_fields(self) -> tuple[str, int, str]:
        """(host, port, user) as typed; ConfigError when a host is given with a wrong host or port."""
        from core.proxy import check_proxy

        host, port, user = self.proxy_host.text().strip(), self.proxy_port.value(), self.proxy_user.text().strip()
        if host:
            check_proxy(host, port)
        return host, port, user

    def test_connection(self) -> bool:
        """Reach the current profile's API through the proxy as typed (in a worker); the answer in the label."""
        from core.connection_check import try_connection
        from core.proxy import ProxyConfig, load_proxy

        try:
            host, port, user = self._proxy_fields()
            url = self.ctx.settings.current().api_url
            if not url:
                raise ConfigError(self.tr("The current profile has no API URL to test with"))
        except ConfigError as exc:
            self.proxy_status.setText(str(exc))
            return False
        typed, store = self.proxy_password.text(), self.ctx.store

        def attempt() -> str:
            proxy = None
            if host:
                proxy = ProxyConfig(host, port, user, typed) if typed else load_proxy(host, port, user, store=store)
            return try_connection(url, proxy)

        self.test_button.setEnabled(False)
        self.proxy_status.setText(self.tr("Testing the connection to {0}…").format(url))
        self.runner.run(attempt, lambda text: self._tested(text, None), lambda exc: self._tested("", exc),
                        name="test-connection")
        return True

    def _tested(self, text: str, exc: BaseException | None) -> None:
        if not self._alive():
            return
        self.test_button.setEnabled(True)
        if exc is None:
            self.proxy_status.setText(self.tr("OK: {0}").format(text))
        else:
            self.proxy_status.setText(self.tr("Failed: {0}").format(describe_exception(exc)))

    def _add_profile_row(self, p: Profile) -> None:
        row = self.profiles.rowCount()
        self.profiles.insertRow(row)
        for col, value in enumerate((p.id, p.name, p.api_url)):
            item = QTableWidgetItem(value)
            self.profiles.setItem(row, col, item)
        self.profiles.item(row, 0).setData(256, p.email)

    def _remove_profile(self) -> None:
        row = self.profiles.currentRow()
        if row >= 0 and self.profiles.item(row, 0).text() not in BUILTIN_PROFILE_IDS:
            self.profiles.removeRow(row)

    def _browse_cache(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, self.tr("Cache folder"), self.cache_edit.text())
        if chosen:
            self.cache_edit.setText(chosen)

    def update_cache_size(self) -> None:
        """Measure the cache in a worker; the label says so until the answer arrives."""
        root = self.ctx.cache_root()
        self.cache_bytes = None
        self.cache_size.setText(self.tr("Measuring the cache in {0}…").format(root))
        self.runner.run_latest(
            ("cache-size", id(self)), lambda: folder_size(root),
            lambda size: self._on_cache_size(root, size),
            lambda exc: self._alive() and self.cache_size.setText(
                self.tr("Cannot measure the cache in {0}: {1}").format(root, describe_exception(exc))),
            name="cache-size",
        )

    def _alive(self) -> bool:
        return not self._closed

    def _on_cache_size(self, root: Path, size: int) -> None:
        if not self._alive():
            return
        self.cache_bytes = size
        self.cache_size.setText(self.tr("{0} in {1}").format(human_bytes(size), root))

    def _running_transfers(self) -> int:
        return len(self.queue.active_jobs()) if self.queue is not None else 0

    def _interrupted_transfers(self) -> int:
        """Paused or failed uploads/downloads that would resume from their data in the cache."""
        if self.queue is None:
            return 0
        return sum(1 for j in self.queue.jobs if j.resumable and j.state in (JobState.PAUSED, JobState.FAILED))

    def clear_question(self, size_text: str, root: Path, interrupted: int) -> str:
        text = self.tr("Delete {0} of cached downloads in {1}? They will be downloaded again when needed.").format(
            size_text, root)
        if interrupted:
            text += "\n\n" + self.tr(
                "%n paused or failed transfer(s) keep their partial data in the cache: it is deleted too, so they "
                "will start again from the beginning when resumed or retried.", "", interrupted)
        return text

    def _ask_clear(self, question: str) -> bool:
        answer = QMessageBox.question(
            self,
            self.tr("Azaion Admin — Clear cache"),
            question,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _refuse_while_running(self) -> bool:
        running = self._running_transfers()
        if running:
            self.error.setText(self.tr("The cache cannot be cleared while %n transfer(s) are running or queued: "
                                       "wait for them or cancel them in Transfers first.", "", running))
        return bool(running)

    def clear_cache(self) -> bool:
        """Ask, then clear the cache in a worker. Refused (with the reason shown) while transfers run or queue,
        while the size is still being measured, or when the user says no. True when clearing started. Until it
        ends (also if the dialog is closed meanwhile) the queue starts no upload or download: they would write
        into the folder being deleted."""
        root = self.ctx.cache_root()
        if self._refuse_while_running() or self.clearing:
            return False
        if self.cache_bytes is None:
            self.error.setText(self.tr("The cache is still being measured; try again in a moment."))
            return False
        question = self.clear_question(human_bytes(self.cache_bytes), root, self._interrupted_transfers())
        if not self.confirm_clear(question):
            return False
        if self._refuse_while_running():  # one may have started while the question was open
            return False
        self.error.clear()
        self.clearing = True
        self.clear_button.setEnabled(False)
        self.cache_size.setText(self.tr("Clearing the cache in {0}…").format(root))
        queue, client, cdn_root, size = self.queue, self.client, root / "cdn", self.cache_bytes
        token = queue.hold(self.tr("waiting for the cache to be cleared")) if queue is not None else None

        def clear() -> None:
            # Released here, not in a callback: a runner that is shut down drops its callbacks, and the hold must
            # end however the clearing ends (each clear its own token: another dialog may still be clearing).
            try:
                clear_cache_folders(client, cdn_root)
            finally:
                if token is not None:
                    queue.release(token)

        self.runner.run(
            clear,
            lambda _r: self._on_cleared(root, size, None),
            lambda exc: self._on_cleared(root, size, exc),
            name="clear-cache",
        )
        return True

    def _on_cleared(self, root: Path, size: int, exc: BaseException | None) -> None:
        self.clearing = False
        if exc is None:
            log.info("Cleared the cache at %s (%s)", root, human_bytes(size))
        else:
            log.warning("Could not clear the cache at %s: %s", root, exc)
        if not self._alive():
            return
        self.clear_button.setEnabled(True)
        if exc is not None:
            self.error.setText(self.tr("Could not clear the cache: {0}").format(describe_exception(exc)))
        self.update_cache_size()

    def done(self, result: int) -> None:  # also on close: late answers must not touch the dialog
        self._closed = True
        if self._own_runner:
            self.runner.shutdown()
        super().done(result)

    def accept(self) -> None:
        s = self.ctx.settings
        try:
            profiles = []
            seen = set()
            for row in range(self.profiles.rowCount()):
                pid = self.profiles.item(row, 0).text().strip()
                if not pid or pid in seen:
                    raise ConfigError(self.tr("Profile ids must be unique and not empty"))
                seen.add(pid)
                url = self.profiles.item(row, 2).text().strip().rstrip("/")
                email = self.profiles.item(row, 0).data(256) or ""
                parts = urlsplit(url)
                if url and (parts.scheme not in ("http", "https") or not parts.hostname):
                    raise ConfigError(self.tr("Profile {0}: the API URL must be http(s)://host").format(pid))
                profiles.append(Profile(pid, self.profiles.item(row, 1).text().strip() or pid, url, email))
            if s.current_profile not in seen:
                raise ConfigError(self.tr("The current profile cannot be removed"))
            try:
                parse_limit(self.bwlimit.text().strip() or "off")
                parse_limit(self.bwschedule.text())
            except BandwidthError as exc:
                raise ConfigError(str(exc)) from None
            proxy_host, proxy_port, proxy_user = self._proxy_fields()
        except ConfigError as exc:
            self.error.setText(str(exc))
            return
        if proxy_host and proxy_user and self.proxy_password.text():
            from core.proxy import save_proxy_password

            if not save_proxy_password(proxy_host, proxy_port, proxy_user, self.proxy_password.text(),
                                       store=self.ctx.store):
                log.warning("%s", self.ctx.store.last_warning)
        s.profiles = profiles
        s.cache_dir = self.cache_edit.text().strip() or None
        s.cache_downloads = self.cache_downloads.isChecked()
        s.concurrency = self.concurrency.value()
        s.language = self.language.currentData()
        s.theme = self.theme.currentData()
        s.docker_command = self.docker.text().strip() or "docker"
        s.services = [x.strip() for x in self.services.text().split(",") if x.strip()]
        s.image_prefix = self.prefix.text().strip()
        s.bwlimit = self.bwlimit.text().strip() or "off"
        s.bwlimit_schedule = " ".join(self.bwschedule.text().split())
        s.proxy_host, s.proxy_port, s.proxy_user = proxy_host, proxy_port, proxy_user
        self.ctx.save()
        self.ctx.apply_bandwidth()  # live: running transfers follow the new cap at once
        if self.client is not None:
            self.client.set_proxy(self.ctx.proxy())
            self.client.transfers.keep_cache = s.cache_downloads  # live: from the next transfer on
        app = QApplication.instance()
        if app is not None:
            apply_theme(app, s.theme)
        super().accept()
