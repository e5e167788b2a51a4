"""The house stays drawable: each package of the domain core imports only the packages below it, never an adapter.

Every import is read from the source (module level and inside functions alike), so a lazy import that reaches up a
layer fails here as a module-level one would.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "exportguard"

#: What each core package may import of exportguard's other packages (itself aside).
ALLOWED = {
    "lists": set[str](),
    "licenses": set[str](),
    "tariffs": set[str](),
    "matching": {"lists", "heap", "buildcache"},
    "rules": {"lists", "matching", "heap", "buildcache"},
}


def imported_packages(package: str) -> dict[str, set[str]]:
    """exportguard package -> the files of ``package`` importing it."""
    found: dict[str, set[str]] = {}
    for source in sorted((PACKAGE / package).rglob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            names = [node.module] if isinstance(node, ast.ImportFrom) and node.module else (
                [alias.name for alias in node.names] if isinstance(node, ast.Import) else [])
            for name in names:
                parts = name.split(".")
                if parts[0] == "exportguard" and len(parts) > 1 and parts[1] != package:
                    found.setdefault(parts[1], set()).add(source.name)
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_core_package_imports_only_the_layers_below_it(package: str) -> None:
    beyond = {name: files for name, files in imported_packages(package).items() if name not in ALLOWED[package]}
    assert beyond == {}, f"exportguard.{package} reaches into {beyond}"


def test_the_check_reads_lazy_imports_too() -> None:
    """A function-level import counts: matching's screener imports the bundled lists inside a function."""
    assert "screener.py" in imported_packages("matching")["lists"]
