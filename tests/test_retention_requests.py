"""Retention for requests too, documents included, on both engines: a closed request past
the period is listed with its documents, anonymised with them (bytes and names gone, the
rows kept, archived), the audit log keeps no trace of the text, and `check` still passes."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from clerkdesk.models.casework import cases, documents, intake, retention
from clerkdesk.models.core import dates
from clerkdesk.models.core.db import close_database
from clerkdesk.models.core.schema import Audit, Case, Document
from clerkdesk.models.store import integrity, undo
from clerkdesk.models.store.opening import open_database
from clerkdesk.tui.__main__ import main

BOTH_ENGINES = True

DATA = Path(__file__).parent / "data"


def closed_request_with_an_email():
    result = intake.take_in(intake.plan_file(DATA / "request_multipart.eml"))
    case = cases.close_case(result.case.id, "Figures sent to Cllr Raman by email.")
    return case, result.documents


def test_a_closed_request_past_the_period_is_anonymised_with_its_documents(demo_db):
    case, docs = closed_request_with_an_email()
    later = case.closed_on + dt.timedelta(days=365 * 7)
    due = retention.due_for_review(later)
    assert case.id in {c.id for c in due}
    assert {c.type for c in due} == {"request", "complaint"}
    assert retention.documents_count([case.id]) == {case.id: 4}
    assert case.id not in {c.id for c in retention.due_for_review(later, "complaint")}
    entry = retention.anonymise(case.id, who="Test Clerk", today=later)
    again = Case.get_by_id(case.id)
    assert again.subject == "Anonymised request" and again.member_id is None
    assert again.outcome == "" and again.kind == case.kind and again.received == case.received
    assert all(s.note == "" for s in cases.timeline(again))
    rows = list(Document.select().where(Document.case == case.id).order_by(Document.id))
    assert len(rows) == 4  # kept, never deleted
    for row in rows:
        assert row.archived and bytes(row.data) == b"" and row.size == 0
        assert row.name == f"document {row.id} (anonymised)" and row.message_id is None
        assert documents.data_of(row.id) == b""
    # nothing of the email is left in the audit log of the case or its documents
    texts = " ".join(a.changes for a in Audit.select().where(
        ((Audit.table == "case") & (Audit.row_id == case.id)) |
        ((Audit.table == "document") & Audit.row_id.in_([d.id for d in docs]))))
    for secret in ("Millbrook play area", "Playsafe quote", "Cllr Raman",
                   "20260302094107.4711"):
        assert secret not in texts
    assert entry.action == "anonymise"
    with pytest.raises(undo.UndoError):
        undo.undo(entry.id)
    close_database()
    report = integrity.check_path(demo_db)
    assert report.ok, report.lines()
    open_database(demo_db)
    assert case.id not in {c.id for c in retention.due_for_review(later)}


def test_a_request_within_the_period_is_refused(demo_db):
    case, _ = closed_request_with_an_email()
    with pytest.raises(retention.RetentionError, match="within the 6-year retention period"):
        retention.anonymise(case.id)


def test_the_command_lists_requests_with_their_documents_and_anonymises_them(demo_db, capsys,
                                                                           monkeypatch):
    case, _ = closed_request_with_an_email()
    ref = case.ref
    later = case.closed_on + dt.timedelta(days=365 * 7)
    monkeypatch.setenv("CLERKDESK_TODAY", dates.fmt(later))
    close_database()
    assert main(["--db", str(demo_db), "retention"]) == 0
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if ln.startswith(ref))
    assert line.endswith("(4 documents)") and "Costs of the Millbrook" in line
    assert main(["--db", str(demo_db), "retention", "--anonymise", ref]) == 2
    assert "cannot be undone: add --yes" in capsys.readouterr().err
    assert main(["--db", str(demo_db), "retention", "--anonymise", ref, "--yes"]) == 0
    said = capsys.readouterr().out.strip().splitlines()
    assert said[0] == f"Anonymised {ref}"  # and the backups still holding its text are named
    if not str(demo_db).startswith("postgresql:"):  # (a server's backups are its own)
        assert said[1:] and "still hold the text just anonymised" in said[1]
    assert integrity.check_path(demo_db).ok
