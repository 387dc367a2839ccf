"""Every probe of the command line gets one sentence, a non-zero exit and an untouched
file: damaged casebooks, a reader that goes away (`| head`), path components too long
for the filesystem, a bad $CLERKDESK_TODAY, the ends of the calendar, hostile JSON on
`route`'s standard input, terminal escape sequences in names, and passwords in
PostgreSQL URLs (the redaction function tested directly; the only connections made are
to 127.0.0.1)."""
from __future__ import annotations

import os
import random
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from clerkdesk.models.core.db import close_database
from clerkdesk.models.store import backend
from clerkdesk.tui.__main__ import main


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_sentence(err: str) -> bool:
    return err.startswith("clerkdesk: ") and err.count("\n") == 1 and "Traceback" not in err


# --- damaged casebooks (defect 4) -------------------------------------------------------

def _damage(path: Path, seed: int) -> None:
    """Random bytes in a few pages, as a failing disk or a bad copy leaves them."""
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = con.execute("PRAGMA page_size").fetchone()[0]
    pages = con.execute("PRAGMA page_count").fetchone()[0]
    con.close()
    rnd = random.Random(seed)
    data = bytearray(path.read_bytes())
    for _ in range(3):
        page = rnd.randrange(1, pages)
        for _ in range(8):
            data[page * size + rnd.randrange(size)] = rnd.randrange(256)
    path.write_bytes(bytes(data))


def _quick_check(path: Path) -> bool:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return con.execute("PRAGMA quick_check").fetchall() == [("ok",)]
    except (sqlite3.Error, UnicodeDecodeError):  # its report may quote damaged text
        return False
    finally:
        con.close()


@pytest.mark.parametrize("seed", range(24))
def test_a_damaged_casebook_gets_every_verdict_and_no_write(seed, demo_db, tmp_path, capsys):
    close_database()
    _damage(demo_db, seed)
    pages_ok = _quick_check(demo_db)
    before = demo_db.read_bytes()
    code, out, err = run(capsys, "--db", demo_db, "check")
    assert "Traceback" not in out + err
    verdicts = [ln.split(":")[0] for ln in out.splitlines() if not ln.startswith("  ")]
    assert verdicts[:5] == ["integrity", "foreign keys", "schema", "audit chain", "records"], out
    if "FAILED" in out:
        assert code == 1 and "CHECK FAILED" in out
    sheet = tmp_path / "w.csv"
    sheet.write_text("Name\nRiverside\n", encoding="utf-8")
    for argv in (["import", "wards", sheet, "--yes"], ["retention", "--all", "--yes"],
                 ["export", "members"], ["report", "--out", tmp_path / "r"]):
        code, out, err = run(capsys, "--db", demo_db, *argv)
        assert "Traceback" not in err and err.count("\n") <= 1, (argv, err)
        if code != 0:
            assert one_sentence(err), (argv, err)
        if not pages_ok and argv[:1] in (["import"], ["retention"]):
            # SQLite finds the pages damaged: a command that writes refuses before writing
            assert code == 1 and "damaged" in err, (argv, err)
        if not pages_ok:
            assert demo_db.read_bytes() == before, argv
    assert not pages_ok or demo_db.exists()


def test_a_damaged_page_is_refused_by_every_writing_command(demo_db, tmp_path, capsys):
    """A page SQLite itself finds damaged (found by quick_check): every command that
    writes refuses in one sentence, the file untouched."""
    close_database()
    for seed in range(200):
        shutil.copyfile(demo_db, tmp_path / "probe.db")
        _damage(tmp_path / "probe.db", seed)
        if not _quick_check(tmp_path / "probe.db"):
            break
    else:  # pragma: no cover - 200 tries always find one
        pytest.fail("no damage SQLite notices")
    path = tmp_path / "probe.db"
    before = path.read_bytes()
    sheet = tmp_path / "w.csv"
    sheet.write_text("Name\nRiverside\n", encoding="utf-8")
    for argv in (["import", "wards", sheet, "--yes"], ["retention", "--all", "--yes"]):
        code, _out, err = run(capsys, "--db", path, *argv)
        assert code == 1 and one_sentence(err) and "damaged" in err, err
    assert path.read_bytes() == before
    assert not (tmp_path / "backups").exists()


# --- a reader that goes away: `clerkdesk ... | head` (defect 11) -----------------------

@pytest.mark.skipif(os.name != "posix", reason="pipes")
@pytest.mark.parametrize("argv", [["check"], ["export", "requests"], ["import", "wards",
                                                                       "SHEET"],
                                  ["copy", "DB", "NEW"], ["demo", "NEWDEMO"], ["anchor"]],
                         ids=lambda a: a[0])
