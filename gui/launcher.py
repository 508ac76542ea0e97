"""``azaion-admin``'s entry point: the command line is read here, before Qt is imported, so ``--version``,
``--help`` and a wrong option answer on the terminal (exit 0 / 0 / 2) in a fraction of a second, with no display
needed and no window opened. Anything else goes on to the application (gui/app.py), which parses it again.

Qt's own options (``-platform offscreen``, ``-style``, ...) are passed through; any other unknown option is a
usage error. Arguments that are not options are files for the app (its single instance hands them on)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

PROG = "azaion-admin"

QT_OPTIONS_WITH_VALUE = frozenset({
    "-platform", "-platformpluginpath", "-platformtheme", "-plugin", "-qmljsdebugger", "-qwindowgeometry",
    "-qwindowicon", "-qwindowtitle", "-session", "-display", "-geometry", "-style", "-stylesheet", "-title",
    "-name", "-visual", "-ncols", "-cmap", "-fontengine",
})
QT_FLAGS = frozenset({"-reverse", "-widgetcount", "-nograb", "-dograb", "-sync", "-qdevicepixelratio"})


def build_parser() -> argparse.ArgumentParser:
    """The options gui/app.py reads, plus ``--version`` and ``--smoke-test`` (answered here, not by the app); kept
    in step with it (tests/cli/test_gui_entry.py)."""
    from core import __version__

    parser = argparse.ArgumentParser(prog=PROG, description="Azaion Admin desktop application")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--sandbox", action="store_true", help="start a local sandbox server and connect to it")
    parser.add_argument("--debug", action="store_true", help="log debug messages")
    parser.add_argument("--smoke-test", nargs="?", const="full", choices=("full", "startup"),
                        help="check this installation offscreen (resources, keyring, TLS, sandbox login and "
                             "download) and exit; 'startup' exits once the login dialog is shown")
    parser.add_argument("files", nargs="*", help="files to upload")
    return parser


def split_qt_options(args: Sequence[str]) -> tuple[list[str], list[str]]:
    """(our arguments, Qt's options with their values), in order. After ``--`` everything is ours."""
    ours: list[str] = []
    qt: list[str] = []
    items = iter(args)
    for arg in items:
        if arg == "--":
            ours.append(arg)
            ours.extend(items)
            break
        single = "-" + arg.split("=", 1)[0].lstrip("-")  # Qt takes -platform and --platform alike
        if arg.startswith("-") and single in QT_OPTIONS_WITH_VALUE:
            qt.append(arg)
            if "=" not in arg:
                value = next(items, None)
                if value is not None:
                    qt.append(value)
        elif arg.startswith("-") and single in QT_FLAGS:
            qt.append(arg)
        else:
            ours.append(arg)
    return ours, qt


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--transfer-worker"]:  # the frozen app as a transfer process (core/transfer_process.py): no Qt
        from core.transfer_worker import main as worker_main

        return worker_main()
    ours, qt = split_qt_options(args)
    parsed = build_parser().parse_args(ours)  # --version, --help and a wrong option exit here, before any Qt import
    if parsed.smoke_test:
        return run_smoke_test(parsed.smoke_test, qt)
    from gui.app import main as app_main

    return app_main(args)


def run_smoke_test(mode: str, qt_args: list[str]) -> int:
    """``--smoke-test[=startup]``: the installation check (gui/smoke.py), or the cold-start probe, which starts
    the app the normal way without the smoke test's own imports (gui/startup_probe.py)."""
    if mode == "startup":
        import os

        from gui.startup_probe import run_startup

        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        return run_startup(qt_args)
    from gui.smoke import run_smoke

    return run_smoke(mode, qt_args)


if __name__ == "__main__":
    sys.exit(main())
