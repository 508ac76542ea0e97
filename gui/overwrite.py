"""Asking before a transfer replaces a file that exists (a download into a folder holding that name, an upload of
a name the server's folder already lists): Replace / Keep both / Skip, with "apply to all" when a batch has
several such names, as Cyberduck and WinSCP ask. Closing the question (Escape) skips: nothing is ever replaced
without an answer. The question is asked on the GUI thread before a job is queued; the job is then told to
replace (core's ``replace=True``) or given the free name "name (1).ext"."""

from __future__ import annotations

import enum
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QCheckBox, QMessageBox, QWidget

from core.names import validate_name


class Choice(enum.Enum):
    REPLACE = "replace"
    KEEP_BOTH = "keep-both"
    SKIP = "skip"


def _split(name: str) -> tuple[str, str]:
    """``model.tar.gz`` → (``model``, ``.tar.gz``); a leading dot belongs to the stem (``.env`` has no suffix)."""
    dot = name.find(".", 1)
    return (name, "") if dot < 0 else (name[:dot], name[dot:])


def keep_both_name(name: str, taken: Callable[[str], bool]) -> str:
    """The first "stem (n)suffix" that ``taken`` says is free (n from 1), the way file managers keep both."""
    stem, suffix = _split(name)
    n = 1
    while True:
        candidate = f"{stem} ({n}){suffix}"
        try:
            validate_name(candidate)
        except Exception:  # too long for a name: shorten the stem, keep the number and the suffix
            stem = stem[: max(1, len(stem) - 8)]
            continue
        if not taken(candidate):
            return candidate
        n += 1


def _unbroken(name: str) -> str:
    """A file name as the question shows it: its spaces do not break the line ("sample-model" / "(1).bin" read
    as two names when the text wrapped there)."""
    return name.replace(" ", "\u00a0")


def _widen(box: QMessageBox) -> None:
    """Room for the question's longest line, up to about 100 characters: Qt's message box wraps its text
    narrowly, which broke "sample-model (1).bin" at its hyphen and a short folder path in two (seen in the
    acceptance suite's screenshot)."""
    fm = box.fontMetrics()
    lines = [*box.text().splitlines(), *box.informativeText().splitlines()]
    width = min(max(fm.horizontalAdvance(line) for line in lines), 100 * fm.averageCharWidth())
    box.setStyleSheet(  # Qt's own object names of the box's two labels
        f"QLabel#qt_msgbox_label, QLabel#qt_msgbox_informativelabel {{ min-width: {width}px; }}"
    )


class ConflictAsker:
    """One batch's questions: ``ask`` returns the user's choice for one existing name, remembering it for the
    rest of the batch when "apply to all" was ticked. ``conflicts`` is how many names of the batch exist (the
    check box is offered only when there are more than one)."""

    def __init__(self, parent: QWidget | None, conflicts: int, where: str) -> None:
        self.parent = parent
        self.conflicts = conflicts
        self.where = where
        self.remembered: Choice | None = None
        self.asked = 0

    @staticmethod
    def tr(text: str, disambiguation: str | None = None, n: int = -1) -> str:
        return QCoreApplication.translate("ConflictAsker", text, disambiguation, n)

    def ask(self, name: str, new_name: str) -> Choice:
        if self.remembered is not None:
            return self.remembered
        self.asked += 1
        box = QMessageBox(self.parent)
        box.setObjectName("overwriteQuestion")
        box.setIcon(QMessageBox.Icon.Question)
        box.setTextFormat(Qt.TextFormat.PlainText)  # names come from the server's listing: never HTML
        box.setWindowTitle(self.tr("Azaion Admin — File exists"))
        box.setText(self.tr("“{0}” already exists in {1}.").format(_unbroken(name), self.where))
        box.setInformativeText(
            self.tr("Replace it, keep both (the new one is saved as “{0}”) or skip it?").format(_unbroken(new_name))
        )
        _widen(box)
        replace = box.addButton(self.tr("&Replace"), QMessageBox.ButtonRole.DestructiveRole)
        replace.setObjectName("replaceButton")
        keep = box.addButton(self.tr("&Keep both"), QMessageBox.ButtonRole.AcceptRole)
        keep.setObjectName("keepBothButton")
        skip = box.addButton(self.tr("&Skip"), QMessageBox.ButtonRole.RejectRole)
        skip.setObjectName("skipButton")
        box.setDefaultButton(keep)
        box.setEscapeButton(skip)
        check = None
        remaining = self.conflicts - self.asked + 1
        if remaining > 1:
            check = QCheckBox(self.tr("Do this for the other %n file(s) that exist", "", remaining - 1))
            check.setObjectName("applyToAll")
            box.setCheckBox(check)
        box.exec()
        clicked = box.clickedButton()
        choice = {id(replace): Choice.REPLACE, id(keep): Choice.KEEP_BOTH}.get(id(clicked), Choice.SKIP)
        if check is not None and check.isChecked():
            self.remembered = choice
        box.deleteLater()
        return choice


def plan_names(
    parent: QWidget | None, names: list[str], exists: Callable[[str], bool], where: str
) -> list[tuple[str, str, bool]]:
    """For a batch of names going to ``where``: ``(name, name to write, replace)`` per name to transfer, asking
    about each name that ``exists`` (skipped names are left out). Keep-both names never collide with an existing
    name or with another name of the batch."""
    conflicts = [n for n in names if exists(n)]
    asker = ConflictAsker(parent, len(conflicts), where)
    taken = set(names)
    plan = []
    for name in names:
        if not exists(name):
            plan.append((name, name, False))
            continue
        new = keep_both_name(name, lambda c: exists(c) or c in taken)
        choice = asker.ask(name, new)
        if choice is Choice.REPLACE:
            plan.append((name, name, True))
        elif choice is Choice.KEEP_BOTH:
            taken.add(new)
            plan.append((name, new, False))
    return plan
