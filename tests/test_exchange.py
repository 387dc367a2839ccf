"""CSV export and import (models/csv_exchange.py, `clerkdesk export`, `clerkdesk import`), on
real casebooks: round trips, line-by-line errors with nothing written, hostile files."""
from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clerkdesk.models.casework import records, registers
from clerkdesk.models.core.roles import split
from clerkdesk.models.core.schema import Audit, Case, Council, Member, Officer, PartyGroup, Ward
from clerkdesk.models.output import csv_exchange
from clerkdesk.models.store.opening import open_database
from clerkdesk.tui.__main__ import main

MEMBER_HEAD = "Name,Ward,Party group,Roles,Term starts,Term ends,Email,Phone\r\n"

#: the same domain tests on SQLite and on PostgreSQL (conftest.py)
BOTH_ENGINES = True


def _csv(text: str) -> bytes:
    return text.encode("utf-8")


def _member_state():
    return sorted(
        (m.name, m.ward.name if m.ward else "", m.group.name if m.group else "",
         sorted(split(m.roles)), m.term_start, m.term_end, m.email, m.phone, m.address, m.notes)
        for m in Member.select().where(~Member.archived))


def _officer_state():
    return sorted(
        (o.name, o.job_title, o.department, o.line_manager.name if o.line_manager else "",
         sorted(split(o.roles)), o.email, o.phone, o.started_on, o.left_on, o.notes)
        for o in Officer.select().where(~Officer.archived))


def _fresh(tmp_path):
    open_database(tmp_path / "fresh.db")
    Council.create(name="Freshford Town Council", nation="england")


def _wards(*names):
    for n in names:
        records.save(registers.WARDS, {"name": n})


# --- round trip ------------------------------------------------------------------------------

def test_round_trip_wards_members_officers(demo_db, tmp_path):
    for key in ("wards", "members", "officers", "contacts"):
        csv_exchange.export_csv(key, tmp_path / f"{key}.csv")
    wards = sorted((w.name, w.notes) for w in Ward.select().where(~Ward.archived))
    groups = [g.name for g in PartyGroup.select()]
    members, officers = _member_state(), _officer_state()

    _fresh(tmp_path)
    for g in groups:  # groups name their leaders, members name their group: groups first
        records.save(registers.GROUPS, {"name": g})
    for key in ("wards", "officers", "members", "contacts"):
        preview = csv_exchange.preview_import(key, tmp_path / f"{key}.csv")
        assert preview.ok, preview.errors
        assert preview.ignored == []
        csv_exchange.apply_import(preview)

    assert sorted((w.name, w.notes) for w in Ward.select()) == wards
    assert _member_state() == members
    assert _officer_state() == officers
    created = Audit.select().where((Audit.table == "member") & (Audit.action == "create"))
    assert created.count() == len(members)  # one audit entry per imported row


def test_export_of_every_list(demo_db, tmp_path):
    for key, register in csv_exchange.EXPORTABLE.items():
        path = tmp_path / f"{key}.csv"
        n = csv_exchange.export_csv(key, path)
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
        assert rows[0] == csv_exchange.export_columns(register)
        assert len(rows) - 1 == n
        if register.model is Case:
            case_type = "complaint" if key == "complaints" else "request"
            assert n == Case.select().where((Case.type == case_type) & ~Case.archived).count()
        else:
            assert n == records.count(register)
        assert all(len(r) == len(rows[0]) for r in rows)


def test_export_dates_are_uk_and_archived_optional(demo_db):
    buf = io.StringIO()
    csv_exchange.export_csv("members", buf)
    rows = list(csv.DictReader(io.StringIO(buf.getvalue())))
    assert all(r["Term starts"].count("/") == 2 for r in rows)
    assert "Cllr Peter Oakes" not in buf.getvalue()  # archived
    buf = io.StringIO()
    csv_exchange.export_csv(registers.MEMBERS, buf, archived=True)
    rows = list(csv.DictReader(io.StringIO(buf.getvalue())))
    assert {r["Archived"] for r in rows} == {"yes", "no"}


