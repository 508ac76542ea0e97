"""Shared pieces of the administration panels: role names as shown, the text of a refusal, and running a user
action for several users in one worker with a per-user outcome."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QComboBox

from core.models import RoleEnum
from core.users import ASSIGNABLE_ROLES
from gui.workers.task import describe_exception

log = logging.getLogger("azaion.gui.admin")

# Human names (the protocol's identifiers, "ResourceUploader", "CompanionPC", are for the wire and the CLI).
_ROLE_NAMES = {
    RoleEnum.NONE: QT_TRANSLATE_NOOP("Roles", "No role"),
    RoleEnum.Operator: QT_TRANSLATE_NOOP("Roles", "Operator"),
    RoleEnum.Validator: QT_TRANSLATE_NOOP("Roles", "Validator"),
    RoleEnum.CompanionPC: QT_TRANSLATE_NOOP("Roles", "Companion PC"),
    RoleEnum.Admin: QT_TRANSLATE_NOOP("Roles", "Administrator"),
    RoleEnum.ResourceUploader: QT_TRANSLATE_NOOP("Roles", "Resource uploader"),
    RoleEnum.ApiAdmin: QT_TRANSLATE_NOOP("Roles", "API administrator"),
}


def role_text(role: RoleEnum) -> str:
    """The role's name in the interface language."""
    return QCoreApplication.translate("Roles", _ROLE_NAMES.get(role, role.label))


def _tr(text: str) -> str:
    return QCoreApplication.translate("Admin", text)


def refusal_text(exc: BaseException) -> str:
    """What the user reads when the server refused: a 409's Message as sent (a documented one translated), a 403
    as "permission denied", else the error's description (gui/errors_text.py)."""
    return describe_exception(exc)


def fill_role_combo(combo: QComboBox, actor: RoleEnum, current: RoleEnum | None = None) -> None:
    """The roles an administrator hands out; ApiAdmin is shown but disabled unless the actor is an ApiAdmin
    (the server refuses it with 409/70 anyway)."""
    model = QStandardItemModel(combo)
    for role in ASSIGNABLE_ROLES:
        item = QStandardItem(role_text(role))
        item.setData(int(role), Qt.ItemDataRole.UserRole)
        if role is RoleEnum.ApiAdmin and actor is not RoleEnum.ApiAdmin:
            item.setEnabled(False)
            item.setToolTip(_tr("Only an ApiAdmin can grant ApiAdmin"))
        model.appendRow(item)
    combo.setModel(model)
    target = current if current is not None else RoleEnum.Operator
    index = combo.findData(int(target))
    combo.setCurrentIndex(index if index >= 0 else 0)


def combo_role(combo: QComboBox) -> RoleEnum:
    return RoleEnum(int(combo.currentData()))


@dataclass
class BatchOutcome:
    """The result of one action over several users: who succeeded and why the others were refused."""

    done: list[str] = field(default_factory=list)
    failed: list[tuple[str, BaseException]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed

    def first_error(self) -> BaseException | None:
        return self.failed[0][1] if self.failed else None


def run_batch(emails: Iterable[str], action: Callable[[str], object]) -> BatchOutcome:
    """Worker side: apply ``action`` to every email; a refusal of one does not stop the others."""
    outcome = BatchOutcome()
    for email in emails:
        try:
            action(email)
        except Exception as exc:  # every failure is reported per user, in the GUI thread
            outcome.failed.append((email, exc))
        else:
            outcome.done.append(email)
    return outcome
