"""The package's shape: no import cycles, data types at the bottom, the disk touched at edges,
types that `mypy --strict` accepts."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import missing

PACKAGE = Path(__file__).resolve().parent.parent / "newsdigest"


def runtime_imports(path: Path, typing: bool = False) -> set[str]:
    """The newsdigest modules a module imports when it runs (and with `typing`, those it
    imports for type checking too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if (
                not typing
                and isinstance(child, ast.If)
                and "TYPE_CHECKING" in ast.unparse(child.test)
            ):
                continue
            if isinstance(child, ast.ImportFrom) and child.module:
                if child.module == "newsdigest":
                    found.update(f"newsdigest.{alias.name}" for alias in child.names)
                elif child.module.startswith("newsdigest."):
                    found.add(child.module)
            elif isinstance(child, ast.Import):
                found.update(a.name for a in child.names if a.name.startswith("newsdigest."))
            visit(child)

    visit(tree)
    modules = {f"newsdigest.{p.stem}" for p in PACKAGE.glob("*.py")}
    return found & modules


def graph(typing: bool = False) -> dict[str, set[str]]:
    return {
        f"newsdigest.{path.stem}": runtime_imports(path, typing) for path in PACKAGE.glob("*.py")
    }


@pytest.mark.parametrize("typing", [False, True], ids=["at run time", "for type checking too"])
def test_the_package_has_no_import_cycle(typing: bool) -> None:
    edges = graph(typing)
    done: set[str] = set()

    def walk(module: str, trail: list[str]) -> None:
        if module in trail:
            cycle = [*trail[trail.index(module) :], module]
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        if module in done:
            return
        for imported in sorted(edges.get(module, ())):
            walk(imported, [*trail, module])
        done.add(module)

    for module in sorted(edges):
        walk(module, [])


def test_the_data_types_import_nothing_of_the_readers() -> None:
    assert graph()["newsdigest.articles"] <= {"newsdigest.errors"}
    assert graph()["newsdigest.errors"] == set()


def test_the_cache_is_never_read_with_pickle() -> None:
    for path in PACKAGE.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "import pickle" not in text and "marshal" not in text, path.name


def test_only_the_edges_write_files() -> None:
    """output.py writes the site, cache.py the cache; the commands that make files for the
    user (new, init, import, clean) are the only others."""
    writers = {"output", "cache", "scaffold", "importer", "cli"}
    for path in PACKAGE.glob("*.py"):
        if path.stem in writers:
            continue
        text = path.read_text(encoding="utf-8")
        for call in ("write_bytes(", "write_text(", "shutil.", "os.replace(", "os.unlink("):
            assert call not in text, f"{path.name} calls {call}"


def test_the_package_type_checks_strictly(tmp_path: Path) -> None:
    if importlib.util.find_spec("mypy") is None:
        missing("mypy")
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path), "newsdigest"],
        cwd=PACKAGE.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