def test_officers_can_name_a_manager_later_in_the_file(db):
    data = _csv("Name,Job title,Line manager\r\n"
                "Lucy Brennan,Assistant,James Whitfield\r\n"
                "James Whitfield,Deputy Clerk,Helen Marsh\r\n"
                "Helen Marsh,Town Clerk,\r\n")
    preview = csv_exchange.preview_import("officers", data)
    assert preview.ok, preview.errors
    csv_exchange.apply_import(preview)
    lucy = Officer.get(Officer.name == "Lucy Brennan")
    assert lucy.line_manager.name == "James Whitfield"
    assert lucy.line_manager.line_manager.name == "Helen Marsh"


def test_officer_manager_loops_and_self(db):
    data = _csv("Name,Line manager\r\nA One,B Two\r\nB Two,A One\r\nC Three,C Three\r\n"
                "D Four,Nobody Here\r\n")
    preview = csv_exchange.preview_import("officers", data)
    errors = "\n".join(preview.errors)
    assert "line 2: Line manager: these rows name each other in a loop." in errors
    assert "line 4: Line manager: a officer cannot be their own line manager." in errors
    assert "line 5: Line manager: there is no officer called 'Nobody Here'" in errors
    assert not preview.ok


# --- bad rows ------------------------------------------------------------------------------

def test_bad_rows_are_reported_line_by_line_and_nothing_is_written(db):
    _wards("Castle", "Abbey")
    records.save(registers.MEMBERS, {"name": "Cllr Existing Person"})
    before = (Member.select().count(), Audit.select().count())
    data = _csv(
        MEMBER_HEAD
        + "Cllr Good One,Castle,,,08/05/2023,10/05/2027,good@example.org,01632 960000\r\n"
        + "Cllr Backwards,Castle,,,08/05/2027,10/05/2023,,\r\n"
        + "Cllr Lost,Atlantis,,,,,,\r\n"
        + "Cllr Bad Date,Abbey,,,31/02/2026,,,\r\n"
        + ",Abbey,,,,,,\r\n"
        + "cllr good  one,Abbey,,,,,,\r\n"
        + "Cllr Existing Person,Abbey,,,,,,\r\n"
        + "Cllr Mail,Abbey,,,,,not-an-email,\r\n"
        + "Cllr Roles,Abbey,Greens,Emperor,,,,\r\n"
        + ",,,,,,,\r\n"  # blank rows are skipped
    )
    preview = csv_exchange.preview_import("members", data)
    assert not preview.ok
    assert len(preview.rows) == 9 and len(preview.bad_rows) == 8
    errors = preview.errors
    assert "line 3: Term ends: The term cannot end before it starts." in errors
    assert any(e.startswith("line 4: Ward: there is no ward called 'Atlantis'") and
               "does not create wards" in e for e in errors)
    assert any(e.startswith("line 5: Term starts:") and "not a real date" in e for e in errors)
    assert "line 6: Name: Name is needed." in errors
    assert "line 7: Name: 'cllr good  one' is already on line 2." in errors
    assert any(e.startswith("line 8: Name: there is already a member called") for e in errors)
    assert any(e.startswith("line 9: Email:") for e in errors)
    assert any(e.startswith("line 10: Party group: there is no party group called 'Greens'")
               for e in errors)
    assert any(e.startswith("line 10: Roles: 'Emperor' is not a role") for e in errors)
    assert all(e.startswith("line ") for e in errors)
    with pytest.raises(csv_exchange.ImportRefused) as info:
        csv_exchange.apply_import(preview)
    assert info.value.errors == errors
    assert (Member.select().count(), Audit.select().count()) == before


def test_a_clash_found_at_apply_time_writes_nothing(db):
    preview = csv_exchange.preview_import("wards", _csv("Ward name\r\nNorth\r\nSouth\r\n"))
    assert preview.ok and preview.summary().endswith("2 wards to add to the wards register.")
    _wards("south")  # someone added it meanwhile
    with pytest.raises(csv_exchange.ImportRefused) as info:
        csv_exchange.apply_import(preview)
    assert info.value.errors[0].startswith("line 3: Ward name: there is already a ward")
    assert [w.name for w in Ward.select()] == ["south"]


