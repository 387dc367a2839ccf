"""The arrows only point down (DESIGN.md section 2): import-linter's contracts in
pyproject.toml ([tool.importlinter]: tui above screens above models; the floors of models;
models never imports textual or rich), and no import cycle anywhere among clerkdesk's
modules, imports inside functions included (`if TYPE_CHECKING:` imports aside).

grimp finds a package's modules by walking its folder, and the package-dir mapping puts
clerkdesk's folders outside clerkdesk/, so the .py files are first copied into the layout
they install as (tmp/clerkdesk/tui/..., clerkdesk/models/...). The graph is built in a
child process whose only clerkdesk is that copy (this one has the editable install).
"""
from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
MAPPING = PYPROJECT["tool"]["setuptools"]["package-dir"]
CONTRACTS = PYPROJECT["tool"]["importlinter"]["contracts"]


def stage(dest: Path) -> Path:
    """Copy every .py file of the mapped folders to *dest* as it installs; return *dest*."""
    for name, folder in MAPPING.items():
        for source in (ROOT / folder).rglob("*.py"):
            rel = source.relative_to(ROOT / folder)
            if "__pycache__" in rel.parts:
                continue
            target = dest.joinpath(*name.split("."), rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    shutil.copy2(ROOT / "pyproject.toml", dest / "pyproject.toml")
    return dest


def child_env(tree: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(tree)}


GRAPH = """
import importlib.util, json, sys
import grimp
found = list(importlib.util.find_spec("clerkdesk").submodule_search_locations)
graph = grimp.build_graph("clerkdesk", cache_dir=None, exclude_type_checking_imports=True)
imports = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
lines = {f"{a} {b}": sorted({d["line_number"] for d in graph.get_import_details(importer=a,
         imported=b)}) for a, bs in imports.items() for b in bs}
json.dump({"found": found, "imports": imports, "lines": lines}, sys.stdout)
"""


def import_graph(tree: Path) -> tuple[dict[str, list[str]], dict[str, list[int]]]:
    """grimp's graph of the staged *tree*: module -> the modules it imports directly, and
    "importer imported" -> the line numbers of those imports."""
    proc = subprocess.run([sys.executable, "-c", GRAPH], check=False, cwd=tree, env=child_env(tree),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert [Path(p).resolve() for p in out["found"]] == [(tree / "clerkdesk").resolve()]
    return out["imports"], out["lines"]


def cycles(imports: dict[str, list[str]]) -> list[list[str]]:
    """The import cycles: every strongly connected component of more than one module, or
    of one that imports itself (Tarjan's algorithm, without recursion). Sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in sorted(imports):
        if start in index:
            continue
        work = [(start, iter(imports.get(start, ())))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(imports.get(nxt, ()))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1 or node in imports.get(node, ()):
                        found.append(sorted(component))
    return sorted(found)


def loop_through(component: list[str], imports: dict[str, list[str]]) -> list[str]:
    """One loop of imports through *component*, from its first module back to it."""
    first, members = component[0], set(component)
    paths, seen = [[first]], {first}
    while paths:
        path = paths.pop(0)
        for nxt in imports.get(path[-1], ()):
            if nxt == first:
                return path + [first]
            if nxt in members and nxt not in seen:
                seen.add(nxt)
                paths.append(path + [nxt])
    raise AssertionError(f"no loop through {component}")


def describe(found: list[list[str]], imports, lines) -> str:
    out = []
    for component in found:
        loop = loop_through(component, imports)
        steps = [f"{a} (line {', '.join(map(str, lines[f'{a} {b}']))}) -> {b}"
                 for a, b in itertools.pairwise(loop)]
        out.append(f"{len(component)} modules: {', '.join(component)}\n  " + "\n  ".join(steps))
    return "\n".join(out)


def lint(tree: Path) -> tuple[int, str]:
    """import-linter's verdict on the staged *tree* with the contracts of pyproject.toml."""
    proc = subprocess.run(
        [sys.executable, "-c", ("import sys; from importlinter.cli import lint_imports; "
                                "sys.exit(lint_imports(config_filename='pyproject.toml', "
                                "no_cache=True))")],
        check=False, cwd=tree, env=child_env(tree), capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout + proc.stderr


def module_file(tree: Path, module: str) -> Path:
    path = tree.joinpath(*module.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def append(tree: Path, module: str, text: str) -> None:
    with module_file(tree, module).open("a") as f:
        f.write("\n\n" + text)


@pytest.fixture(scope="module")
def staged(tmp_path_factory) -> Path:
    return stage(tmp_path_factory.mktemp("installed-layout"))


@pytest.fixture(scope="module")
def graph(staged):
    return import_graph(staged)


def test_the_staged_tree_is_every_module(graph):
    imports, _ = graph
    sources = sum(1 for folder in MAPPING.values() for f in (ROOT / folder).rglob("*.py")
                  if "__pycache__" not in f.parts)
    assert len(imports) == sources
    assert "clerkdesk.tui.commands" in imports
    assert sum(map(len, imports.values())) > len(imports)  # it saw the imports too


def test_import_linter_keeps_every_contract(staged):
    status, report = lint(staged)
    assert status == 0, report
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in report, report


def test_no_import_cycle(graph):
    imports, lines = graph
    found = cycles(imports)
    assert not found, "import cycles (deferred imports count):\n" + describe(found, imports, lines)


def test_the_contracts_catch_imports_up_and_across(tmp_path):
    """One deferred import breaking each contract: each is reported broken."""
    tree = stage(tmp_path)
    append(tree, "clerkdesk.screens", "def _up():\n    import clerkdesk.tui\n")
    append(tree, "clerkdesk.models.rules", "def _across():\n    import clerkdesk.models.store\n")
    append(tree, "clerkdesk.models.core", "def _styled():\n    import textual.widget\n")
    append(tree, "clerkdesk.api", "def _screen():\n    import clerkdesk.screens\n")
    status, report = lint(tree)
    assert status != 0
    assert f"Contracts: 0 kept, {len(CONTRACTS)} broken." in report, report
    for contract in CONTRACTS:
        assert f"{contract['name']} BROKEN" in " ".join(report.split()), report
    assert "clerkdesk.screens -> clerkdesk.tui" in report
    assert "clerkdesk.models.rules -> clerkdesk.models.store" in report


def test_a_deferred_import_makes_a_cycle_and_a_type_checking_one_does_not(graph, tmp_path):
    imports, _ = graph
    before = cycles(imports)
    pairs = [(a, b) for a in sorted(imports) for b in imports[a]
             if a.startswith("clerkdesk.models.") and b.startswith("clerkdesk.models.")]
    (a, b), (c, d) = pairs[0], next(p for p in pairs if not {*p} & {*pairs[0]})
    tree = stage(tmp_path)
    append(tree, b, f"def _late():\n    import {a}\n")
    append(tree, d, f"from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    import {c}\n")
    after_imports, lines = import_graph(tree)
    after = cycles(after_imports)
    new = [comp for comp in after if comp not in before]
    assert len(new) == 1 and {a, b} <= set(new[0]), after
    assert not any({c, d} <= set(comp) for comp in after)
    assert f"{b} (line " in describe(new, after_imports, lines)


def test_cycles_finds_every_loop():
    imports = {"a": ["b"], "b": ["c"], "c": ["a", "d"], "d": ["e"], "e": ["d"], "f": ["f"],
               "g": ["a"], "h": []}
    assert cycles(imports) == [["a", "b", "c"], ["d", "e"], ["f"]]
    assert loop_through(["a", "b", "c"], imports) == ["a", "b", "c", "a"]
    chain = {str(i): [str(i + 1)] for i in range(5000)}  # deeper than Python's recursion limit
    chain["5000"] = ["0"]
    assert [len(c) for c in cycles(chain)] == [5001]
