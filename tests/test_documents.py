"""Documents on a case, on both engines: filed with their audit entry, listed without their
bytes, archived (never deleted), taken out privately, and `check` catches one altered or
removed behind clerkdesk's back."""
from __future__ import annotations

import os
import stat

import pytest

from clerkdesk.models.casework import case_lists, documents, records
from clerkdesk.models.core.db import close_database
from clerkdesk.models.core.schema import Audit, Case, Council, Document, Step
from clerkdesk.models.store import backend, integrity
from clerkdesk.models.store.engines import connect_raw
from clerkdesk.models.store.opening import open_database

BOTH_ENGINES = True


def a_case():
    return Case.select().where(Case.type == "request").order_by(Case.id).first()


def test_attach_files_the_bytes_with_an_audit_entry_and_a_step(demo_db):
    case = a_case()
    steps = case.steps.count()
    rows = documents.attach(case.id, [("minutes.pdf", b"%PDF-1.4 minutes"),
                                      ("notes.txt", "café notes".encode())])
    assert [r.name for r in rows] == ["minutes.pdf", "notes.txt"]
    assert rows[0].media_type == "application/pdf"
    assert rows[1].size == len("café notes".encode())
    assert documents.data_of(rows[1].id) == "café notes".encode()
    entry = Audit.get((Audit.table == "document") & (Audit.row_id == rows[0].id))
    assert entry.action == "create" and rows[0].sha256 in entry.changes
    assert entry.row_digest  # sealed: the digest covers the bytes
    assert case.steps.count() == steps + 1
    step = Case.get_by_id(case.id).steps.order_by(Step.id.desc()).first()
    assert step.action == "2 documents added" and "minutes.pdf" in step.note


def test_lists_never_read_the_bytes(demo_db):
    case = a_case()
    documents.attach(case.id, [("big.bin", b"x" * 100_000)])
    listed = documents.documents_of(case.id)
    assert listed and all("data" not in row.__data__ for row in listed)
    detail = records.detail_for(case_lists.REQUESTS, case.id)
    assert dict(detail.sections)["Documents"][0].startswith("big.bin  (attached, 98 KB,")


def test_a_file_over_the_limit_is_refused_with_a_sentence_and_nothing_is_filed(demo_db):
    case = a_case()
    Council.update(document_limit_mb=1).execute()
    before = Document.select().count(), Audit.select().count()
    with pytest.raises(documents.DocumentError) as err:
        documents.attach(case.id, [("ok.txt", b"fine"), ("scan.pdf", b"x" * (1024 * 1024 + 1))])
    assert str(err.value) == ("scan.pdf is 1.0 MB, over the 1.0 MB limit for one document "
                              "(Council settings: Largest document on a case): nothing was filed.")
    assert (Document.select().count(), Audit.select().count()) == before


def test_archive_and_restore_never_delete(demo_db):
    case = a_case()
    (doc,) = documents.attach(case.id, [("draft.docx", b"PK draft")])
    documents.archive(doc.id)
    assert documents.documents_of(case.id) == []
    assert [d.id for d in documents.documents_of(case.id, archived=True)] == [doc.id]
    documents.archive(doc.id, restore=True)
    assert [d.id for d in documents.documents_of(case.id)] == [doc.id]
    actions = [a.action for a in Audit.select().where(
        (Audit.table == "document") & (Audit.row_id == doc.id)).order_by(Audit.id)]
    assert actions == ["create", "archive", "restore"]
    assert Document.select().count() == 1


def test_extract_writes_private_files_and_keeps_both_of_two_with_one_name(demo_db, tmp_path):
    case = a_case()
    documents.attach(case.id, [("letter.docx", b"one"), ("letter.docx", b"two"),
                               ("../../etc/passwd", b"not a path")])
    out = tmp_path / "out"
    paths = documents.extract(case.id, out)
    assert sorted(p.name for p in paths) == ["letter (2).docx", "letter.docx", "passwd"]
    assert (out / "letter.docx").read_bytes() == b"one"
    assert (out / "letter (2).docx").read_bytes() == b"two"
    for p in paths:
        assert stat.S_IMODE(os.stat(p).st_mode) == 0o600
    assert not list(out.glob(".*.part"))


def test_meeting_mode_hides_the_names_of_a_private_cases_documents(demo_db):
    complaint = Case.select().where(Case.type == "complaint").first()
    documents.attach(complaint.id, [("Grievance of K Doyle.pdf", b"%PDF")])
    shown = records.detail_for(case_lists.COMPLAINTS, complaint.id)
    assert "Grievance of K Doyle.pdf" in dict(shown.sections)["Documents"][0]
    hidden = records.detail_for(case_lists.COMPLAINTS, complaint.id, meeting_mode=True)
    assert dict(hidden.sections)["Documents"] == ["1 document: names hidden in meeting mode"]
    assert "Doyle" not in repr(hidden)
    doc = documents.documents_of(complaint.id)[0]
    assert documents.label(doc, complaint, meeting_mode=True) == "(hidden)"
    assert documents.label(doc, complaint, meeting_mode=False) == doc.name


def _tamper(path, sql: str, params=()):
    close_database()
    if backend.is_url(path):
        con = backend.connect_url(str(path))  # (autocommit; takes ? as SQLite does)
        con.execute(sql, params)
    else:
        con = connect_raw(path, None)
        con.execute(sql, params)
        con.commit()
    con.close()


