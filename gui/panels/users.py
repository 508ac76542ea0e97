"""Users (Admin, ApiAdmin): search, create, enable/disable, change role, reset hardware, delete.

Every action runs in a worker (``TaskRunner``), reports its result in the status bar and in the panel, refreshes
the table, and shows the server's Message when it refuses (409) or the role may not (403). Search filters the
loaded rows at once and asks the server (``searchEmail``) after a short pause in typing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPoint, Qt, QTimer
from PySide6.QtGui import QAction, QCursor, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMenu,
    QMessageBox,
    QTableView,
    QToolBar,
    QVBoxLayout,
)

from core import users as users_api
from core.models import RoleEnum, User
from core.redaction import register_secret
from gui.assets import icon
from gui.dialogs.users import ChangeRoleDialog, CreateUserDialog
from gui.fit import StatusLabel
from gui.panels.admin import BatchOutcome, refusal_text, role_text, run_batch
from gui.panels.base import Panel
from gui.panels.session import PanelSession
from gui.panels.users_model import RoleDelegate, UserRow, UsersFilterProxy, UsersTableModel, make_rows

log = logging.getLogger("azaion.gui.users")

SEARCH_DEBOUNCE_MS = 300


class UsersPanel(Panel):
    key = "users"
    icon_name = "users"

    def __init__(self, session: PanelSession) -> None:
        super().__init__(session)
        self.me = session.user
        self.confirm: Callable[[str, str], bool] = self._ask
        """(title, text) → proceed? Tests replace it to answer without a modal box."""
        self.loading = False
        self.loaded = False
        self._pending_roles: set[tuple[str, int]] = set()
        self.last_message = ""
        self.last_error = ""
        self._select_after_refresh: str | None = None

        self.model = UsersTableModel(self)
        self.model.actor_role = self.actor_role()
        self.model.role_edit_requested.connect(lambda email, code: self.change_role(email, RoleEnum(code)))
        self.proxy = UsersFilterProxy(self)
        self.proxy.setSourceModel(self.model)

        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("usersSearch")
        self.search_edit.setPlaceholderText(self.tr("Search by email…"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.textChanged.connect(self._on_search_text)
        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(SEARCH_DEBOUNCE_MS)
        self.search_timer.timeout.connect(self.refresh)
        self.me_label = StatusLabel()
        self.me_label.setObjectName("meLabel")
        self.count_label = StatusLabel()
        self.count_label.setObjectName("usersCount")
        self.message_label = StatusLabel()
        self.message_label.setObjectName("usersMessage")
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.table = QTableView()
        self.table.setObjectName("usersTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(UsersTableModel.EMAIL, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.table.setItemDelegateForColumn(UsersTableModel.ROLE, RoleDelegate(self.actor_role(), self.table))
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        header = self.table.horizontalHeader()
        char = self.fontMetrics().averageCharWidth()
        widths = {UsersTableModel.EMAIL: 30, UsersTableModel.ROLE: 20, UsersTableModel.ENABLED: 9,
                  UsersTableModel.LAST_LOGIN: 17, UsersTableModel.CPU: 30, UsersTableModel.GPU: 24,
                  UsersTableModel.MEMORY: 9, UsersTableModel.DRIVE: 16}
        for col, chars in widths.items():
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(col, max(char * chars, header.sectionSizeHint(col)))
        # The last column (Drive) took the spare width while email, last login, CPU and GPU were cut: the columns
        # fit their contents once the users are listed (_fit_columns), the spare width goes to nobody.
        header.setStretchLastSection(False)
        self._fitted = False

        self._build_actions()
        self.toolbar = QToolBar()
        self.toolbar.setObjectName("usersToolbar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for action in (self.new_action, None, self.enable_action, self.disable_action, self.role_action,
                       self.reset_action, None, self.delete_action, None, self.refresh_action):
            if action is None:
                self.toolbar.addSeparator()
            else:
                self.toolbar.addAction(action)

        top = QHBoxLayout()
        top.addWidget(self.search_edit, 1)
        top.addWidget(self.count_label)
        bottom = QHBoxLayout()
        bottom.addWidget(self.message_label, 1)
        bottom.addWidget(self.me_label)
        layout = QVBoxLayout(self)
        layout.addWidget(self.toolbar)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)

        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_actions())
        for signal in (self.proxy.modelReset, self.proxy.layoutChanged, self.proxy.rowsInserted,
                       self.proxy.rowsRemoved):
            signal.connect(self._update_count)
        self._show_me(self.me)
        self._update_actions()

    # -- basics ---------------------------------------------------------------------------------------------

    def title(self) -> str:
        return self.tr("Users")

    def allowed(self) -> tuple[bool, str]:
        if self.session.role.can_manage_users():
            return True, ""
        return False, self.tr("Only administrators manage users")

    def actor_role(self) -> RoleEnum:
        return self.session.role

    def _action(self, icon_name: str, text: str, tip: str, slot: Callable[[], object],
                shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None) -> QAction:
        action = QAction(icon(icon_name), text, self)
        action.setToolTip(tip)
        action.setStatusTip(tip)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.setToolTip(f"{tip} ({action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})")
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)  # shortcuts work anywhere in the panel
        return action

    def _build_actions(self) -> None:
        self.new_action = self._action("user-add", self.tr("&New user…"), self.tr("Create a user"),
                                       self.open_create_dialog, QKeySequence.StandardKey.New)
        self.enable_action = self._action("user-enable", self.tr("&Enable"), self.tr("Enable the selected users"),
                                          lambda: self.set_enabled_selected(True), "Ctrl+E")
        self.disable_action = self._action("user-disable", self.tr("&Disable"),
                                           self.tr("Disable the selected users: they cannot log in"),
                                           lambda: self.set_enabled_selected(False), "Ctrl+D")
        self.role_action = self._action("role", self.tr("Change &role…"), self.tr("Change the selected user's role"),
                                        self.change_role_selected, "F2")  # Ctrl+R is Reload (the window's)
        self.reset_action = self._action("hardware-reset", self.tr("Reset &hardware…"),
                                         self.tr("Unbind the selected user's machine; their next login binds the "
                                                 "machine they use"),
                                         self.reset_hardware_selected, "Ctrl+H")
        self.delete_action = self._action("delete", self.tr("De&lete…"), self.tr("Delete the selected user"),
                                          self.delete_selected, QKeySequence.StandardKey.Delete)
        self.refresh_action = self._action("refresh", self.tr("Re&fresh"), self.tr("Reload the users from the server"),
                                           self.refresh)
        self.refresh_action.setShortcut(QKeySequence())  # F5 is the window's Refresh, which calls refresh()

    def _show_me(self, me: User) -> None:
        self.me = me
        text = self.tr("Signed in as {0} ({1})").format(me.email, role_text(me.role))
        if me.last_login:
            text += " — " + self.tr("last login {0}").format(me.last_login.astimezone().strftime("%Y-%m-%d %H:%M"))
        self.me_label.setText(text)

    def _ask(self, title: str, text: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, title, text,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setTextFormat(Qt.TextFormat.PlainText)  # names an account by its email, which the server sent
        return box.exec() == QMessageBox.StandardButton.Yes

    def show_message(self, text: str, error: bool = False) -> None:
        """In the panel (kept until the next action) and in the status bar."""
        self.last_message = text
        if error:
            self.last_error = text
        self.message_label.setText(text)
        self.message_label.setProperty("error", error)
        self.message_label.setProperty("ok", not error and bool(text))
        self.message_label.style().unpolish(self.message_label)
        self.message_label.style().polish(self.message_label)
        if text:
            self.session.show_status(text, 10000)

    # -- loading --------------------------------------------------------------------------------------------

    def activated(self) -> None:
        if not self.loaded and not self.loading:
            self.refresh()

    def focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def _on_search_text(self, text: str) -> None:
        self.proxy.set_search(text)  # at once, on what is loaded
        self.search_timer.start()  # then the server's answer, once typing pauses

    def refresh(self) -> None:
        """Reload the current user and the users matching the search (the server filters)."""
        self.search_timer.stop()
        search = self.search_edit.text().strip()
        client = self.session.client
        self.loading = True
        self._update_count()

        def work() -> tuple[User, list[User]]:
            return users_api.current_user(client), users_api.list_users(client, search)

        # an older search can answer late: only the latest fills the table
        self.session.runner.run_latest("users-listing", work, self._on_loaded, self._on_load_failed, name="list-users")

    def _on_loaded(self, result: tuple[User, list[User]]) -> None:
        me, users = result
        self.loading = False
        self.loaded = True
        self._show_me(me)
        selected = set(self.selected_emails())
        if self._select_after_refresh:
            selected, self._select_after_refresh = {self._select_after_refresh}, None
        self.model.set_rows(make_rows(users, me.email))
        self._fit_columns()
        self.select_emails(selected)
        self.session.note_answer()
        self._update_count()
        self._update_actions()

    def _on_load_failed(self, exc: BaseException) -> None:
        self.loading = False
        self.session.note_error(exc)
        self.show_message(self.tr("Could not load the users: {0}").format(refusal_text(exc)), error=True)
        self._update_count()

    def _update_count(self, *_args) -> None:
        if self.loading:
            self.count_label.setText(self.tr("Loading…"))
            return
        total, shown = self.model.rowCount(), self.proxy.rowCount()
        if shown == total:
            self.count_label.setText(self.tr("%n user(s)", "", total))
        else:
            self.count_label.setText(self.tr("{0} of {1} shown").format(shown, total))

    # -- selection ------------------------------------------------------------------------------------------

    def selected_rows(self) -> list[UserRow]:
        rows = []
        for index in self.table.selectionModel().selectedRows():
            rows.append(self.model.row_at(self.proxy.mapToSource(index).row()))
        return sorted(rows, key=lambda r: r.email.casefold())

    def selected_emails(self) -> list[str]:
        return [r.email for r in self.selected_rows()]

    def select_emails(self, emails) -> int:
        """Select the rows of these emails (others are deselected); returns how many were found."""
        wanted = {e.casefold() for e in emails}
        selection = self.table.selectionModel()
        selection.clearSelection()
        found = 0
        for r in range(self.proxy.rowCount()):
            index = self.proxy.index(r, 0)
            if str(index.data()).casefold() in wanted:
                flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
                selection.select(index, flags)
                if not found:
                    selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)
                found += 1
        return found

    MAX_COLUMN_CHARS = 48
    """A column fitted to its contents is at most this many average characters wide (long CPU names elide)."""

    def _fit_columns(self) -> None:
        """Each column as wide as its header and contents (at most MAX_COLUMN_CHARS), on the first listing only:
        after that the widths are the user's."""
        if self._fitted or self.model.rowCount() == 0:
            return
        self._fitted = True
        cap = self.fontMetrics().averageCharWidth() * self.MAX_COLUMN_CHARS
        header = self.table.horizontalHeader()
        for col in range(self.model.columnCount()):
            self.table.resizeColumnToContents(col)
            header.resizeSection(col, min(cap, max(header.sectionSize(col), header.sectionSizeHint(col))))

    def refusal(self, row: UserRow, own_account_too: bool = True) -> str:
        """Why the server would refuse to change ``row`` (docs/protocol.md, 409/60 and 409/70), or "": actions
        are enabled by these rules instead of failing after the click. ``own_account_too``: the rule "not on your
        own account" applies (disable, change role, delete; not enable or reset hardware)."""
        from gui.errors_text import conflict_message

        if own_account_too and row.is_self:
            return conflict_message(60)  # the server's own wording, translated (gui/errors_text.py)
        if row.user.role is RoleEnum.ApiAdmin and self.actor_role() is not RoleEnum.ApiAdmin:
            return conflict_message(70)
        return ""

    def _gate(self, action: QAction, allowed: bool, why: str = "") -> None:
        action.setEnabled(allowed)
        base = action.statusTip()
        action.setToolTip(f"{base} — {why}" if why and not allowed else base)

    def _update_actions(self) -> None:
        rows = self.selected_rows()
        one = rows[0] if len(rows) == 1 else None
        why = self.refusal(one) if one is not None else ""
        self._gate(self.enable_action, any(not r.user.is_enabled and not self.refusal(r, False) for r in rows),
                   self.refusal(one, False) if one is not None else "")
        self._gate(self.disable_action, any(r.user.is_enabled and not self.refusal(r) for r in rows), why)
        self._gate(self.role_action, one is not None and not why, why)
        self._gate(self.reset_action, one is not None and one.user.hardware is not None
                   and not self.refusal(one, False), self.refusal(one, False) if one is not None else "")
        self._gate(self.delete_action, one is not None and not why, why)

    def _context_menu(self, pos: QPoint) -> None:
        viewport = self.table.viewport()
        by_mouse = viewport.mapFromGlobal(QCursor.pos()) == pos
        if by_mouse:
            index = self.table.indexAt(pos)
            if index.isValid() and not self.table.selectionModel().isRowSelected(index.row(), QModelIndex()):
                self.table.selectRow(index.row())
        else:  # the Menu key: open at the current row, keep the selection
            current = self.table.currentIndex()
            if current.isValid():
                pos = self.table.visualRect(current).center()
        menu = self.context_menu()
        menu.exec(viewport.mapToGlobal(pos))

    def context_menu(self) -> QMenu:
        menu = QMenu(self)
        for action in (self.enable_action, self.disable_action, self.role_action, self.reset_action, None,
                       self.delete_action, None, self.new_action, self.refresh_action):
            if action is None:
                menu.addSeparator()
            else:
                menu.addAction(action)
        return menu

    # -- actions --------------------------------------------------------------------------------------------

    def _run(self, name: str, work: Callable[[], object], done: Callable[[object], None]) -> None:
        self.show_message(self.tr("Working…"))

        def failed(exc: BaseException) -> None:  # refused: nothing changed, so the table stays as it is
            self.session.note_error(exc)
            self.show_message(refusal_text(exc), error=True)
            log.warning("%s refused: %s", name, exc)

        def succeeded(result: object) -> None:
            done(result)
            if not isinstance(result, BatchOutcome) or result.done:  # something changed on the server
                self.refresh()

        self.session.runner.run(work, succeeded, failed, name=name)

    def _batch_text(self, outcome: BatchOutcome, done_text: str) -> tuple[str, bool]:
        if outcome.ok:
            return done_text, False
        email, exc = outcome.failed[0]
        reason = refusal_text(exc)
        if not outcome.done and len(outcome.failed) == 1:
            return reason, True
        return self.tr("{0} of {1} done; {2}: {3}").format(
            len(outcome.done), len(outcome.done) + len(outcome.failed), email, reason
        ), True

    def set_enabled_selected(self, enabled: bool) -> None:
        rows = [r for r in self.selected_rows()
                if r.user.is_enabled != enabled and not self.refusal(r, own_account_too=not enabled)]
        if not rows:
            return
        if not enabled:
            question = (self.tr("Disable the user “{0}”? They cannot log in until enabled again.").format(rows[0].email)
                        if len(rows) == 1 else
                        self.tr("Disable %n users? They cannot log in until enabled again.", "", len(rows)))
            if not self.confirm(self.tr("Disable users"), question):
                return
        self.set_enabled([r.email for r in rows], enabled)

    def set_enabled(self, emails: list[str], enabled: bool) -> None:
        if not emails:
            return
        client = self.session.client

        def done(outcome: object) -> None:
            assert isinstance(outcome, BatchOutcome)
            if enabled:
                text = self.tr("Enabled %n user(s)", "", len(outcome.done))
            else:
                text = self.tr("Disabled %n user(s)", "", len(outcome.done))
            if len(outcome.done) == 1 and outcome.ok:
                text = (self.tr("Enabled {0}") if enabled else self.tr("Disabled {0}")).format(outcome.done[0])
            message, error = self._batch_text(outcome, text)
            self.show_message(message, error)

        self._run("enable-users" if enabled else "disable-users",
                  lambda: run_batch(emails, lambda e: users_api.set_enabled(client, e, enabled)), done)

    def _single(self) -> UserRow | None:
        rows = self.selected_rows()
        if len(rows) != 1:
            self.show_message(self.tr("Select one user."), error=True)
            return None
        return rows[0]

    def change_role_selected(self) -> ChangeRoleDialog | None:
        row = self._single()
        if row is None:
            return None
        dialog = ChangeRoleDialog(self, row)
        dialog.accepted.connect(lambda: self.change_role(row.email, dialog.role()))
        dialog.open()
        return dialog

    def change_role(self, email: str, role: RoleEnum) -> None:
        key = (email.casefold(), int(role))
        if key in self._pending_roles:
            return
        self._pending_roles.add(key)
        client = self.session.client

        def done(_result: object) -> None:
            self._pending_roles.discard(key)
            self.show_message(self.tr("{0} is now {1}").format(email, role_text(role)))

        def work() -> object:
            try:
                return users_api.set_role(client, email, role)
            finally:
                self._pending_roles.discard(key)

        self._run("set-role", work, done)

    def reset_hardware_selected(self) -> bool:
        row = self._single()
        if row is None:
            return False
        return self.reset_hardware(row.email)

    def reset_hardware(self, email: str) -> bool:
        if not self.confirm(
            self.tr("Reset hardware"),
            self.tr("Reset the hardware binding of “{0}”?\n\nThe account's next login binds it to the machine "
                    "it comes from.").format(email),
        ):
            return False
        client = self.session.client
        self._run("reset-hardware", lambda: users_api.reset_hardware(client, email),
                  lambda _r: self.show_message(self.tr("Reset the hardware binding of {0}").format(email)))
        return True

    def delete_selected(self) -> bool:
        row = self._single()
        if row is None:
            return False
        return self.delete_user(row.email)

    def delete_user(self, email: str) -> bool:
        if not self.confirm(
            self.tr("Delete user"),
            self.tr("Delete the user “{0}”?\n\nThis cannot be undone.").format(email),
        ):
            return False
        client = self.session.client
        self._run("delete-user", lambda: users_api.delete_user(client, email),
                  lambda _r: self.show_message(self.tr("Deleted {0}").format(email)))
        return True

    def open_create_dialog(self) -> CreateUserDialog:
        dialog = CreateUserDialog(self)
        dialog.open()
        return dialog

    def create_user(self, email: str, password: str, role: RoleEnum, dialog: CreateUserDialog | None = None) -> None:
        client = self.session.client
        register_secret(password)  # never in a log line, whatever goes wrong

        def succeeded(user: User) -> None:
            self.show_message(self.tr("Created {0} ({1})").format(user.email, role_text(user.role)))
            if dialog is not None:
                dialog.succeeded(user)
            self._select_after_refresh = user.email
            self.refresh()

        def failed(exc: BaseException) -> None:
            self.session.note_error(exc)
            self.show_message(refusal_text(exc), error=True)
            if dialog is not None:
                dialog.failed(exc)

        self.show_message(self.tr("Working…"))
        self.session.runner.run(lambda: users_api.create_user(client, email, password, role), succeeded, failed,
                                name="create-user")

