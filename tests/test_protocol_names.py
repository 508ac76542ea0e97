"""The big/small protocol's names are spelt in one module (core/protocol.py): every other client module asks it.

Before, ``.big``/``.small`` literals and the metadata and header names sat in a dozen modules of core/, each
building ``f"{name}.big"`` itself; a change to the rule (or a reader looking for it) had to find them all. The check
reads the source with ``ast``: every string literal and every literal piece of an f-string in core/, cli/ and gui/,
except docstrings (they describe the files, which is what they are for), must not spell a part's suffix or one of
the protocol's metadata, form-field or header names.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from core import protocol

ROOT = Path(__file__).resolve().parent.parent
CLIENT = ("core", "cli", "gui")
RULES = ROOT / "core" / "protocol.py"

# A part's suffix as a word (".big", "{x}.big.part", "*.small") and the protocol's other names.
SUFFIX = re.compile(r"\.(big|small)(?![A-Za-z0-9_])")
NAMES = {protocol.SMALL_SHA256_META, protocol.BIG_SHA256_FIELD, protocol.BIG_SIZE_FIELD,
         protocol.BIG_SHA256_HEADER, protocol.BIG_SIZE_HEADER}


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
        # a bare string after an assignment documents it (the attribute docstrings of this code base)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            ids.add(id(node.value))
    return ids


def protocol_literals(path: Path) -> Iterator[tuple[int, str]]:
    """(line, text) of each string literal in ``path`` that spells a protocol name."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    skip = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            if SUFFIX.search(node.value) or node.value in NAMES:
                yield node.lineno, node.value


def offenders(root: Path = ROOT) -> list[str]:
    found = []
    for pkg in CLIENT:
        for path in sorted((root / pkg).rglob("*.py")):
            if path == RULES:
                continue
            found += [f"{path.relative_to(root)}:{line}: {text!r}" for line, text in protocol_literals(path)]
    return found


def test_protocol_names_are_spelt_once() -> None:
    bad = offenders()
    assert not bad, "protocol names spelt outside core/protocol.py (use its helpers):\n" + "\n".join(bad)


def test_the_check_sees_fstrings_and_keys(tmp_path: Path) -> None:
    """The shapes the old code used are caught; docstrings and other words are not."""
    source = tmp_path / "m.py"
    source.write_text(
        '"""A module about {name}.big files."""\n'
        'def f(name, jid, meta):\n'
        '    """Reads ``.small``."""\n'
        '    a = f"{name}.big"\n'
        '    b = name + ".small"\n'
        '    c = meta["small-sha256"]\n'
        '    d = f"{jid}.big.part"\n'
        '    e = "a bigger .bigot", (4).to_bytes(4, "big")\n'
        '    return a, b, c, d, e\n',
        encoding="utf-8",
    )
    assert [line for line, _ in protocol_literals(source)] == [4, 5, 6, 7]


def test_the_rules() -> None:
    assert protocol.big_key("m.bin") == "m.bin.big" and protocol.small_name("m.bin") == "m.bin.small"
    assert protocol.name_of_small("m.bin.small") == "m.bin" and protocol.name_of_small(".small") is None
    assert protocol.name_of_big("m.bin.big") == "m.bin" and protocol.name_of_big("m.bin.small") is None
    assert protocol.split_point(100) == 30 and protocol.split_point(10**12) == protocol.SMALL_MAX == 3072
