"""Bad input to `clerkdesk` itself: one clear line, a non-zero exit, no harm to any file."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest

from clerkdesk.models.core import db
from clerkdesk.models.store import files, opening
from clerkdesk.tui.__main__ import main


def run_main(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_db_in_a_missing_folder(tmp_path, capsys):
    code, _, err = run_main(capsys, "--db", str(tmp_path / "nowhere" / "c.db"))
    assert code != 0
    assert err.count("\n") == 1 and "does not exist" in err
    assert not (tmp_path / "nowhere").exists()


def test_not_a_sqlite_file_is_left_untouched(tmp_path, capsys):
    path = tmp_path / "notes.db"
    path.write_text("Minutes of the meeting of 3 March\n" * 20)
    before = path.read_bytes()
    code, _, err = run_main(capsys, "--db", str(path))
    assert code != 0
    assert "not a clerkdesk" in err and err.count("\n") == 1
    assert path.read_bytes() == before


def test_database_from_a_newer_clerkdesk_is_refused(tmp_path, capsys):
    path = tmp_path / "future.db"
    con = sqlite3.connect(path)
    con.execute("create table x (y)")
    con.execute(f"pragma user_version = {db.SCHEMA_VERSION + 1}")
    con.execute(f"pragma application_id = {db.APPLICATION_ID}")  # a newer clerkdesk marks it
    con.commit()
    con.close()
    before = path.read_bytes()
    code, _, err = run_main(capsys, "--db", str(path))
    assert code != 0
    assert "newer clerkdesk" in err and err.count("\n") == 1
    assert path.read_bytes() == before


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_folder(tmp_path, capsys):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        code, _, err = run_main(capsys, "--db", str(folder / "c.db"))
    finally:
        folder.chmod(0o700)
    assert code != 0 and "not writable" in err


def test_a_folder_given_as_the_database(tmp_path, capsys):
    code, _, err = run_main(capsys, "--db", str(tmp_path))
    assert code != 0 and "is a folder" in err


def test_the_environment_variable_names_the_database(tmp_path, monkeypatch):
    monkeypatch.setenv("CLERKDESK_DB", str(tmp_path / "env.db"))
    assert files.resolve_path(None) == tmp_path / "env.db"
    assert files.resolve_path(str(tmp_path / "cli.db")) == tmp_path / "cli.db"
    monkeypatch.delenv("CLERKDESK_DB")
    assert files.resolve_path(None).name == "clerkdesk.db"


def test_new_database_is_private_and_uses_wal(tmp_path):
    path = tmp_path / "c.db"
    database = opening.open_database(path)
    try:
        assert database.pragma("journal_mode") == "wal"
        assert database.pragma("foreign_keys") == 1
        assert database.pragma("busy_timeout") == 5000
        if os.name == "posix":
            assert (path.stat().st_mode & 0o777) == 0o600
    finally:
        db.close_database()


def test_the_console_script_prints_no_traceback(tmp_path):
    path = tmp_path / "junk.db"
    path.write_bytes(b"\x00\x01 not sqlite")
    proc = subprocess.run([sys.executable, "-m", "clerkdesk", "--db", str(path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("clerkdesk: ")
