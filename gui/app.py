"""``azaion-admin`` entry point. The desktop application arrives with its own issue; until then this says so."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    print("Azaion Admin: the desktop application is coming; use the `azaion` command line meanwhile.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
