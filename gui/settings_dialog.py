"""Settings: server profiles, cache folder (size, clear), docker command, services and image prefix,
concurrency, language and theme."""

from __future__ import annotations

import logging
import shutil
from urllib.parse import urlsplit

from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.errors import ConfigError
from core.progress import human_bytes
from core.settings import BUILTIN_PROFILE_IDS, Profile
from gui.session import AppContext
from gui.theme import apply_theme

log = logging.getLogger("azaion.gui.settings")


def folder_size(path) -> int:  # noqa: ANN001
    total = 0
    for p in path.rglob("*"):
        try:
            if p.is_file():
                total += p.stat().st_size
        except OSError:
            pass
    return total


class SettingsDialog(QDialog):
    def __init__(self, ctx: AppContext, client=None, parent: QWidget | None = None) -> None:  # noqa: ANN001
        super().__init__(parent)
        self.ctx = ctx
        self.client = client
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
        self.cache_size = QLabel()
        self.cache_size.setObjectName("cacheSize")
        clear = QPushButton(self.tr("Clear cache"))
        clear.setObjectName("clearCache")
        clear.clicked.connect(self.clear_cache)
        crow = QHBoxLayout()
        crow.addWidget(self.cache_edit, 1)
        crow.addWidget(browse)
        srow = QHBoxLayout()
        srow.addWidget(self.cache_size, 1)
        srow.addWidget(clear)
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
        form.addRow(self.tr("Transfers at once"), self.concurrency)
        form.addRow(self.tr("Language"), self.language)
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

        self.error = QLabel()
        self.error.setObjectName("errorLabel")
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.tabs = tabs
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 80)
        self.update_cache_size()

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
        root = self.ctx.cache_root()
        self.cache_size.setText(self.tr("{0} in {1}").format(human_bytes(folder_size(root)), root))

    def clear_cache(self) -> None:
        root = self.ctx.cache_root() / "cdn"
        if self.client is not None:
            self.client.cache.clear()
        shutil.rmtree(root, ignore_errors=True)
        log.info("Cleared the cache at %s", root)
        self.update_cache_size()

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
        except ConfigError as exc:
            self.error.setText(str(exc))
            return
        s.profiles = profiles
        s.cache_dir = self.cache_edit.text().strip() or None
        s.concurrency = self.concurrency.value()
        s.language = self.language.currentData()
        s.theme = self.theme.currentData()
        s.docker_command = self.docker.text().strip() or "docker"
        s.services = [x.strip() for x in self.services.text().split(",") if x.strip()]
        s.image_prefix = self.prefix.text().strip()
        self.ctx.save()
        app = QApplication.instance()
        if app is not None:
            apply_theme(app, s.theme)
        super().accept()
