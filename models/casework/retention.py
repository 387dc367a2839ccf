"""Retention: closed cases (requests and complaints) kept longer than the council's
retention period (`Council.retention_years`, default 6) are listed for review and can be
anonymised.

Anonymising keeps the statistics (kind, stage, dates, status, flags, outcome category is
not kept as text) and removes what identifies people: the subject, details and outcome
text, the links to the member, the complainant and the person complained about, the notes
and wording of the timeline steps, and the case's documents (their bytes and names go;
each row stays, archived, so the record shows there was a document). The audit entries
that hold the old text have their `changes` replaced by a marker naming the `anonymise`
entry, which lists them; the hash chain stays valid because each entry's hash covers the
digest of its changes as first written, not the text itself (see integrity.py). The act
itself is audited.
"""
from __future__ import annotations

import datetime as dt
import json

from dateutil.relativedelta import relativedelta

from clerkdesk.models.core import dates, user
from clerkdesk.models.core.db import database
from clerkdesk.models.core.schema import Audit, Case, Council, Document, Step
from clerkdesk.models.store import audit

ANON_SUBJECT = "Anonymised complaint"

#: the subject an anonymised case keeps, by type
ANON_SUBJECTS = {"complaint": ANON_SUBJECT, "request": "Anonymised request"}


#: free-text fields of a case that anonymising clears
TEXT_FIELDS = ("subject", "details", "outcome", "route")


PERSON_FIELDS = ("member", "complainant_member", "complainant_officer", "subject_member",
                 "subject_officer")


class RetentionError(Exception):
    """Why a case cannot be anonymised, as a sentence."""


def retention_years() -> int:
    c = Council.select(Council.retention_years).first()
    return c.retention_years if c and c.retention_years else 6


def cutoff(today: dt.date | None = None) -> dt.date:
    """Cases closed before this date are past the retention period."""
    today = today or dates.today()
    return today - relativedelta(years=retention_years())


def _anonymised_ids() -> set[int]:
    return {a.row_id for a in Audit.select(Audit.row_id).where(
        (Audit.action == "anonymise") & (Audit.table == "case"))}


def due_for_review(today: dt.date | None = None, case_type: str | None = None) -> list[Case]:
    """Closed cases (of *case_type*, or both) past the retention period and not yet
    anonymised, oldest first."""
    done = _anonymised_ids()
    q = Case.select().where((Case.status == "closed") & Case.closed_on.is_null(False)
                            & (Case.closed_on < cutoff(today)))
    if case_type:
        q = q.where(Case.type == case_type)
    return [c for c in q.order_by(Case.closed_on, Case.id) if c.id not in done]


def documents_count(case_ids) -> dict[int, int]:
    """{case id: how many documents} (archived ones too), without reading their bytes."""
    from peewee import fn

    ids = list(case_ids)
    if not ids:
        return {}
    q = (Document.select(Document.case, fn.COUNT(Document.id)).where(Document.case.in_(ids))
         .group_by(Document.case).tuples())
    return {case_id: n for case_id, n in q}


def anonymise(case_id: int, *, who: str | None = None, today: dt.date | None = None) -> Audit:
    """Anonymise one closed case past the retention period, its documents included, in
    one transaction; returns the case's `anonymise` audit entry."""
    who = who or user.current_user()
    with database.atomic():
        case = Case.get_or_none(Case.id == case_id)
        if case is None:
            raise RetentionError(f"There is no case {case_id}.")
        if case.status != "closed" or not case.closed_on:
            raise RetentionError(f"{case.ref} is not closed: it cannot be anonymised.")
        if case.closed_on >= cutoff(today):
            raise RetentionError(f"{case.ref} closed on {dates.fmt(case.closed_on)}, within the "
                                 f"{retention_years()}-year retention period.")
        if case.id in _anonymised_ids():
            raise RetentionError(f"{case.ref} has already been anonymised.")
        changes: dict = {}
        for name in TEXT_FIELDS:
            new = ANON_SUBJECTS.get(case.type, ANON_SUBJECT) if name == "subject" else ""
            if getattr(case, name) != new:
                changes[name] = ["(withheld)", new]
                setattr(case, name, new)
        for name in PERSON_FIELDS:
            if getattr(case, f"{name}_id") is not None:
                changes[name] = ["(withheld)", None]
                setattr(case, name, None)
        case.version = (case.version or 0) + 1
        case.save()
        steps = Step.update(note="", action=Step.kind).where(Step.case == case.id).execute()
        changes["steps"] = ["(withheld)", f"{steps} step(s): notes cleared, wording replaced by kind"]
        # the entries that hold the old text (case rows: subject, details, outcome...)
        redact = [e.id for e in Audit.select(Audit.id, Audit.changes).where(
            (Audit.table == "case") & (Audit.row_id == case.id)) if _has_text(e.changes)]
        changes["_redacts"] = [None, redact]
        entry = audit.record("anonymise", "case", case.id, changes, who=who)
        marker = json.dumps({"_redacted": entry.id})
        if redact:
            Audit.update(changes=marker).where(Audit.id.in_(redact)).execute()
        _anonymise_documents(case.id, who)
    return entry


#: what an anonymised document keeps of its name
ANON_DOCUMENT = "document {id} (anonymised)"


def _anonymise_documents(case_id: int, who: str) -> int:
    """Each document of the case loses its bytes and its name (the row stays, archived),
    and the audit entries that held its name are redacted; one `anonymise` entry each."""
    import hashlib

    empty = hashlib.sha256(b"").hexdigest()
    docs = list(Document.select(Document.id, Document.name, Document.size, Document.archived)
                .where(Document.case == case_id).order_by(Document.id))
    for doc in docs:
        name = ANON_DOCUMENT.format(id=doc.id)
        Document.update(name=name, data=b"", size=0, sha256=empty, message_id=None,
                        archived=True, version=Document.version + 1).where(
            Document.id == doc.id).execute()
        redact = [e.id for e in Audit.select(Audit.id).where(
            (Audit.table == "document") & (Audit.row_id == doc.id) & (Audit.changes != "{}"))]
        entry = audit.record("anonymise", "document", doc.id, {
            "name": ["(withheld)", name], "data": ["(withheld)", f"{doc.size} bytes removed"],
            "archived": [bool(doc.archived), True], "_redacts": [None, redact]}, who=who)
        if redact:
            Audit.update(changes=json.dumps({"_redacted": entry.id})).where(
                Audit.id.in_(redact)).execute()
    return len(docs)


def _has_text(changes: str) -> bool:
    try:
        data = json.loads(changes or "{}")
    except ValueError:
        return False
    return isinstance(data, dict) and any(k in data for k in TEXT_FIELDS)


def anonymise_due(*, who: str | None = None, today: dt.date | None = None) -> list[Audit]:
    """Anonymise every case `due_for_review` lists; returns the entries."""
    return [anonymise(c.id, who=who, today=today) for c in due_for_review(today)]
