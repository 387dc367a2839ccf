"""Subject-access export, on both engines: the zip holds every case of the person (as
member, complainant, subject or owner), their steps, documents and audit entries as JSON
and CSV, a summary listing what is included and the third parties for the clerk to
redact (nothing dropped); the export is audited."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import stat
import zipfile

import pytest

from clerkdesk.models.casework import cases, documents
from clerkdesk.models.core.db import close_database
from clerkdesk.models.core.schema import Audit, Case, Member, Officer
from clerkdesk.models.output import sar
from clerkdesk.models.store import integrity
from clerkdesk.tui.__main__ import main

BOTH_ENGINES = True


def read_zip(path):
    z = zipfile.ZipFile(path)
    root = z.namelist()[0].split("/")[0]
    return z, root


def test_the_zip_holds_every_case_of_the_person_and_lists_what_is_included(demo_db, tmp_path):
    member = Member.get(Member.name == "Cllr Geoffrey Barnes")
    theirs = {c.ref for c in Case.select().where(
        (Case.member == member.id) | (Case.complainant_member == member.id) |
        (Case.subject_member == member.id))}
    assert len(theirs) >= 3
    some = Case.get(Case.ref == sorted(theirs)[0])
    documents.attach(some.id, [("site visit notes.txt", b"Cllr Barnes visited the site.")])
    person = sar.find_person("cllr geoffrey barnes")
    assert person == sar.Person("member", member.id, member.name, member.email)
    done = sar.export(person, tmp_path / "barnes.zip", query="Cllr Geoffrey Barnes")
    assert stat.S_IMODE(os.stat(done.path).st_mode) == 0o600
    z, root = read_zip(done.path)
    names = set(z.namelist())
    for section in ("person", "cases", "steps", "documents", "audit", "interests"):
        assert f"{root}/json/{section}.json" in names and f"{root}/csv/{section}.csv" in names
    listed = {row["ref"] for row in json.loads(z.read(f"{root}/json/cases.json"))}
    assert theirs <= listed
    in_csv = {row["ref"] for row in csv.DictReader(io.StringIO(
        z.read(f"{root}/csv/cases.csv").decode()))}
    assert in_csv == listed
    assert z.read(f"{root}/documents/{some.ref}/site visit notes.txt") == \
        b"Cllr Barnes visited the site."
    interests = json.loads(z.read(f"{root}/json/interests.json"))
    assert {i["kind"] for i in interests} == {"professional", "pecuniary"}
    summary = z.read(f"{root}/summary.md").decode()
    assert summary.startswith("# Subject-access export: Cllr Geoffrey Barnes")
    assert f"- Cases (`cases`): {len(listed)}" in summary
    for ref in theirs:
        assert ref in summary
    assert "<h2>For the clerk to redact before anything is sent</h2>" in \
        z.read(f"{root}/summary.html").decode()
    # the export is in the audit log, with the file's fingerprint
    entry = Audit.get_by_id(done.entry.id)
    assert (entry.action, entry.table, entry.row_id) == ("disclose", "member", member.id)
    logged = json.loads(entry.changes)["subject_access"][1]
    assert logged["sha256"] == hashlib.sha256(done.path.read_bytes()).hexdigest()
    assert set(logged["cases"]) == listed
    close_database()
    assert integrity.check_path(demo_db).ok


def test_third_parties_are_listed_for_the_clerk_to_redact_not_dropped(demo_db, tmp_path):
    complaint = Case.select().where((Case.type == "complaint") &
                                    Case.complainant_member.is_null(False) &
                                    Case.subject_officer.is_null(False)).first()
    complainant = complaint.complainant_member
    about = complaint.subject_officer
    done = sar.export(sar.find_person(complainant.email), tmp_path / "sar.zip")
    lines = done.collected.redact
    assert any(line.startswith(f"{about.name} (officer): ") and complaint.ref in line and
               "the person complained about" in line for line in lines), lines
    assert any(line.startswith("Complaints name both sides") and complaint.ref in line
               for line in lines)
    z, root = read_zip(done.path)
    # the other side is still in the records: listed, not removed
    row = next(r for r in json.loads(z.read(f"{root}/json/cases.json"))
               if r["ref"] == complaint.ref)
    assert row["subject_officer"] == about.id and row["their_part"] == "the complainant"


def test_an_officer_gets_the_cases_they_own_and_the_advice_they_gave(demo_db, tmp_path):
    officer = Officer.get(Officer.name == "Karen Doyle")
    owned = {c.ref for c in Case.select().where(Case.owner == officer.id)}
    done = sar.export(sar.find_person("Karen Doyle"), tmp_path / "doyle.zip")
    assert owned <= {c.ref for c in done.collected.cases}
    assert done.collected.count("advice_given") >= 1


def test_someone_on_no_register_is_found_in_the_casework(demo_db, tmp_path):
    case = Case.select().where(Case.type == "request").first()
    cases.add_step(case.id, "Phoned the resident", note="Spoke to Mrs Edna Pargeter about it.")
    person = sar.find_person("Edna Pargeter")
    assert person.kind == "named" and person.id is None
    done = sar.export(person, tmp_path / "pargeter.zip")
    assert [c.ref for c in done.collected.cases] == [case.ref]
    assert Audit.get_by_id(done.entry.id).table == "casebook"


@pytest.mark.parametrize("query, sentence", [
    ("Cllr", "could be Cllr"),
    ("Nobody Atall", "Nobody called 'Nobody Atall' is in the casebook"),
    ("ab", "at least 3 characters"),
])
def test_who_is_meant_must_be_clear(demo_db, query, sentence):
    with pytest.raises(sar.SarError, match=sentence):
        sar.find_person(query)


def test_the_command(demo_db, tmp_path, capsys):
    out = tmp_path / "okafor.zip"
    close_database()
    assert main(["--db", str(demo_db), "sar", "Cllr David Okafor", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(f"{out}: Cllr David Okafor (member)")
    assert "Recorded in the audit log" in printed
    assert main(["--db", str(demo_db), "sar", "Cllr David Okafor", "--out", str(out)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert main(["--db", str(demo_db), "sar", "Cllr", "--out", str(tmp_path / "x.zip")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("clerkdesk: 'Cllr' could be") and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.zip").exists()
