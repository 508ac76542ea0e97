"""Translations of the desktop app: extract, compile, check. No Makefile or Qt SDK needed: PySide6's own
``pyside6-lupdate`` / ``pyside6-lrelease`` (installed with the ``pyside6`` package) do the work.

    python resources/translations/build.py update   # lupdate: add new strings of gui/ to every .ts
    python resources/translations/build.py release  # lrelease: compile every .ts into its .qm (commit both)
    python resources/translations/build.py check    # exit 1 if a .qm is stale, a string is new or untranslated

Files: ``azaion_uk.ts`` (Ukrainian, every string) and ``azaion_en.ts`` (English plural forms only: ``%n user(s)``
becomes "1 user" / "5 users"). Edit translations with ``pyside6-linguist resources/translations/azaion_uk.ts``.

lupdate finds ``self.tr("…")``, ``QCoreApplication.translate("Ctx", "…")`` and ``QT_TRANSLATE_NOOP``. Some modules
translate through a local helper (``_tr("…")`` with a fixed context, or ``_tr("Ctx", "…")``) and the transfer
stage names come from ``core`` (``on_stage("uploading")`` shows as ``Uploading``); this script finds those too
and hands them to lupdate as ``QT_TRANSLATE_NOOP`` lines of a generated file.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SOURCES = ROOT / "gui"
CATALOGUES = {"uk": HERE / "azaion_uk.ts", "en": HERE / "azaion_en.ts"}
PLURAL_ONLY = {"en"}
STAGE_CONTEXT = "Transfers"

_STRING = r'"((?:[^"\\]|\\.)*)"'
_HELPER_FIXED = re.compile(r"def _tr\(text: str\)[^:]*:\s*\n\s*return QCoreApplication\.translate\(\s*" + _STRING)
_CALL = re.compile(r"(?<![\w.])_tr\(\s*" + _STRING + r"\s*(?:,\s*" + _STRING + r"\s*)?\)")
_STAGE = re.compile(r'on_stage\(\s*"([a-z][a-z ]*)"\s*\)')


def tool(name: str) -> str:
    """``pyside6-<name>`` next to this Python (a venv's bin/Scripts), else on PATH."""
    exe_dir = Path(sys.executable).parent
    for candidate in (exe_dir / f"pyside6-{name}", exe_dir / f"pyside6-{name}.exe"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which(f"pyside6-{name}")
    if found is None:
        raise SystemExit(f"pyside6-{name} not found: install the pyside6 package")
    return found


def source_files() -> list[Path]:
    return sorted(p for p in SOURCES.rglob("*.py") if "__pycache__" not in p.parts)


def helper_strings() -> list[tuple[str, str]]:
    """(context, text) of ``_tr`` helper calls and of transfer stage names, which lupdate cannot see."""
    found: dict[tuple[str, str], None] = {}
    stage_helper = False
    for path in source_files():
        text = path.read_text(encoding="utf-8")
        fixed = _HELPER_FIXED.search(text)
        for match in _CALL.finditer(text):
            first, second = match.group(1), match.group(2)
            if second is not None:
                found[(first, second)] = None
            elif fixed is not None:
                found[(fixed.group(1), first)] = None
        if "_tr(self.stage.capitalize())" in text:
            stage_helper = True
    if stage_helper:
        for folder in (ROOT / "core", SOURCES):
            for path in sorted(folder.rglob("*.py")):
                for stage in _STAGE.findall(path.read_text(encoding="utf-8")):
                    found[(STAGE_CONTEXT, stage.capitalize())] = None
    return sorted(found)


def write_helper_file(directory: Path) -> Path:
    lines = ["from PySide6.QtCore import QT_TRANSLATE_NOOP", "", "STRINGS = ["]
    for context, text in helper_strings():
        lines.append(f'    QT_TRANSLATE_NOOP("{context}", "{text}"),')
    lines.append("]")
    path = directory / "helper_strings.py"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def lupdate(ts_files: dict[str, Path]) -> None:
    with tempfile.TemporaryDirectory(prefix="azaion-lupdate-") as tmp:
        helper = write_helper_file(Path(tmp))
        files = [str(p) for p in source_files()] + [str(helper)]
        for language, ts in ts_files.items():
            args = [tool("lupdate"), *files, "-locations", "none", "-no-obsolete", "-source-language", "en",
                    "-target-language", language]
            if language in PLURAL_ONLY:
                args.append("-pluralonly")
            subprocess.run([*args, "-ts", str(ts)], check=True, capture_output=True, text=True)


def lrelease(ts: Path, qm: Path) -> None:
    subprocess.run([tool("lrelease"), "-silent", str(ts), "-qm", str(qm)], check=True, capture_output=True)


def messages(ts: Path) -> dict[tuple[str, str], bool]:
    """(context, source) → translated? for every message of a .ts file."""
    result = {}
    for context in ET.parse(ts).getroot().iter("context"):  # noqa: S314 - our own catalogues
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            unfinished = translation is None or translation.get("type") in ("unfinished", "vanished", "obsolete")
            if translation is not None and not unfinished:
                forms = translation.findall("numerusform")
                texts = [f.text for f in forms] if forms else [translation.text]
                unfinished = not all(t and t.strip() for t in texts)
            result[(name, message.findtext("source") or "")] = not unfinished
    return result


def stale_qm() -> list[str]:
    """A .qm that is missing or differs from what lrelease makes of its .ts."""
    problems = []
    with tempfile.TemporaryDirectory(prefix="azaion-tr-qm-") as tmp:
        for ts in CATALOGUES.values():
            qm = ts.with_suffix(".qm")
            fresh_qm = Path(tmp) / qm.name
            lrelease(ts, fresh_qm)
            if not qm.exists():
                problems.append(f"{qm.name} is missing (run build.py release)")
            elif qm.read_bytes() != fresh_qm.read_bytes():
                problems.append(f"{qm.name} does not match {ts.name} (run build.py release)")
    return problems


def check() -> list[str]:
    """Problems: new strings missing from a .ts, untranslated strings, a .qm that does not match its .ts."""
    return catalogue_problems() + stale_qm()


def catalogue_problems() -> list[str]:
    """Strings of gui/ missing from a .ts or untranslated there, and strings a .ts holds that gui/ lost."""
    problems = []
    with tempfile.TemporaryDirectory(prefix="azaion-tr-check-") as tmp:
        copies = {}
        for language, ts in CATALOGUES.items():
            if not ts.exists():
                problems.append(f"{ts.name} is missing (run: build.py update)")
                continue
            copies[language] = Path(tmp) / ts.name
            shutil.copy(ts, copies[language])
        lupdate(copies)
        for language, copy in copies.items():
            ts = CATALOGUES[language]
            committed, fresh = messages(ts), messages(copy)
            new = sorted(set(fresh) - set(committed))
            gone = sorted(set(committed) - set(fresh))
            untranslated = sorted(k for k, done in committed.items() if not done)
            if new:
                problems.append(f"{ts.name}: {len(new)} string(s) not in the catalogue yet (run build.py update, "
                                f"translate, build.py release): " + "; ".join(f"{c}: {s!r}" for c, s in new[:10]))
            if gone:
                problems.append(f"{ts.name}: {len(gone)} string(s) no longer in the sources (run build.py update): "
                                + "; ".join(f"{c}: {s!r}" for c, s in gone[:10]))
            if untranslated:
                problems.append(f"{ts.name}: {len(untranslated)} untranslated: "
                                + "; ".join(f"{c}: {s!r}" for c, s in untranslated[:10]))
    return problems


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "update":
        lupdate(CATALOGUES)
        print("updated: " + ", ".join(p.name for p in CATALOGUES.values()))
        return 0
    if command == "release":
        for ts in CATALOGUES.values():
            lrelease(ts, ts.with_suffix(".qm"))
        print("compiled: " + ", ".join(p.with_suffix(".qm").name for p in CATALOGUES.values()))
        return 0
    if command == "check":
        problems = check()
        for problem in problems:
            print(problem, file=sys.stderr)
        print("translations are up to date" if not problems else f"{len(problems)} problem(s)")
        return 1 if problems else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
