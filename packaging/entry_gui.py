"""Entry script of the frozen ``azaion-admin`` (PyInstaller runs this file as ``__main__``)."""

import sys

from gui.launcher import main  # --version, --help and wrong options answered before Qt is imported

if __name__ == "__main__":
    sys.exit(main())