def test_headers_match_by_label_or_name_in_any_case(db):
    _wards("Castle")
    data = _csv("  NAME ,ward,TERM_END,Favourite colour\r\nCllr A B,castle,01/01/2030,blue\r\n")
    preview = csv_exchange.preview_import("members", data)
    assert preview.ok, preview.errors
    assert [s.name for s in preview.columns] == ["name", "ward", "term_end"]
    assert preview.ignored == ["Favourite colour"]
    csv_exchange.apply_import(preview)
    m = Member.get(Member.name == "Cllr A B")
    assert m.ward.name == "Castle" and m.term_end.year == 2030


def test_independent_means_no_group(db):
    preview = csv_exchange.preview_import("members", _csv("Name,Party group\r\nCllr I,Independent\r\n"))
    assert preview.ok, preview.errors
    m, = csv_exchange.apply_import(preview)
    assert m.group is None


def test_file_level_problems(db, tmp_path):
    def first(data):
        p = csv_exchange.preview_import("members", data)
        assert not p.ok and p.file_errors, p
        return p.file_errors[0]

    assert "no 'Name' column" in first(_csv("Ward,Email\r\nCastle,x@y.org\r\n"))
    assert "both Name" in first(_csv("Name,name\r\nA,B\r\n"))
    assert "empty" in first(b"")
    assert "not UTF-8" in first("Name\r\nCllr Zoë Café £\r\n".encode("cp1252"))
    assert "line 2" in first("Name\r\nCllr Zoë Café £\r\n".encode("cp1252"))
    assert "workbook" in first(b"PK\x03\x04\x00\x00\x00 an xlsx")
    assert "binary" in first(b"\x00\x01\x02\x00" * 50)
    assert first(_csv('Name,Notes\r\nA,"unclosed\r\nB,ok\r\n')) == (
        'line 2: cannot be read as CSV (a quote (") opens a cell and is never closed).')
    assert "followed by more text" in first(_csv('Name,Notes\r\nA,"x"y\r\n'))
    missing = csv_exchange.preview_import("members", tmp_path / "nope.csv")
    assert "There is no file" in missing.file_errors[0]
    no_rows = csv_exchange.preview_import("members", _csv("Name\r\n"))
    assert not no_rows.ok and no_rows.summary().endswith("no rows to import.")
    with pytest.raises(csv_exchange.ImportRefused):
        csv_exchange.apply_import(no_rows)


def test_too_many_rows(db, monkeypatch):
    monkeypatch.setattr(csv_exchange, "MAX_ROWS", 5)
    p = csv_exchange.preview_import("wards", _csv("Ward name\r\n" + "".join(
        f"W{i}\r\n" for i in range(6))))
    assert "more than 5 rows" in p.file_errors[0] and "Split it" in p.file_errors[0]
    assert csv_exchange.preview_import("wards", _csv("Ward name\r\n" + "".join(
        f"W{i}\r\n" for i in range(5)))).ok


def test_utf16_semicolons_and_tabs(db):
    text = "Ward name;Notes\r\nNorth;Zoë's ward\r\n"
    assert csv_exchange.preview_import("wards", text.encode("utf-16")).ok
    assert csv_exchange.preview_import("wards", _csv("Ward name\tNotes\r\nNorth\tx\r\n")).ok
    p = csv_exchange.preview_import("wards", _csv("Ward name\r\nNorth,oops\r\n"))
    assert p.errors[0].startswith("line 2: this row has 2 cells")


def test_control_characters_are_cleaned(db):
    p = csv_exchange.preview_import("wards", _csv("Ward name,Notes\r\nNo\x07rth\x1b,a\x00b\r\n"))
    assert p.ok, p.errors
    ward, = csv_exchange.apply_import(p)
    assert (ward.name, ward.notes) == ("North", "ab")


# --- CSV injection ----------------------------------------------------------------------------

