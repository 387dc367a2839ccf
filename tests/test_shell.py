"""The shell's own shape: tui/ and screens/ import without a cycle (deferred imports
count), the app is a short shell, every stylesheet is loaded from beside its module, and
the palette's commands work on an encrypted casebook."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from helpers import SIZE, make_app, settle, settle_until

from clerkdesk.models.casework import council
from clerkdesk.models.store import backup, engines
from clerkdesk.models.store.opening import open_database
from clerkdesk.screens.styles import STYLESHEETS
from clerkdesk.tui import actions
from clerkdesk.tui.app import ClerkDesk

ROOT = Path(__file__).resolve().parent.parent
#: the folders and the packages they install as
PACKAGES = {"tui": "clerkdesk.tui", "screens": "clerkdesk.screens"}


def module_name(path: Path) -> str:
    folder, *rest = path.relative_to(ROOT).with_suffix("").parts
    parts = [PACKAGES[folder], *rest]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every clerkdesk.tui/clerkdesk.screens module *path* imports, anywhere in it (inside
    functions too), `from x import y` counted as x.y where that is a module."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return {m for m in found if m.startswith(tuple(PACKAGES.values()))}


def test_no_import_cycle_in_tui_and_screens_deferred_imports_included():
    files = [p for folder in PACKAGES for p in (ROOT / folder).rglob("*.py")]
    modules = {module_name(p): p for p in files}
    graph = {name: {m for m in imports_of(path) if m in modules and m != name}
             for name, path in modules.items()}
    # a package's __init__ runs before its modules: importing a.b imports a
    for name in list(graph):
        parent = name.rpartition(".")[0]
        if parent in graph and parent != name:
            graph[name].add(parent)
    done, path = set(), []

    def visit(name: str) -> None:
        if name in path:
            raise AssertionError("import cycle: " + " -> ".join(path[path.index(name):] + [name]))
        if name in done:
            return
        path.append(name)
        for other in sorted(graph[name]):
            visit(other)
        path.pop()
        done.add(name)

    for name in sorted(graph):
        visit(name)
    assert "clerkdesk.tui.app" not in set().union(*(graph[m] for m in graph if m != "clerkdesk.tui.app"
                                                   and m != "clerkdesk.tui.commands.open"))


def test_screens_never_import_the_shell():
    for path in (ROOT / "screens").rglob("*.py"):
        assert not [m for m in imports_of(path) if m.startswith("clerkdesk.tui")], path


def test_the_app_is_a_short_shell():
    lines = (ROOT / "tui" / "app.py").read_text().count("\n")
    assert lines <= 210, f"tui/app.py has {lines} lines: what it runs belongs beside it"


def test_every_stylesheet_is_loaded_from_beside_its_module():
    paths = [Path(p) for p in ClerkDesk.CSS_PATH]
    assert not [p for p in paths if ".." in p.parts]
    loaded = {(ROOT / "tui" / p).resolve() if not p.is_absolute() else p.resolve() for p in paths}
    on_disk = {p.resolve() for folder in ("tui", "screens") for p in (ROOT / folder).rglob("*.tcss")}
    assert loaded == on_disk  # none forgotten, none missing
    for sheet in STYLESHEETS:  # each beside the module it styles
        assert sheet.with_suffix(".py").exists() or sheet.stem in ("modal",), sheet


@pytest.mark.parametrize("keys, box, width", [
    (["4", "enter"], ".detail-box", 100), (["4", "n"], ".form-box", 90),
    (["question_mark"], ".help-box", 100), (["6", "w"], ".wizard-box", 100),
    (["4", "f"], ".picker-box", 70), (["4", "x"], "#confirm-box", 64),
])
async def test_each_modal_keeps_its_own_width(demo_db, keys, box, width):
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for key in keys:  # a tab is built before its key is pressed (a loaded machine)
            await pilot.press(key)
            await settle(pilot)
        await settle_until(pilot, lambda: bool(app.screen.query(box)))
        assert app.screen.query_one(box).outer_size.width == width


@pytest.mark.skipif(not engines.encryption_available(),
                    reason="SQLCipher (clerkdesk[encrypted]) not installed")
async def test_back_up_now_copies_an_encrypted_casebook_with_its_passphrase(tmp_path):
    path = tmp_path / "laptop.db"
    open_database(path, passphrase="correct horse")
    council.create({"name": "Crypt Town Council", "kind": "town", "profile": "town"})
    app = ClerkDesk(path)
    told = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.notify = lambda message, **kw: told.append((str(message), kw.get("severity")))
        actions.backup_now(app)  # the palette's "Back up the casebook now", on a worker
        await settle(pilot)
    assert told[0] == ("Taking a backup…", None), told
    assert told[-1][0].startswith("Backed up to") and told[-1][1] != "error", told
    copy = Path(told[-1][0].removeprefix("Backed up to ").strip())
    assert copy.exists() and not copy.read_bytes().startswith(b"SQLite format 3")
    assert backup.inspect(copy, passphrase="correct horse")


async def test_the_palette_lists_the_commands_and_every_tab(demo_db):
    from clerkdesk.tui.palette import CommandsProvider
    from clerkdesk.tui.tabs import TABS

    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        names = [name for name, _command, _help in CommandsProvider.commands(
            type("P", (), {"app": app})())]
    assert "Back up the casebook now" in names and "Undo the last change" in names
    assert [n for n in names if n.startswith("Go to ")] == [f"Go to {t}" for _i, t in TABS]
