"""Every distribution the code imports is declared in pyproject.toml, where its users get it: core/, gui/, cli/
in the main dependencies, sandbox/ there or in the ``sandbox`` extra, tests/ and bench/
anywhere including ``dev``. A module that only arrives as someone else's dependency (botocore through boto3,
urllib3 through requests) can vanish or change under a floor nobody chose."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The project's packages, and packaging/'s scripts, which its tests import as top-level modules.
FIRST_PARTY = {"core", "gui", "cli", "sandbox", "tests", "bench"} | {p.stem for p in (ROOT / "packaging").glob("*.py")}


def _name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group()).lower()


def declared() -> dict[str, set[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    groups = {"main": {_name(r) for r in project["dependencies"]}}
    for extra, requirements in project["optional-dependencies"].items():
        groups[extra] = {_name(r) for r in requirements}
    return groups


def imported_modules(package: str) -> dict[str, set[str]]:
    """Top-level third-party modules imported under ``package`` -> the files importing them."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in FIRST_PARTY:
                    found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_imported_distribution_is_declared() -> None:
    groups = declared()
    allowed = {
        "core": groups["main"],
        "gui": groups["main"],
        "cli": groups["main"],
        "sandbox": groups["main"] | groups["sandbox"],
        "tests": groups["main"] | groups["sandbox"] | groups["dev"],
        "bench": groups["main"] | groups["sandbox"] | groups["dev"],
    }
    owners = packages_distributions()
    missing = []
    for package, ok in allowed.items():
        if not (ROOT / package).is_dir():
            continue
        for module, files in sorted(imported_modules(package).items()):
            dists = {_name(d) for d in owners.get(module, [])}
            assert dists, f"{module} (imported by {sorted(files)[0]}) is not installed"
            if not dists & ok:
                missing.append(f"{package}: {module} from {sorted(dists)} (e.g. {sorted(files)[0]})")
    assert not missing, "imported but not declared in pyproject.toml:\n" + "\n".join(missing)


def test_the_check_sees_the_imports_it_guards() -> None:
    """The scan must find what core really imports, or the test above would pass on an empty list."""
    modules = imported_modules("core")
    assert {"botocore", "s3transfer", "urllib3", "requests", "jwt"} <= set(modules)
    assert {"flask", "werkzeug"} <= set(imported_modules("sandbox"))
