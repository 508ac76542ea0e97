"""Main window: side navigation, panels, status bar, drag-and-drop of files to upload, tray notifications."""

from __future__ import annotations

import logging

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QSystemTrayIcon,
    QVBoxLayout,
    QWidget,
)

from core.errors import AuthError, UnreachableError
from gui.assets import icon
from gui.logview import QtLogHandler
from gui.panels.base import Panel
from gui.panels.log import LogPanel
from gui.panels.resources import ResourcesPanel
from gui.panels.transfers import TransfersPanel
from gui.panels.unlock import UnlockPanel
from gui.panels.upload import UploadPanel, paths_from_mime
from gui.session import AppContext, LoginResult, gui_settings
from gui.workers.jobs import Job, JobKind, JobState
from gui.workers.queue import TransferQueue
from gui.workers.task import TaskRunner

log = logging.getLogger("azaion.gui.window")

LONG_JOB_SECONDS = 10.0
"""Finished or failed jobs that ran at least this long raise a notification when the window is not active."""


class Notifier:
    """System-tray notifications (when a tray exists); ``sent`` keeps what was shown, for tests and the log."""

    def __init__(self, parent: QWidget) -> None:
        self.sent: list[tuple[str, str]] = []
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(icon("app"), parent)
            self.tray.setToolTip("Azaion Admin")
            self.tray.show()

    def notify(self, title: str, text: str, failed: bool = False) -> None:
        self.sent.append((title, text))
        log.info("Notification: %s — %s", title, text)
        if self.tray is not None:
            kind = QSystemTrayIcon.MessageIcon.Warning if failed else QSystemTrayIcon.MessageIcon.Information
            self.tray.showMessage(title, text, kind, 8000)

    def close(self) -> None:
        if self.tray is not None:
            self.tray.hide()


