"""`--db PATH` is accepted before and after the subcommand, for every subcommand."""
from __future__ import annotations

import argparse

import pytest

from clerkdesk.tui.__main__ import SUBCOMMANDS, build_parser, main


def _commands():
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return parser, sub.choices


def test_every_subcommand_takes_db_after_it():
    _, commands = _commands()
    assert len(commands) >= len(SUBCOMMANDS)
    missing = [name for name, p in commands.items() if "--db" not in p._option_string_actions]
    assert missing == []


@pytest.mark.parametrize("argv", [
    ["--db", "/x/a.db", "check"],
    ["check", "--db", "/x/a.db"],
    ["check", "--db=/x/a.db"],
    ["--db", "/x/a.db", "report", "--format", "md"],
    ["report", "--format", "md", "--db", "/x/a.db"],
    ["--db", "/x/a.db", "serve"],
    ["serve", "--db", "/x/a.db"],
])
def test_db_before_or_after_reaches_the_command(argv):
    parser, _ = _commands()
    assert parser.parse_args(argv).db == "/x/a.db"


def test_db_after_wins_over_db_before():
    parser, _ = _commands()
    assert parser.parse_args(["--db", "/x/a.db", "backup", "--db", "/x/b.db"]).db == "/x/b.db"


def test_no_db_leaves_the_default():
    parser, _ = _commands()
    assert parser.parse_args(["check"]).db is None


def test_report_with_db_after_the_subcommand_runs_on_that_casebook(demo_db, tmp_path, capsys):
    before = tmp_path / "before"
    after = tmp_path / "after"
    before.mkdir()
    after.mkdir()
    assert main(["--db", str(demo_db), "report", "--format", "md", "--out", str(before)]) == 0
    assert main(["report", "--format", "md", "--out", str(after), "--db", str(demo_db)]) == 0
    written_before = sorted(p.name for p in before.iterdir())
    written_after = sorted(p.name for p in after.iterdir())
    assert written_after == written_before and written_after
    first = (before / written_before[0]).read_text()
    assert (after / written_after[0]).read_text() == first


def test_check_with_a_missing_db_after_the_subcommand_names_it(tmp_path, capsys):
    missing = tmp_path / "none.db"
    assert main(["check", "--db", str(missing)]) != 0
    err = capsys.readouterr().err
    assert str(missing) in err and err.count("\n") == 1
