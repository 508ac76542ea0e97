"""Cold-start baseline: a bare PySide6 window, frozen with the same spec options as the app. Prints
``window shown`` once the window is shown and quits (what ``azaion-admin --smoke-test=startup`` does for the
login dialog)."""

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

if __name__ == "__main__":
    app = QApplication(sys.argv)
    window = QWidget()
    window.setWindowTitle("bare")
    window.show()

    def done() -> None:
        print("window shown", flush=True)
        app.quit()

    QTimer.singleShot(0, done)
    app.exec()