class MainWindow(QMainWindow):
    logout_requested = Signal()

    def __init__(
        self, ctx: AppContext, session: LoginResult, runner: TaskRunner, log_handler: QtLogHandler,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.session = session
        self.client = session.client
        self.role = session.user.role
        self.runner = runner
        self.qsettings = gui_settings()
        self.queue = TransferQueue(ctx.settings.concurrency, self)
        self.queue.job_finished.connect(self._on_job_finished)
        self.queue.active_changed.connect(self._on_active_changed)
        self.confirm_close = self._ask_cancel_running  # tests replace this to answer without a modal box
        self._closed = False
        self.setObjectName("mainWindow")
        self.setWindowIcon(icon("app"))
        self.setAcceptDrops(True)

        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setIconSize(self.nav.iconSize().expandedTo(self.fontMetrics().boundingRect("MM").size()))
        self.nav.setMaximumWidth(self.fontMetrics().averageCharWidth() * 24)
        self.stack = QStackedWidget()
        self.banner = QLabel()
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.hide()

        self.resources_panel = ResourcesPanel(self)
        self.upload_panel = UploadPanel(self)
        self.unlock_panel = UnlockPanel(self)
        self.transfers_panel = TransfersPanel(self)
        self.log_panel = LogPanel(self, log_handler)
        self.panels: list[Panel] = [
            self.resources_panel, self.upload_panel, self.unlock_panel, self.transfers_panel, self.log_panel,
        ]
        for panel in self.panels:
            item = QListWidgetItem(icon(panel.icon_name), panel.title())
            item.setData(Qt.ItemDataRole.UserRole, panel.key)
            allowed, why = panel.allowed()
            if not allowed:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
                item.setToolTip(why)
                panel.setEnabled(False)
                panel.setToolTip(why)
            self.nav.addItem(item)
            self.stack.addWidget(panel)
        self.nav.currentRowChanged.connect(self._on_nav)

        right = QVBoxLayout()
        right.addWidget(self.banner)
        right.addWidget(self.stack, 1)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.addWidget(self.nav)
        layout.addLayout(right, 1)
        self.setCentralWidget(central)

        self._build_menu()
        self._build_status_bar()
        self.notifier = Notifier(self)
        self._update_title()
        self._restore_state()

    # -- construction ---------------------------------------------------------------------------------------

    def _build_menu(self) -> None:
        menu = self.menuBar().addMenu(self.tr("&File"))
        self.settings_action = QAction(icon("settings"), self.tr("&Settings…"), self)
        self.settings_action.triggered.connect(self.open_settings)
        self.logout_action = QAction(icon("logout"), self.tr("Log &out"), self)
        self.logout_action.triggered.connect(self.request_logout)
        quit_action = QAction(self.tr("&Quit"), self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        menu.addAction(self.settings_action)
        menu.addSeparator()
        menu.addAction(self.logout_action)
        menu.addAction(quit_action)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.user_label = QLabel(self.session.user.email)
        self.role_label = QLabel(self.role.label)
        self.server_label = QLabel(self.server_text())
        self.connection_label = QLabel()
        for widget in (self.user_label, self.role_label, self.server_label, self.connection_label):
            bar.addPermanentWidget(widget)
        self.set_connection(True)

    def server_text(self) -> str:
        text = f"{self.ctx.profile_label(self.session.profile_id)} ({self.client.api_url})"
        if self.ctx.is_sandbox:
            text = "SANDBOX — " + text
        return text

    def _update_title(self) -> None:
        title = f"Azaion Admin — {self.ctx.profile_label(self.session.profile_id)}"
        if self.ctx.is_sandbox:
            title += " — SANDBOX"
        self.setWindowTitle(title)

    def _restore_state(self) -> None:
        geometry = self.qsettings.value("window/geometry")
        if isinstance(geometry, QByteArray | bytes) and geometry:
            self.restoreGeometry(geometry)
        else:
            char = self.fontMetrics().averageCharWidth()
            self.resize(char * 140, self.fontMetrics().height() * 40)
        last = str(self.qsettings.value("window/last_panel", "resources"))
        self.show_panel(last) or self.show_panel("resources")

    # -- panels ---------------------------------------------------------------------------------------------

    def panel(self, key: str) -> Panel | None:
        return next((p for p in self.panels if p.key == key), None)

    def show_panel(self, key: str) -> bool:
        for row, panel in enumerate(self.panels):
            if panel.key == key and panel.allowed()[0]:
                self.nav.setCurrentRow(row)
                return True
        return False

    def current_panel(self) -> Panel:
        return self.panels[max(0, self.nav.currentRow())]

    def _on_nav(self, row: int) -> None:
        if row < 0:
            return
        panel = self.panels[row]
        self.stack.setCurrentWidget(panel)
        self.qsettings.setValue("window/last_panel", panel.key)
        panel.activated()

    def upload_folder_hint(self, folder: str) -> None:
        """The folder being browsed is the default upload target."""
        self.upload_panel.set_folder(folder)

    def uploaded(self, job: Job, folder: str) -> None:
        if job.state is JobState.DONE and self.resources_panel.loaded_folder == folder:
            self.resources_panel._refresh_if_idle()

    # -- status ---------------------------------------------------------------------------------------------

    def set_connection(self, ok: bool, detail: str = "") -> None:
        self.connection_ok = ok
        text = self.tr("Connected") if ok else self.tr("Offline")
        self.connection_label.setText(text)
        self.connection_label.setToolTip(detail)

    def note_error(self, exc: BaseException) -> None:
        if isinstance(exc, UnreachableError):
            self.set_connection(False, str(exc))
        elif isinstance(exc, AuthError):
            self.set_connection(False, str(exc))

    def show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.setVisible(bool(text))

    # -- drag and drop anywhere on the window ---------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if self.role.can_upload() and paths_from_mime(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:  # noqa: ANN001, N802
        if self.role.can_upload() and paths_from_mime(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = paths_from_mime(event.mimeData())
        if not paths or not self.role.can_upload():
            event.ignore()
            return
        event.acceptProposedAction()
        self.upload_panel.enqueue_paths(paths)

    # -- jobs -----------------------------------------------------------------------------------------------

    def _on_job_finished(self, job: Job) -> None:
        if job.state is JobState.DONE:
            self.set_connection(True)
        if job.state in (JobState.DONE, JobState.FAILED) and not self.isActiveWindow():
            ran = (job.finished_at or 0) - (job.started_at or job.finished_at or 0)
            if ran >= LONG_JOB_SECONDS or job.kind is JobKind.UNLOCK:
                title = "Azaion Admin"
                if job.state is JobState.DONE:
                    text = self.tr("{0} finished: {1}").format(job.direction_text(), job.title)
                else:
                    text = self.tr("{0} failed: {1} — {2}").format(job.direction_text(), job.title, job.message)
                self.notifier.notify(title, text, failed=job.state is JobState.FAILED)

    def _on_active_changed(self, active: int) -> None:
        index = self.panels.index(self.transfers_panel)
        label = self.transfers_panel.title()
        self.nav.item(index).setText(f"{label} ({active})" if active else label)

    # -- settings, logout, close ----------------------------------------------------------------------------

    def open_settings(self) -> None:
        from gui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.ctx, self.client, self)
        if dialog.exec():
            self.queue.set_concurrency(self.ctx.settings.concurrency)
            self.transfers_panel.concurrency.setValue(self.ctx.settings.concurrency)
            self.unlock_panel.settings_changed()

    def _ask_cancel_running(self, count: int) -> bool:
        answer = QMessageBox.question(
            self,
            self.tr("Azaion Admin — Work in progress"),
            self.tr("{0} transfer(s) are still running or queued. Cancel them and continue?").format(count),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def request_logout(self) -> None:
        active = len(self.queue.active_jobs())
        if active and not self.confirm_close(active):
            return
        self.logout_requested.emit()

    def shutdown(self) -> None:
        """Cancel and join every worker; save the window state. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self.qsettings.setValue("window/geometry", self.saveGeometry())
        self.qsettings.setValue("window/last_panel", self.current_panel().key)
        self.qsettings.sync()
        self.queue.shutdown()
        self.unlock_panel.shutdown()
        self.notifier.close()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        active = len(self.queue.active_jobs())
        if not self._closed and active and not self.confirm_close(active):
            event.ignore()
            return
        self.shutdown()
        event.accept()