def test_a_closed_pipe_is_not_a_traceback(argv, demo_db, tmp_path):
    close_database()
    sheet = tmp_path / "w.csv"
    sheet.write_text("Name\n" + "".join(f"Ward {i}\n" for i in range(60)), encoding="utf-8")
    argv = [str(sheet) if a == "SHEET" else str(demo_db) if a == "DB"
            else str(tmp_path / "new.db") if a == "NEW"
            else str(tmp_path / "demo2.db") if a == "NEWDEMO" else a for a in argv]
    read, write = os.pipe()
    os.close(read)  # the reader has gone before the first line is written
    try:
        proc = subprocess.run([sys.executable, "-m", "clerkdesk", "--db", str(demo_db), *argv]
                              if argv[0] not in ("copy", "demo") else
                              [sys.executable, "-m", "clerkdesk", *argv],
                              stdout=write, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write)
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr, proc.stderr
    assert proc.stderr == "", proc.stderr


# --- names too long for the filesystem (defect 11) --------------------------------------

@pytest.mark.parametrize("argv", [
    ["--db", "LONG"], ["--db", "LONG", "check"], ["--db", "LONG", "export", "members"],
    ["--db", "LONG", "report"], ["--db", "LONG", "retention"], ["--db", "LONG", "backup"],
    ["--db", "LONG", "restore", "DB"], ["--db", "LONG", "import", "wards", "DB"],
    ["--db", "LONG", "anchor"], ["demo", "LONG"], ["copy", "DB", "LONG"], ["copy", "LONG", "DB"],
    ["--db", "DB", "export", "members", "LONG"], ["--db", "DB", "backup", "LONG"],
    ["--db", "DB", "report", "--out", "LONG"], ["--db", "DB", "restore", "LONG"],
    ["--db", "DB", "import", "wards", "LONG"], ["--db", "DB", "export", "calendar", "LONG"],
], ids=lambda a: "-".join(x for x in a if x not in ("--db",))[:40])
def test_a_name_longer_than_the_filesystem_allows_is_one_sentence(argv, demo_db, tmp_path,
                                                                   capsys):
    close_database()
    long = tmp_path / ("x" * 300 + ".db")
    before = demo_db.read_bytes()
    code, _out, err = run(capsys, *[long if a == "LONG" else demo_db if a == "DB" else a
                                    for a in argv])
    assert code != 0 and one_sentence(err), err
    assert demo_db.read_bytes() == before


# --- $CLERKDESK_TODAY, the ends of the calendar (defect 11) -----------------------------

@pytest.mark.parametrize("argv", [["due", "today", "3"], ["report"], ["export", "calendar",
                                                                     "OUT"], ["retention"]],
                         ids=lambda a: a[0])
def test_a_bad_clerkdesk_today_is_one_sentence(argv, demo_db, tmp_path, capsys, monkeypatch):
    close_database()
    monkeypatch.setenv("CLERKDESK_TODAY", "31/02/2026\x1b[2J")
    argv = [str(tmp_path / "c.ics") if a == "OUT" else a for a in argv]
    if argv[0] == "report":
        argv += ["--out", str(tmp_path / "r")]
    code, _out, err = run(capsys, "--db", demo_db, *argv)
    assert code == 2 and one_sentence(err) and "CLERKDESK_TODAY" in err, err
    assert "\x1b" not in err


@pytest.mark.parametrize("argv, said", [
    (["31/12/9999", "1"], "runs off the calendar"),
    (["01/01/0001", "-1"], "runs off the calendar"),
    (["31/12/9999", "-1"], None),
    (["01/01/0001", "0"], None),
])
def test_the_ends_of_the_calendar(argv, said, capsys):
    code, out, err = run(capsys, "due", *argv)
    if said:
        assert code == 2 and one_sentence(err) and said in err
    else:
        assert code == 0 and out.strip() and "Traceback" not in err


def test_a_four_digit_year_is_that_year():
    from clerkdesk.models.core import dates

    assert dates.fmt(dates.parse("01/01/0001")) == "01/01/0001"
    assert dates.parse("01/01/0099").year == 99
    assert dates.parse("01/01/99").year == 2099  # two digits: this century
    assert dates.parse("23/11/26").year == 2026


# --- route's standard input (defect 11) -------------------------------------------------

