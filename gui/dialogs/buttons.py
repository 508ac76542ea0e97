"""Default buttons of dialogs: the button Enter presses stays the one the dialog was built around.

Qt makes every push button of a dialog "auto-default": whichever of them last had the keyboard focus becomes the
default. When a dialog disables its fields while it works (the login dialog does), focus falls to Cancel, Cancel
becomes the default, and the next Enter in a field closes the dialog (after a failed login: the whole app). So a
dialog names its primary button here; every other button of its box loses auto-default and can never take Enter.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox, QPushButton


def set_primary(box: QDialogButtonBox, primary: QPushButton | None = None) -> QPushButton | None:
    """Make ``primary`` (default: the box's first accept-role button) the default and the only auto-default
    button of ``box``. Call it once the box is in its dialog's layout (Qt only records a dialog's main default
    button for a button that already has the dialog as an ancestor)."""
    if primary is None:
        primary = next((b for b in box.buttons()
                        if isinstance(b, QPushButton) and box.buttonRole(b) == QDialogButtonBox.ButtonRole.AcceptRole),
                       None)
    for button in box.buttons():
        if isinstance(button, QPushButton) and button is not primary:
            button.setDefault(False)
            button.setAutoDefault(False)
    if primary is not None:
        primary.setAutoDefault(True)
        primary.setDefault(True)
    return primary
