"""Main window: side navigation, panels, status bar, drag-and-drop of files to upload; notifications when long work
ends (gui/notify.py) and the tray icon where one exists (gui/tray.py)."""

from __future__ import annotations

import logging

from PySide6.QtCore import QByteArray, QCoreApplication, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QIcon,
    QKeySequence,
    QPainter,
    QPalette,
    QPixmap,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.errors import AuthError, UnreachableError
from core.models import RoleEnum
from gui import tray as tray_host
from gui.assets import icon
from gui.connection import ConnectionWatch
from gui.fit import StatusLabel, hold_size
from gui.logview import QtLogHandler
from gui.notify import FinishedWork, Notifier
from gui.panels.admin import role_text
from gui.panels.base import Panel
from gui.panels.hardware import HardwarePanel
from gui.panels.log import LogPanel
from gui.panels.resources import ResourcesPanel
from gui.panels.session import PanelSession
from gui.panels.suites import SuitesPanel
from gui.panels.transfers import TransfersPanel
from gui.panels.unlock import UnlockPanel
from gui.panels.upload import UploadPanel, paths_from_mime
from gui.panels.users import UsersPanel
from gui.session import AppContext, LoginResult, gui_settings
from gui.theme import current_language, ensure_language, set_language
from gui.workers.jobs import Job, JobState
from gui.workers.queue import TransferQueue
from gui.workers.task import TaskRunner

log = logging.getLogger("azaion.gui.window")

PANEL_SHORTCUTS = {"resources": 1, "upload": 2, "unlock": 3, "suites": 4, "transfers": 5, "log": 6, "users": 7,
                   "hardware": 8}
"""Ctrl+<n> per panel, the same for every role (by position, Ctrl+5 was Transfers for an operator but Users for an
administrator); the administrators' panels come last so the others' numbers are the same in every role."""

