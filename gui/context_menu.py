"""Right-click menus for tables whose actions are buttons (Resources, Transfers, each Suites box): the menu holds
an item per button, enabled as the button is at that moment and doing what a click does, so the two never
disagree; the Menu key opens it at the current row. The Delete key clicks the button that deletes, where one
does (and only when it is enabled); Enter does what a double click does (``activate_on_enter``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QAction, QCursor, QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QMenu, QWidget


def _label(button: QAbstractButton) -> str:
    return button.text()


def build_menu(parent: QWidget, buttons: Sequence[QAbstractButton | None]) -> QMenu:
    """The menu for ``buttons`` (None: a separator); hidden buttons are left out."""
    menu = QMenu(parent)
    menu.setObjectName("contextMenu")
    for button in buttons:
        if button is None:
            menu.addSeparator()
            continue
        if button.isHidden():
            continue
        action = QAction(button.icon(), _label(button), menu)
        action.setObjectName(f"{button.objectName() or 'button'}Action")
        action.setEnabled(button.isEnabled())
        action.setToolTip(button.toolTip())
        action.triggered.connect(button.click)
        menu.addAction(action)
    return menu


def install(view: QAbstractItemView, buttons: Callable[[], Sequence[QAbstractButton | None]],
            delete: QAbstractButton | None = None) -> Callable[[], QMenu]:
    """Give ``view`` a context menu of ``buttons()`` (a right click first selects the row under the mouse, as
    file managers do) and, if ``delete`` is given, the Delete key. Returns the function building the menu."""

    def make() -> QMenu:
        return build_menu(view, buttons())

    def show(pos: QPoint) -> None:
        viewport = view.viewport()
        if viewport.mapFromGlobal(QCursor.pos()) == pos:
            index = view.indexAt(pos)
            if index.isValid() and not view.selectionModel().isRowSelected(index.row(), QModelIndex()):
                view.selectRow(index.row())
        elif view.currentIndex().isValid():  # the Menu key: at the current row, the selection kept
            pos = view.visualRect(view.currentIndex()).center()
        menu = make()
        menu.exec(viewport.mapToGlobal(pos))
        menu.deleteLater()

    view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    view.customContextMenuRequested.connect(show)
    if delete is not None:
        shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), view)
        shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
        shortcut.activated.connect(lambda: delete.click() if delete.isEnabled() else None)
    return make


def activate_on_enter(view: QAbstractItemView, handler: Callable[[QModelIndex], None]) -> None:
    """Return/Enter on ``view`` calls ``handler`` with the current row's index (that row selected first), as the
    double click (connected to the same handler) does with the row clicked: the keyboard way to a table's main
    action (download, show in folder). Not Qt's ``activated`` signal: with single-click desktop settings that
    fires on a single click."""

    def fire() -> None:
        index = view.currentIndex()
        if not index.isValid():
            return
        if not view.selectionModel().isRowSelected(index.row(), QModelIndex()):
            view.selectRow(index.row())  # tabbing into a table makes a row current, not selected
        handler(index)

    for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
        shortcut = QShortcut(QKeySequence(key), view)
        shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
        shortcut.activated.connect(fire)
