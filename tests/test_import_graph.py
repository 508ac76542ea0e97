"""The layers import one way: gui → core ← cli, and the sandbox (the reference server) stands alone.

core is the client library: it must not reach the CLI, the GUI or the test server (before the CLI left core/,
``core/cli/commands.py`` imported ``sandbox.cli`` and ``sandbox/cli.py`` imported ``core.cli.main``: a cycle between
the client and the server that is meant to check it). The check reads the source with ``ast``, so an import inside
a function (a lazy import) counts as much as one at the top of a module, and so does ``__import__("x")`` or
``importlib.import_module("x")`` with a literal name.

``python tests/test_import_graph.py`` prints the cross-package imports and the package cycles.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "cli", "gui", "sandbox")

# package -> the packages it must never import
FORBIDDEN = {
    "core": {"cli", "gui", "sandbox"},
    "cli": {"gui"},
    "gui": {"cli"},
    "sandbox": {"core", "gui", "cli"},
}


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_names(path: Path, root: Path = ROOT) -> Iterator[tuple[int, str]]:
    """Every module ``path`` imports, anywhere in the file, as (line, absolute dotted name)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path, root).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the file's package
                base = package[: len(package) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            yield node.lineno, name
            for alias in node.names:  # ``from core import cli`` names a module too
                yield node.lineno, f"{name}.{alias.name}"
        elif (
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and (
                (isinstance(node.func, ast.Name) and node.func.id == "__import__")
                or (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
            )
        ):
            yield node.lineno, node.args[0].value


def package_of(name: str) -> str | None:
    top = name.split(".", 1)[0]
    return top if top in PACKAGES else None


def cross_imports() -> list[tuple[str, int, str, str]]:
    """(file, line, importing package, imported package) for every import that crosses a package boundary."""
    found: set[tuple[str, int, str, str]] = set()
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            rel = str(path.relative_to(ROOT))
            for line, name in imported_names(path):
                target = package_of(name)
                if target and target != pkg:
                    found.add((rel, line, pkg, target))
    return sorted(found)


def package_cycles(edges: set[tuple[str, str]]) -> list[tuple[str, ...]]:
    """The package cycles (each once, as its smallest rotation) in a small directed graph."""
    cycles: set[tuple[str, ...]] = set()

    def walk(start: str, node: str, path: list[str]) -> None:
        for a, b in edges:
            if a != node:
                continue
            if b == start:
                i = path.index(min(path))
                cycles.add(tuple(path[i:] + path[:i]))
            elif b not in path:
                walk(start, b, path + [b])

    for pkg in PACKAGES:
        walk(pkg, pkg, [pkg])
    return sorted(cycles)


def test_every_package_is_read() -> None:
    """A check over no files would pass whatever the layout: each package has modules and imports."""
    for pkg in PACKAGES:
        files = list((ROOT / pkg).rglob("*.py"))
        assert len(files) >= 2, pkg
        assert any(any(True for _ in imported_names(f)) for f in files), pkg


def test_layers_import_one_way() -> None:
    bad = [
        f"{rel}:{line}: {src} imports {dst}"
        for rel, line, src, dst in cross_imports()
        if dst in FORBIDDEN[src]
    ]
    assert not bad, "imports against the layers (gui → core ← cli; sandbox alone):\n" + "\n".join(bad)


def test_no_package_cycles() -> None:
    edges = {(src, dst) for _, _, src, dst in cross_imports()}
    assert package_cycles(edges) == []


def _not_run_on_import(tree: ast.Module) -> set[int]:
    """Lines of ``if TYPE_CHECKING:`` and ``if __name__ == "__main__":`` bodies: imports there never run when
    the module is imported, so they make no cycle."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and any(word in ast.unparse(node.test) for word in ("TYPE_CHECKING", "__main__")):
            for stmt in node.body:
                lines.update(range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1))
    return lines


def module_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """module -> the modules of ours it imports when it runs (at the top or inside a function)."""
    paths = {module_name(p, root): p for pkg in PACKAGES if (root / pkg).is_dir() for p in (root / pkg).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for mod, path in paths.items():
        skipped = _not_run_on_import(ast.parse(path.read_text(encoding="utf-8")))
        targets: set[str] = set()
        for line, name in imported_names(path, root):
            while name and name not in paths:  # ``from core.x import func``: the module core.x
                name = name.rpartition(".")[0]
            if name and name != mod and line not in skipped:
                targets.add(name)
        graph[mod] = targets
    return graph


def module_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan): modules that import each other,
    directly or through others."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(mod: str) -> None:
        index[mod] = low[mod] = len(index)
        stack.append(mod)
        for dep in sorted(graph.get(mod, ())):
            if dep not in index:
                visit(dep)
                low[mod] = min(low[mod], low[dep])
            elif dep in stack:
                low[mod] = min(low[mod], index[dep])
        if low[mod] == index[mod]:
            group = []
            while True:
                top = stack.pop()
                group.append(top)
                if top == mod:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for mod in sorted(graph):
        if mod not in index:
            visit(mod)
    return sorted(groups)


def test_no_module_cycles() -> None:
    """No two modules import each other, however indirectly (lazy imports count: a function-level import that
    closes a cycle only hides it). Main had five such groups, e.g. core.logs <-> core.text and
    core.api_client <-> core.resources."""
    assert module_cycles(module_graph()) == []


def test_module_cycles_are_found(tmp_path: Path) -> None:
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "core" / "a.py").write_text("from core.b import f\n", encoding="utf-8")
    (tmp_path / "core" / "b.py").write_text("def f():\n    from core import c\n", encoding="utf-8")
    (tmp_path / "core" / "c.py").write_text("import core.a\n", encoding="utf-8")
    (tmp_path / "core" / "d.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                            "    from core.a import x\nimport core.a\n", encoding="utf-8")
    assert module_cycles(module_graph(tmp_path)) == [["core.a", "core.b", "core.c"]]


# core modules that must not import core.api_client (not even for a type: each names the narrow Protocol it needs).
# The transfers are a service ApiClient builds and delegates to (core.resources.Transfers), so the direction is
# api_client -> resources only; before, resources called back eight of the client's attributes.
CLIENT_FREE = ("core/resources.py", "core/multipart.py", "core/sync.py", "core/protocol.py", "core/images")


def client_free_files() -> list[Path]:
    files: list[Path] = []
    for rel in CLIENT_FREE:
        path = ROOT / rel
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return files


def test_transfers_do_not_reach_back_into_the_client() -> None:
    files = client_free_files()
    assert len(files) >= 8  # the images package's modules too
    bad = [
        f"{path.relative_to(ROOT)}:{line}: imports {name}"
        for path in files
        for line, name in imported_names(path, ROOT)
        if name == "core.api_client" or name.startswith("core.api_client.")
    ]
    assert not bad, "the transfers and the images must not import the API client:\n" + "\n".join(bad)


def test_lazy_imports_are_seen(tmp_path: Path) -> None:
    """Imports inside functions, relative ones and ``__import__`` calls count (the old core/cli used all but one)."""
    (tmp_path / "core" / "sub").mkdir(parents=True)
    source = tmp_path / "core" / "sub" / "m.py"
    source.write_text(
        "def f():\n    from sandbox.cli import run\n"
        "def g():\n    return __import__('cli.main', fromlist=['x'])\n"
        "from ..gui import window\n",
        encoding="utf-8",
    )
    names = {name for _, name in imported_names(source, tmp_path)}
    assert {"sandbox.cli", "sandbox.cli.run", "cli.main", "core.gui.window"} <= names


if __name__ == "__main__":
    crossings = cross_imports()
    counts: dict[tuple[str, str], int] = {}
    for _, _, src, dst in crossings:
        counts[src, dst] = counts.get((src, dst), 0) + 1
    for (src, dst), n in sorted(counts.items()):
        mark = "  FORBIDDEN" if dst in FORBIDDEN[src] else ""
        print(f"{src:8} -> {dst:8} {n:4}{mark}")
    print(f"cross-package imports: {len(crossings)}")
    cycles = package_cycles(set(counts))
    print(f"package cycles: {len(cycles)} {[' -> '.join(c + (c[0],)) for c in cycles]}")
    sys.exit(1 if any(dst in FORBIDDEN[src] for src, dst in counts) else 0)
