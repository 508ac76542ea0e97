"""Users table: one row per user with the parsed hardware, a filter proxy on the email, and a role delegate that
edits the Role column with a combo box (the change itself runs as an admin action, not in the model)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QComboBox, QStyledItemDelegate, QWidget

from core.models import RoleEnum, User
from core.users import UserHardware, parse_hardware
from gui.assets import icon
from gui.panels.admin import combo_role, fill_role_combo, role_text

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
USER_ROLE = Qt.ItemDataRole.UserRole + 2

Index = QModelIndex | QPersistentModelIndex


def _tr(text: str) -> str:
    return QCoreApplication.translate("Users", text)


@dataclass(frozen=True)
class UserRow:
    user: User
    hardware: UserHardware | None
    is_self: bool = False

    @property
    def email(self) -> str:
        return self.user.email


def make_rows(users: list[User], me: str = "") -> list[UserRow]:
    mine = me.casefold()
    return [UserRow(u, parse_hardware(u.hardware), bool(mine) and u.email.casefold() == mine) for u in users]


class UsersTableModel(QAbstractTableModel):
    EMAIL, ROLE, ENABLED, LAST_LOGIN, CPU, GPU, MEMORY, DRIVE = range(8)
    COLUMNS = 8

    role_edit_requested = Signal(str, int)  # email, role code: the panel runs the change

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[UserRow] = []
        self.actor_role = RoleEnum.Admin

    def headers(self) -> list[str]:
        return [_tr("Email"), _tr("Role"), _tr("Enabled"), _tr("Last login"), _tr("CPU"), _tr("GPU"),
                _tr("Memory"), _tr("Drive")]

    def set_rows(self, rows: list[UserRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[UserRow]:
        return list(self._rows)

    def row_at(self, row: int) -> UserRow:
        return self._rows[row]

    def find(self, email: str) -> int:
        needle = email.casefold()
        for i, row in enumerate(self._rows):
            if row.email.casefold() == needle:
                return i
        return -1

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else self.COLUMNS

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers()[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and index.column() == self.ROLE:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Editing the Role column asks for the change; the table updates when the server has made it."""
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or index.column() != self.ROLE:
            return False
        row = self._rows[index.row()]
        try:
            new = RoleEnum(int(value))
        except (TypeError, ValueError):
            return False
        if new is not row.user.role:
            self.role_edit_requested.emit(row.email, int(new))
        return False

    def _display(self, row: UserRow, col: int) -> str:
        user, hw = row.user, row.hardware
        if col == self.EMAIL:
            return user.email
        if col == self.ROLE:
            return role_text(user.role)
        if col == self.ENABLED:
            return _tr("yes") if user.is_enabled else _tr("no")
        if col == self.LAST_LOGIN:
            return user.last_login.astimezone().strftime("%Y-%m-%d %H:%M") if user.last_login else _tr("never")
        if hw is None:
            return "—" if col != self.CPU else _tr("not bound")
        value = {self.CPU: hw.cpu, self.GPU: hw.gpu, self.MEMORY: hw.memory_label or hw.memory,
                 self.DRIVE: hw.drive}.get(col)
        if value is None and col == self.CPU and not hw.recognised:
            return hw.raw  # an unknown format: show it as it is rather than nothing
        return value or "—"

    def _sort_key(self, row: UserRow, col: int) -> Any:
        user, hw = row.user, row.hardware
        if col == self.ROLE:
            return int(user.role)
        if col == self.ENABLED:
            return int(user.is_enabled)
        if col == self.LAST_LOGIN:
            return user.last_login.timestamp() if user.last_login else 0.0
        if col == self.MEMORY:
            return (hw.memory_gb if hw else None) or 0.0
        return self._display(row, col).casefold()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        col = index.column()
        user = row.user
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, col)
        if role == Qt.ItemDataRole.EditRole and col == self.ROLE:
            return int(user.role)
        if role == SORT_ROLE:
            return self._sort_key(row, col)
        if role == USER_ROLE:
            return row
        if role == Qt.ItemDataRole.ForegroundRole and not user.is_enabled:
            palette = QGuiApplication.palette()
            return palette.brush(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        if role == Qt.ItemDataRole.FontRole and (row.is_self or not user.is_enabled):
            font = QFont()
            font.setBold(row.is_self)
            font.setItalic(not user.is_enabled)
            return font
        if role == Qt.ItemDataRole.DecorationRole:
            if col == self.ENABLED:
                return icon("ok") if user.is_enabled else icon("fail")
            if col == self.EMAIL and row.is_self:
                return icon("admin")
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == self.EMAIL:
                parts = [user.email]
                if row.is_self:
                    parts.append(_tr("This is you"))
                if not user.is_enabled:
                    parts.append(_tr("Disabled: cannot log in"))
                return "\n".join(parts)
            if col == self.ROLE:
                return _tr("Double-click or press F2 to change the role")
            if col in (self.CPU, self.GPU, self.MEMORY, self.DRIVE):
                return row.hardware.raw if row.hardware else _tr("No machine is bound to this account")
        if role == Qt.ItemDataRole.AccessibleTextRole and col == self.ENABLED:
            return _tr("enabled") if user.is_enabled else _tr("disabled")
        return None


class UsersFilterProxy(QSortFilterProxyModel):
    """Local, immediate filter on the email (case-insensitive substring); sorts by SORT_ROLE."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._needle = ""
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    def set_search(self, text: str) -> None:
        needle = text.strip().casefold()
        if needle != self._needle:
            self._needle = needle
            self.invalidate()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        if not self._needle:
            return True
        index = self.sourceModel().index(source_row, UsersTableModel.EMAIL, source_parent)
        return self._needle in str(index.data()).casefold()


class RoleDelegate(QStyledItemDelegate):
    """A combo box of roles for the Role column."""

    def __init__(self, actor: RoleEnum, parent=None) -> None:
        super().__init__(parent)
        self.actor = actor

    def createEditor(self, parent: QWidget, option, index: Index) -> QWidget:
        combo = QComboBox(parent)
        combo.setObjectName("roleEditor")
        current = RoleEnum(int(index.data(Qt.ItemDataRole.EditRole)))
        fill_role_combo(combo, self.actor, current)
        combo.activated.connect(lambda _i, c=combo: self.commitData.emit(c))
        return combo

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        if isinstance(editor, QComboBox):
            position = editor.findData(int(index.data(Qt.ItemDataRole.EditRole)))
            if position >= 0:
                editor.setCurrentIndex(position)

    def setModelData(self, editor: QWidget, model, index: Index) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, int(combo_role(editor)), Qt.ItemDataRole.EditRole)