def test_formulas_are_neutralised_on_export_and_restored_on_import(db, tmp_path):
    hostile = {
        "name": "@SUM(A1:A9)",
        "phone": "+44 1632 960000",
        "notes": '=HYPERLINK("http://evil.example","click")',
        "address": "-2+3",
        "email": "",
    }
    records.save(registers.MEMBERS, hostile)
    path = tmp_path / "m.csv"
    csv_exchange.export_csv("members", path)
    row = next(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
    assert row["Name"] == "'@SUM(A1:A9)"
    assert row["Phone"] == "'+44 1632 960000"
    assert row["Notes"] == '\'=HYPERLINK("http://evil.example","click")'
    assert row["Address"] == "'-2+3"
    for cell in row.values():
        assert not cell.startswith(csv_exchange.FORMULA_START)

    _fresh(tmp_path)
    p = csv_exchange.preview_import("members", path)
    assert p.ok, p.errors
    m, = csv_exchange.apply_import(p)
    assert (m.name, m.phone, m.notes, m.address) == (
        hostile["name"], hostile["phone"], hostile["notes"], hostile["address"])


def test_neutralise_unit():
    for text in ("=1", "+1", "-1", "@x", "\tx", "\rx"):
        assert csv_exchange.neutralise(text) == "'" + text
        assert csv_exchange.unneutralise(csv_exchange.neutralise(text)) == text
    for text in ("", "plain", "'quoted", "1-2"):
        assert csv_exchange.neutralise(text) == text
        assert csv_exchange.unneutralise(text) == text


# --- hostile content never raises -------------------------------------------------------------

_cell = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=st.lists(st.lists(_cell, min_size=0, max_size=10), max_size=8),
       header=st.lists(st.sampled_from(["Name", "Ward", "Party group", "Roles", "Term starts",
                                        "Term ends", "Email", "Phone", "Notes", "", "x"]),
                       min_size=1, max_size=9))
def test_random_cells_give_a_clean_report(db, rows, header):
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    before = Member.select().count()
    preview = csv_exchange.preview_import("members", buf.getvalue().encode("utf-8"))
    assert isinstance(preview.summary(), str)
    for line in preview.errors:
        assert isinstance(line, str) and line
    for row in preview.rows:
        assert row.ok == (not row.error_lines())
        for line in row.error_lines():
            assert line.startswith(f"line {row.line}: ")
    if not preview.ok:
        with pytest.raises(csv_exchange.ImportRefused):
            csv_exchange.apply_import(preview)
    assert Member.select().count() == before


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400))
def test_random_bytes_give_a_clean_report(db, data):
    preview = csv_exchange.preview_import("officers", b"Name,Line manager\r\n" + data)
    assert all(isinstance(e, str) for e in preview.errors)
    preview = csv_exchange.preview_import("wards", data)
    assert all(isinstance(e, str) for e in preview.errors)


# --- the CLI ------------------------------------------------------------------------------------

def test_cli_export_and_import(demo_db, tmp_path, capsys):
    out = tmp_path / "wards.csv"
    assert main(["--db", str(demo_db), "export", "wards", str(out)]) == 0
    assert "Wrote 4 rows of wards" in capsys.readouterr().out
    assert main(["--db", str(demo_db), "export", "wards", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err

    fresh = tmp_path / "fresh.db"
    _fresh(tmp_path)
    assert main(["--db", str(fresh), "import", "wards", str(out)]) == 0
    text = capsys.readouterr().out
    assert "4 wards to add" in text and "--yes" in text
    open_database(fresh)
    assert Ward.select().count() == 0  # the preview wrote nothing
    assert main(["--db", str(fresh), "import", "wards", str(out), "--yes"]) == 0
    assert "Imported 4 wards." in capsys.readouterr().out
    open_database(fresh)
    assert Ward.select().count() == 4
    assert main(["--db", str(fresh), "import", "wards", str(out), "--yes"]) == 1
    captured = capsys.readouterr()
    assert "line 2: Ward name: there is already a ward" in captured.out
    assert captured.err.startswith("clerkdesk: Nothing was imported: 4 rows have errors.")


def test_cli_export_to_stdout(demo_db, capsys):
    assert main(["--db", str(demo_db), "export", "complaints"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Ref,Kind,Subject")
    assert out.count("CMP-") == Case.select().where(Case.type == "complaint").count()