def test_check_catches_a_document_changed_behind_clerkdesks_back(demo_db):
    case = a_case()
    (doc,) = documents.attach(case.id, [("accounts.xlsx", b"the real figures")])
    close_database()
    assert integrity.check_path(demo_db).ok
    _tamper(demo_db, "UPDATE document SET data = ? WHERE id = ?", (b"forged figures!!", doc.id))
    report = integrity.check_path(demo_db)
    assert not report.ok
    assert any(f"document {doc.id} (accounts.xlsx) differs from its last audit entry" in line
               for line in report.lines()), report.lines()
    open_database(demo_db)
    with pytest.raises(documents.DocumentError, match="changed behind clerkdesk's back"):
        documents.data_of(doc.id)


def test_check_catches_a_document_removed_behind_clerkdesks_back(demo_db):
    case = a_case()
    (doc,) = documents.attach(case.id, [("evidence.jpg", b"\xff\xd8 photo")])
    _tamper(demo_db, "DELETE FROM document WHERE id = ?", (doc.id,))
    report = integrity.check_path(demo_db)
    assert not report.ok
    assert any(f"document {doc.id} is in the audit log" in line and "deleted" in line
               for line in report.lines()), report.lines()


def test_a_legitimate_change_afterwards_does_not_launder_a_tampered_document(demo_db):
    case = a_case()
    (doc,) = documents.attach(case.id, [("plan.pdf", b"original plan")])
    _tamper(demo_db, "UPDATE document SET name = ? WHERE id = ?", ("other.pdf", doc.id))
    open_database(demo_db)
    documents.attach(case.id, [("later.txt", b"a later, honest document")])
    close_database()
    report = integrity.check_path(demo_db)
    assert not report.ok
    assert any(f"document {doc.id} (other.pdf) differs" in line for line in report.lines())


# --- the commands ------------------------------------------------------------------------------

def test_attach_and_documents_from_the_command_line(demo_db, tmp_path, capsys):
    from clerkdesk.tui.__main__ import main

    case = a_case()
    ref = case.ref
    a = tmp_path / "survey results.csv"
    a.write_text("q,answer\n1,yes\n")
    b = tmp_path / "photo.jpg"
    b.write_bytes(b"\xff\xd8\xff photo")
    close_database()
    assert main(["--db", str(demo_db), "attach", ref.lower(), str(a), str(b)]) == 0
    out = capsys.readouterr().out
    assert f"Attached 2 documents to {ref}." in out
    # a missing file stops the lot: nothing is filed
    assert main(["--db", str(demo_db), "attach", ref, str(a), str(tmp_path / "gone.pdf")]) == 1
    err = capsys.readouterr().err
    assert err.strip() == f"clerkdesk: There is no file {tmp_path / 'gone.pdf'}."
    assert main(["--db", str(demo_db), "documents", ref]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert len(listed) == 2 and "survey results.csv" in listed[0] and "attached" in listed[0]
    doc_id = int(listed[1].split()[0])
    assert main(["--db", str(demo_db), "documents", ref, "--extract", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "photo.jpg").read_bytes() == b"\xff\xd8\xff photo"
    capsys.readouterr()
    assert main(["--db", str(demo_db), "documents", ref, "--archive", str(doc_id)]) == 0
    assert capsys.readouterr().out.strip() == f"Archived photo.jpg on {ref}."
    assert main(["--db", str(demo_db), "documents", ref]) == 0
    assert "photo.jpg" not in capsys.readouterr().out
    assert main(["--db", str(demo_db), "documents", "REQ-1999-0001"]) == 1
    assert "There is no case REQ-1999-0001." in capsys.readouterr().err
    assert integrity.check_path(demo_db).ok


def test_meeting_mode_hides_every_line_of_a_long_note(demo_db):
    from clerkdesk.models.casework import cases

    complaint = Case.select().where(Case.type == "complaint").first()
    body = "\n".join(f"line {i}: Mr Secretname said something" for i in range(30))
    cases.add_step(complaint.id, "Email received", note=body, kind="email")
    shown = records.detail_for(case_lists.COMPLAINTS, complaint.id)
    timeline = dict(shown.sections)["Timeline"]
    assert "    line 11: Mr Secretname said something" in timeline
    assert "    … 18 more lines (d: the documents)" in timeline
    hidden = records.detail_for(case_lists.COMPLAINTS, complaint.id, meeting_mode=True)
    assert "Secretname" not in repr(hidden) and "more lines" not in repr(hidden)


@pytest.mark.sqlite_only
def test_documents_survive_a_copy_to_postgresql_and_back(demo_db, engine, pg_server, tmp_path):
    from clerkdesk.models.store import engine_copy

    case = a_case()
    payload = bytes(range(256)) * 40 + b"\x00\xff end"
    (doc,) = documents.attach(case.id, [("scan.pdf", payload)])
    close_database()
    url = pg_server.url(pg_server.create_database())
    there = engine_copy.copy(demo_db, url)
    assert there.ok, there.lines()
    back_path = tmp_path / "back.db"
    back = engine_copy.copy(url, back_path)
    assert back.ok, back.lines()
    for where in (url, back_path):
        open_database(where)
        assert documents.data_of(doc.id) == payload
        close_database()
