"""Entry script of the frozen ``azaion-admin`` (PyInstaller runs this file as ``__main__``)."""

import sys

from gui.app import main

if __name__ == "__main__":
    sys.exit(main())