@pytest.mark.parametrize("data, said", [
    (b'{"case": ' + b"9" * 5000 + b"}", "number too long"),
    (b"[" * 1000 + b"]" * 1000, "nested too deeply"),
    (b'{"case": {"a": ' * 400 + b"1" + b"}}" * 400, None),
    (b'{"case": "\xff\xfe"}', "not UTF-8"),
    (b"\xef\xbb\xbf" + b'{"case": "information"}', ""),
])
def test_route_never_tracebacks(data, said):
    proc = subprocess.run([sys.executable, "-m", "clerkdesk", "route"], input=data,
                          capture_output=True, timeout=120)
    err = proc.stderr.decode()
    assert "Traceback" not in err
    if said == "":
        assert proc.returncode == 0
    else:
        assert proc.returncode == 2 and one_sentence(err), err
        if said:
            assert said in err


# --- terminal escapes (defect 16) -------------------------------------------------------

def test_control_characters_are_shown_escaped():
    from clerkdesk.tui.commands import shown

    assert shown("a\x1b]0;pwned\x07b") == "a\\x1b]0;pwned\\x07b"
    assert shown("clear\x1b[2J\x1b[H") == "clear\\x1b[2J\\x1b[H"
    assert shown("two\nlines\ttab") == "two\nlines\\x09tab"
    assert shown("\u202egnp.exe") == "\\u202egnp.exe"
    assert shown("\x9b31m") == "\\x9b31m"  # C1's control sequence introducer
    assert shown("Zoë Ñúñez 😀") == "Zoë Ñúñez 😀"


def test_the_import_preview_shows_escapes_escaped(demo_db, tmp_path, capsys):
    close_database()
    sheet = tmp_path / "members.csv"
    sheet.write_text("Name,Ward\n\x1b]0;pwned\x07Cllr Title,Abbey\n\x1b[2JCllr Clear,Nowhere\n",
                     encoding="utf-8")
    code, out, err = run(capsys, "--db", demo_db, "import", "members", sheet)
    assert "\x1b" not in out + err and "\x07" not in out + err
    assert "\\x1b" in out + err


def test_route_echoes_an_unknown_fact_escaped():
    proc = subprocess.run([sys.executable, "-m", "clerkdesk", "route"],
                          input=b'{"case": "complaint", "x\\u001b]0;pwned\\u0007": 1}',
                          capture_output=True, timeout=120)
    err = proc.stderr.decode()
    assert proc.returncode == 2 and "\x1b" not in err and "\\x1b]0;pwned\\x07" in err


def test_argparse_messages_are_escaped_too(capsys):
    with pytest.raises(SystemExit):
        main(["export", "mem\x1b[2Jbers"])
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\\x1b" in err


# --- passwords in PostgreSQL URLs (defect 9) --------------------------------------------

URLS = [
    "postgresql://clerk:s3cret-pw@127.0.0.1:5432/council",
    "postgresql://:s3cret-pw@127.0.0.1/council",
    "postgresql://clerk:s3c@ret-pw@127.0.0.1/council",
    "postgresql://clerk:s3cret%zzpw@127.0.0.1/council",
    "postgresql://clerk@127.0.0.1/council?password=s3cret-pw",
    "postgres://clerk:s3cret-pw@127.0.0.1/council?sslmode=disable",
    "postgresql://clerk:s3c:ret-pw@127.0.0.1/council",
    "postgresql://u:se@krit2@127.0.0.1/council",
]


@pytest.mark.parametrize("url", URLS)
def test_the_redaction_function_masks_every_form(url):
    secret = backend.url_password(url) or "s3cret-pw"
    shown = backend.display_url(url)
    assert "***" in shown and secret not in shown and "s3c" not in shown
    libpq_says = (f'invalid URI query parameter in "{url}": password is "{secret}"; '
                  'invalid percent-encoded token: "s3cret%zzpw"')
    text = backend.redact(libpq_says, url)
    assert secret not in text and "s3cret" not in text and "krit" not in text, text


@pytest.mark.parametrize("url", [u for u in URLS if u.count("@") == 1])
def test_no_message_prints_a_password(url, tmp_path, capsys):
    """Real connection attempts, to a port on 127.0.0.1 where nothing listens: every
    command's message is redacted. (A URL with an @ in its password is left to the test
    of the function above: libpq would look its tail up as a host name.)"""
    port_url = url.replace("127.0.0.1:5432", "127.0.0.1:9").replace("127.0.0.1/", "127.0.0.1:9/")
    for argv in (["--db", port_url, "check"], ["--db", port_url, "export", "members"],
                 ["copy", tmp_path / "none.db", port_url], ["--db", port_url, "anchor"],
                 ["--db", port_url, "backup"]):
        code, out, err = run(capsys, *argv)
        assert code != 0 and "s3c" not in out + err and "pw@" not in out + err, err
        assert "Traceback" not in err