def selectable_icon(name: str, size: QSize) -> QIcon:
    """The icon, plus a Selected-mode copy in the highlighted-text colour: the style's own selected tint would
    draw it in the highlight colour, invisible on the highlighted row."""
    base = icon(name)
    result = QIcon()
    colour = QGuiApplication.palette().color(QPalette.ColorRole.HighlightedText)
    for scale in (1, 2):
        pixmap = base.pixmap(size * scale)
        if pixmap.isNull():
            return base
        pixmap.setDevicePixelRatio(scale)
        result.addPixmap(pixmap, QIcon.Mode.Normal)
        tinted = QPixmap(pixmap)
        painter = QPainter(tinted)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
        painter.fillRect(tinted.rect(), colour)
        painter.end()
        result.addPixmap(tinted, QIcon.Mode.Selected)
    return result


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
        self.log_handler = log_handler
        self.qsettings = gui_settings()
        self.queue = TransferQueue(ctx.settings.concurrency, self)
        self.queue.job_finished.connect(self._on_job_finished)
        self.queue.active_changed.connect(self._on_active_changed)
        self.confirm_close = self._ask_cancel_running  # tests replace this to answer without a modal box
        self._closed = False
        self.setObjectName("mainWindow")
        self.setWindowIcon(icon("app"))
        self.setAcceptDrops(True)

        ensure_language(ctx.settings.language)
        self.ask_keep_running = self._ask_keep_running  # tests answer without the modal box
        self._quitting = False
        self.app_quit = QCoreApplication.quit  # tests record it instead (it would end pytest-qt's event loops)
        self.tray: tray_host.Tray | None = None
        if tray_host.tray_available():
            self.tray = tray_host.Tray(self, self.show_from_tray, self.pause_all, self.quit_from_tray)
            log.info("System tray found: closing the window with transfers running can keep them in the tray")
        self.notifier = Notifier(self, self.tray.icon if self.tray is not None else None)
        self.finished_work = FinishedWork(self.notifier)  # one notification per batch of queue work
        self._retranslate_pending = False
        self.connection_watch = ConnectionWatch(self.client, self)
        self.connection_watch.answered.connect(lambda: self.set_connection(True))
        self.runner.failed.connect(self.note_error)
        self.panel_session = PanelSession(  # what the panels use and say (they never see this window)
            ctx=ctx, user=session.user, client=self.client, runner=runner, queue=self.queue,
            qsettings=self.qsettings, notifier=self.notifier, parent=self,
        )
        self.panel_session.status_message.connect(self.show_status)
        self.panel_session.error_noted.connect(self.note_error)
        self.panel_session.answered.connect(lambda: self.set_connection(True))
        self._build_ui()
        hold_size(self)  # the window's size is the user's: no text may widen it
        self._update_title()
        self._restore_state()
        restored = self.queue.attach(self.client)  # unfinished transfers of this server come back as Paused
        if restored:
            self.statusBar().showMessage(
                self.tr("%n interrupted transfer(s) restored as paused: resume or discard them in Transfers", "",
                        len(restored)), 15000)

    # -- construction ---------------------------------------------------------------------------------------

    def _build_ui(self) -> None:
        """Navigation, panels, menus and status bar; run again (after the old ones are removed) to rebuild the
        window in another language."""
        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setIconSize(self.nav.iconSize().expandedTo(self.fontMetrics().boundingRect("MM").size()))
        self.nav.setAccessibleName(self.tr("Panels"))
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.nav.ensurePolished()  # item sizes must include the style sheet's padding, also when rebuilt
        self.stack = QStackedWidget()
        self.banner = StatusLabel()
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner_close = QToolButton()
        self.banner_close.setObjectName("bannerClose")
        self.banner_close.setText("✕")
        self.banner_close.setAutoRaise(True)
        self.banner_close.setToolTip(self.tr("Dismiss this message"))
        self.banner_close.setAccessibleName(self.tr("Dismiss this message"))
        self.banner_close.clicked.connect(lambda: self.show_banner(""))
        self.banner_row = QWidget()
        banner_layout = QHBoxLayout(self.banner_row)
        banner_layout.setContentsMargins(0, 0, 0, 0)
        banner_layout.addWidget(self.banner, 1)
        banner_layout.addWidget(self.banner_close)
        self.banner.hide()
        self.banner_row.hide()

        admin = self.role.can_manage_users()
        session = self.panel_session
        self.resources_panel = ResourcesPanel(session)
        self.upload_panel = UploadPanel(session)
        self.unlock_panel = UnlockPanel(session)
        self.suites_panel = SuitesPanel(session)
        self.users_panel: UsersPanel | None = UsersPanel(session) if admin else None
        self.hardware_panel: HardwarePanel | None = HardwarePanel(session) if admin else None
        self.transfers_panel = TransfersPanel(session)
        self.log_panel = LogPanel(session, self.log_handler)
        # panel to panel: the folder browsed is the default upload target; Upload asks no listing of a folder
        # Resources shows; a finished upload refreshes Resources' listing of its folder
        self.resources_panel.folder_browsed.connect(self.upload_folder_hint)
        self.upload_panel.known_names = self.resources_panel.names
        self.upload_panel.uploaded.connect(self.uploaded)
        candidates: list[Panel | None] = [
            self.resources_panel, self.upload_panel, self.unlock_panel, self.suites_panel, self.users_panel,
            self.hardware_panel, self.transfers_panel, self.log_panel,
        ]
        self.panels: list[Panel] = [p for p in candidates if p is not None]
        for panel in self.panels:
            item = QListWidgetItem(selectable_icon(panel.icon_name, self.nav.iconSize()), panel.title())
            item.setData(Qt.ItemDataRole.UserRole, panel.key)
            allowed, why = self.panel_allowed(panel)
            if not allowed:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
                item.setToolTip(why)
                panel.setEnabled(False)
                panel.setToolTip(why)
            self.nav.addItem(item)
            self.stack.addWidget(panel)
        self.no_role_page: QLabel | None = None
        if self.role is RoleEnum.NONE:  # nothing to use: a page that says why instead of a disabled panel
            self.no_role_page = QLabel(self.no_role_text())
            self.no_role_page.setObjectName("noRolePage")
            self.no_role_page.setWordWrap(True)
            self.no_role_page.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.stack.addWidget(self.no_role_page)
            self.stack.setCurrentWidget(self.no_role_page)
        self.nav.currentRowChanged.connect(self._on_nav)
        metrics = self.nav.fontMetrics()
        widest = max(metrics.horizontalAdvance(f"{p.title()} (99)") for p in self.panels)
        char = metrics.averageCharWidth()
        self.nav.setFixedWidth(min(char * 34, max(char * 20, widest + self.nav.iconSize().width() + char * 5)))

        right = QVBoxLayout()
        right.addWidget(self.banner_row)
        right.addWidget(self.stack, 1)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.addWidget(self.nav)
        layout.addLayout(right, 1)
        self.setCentralWidget(central)
        self.nav.doItemsLayout()

        self._build_menu()
        self._build_status_bar()

    def _build_menu(self) -> None:
        bar = self.menuBar()
        menu = bar.addMenu(self.tr("&File"))
        self.settings_action = QAction(icon("settings"), self.tr("&Settings…"), self)
        self.settings_action.setShortcut(QKeySequence.StandardKey.Preferences)
        if self.settings_action.shortcut().isEmpty():
            self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.settings_action.triggered.connect(self.open_settings)
        self.logout_action = QAction(icon("logout"), self.tr("Log &out"), self)
        self.logout_action.setShortcut(QKeySequence("Ctrl+Shift+L"))
        self.logout_action.triggered.connect(self.request_logout)
        quit_action = QAction(self.tr("&Quit"), self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        if quit_action.shortcut().isEmpty():
            quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.triggered.connect(lambda: self.quit_from_tray())  # Quit quits (closing may keep it in the tray)
        menu.addAction(self.settings_action)
        menu.addSeparator()
        menu.addAction(self.logout_action)
        menu.addAction(quit_action)

        actions = bar.addMenu(self.tr("&Actions"))
        self.refresh_action = QAction(icon("refresh"), self.tr("&Refresh"), self)
        self.refresh_action.setShortcuts([QKeySequence(Qt.Key.Key_F5), QKeySequence("Ctrl+R")])  # as in browsers
        self.refresh_action.triggered.connect(self.refresh_current)
        self.upload_action = QAction(icon("upload"), self.tr("&Upload files…"), self)
        self.upload_action.setShortcut(QKeySequence("Ctrl+U"))
        self.upload_action.setEnabled(self.role.can_upload())
        self.upload_action.triggered.connect(self.start_upload)
        self.find_action = QAction(self.tr("&Find"), self)
        self.find_action.setShortcut(QKeySequence("Ctrl+F"))
        self.find_action.triggered.connect(self.focus_search)
        for action in (self.refresh_action, self.upload_action, self.find_action):
            actions.addAction(action)
            self.addAction(action)
        from gui import sync_schedule

        sync_schedule.install(self, actions)  # "Keep folder up to date…" and the scheduler (gui/sync_schedule.py)

        view = bar.addMenu(self.tr("&View"))
        self.panel_actions: list[QAction] = []
        for panel in self.panels:
            action = QAction(icon(panel.icon_name), panel.title(), self)
            number = PANEL_SHORTCUTS.get(panel.key)
            if number is not None:
                action.setShortcut(QKeySequence(f"Ctrl+{number}"))
            action.setEnabled(self.panel_allowed(panel)[0])
            action.triggered.connect(lambda _checked=False, key=panel.key: self.show_panel(key))
            view.addAction(action)
            self.addAction(action)
            self.panel_actions.append(action)

        help_menu = bar.addMenu(self.tr("&Help"))
        self.shortcuts_action = QAction(icon("keyboard"), self.tr("&Keyboard shortcuts"), self)
        self.shortcuts_action.setShortcut(QKeySequence(QKeySequence.StandardKey.HelpContents))
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        help_menu.addAction(self.shortcuts_action)
        self.addAction(self.shortcuts_action)
        self.about_action = QAction(icon("app"), self.tr("&About Azaion Admin"), self)
        self.about_action.triggered.connect(lambda: self.show_about())
        help_menu.addAction(self.about_action)

    def shortcuts_text(self) -> str:
        """Every menu action with a shortcut, one a line (the Help → Keyboard shortcuts list)."""
        lines = []
        for menu_action in self.menuBar().actions():
            menu = menu_action.menu()
            if menu is None:
                continue
            for action in menu.actions():
                keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
                if keys:
                    lines.append(f"{keys}\t{action.text().replace('&', '')}")
        if self.users_panel is not None:
            for action in self.users_panel.actions():
                keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
                if keys:
                    lines.append(f"{keys}\t{self.users_panel.title()}: {action.text().replace('&', '')}")
        lines.append(self.tr("Tab / Shift+Tab\tmove between controls; Menu key: context menu"))
        return "\n".join(lines)

    def show_shortcuts(self) -> None:
        box = QMessageBox(self)
        box.setWindowTitle(self.tr("Azaion Admin — Keyboard shortcuts"))
        box.setText(self.shortcuts_text().replace("\t", " — "))
        box.open()

    def show_about(self):  # a QMessageBox
        from core.paths import log_dir
        from core.settings import default_settings_path
        from gui.about import show_about

        return show_about(self, self.server_text(), str(default_settings_path()), str(log_dir()),
                          str(self.ctx.cache_root()))

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.user_label = StatusLabel(self.session.user.email, single_line=True, chars=30)
        self.role_label = StatusLabel(role_text(self.role), single_line=True, chars=20)
        self.server_label = StatusLabel(self.server_text(), single_line=True, chars=40)
        self.connection_label = StatusLabel(single_line=True, chars=20)
        for widget in (self.user_label, self.role_label, self.server_label, self.connection_label):
            bar.addPermanentWidget(widget)
        self.set_connection(True)

    def server_text(self) -> str:
        text = f"{self.ctx.profile_label(self.session.profile_id)} ({self.client.api_url})"
        if self.ctx.is_sandbox:
            text = self.tr("SANDBOX") + " — " + text
        return text

    def _update_title(self) -> None:
        title = f"Azaion Admin — {self.ctx.profile_label(self.session.profile_id)}"
        if self.ctx.is_sandbox:
            title += " — " + self.tr("SANDBOX")
        self.setWindowTitle(title)

    def _restore_state(self) -> None:
        geometry = self.qsettings.value("window/geometry")
        if isinstance(geometry, QByteArray | bytes) and geometry:
            self.restoreGeometry(geometry)
        else:
            char = self.fontMetrics().averageCharWidth()
            size = QSize(char * 165, self.fontMetrics().height() * 42)  # every panel's row of buttons fits
            screen = self.screen().availableGeometry() if self.screen() is not None else None
            if screen is not None:  # never larger than the screen (90 % of it at most)
                size = size.boundedTo(QSize(screen.width() * 9 // 10, screen.height() * 9 // 10))
            self.resize(size)
        last = str(self.qsettings.value("window/last_panel", "resources"))
        self.show_panel(last) or self.show_panel("resources")

    # -- panels ---------------------------------------------------------------------------------------------

    def panel(self, key: str) -> Panel | None:
        return next((p for p in self.panels if p.key == key), None)

    def no_role_text(self) -> str:
        return self.tr("Your account has no role (None), so it may not use any panel. Ask an administrator to "
                       "give it a role, then log in again.")

    def panel_allowed(self, panel: Panel) -> tuple[bool, str]:
        """(may the current role use ``panel``, why not): the panel's own rule, and none at all for role None
        (the server refuses it everything, so it gets a message instead of panels that would only fail)."""
        if self.role is RoleEnum.NONE:
            return False, self.no_role_text()
        return panel.allowed()

    def show_panel(self, key: str) -> bool:
        for row, panel in enumerate(self.panels):
            if panel.key == key and self.panel_allowed(panel)[0]:
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

    def refresh_current(self) -> None:
        """F5: reload what the current panel shows."""
        panel = self.current_panel()
        refresh = getattr(panel, "refresh", None)
        if callable(refresh) and panel.isEnabled():
            refresh()

    def focus_search(self) -> None:
        """Ctrl+F: the current panel's search field."""
        panel = self.current_panel()
        focus = getattr(panel, "focus_search", None)
        edit = getattr(panel, "search_edit", None)
        if callable(focus):
            focus()
        elif edit is not None:
            edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
            edit.selectAll()
        else:
            self.statusBar().showMessage(self.tr("This panel has no search field"), 3000)

    def start_upload(self) -> None:
        """Ctrl+U: the upload panel and its file picker."""
        if not self.role.can_upload():
            self.statusBar().showMessage(self.upload_panel.allowed()[1], 5000)
            return
        self.show_panel("upload")
        self.upload_panel.pick_files()

    def upload_folder_hint(self, folder: str) -> None:
        """The folder being browsed is the default upload target."""
        self.upload_panel.set_folder(folder)

    def uploaded(self, job: Job, folder: str) -> None:
        if job.state is JobState.DONE and self.resources_panel.loaded_folder == folder:
            self.resources_panel.refresh_if_idle()

    # -- status ---------------------------------------------------------------------------------------------

    def show_status(self, text: str, timeout_ms: int) -> None:
        """A panel's message (PanelSession.status_message) in the status bar."""
        self.statusBar().showMessage(text, timeout_ms)

    def set_connection(self, ok: bool, detail: str = "") -> None:
        self.connection_ok = ok
        text = self.tr("Connected") if ok else self.tr("Offline")
        self.connection_label.setText(text)
        self.connection_label.setToolTip(detail)

    def note_error(self, exc: BaseException) -> None:
        """A request failed: the indicator says Offline when the server could not be reached (or refused the
        session); any answer from the server (ConnectionWatch) says Connected again."""
        if self._closed:
            return
        if isinstance(exc, UnreachableError | AuthError):
            self.set_connection(False, str(exc))

    def show_banner(self, text: str) -> None:
        """A message above the panels (keyring, settings file) until the user dismisses it (✕)."""
        self.banner.setText(text)
        self.banner.setVisible(bool(text))
        self.banner_row.setVisible(bool(text))

    # -- drag and drop anywhere on the window ---------------------------------------------------------------

    def _drop_target(self, mime) -> str | None:
        """Where dropped files go: the archive of the Image unlock panel while it is shown (a file only), else
        the upload queue (roles that may upload)."""
        paths = paths_from_mime(mime)
        if not paths:
            return None
        if self.current_panel() is self.unlock_panel and self.nav.currentRow() >= 0:
            allowed = self.panel_allowed(self.unlock_panel)[0]
            return "unlock" if allowed and any(p.is_file() for p in paths) else None
        return "upload" if self.role.can_upload() else None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._drop_target(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        if self._drop_target(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        target = self._drop_target(event.mimeData())
        if target is None:
            event.ignore()
            return
        event.acceptProposedAction()
        paths = paths_from_mime(event.mimeData())
        if target == "unlock":
            self.unlock_panel.drop_paths(paths)
        else:
            self.upload_panel.enqueue_paths(paths)

    # -- jobs -----------------------------------------------------------------------------------------------

    def _on_job_finished(self, job: Job) -> None:
        if job.state is JobState.DONE:
            self.set_connection(True)
        elif job.state is JobState.FAILED and job.error is not None:
            self.note_error(job.error)
        self.finished_work.job_finished(job)

    def _on_active_changed(self, active: int) -> None:
        index = self.panels.index(self.transfers_panel)
        label = self.transfers_panel.title()
        self.nav.item(index).setText(f"{label} ({active})" if active else label)
        if self.tray is not None:
            self.tray.set_active(active)
        self.finished_work.active_changed(active)

    # -- settings, logout, close ----------------------------------------------------------------------------

    def open_settings(self) -> None:
        from gui.dialogs.settings import SettingsDialog

        dialog = SettingsDialog(self.ctx, self.client, self)
        language = self.ctx.settings.language
        if dialog.exec():
            self.settings_applied(language_before=language)

    def settings_applied(self, language_before: str) -> None:
        self.queue.set_concurrency(self.ctx.settings.concurrency)
        self.transfers_panel.concurrency.setValue(self.ctx.settings.concurrency)
        self.unlock_panel.settings_changed()
        if self.ctx.settings.language != language_before:
            self.change_language(self.ctx.settings.language)

    def change_language(self, language: str) -> None:
        """Switch the interface language now: install the translators and rebuild the window's widgets (once
        no transfer or background call is running, so none reports to a widget that is gone)."""
        set_language(language)
        self._retranslate_pending = True
        if self.queue.active_jobs() or self.runner.busy:
            self.statusBar().showMessage(self.tr("The language changes when the running work has finished"), 8000)
        self._retranslate_when_idle()

    def _retranslate_when_idle(self) -> None:
        if not self._retranslate_pending or self._closed:
            return
        if self.queue.active_jobs() or self.runner.busy:
            QTimer.singleShot(250, self._retranslate_when_idle)
            return
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        """Rebuild navigation, panels, menus and status bar in the current language; the session, the transfer
        queue (and its finished items), the window geometry and the current panel are kept."""
        self._retranslate_pending = False
        key = self.current_panel().key
        banner = self.banner.full_text() if not self.banner_row.isHidden() else ""
        for panel in self.panels:
            shutdown = getattr(panel, "shutdown", None)
            if callable(shutdown):
                shutdown()
        # Panels connect to the queue; drop those connections (also lambdas, which Qt does not drop when the old
        # panel is deleted: the next job added or changed raised in the Transfers panel that was gone) and keep
        # the window's own.
        for signal in (self.queue.job_finished, self.queue.active_changed, self.queue.job_added,
                       self.queue.job_changed, self.queue.jobs_removed):
            try:
                signal.disconnect()
            except (RuntimeError, TypeError):
                pass
        self.queue.job_finished.connect(self._on_job_finished)
        self.queue.active_changed.connect(self._on_active_changed)
        for job in self.queue.jobs:
            if not job.state.active:
                job.on_done = None  # finished or paused: their hooks point at the old panels
        bar = self.statusBar()
        for widget in (self.user_label, self.role_label, self.server_label, self.connection_label):
            bar.removeWidget(widget)
            widget.deleteLater()
        for action in self.actions():  # the old menu actions and their shortcuts (else: ambiguous shortcuts)
            self.removeAction(action)
        for child in self.findChildren(QAction):
            if child.parent() is self:
                child.deleteLater()
        self.menuBar().clear()
        for menu in self.menuBar().findChildren(QMenu):
            menu.deleteLater()
        # setCentralWidget in _build_ui hides the old central widget (with the old panels) and deletes it later,
        # in this thread. (takeCentralWidget would hand it to Python, which may then destroy it from whatever
        # thread the garbage collector happens to run in.)
        self._build_ui()
        self._update_title()
        self.statusBar().clearMessage()  # "The language changes when …": it has changed now
        self.show_banner(banner)
        self.show_panel(key) or self.show_panel("resources")
        self._on_active_changed(len(self.queue.active_jobs()))
        if self.tray is not None:
            self.tray.retranslate()
        log.info("Interface language: %s", current_language())

    def _ask_cancel_running(self, count: int) -> bool:
        answer = QMessageBox.question(
            self,
            self.tr("Azaion Admin — Work in progress"),
            self.tr("%n transfer(s) are still running or queued. Stop them and continue? Uploads and downloads are paused and can be resumed after the next login; other work is cancelled.", "", count),  # noqa: E501
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
        """Stop and join every worker (resumable transfers are paused and persisted, the rest cancelled); save the
        window state. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self.qsettings.setValue("window/geometry", self.saveGeometry())
        self.qsettings.setValue("window/last_panel", self.current_panel().key)
        self.qsettings.sync()
        try:
            self.runner.failed.disconnect(self.note_error)
        except (RuntimeError, TypeError):
            pass
        self.connection_watch.detach()
        self.sync_scheduler.stop()  # before the queue: a sync in flight is paused (resumed after a restart)
        self.queue.shutdown()
        self.unlock_panel.shutdown()
        self.notifier.close()
        if self.tray is not None:
            self.tray.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        """With work running: where a tray exists, offer to keep it running there (the window hides; the tray's
        Quit ends it); without a tray (or when quitting from the tray), ask whether to stop it."""
        active = len(self.queue.active_jobs())
        if not self._closed and active:
            if self.tray is not None and not self._quitting:
                choice = self.ask_keep_running(self, active)
                if choice is not tray_host.CloseChoice.QUIT:
                    event.ignore()
                    if choice is tray_host.CloseChoice.KEEP:
                        self.hide()
                        log.info("Window hidden to the tray; %d transfer(s) keep running", active)
                    return
            elif not self.confirm_close(active):
                event.ignore()
                return
        self.shutdown()
        event.accept()

    def _ask_keep_running(self, parent: QWidget, count: int) -> tray_host.CloseChoice:
        if self.tray is None:
            return tray_host.CloseChoice.QUIT
        return self.tray.ask_keep_running(self, count)

    # -- tray menu ------------------------------------------------------------------------------------------

    def show_from_tray(self) -> None:
        log.info("Window shown from the tray")
        self.showNormal()
        self.raise_()
        self.activateWindow()

    def pause_all(self) -> int:
        """Pause every running or queued transfer that can be resumed (image unlock/lock cannot: they go on);
        returns how many were paused."""
        paused = 0
        for job in self.queue.active_jobs():
            if job.resumable:
                self.queue.pause(job)
                paused += 1
        self.statusBar().showMessage(self.tr("%n transfer(s) paused", "", paused), 8000)
        return paused

    def quit_from_tray(self) -> bool:
        """Tray → Quit and File → Quit: close the window (asking about running work as without a tray, not
        offering the tray) and end the app."""
        self._quitting = True
        if not self.close():
            self._quitting = False
            return False
        self.app_quit()
        return True

