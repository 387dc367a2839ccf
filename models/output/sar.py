"""Subject-access export (UK GDPR Art. 15): everything the casebook holds about one person,
in one zip, for the clerk to check and send.

`find_person("NAME or EMAIL")` finds them in the registers (members, officers, contacts,
archived ones too) or, failing that, in the words of the casework (someone who is on no
register: a resident named in a complaint). `export(person, path)` writes the zip:

- `summary.md` and `summary.html`: who, when, what is included (with counts), the cases,
  and FOR THE CLERK TO REDACT: the other people the records name (and how), the
  confidential cases, and the documents to read before anything is sent. Third parties
  are listed, never silently dropped;
- `json/*.json` and `csv/*.csv`: the person's register entry (interests, training,
  committee seats, party groups they lead), the cases where they are the member, the
  complainant, the subject or the owner, or are named, with their timeline steps, tasks,
  advice register entries, documents (their details) and the audit entries about them;
- `documents/REF/NAME`: the bytes of those cases' documents.

The zip is a private file, never half-written (outfile.py); the export itself is
recorded in the audit log (`disclose`). No Textual here.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import html
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from peewee import fn

from clerkdesk.models.casework import documents
from clerkdesk.models.casework.records import like
from clerkdesk.models.core import dates, user
from clerkdesk.models.core.db import database
from clerkdesk.models.core.schema import (
    Advice,
    Audit,
    Case,
    Committee,
    CommitteeSeat,
    Contact,
    Council,
    Document,
    Interest,
    Member,
    Officer,
    PartyGroup,
    Step,
    Task,
    Training,
)
from clerkdesk.models.store import audit, outfile


class SarError(Exception):
    """Why an export cannot be made, as a sentence for the clerk."""


@dataclass(frozen=True)
class Person:
    kind: str  # member | officer | contact | named (on no register)
    id: int | None
    name: str
    email: str = ""

    @property
    def label(self) -> str:
        what = {"member": "member", "officer": "officer", "contact": "contact",
                "named": "named in the casework, on no register"}[self.kind]
        return f"{self.name} ({what})"


_MODELS = {"member": Member, "officer": Officer, "contact": Contact}


def _emails(text: str) -> list[str]:
    return [a for a in re.split(r"[\s,;<>]+", (text or "").lower()) if "@" in a]


def find_person(query: str) -> Person:
    """The one person *query* (a name or an email) means; SarError when nobody or more than
    one person matches (naming them, so the clerk can be more exact)."""
    q = " ".join((query or "").split())
    if len(q) < 3:
        raise SarError("Give the person's name or email (at least 3 characters).")
    people: list[Person] = []
    for kind, model in _MODELS.items():
        rows = model.select(model.id, model.name, model.email)
        if "@" in q:
            rows = rows.where(like(model.email, q))
            people += [Person(kind, r.id, r.name, r.email) for r in rows
                       if q.lower() in _emails(r.email)]
        else:
            exact = [Person(kind, r.id, r.name, r.email)
                     for r in rows.where(fn.LOWER(model.name) == q.lower())]
            people += exact
    if not people and "@" not in q:
        for kind, model in _MODELS.items():
            rows = model.select(model.id, model.name, model.email).where(like(model.name, q))
            people += [Person(kind, r.id, r.name, r.email) for r in rows]
    if len(people) == 1:
        return people[0]
    if len(people) > 1:
        shown = ", ".join(p.label for p in people[:6])
        more = f" and {len(people) - 6} more" if len(people) > 6 else ""
        raise SarError(f"'{q}' could be {shown}{more}: give the full name or the email.")
    # on no register: named in the casework?
    if _case_ids_naming(q):
        return Person("named", None, q, q if "@" in q else "")
    raise SarError(f"Nobody called '{q}' is in the casebook: not on a register, and not named "
                   "in any case. Check the spelling, or try their email.")


def _case_ids_naming(text: str) -> set[int]:
    ids = {c.id for c in Case.select(Case.id).where(
        like(Case.subject, text) | like(Case.details, text) | like(Case.outcome, text))}
    ids |= {s.case_id for s in Step.select(Step.case).where(like(Step.note, text) |
                                                            like(Step.action, text))}
    return ids


# --- collecting -----------------------------------------------------------------------------

def _plain(value):
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return None
    return value


def _rows(query) -> list[dict]:
    return [{k: _plain(v) for k, v in row.items()} for row in query.dicts()]


@dataclass
class Collected:
    person: Person
    sections: dict[str, list[dict]] = field(default_factory=dict)  # name -> rows
    roles: dict[int, list[str]] = field(default_factory=dict)  # case id -> the person's roles
    cases: list[Case] = field(default_factory=list)
    redact: list[str] = field(default_factory=list)
    docs: list[Document] = field(default_factory=list)

    def count(self, name: str) -> int:
        return len(self.sections.get(name, []))


#: the case columns naming people, and what being there makes the person
_CASE_ROLES = {
    "member": "the requesting member", "complainant_member": "the complainant",
    "complainant_officer": "the complainant", "subject_member": "the person complained about",
    "subject_officer": "the person complained about", "owner": "the officer dealing with it",
}


def collect(person: Person) -> Collected:
    out = Collected(person)
    s = out.sections
    model = _MODELS.get(person.kind)
    # the register entry and what hangs off it
    if model is not None:
        s["person"] = _rows(model.select().where(model.id == person.id))
    else:
        s["person"] = [{"name": person.name, "note": "on no register: named in the casework"}]
    if person.kind == "member":
        s["interests"] = _rows(Interest.select().where(Interest.member == person.id))
        s["training"] = _rows(Training.select().where(Training.member == person.id))
        s["committee_seats"] = [
            {**row, "committee_name": Committee.get_by_id(row["committee"]).name}
            for row in _rows(CommitteeSeat.select().where(CommitteeSeat.member == person.id))]
        s["committee_roles"] = _rows(Committee.select(Committee.id, Committee.name,
                                                      Committee.chair, Committee.vice_chair)
                                     .where((Committee.chair == person.id) |
                                            (Committee.vice_chair == person.id)))
        s["party_group_roles"] = _rows(PartyGroup.select(PartyGroup.id, PartyGroup.name,
                                                         PartyGroup.leader,
                                                         PartyGroup.deputy_leader)
                                       .where((PartyGroup.leader == person.id) |
                                              (PartyGroup.deputy_leader == person.id)))
    if person.kind == "officer":
        s["advice_given"] = _rows(Advice.select().where(Advice.officer == person.id))
        s["line_reports"] = _rows(Officer.select(Officer.id, Officer.name, Officer.job_title)
                                  .where(Officer.line_manager == person.id))
    # the cases
    roles: dict[int, list[str]] = {}
    columns = {"member": ["member", "complainant_member", "subject_member"],
               "officer": ["complainant_officer", "subject_officer", "owner"]}.get(person.kind, [])
    for column in columns:
        field_ = getattr(Case, column)
        for c in Case.select(Case.id).where(field_ == person.id):
            roles.setdefault(c.id, []).append(_CASE_ROLES[column])
    for needle in filter(None, [person.name, person.email]):
        for case_id in _case_ids_naming(needle):
            roles.setdefault(case_id, [])
            if "named in it" not in roles[case_id]:
                roles[case_id].append("named in it")
    out.roles = {k: list(dict.fromkeys(v)) for k, v in roles.items()}
    ids = sorted(out.roles)
    out.cases = list(Case.select().where(Case.id.in_(ids)).order_by(Case.ref)) if ids else []
    s["cases"] = [{**row, "their_part": "; ".join(out.roles[row["id"]])}
                  for row in _rows(Case.select().where(Case.id.in_(ids)).order_by(Case.ref))] \
        if ids else []
    s["steps"] = _rows(Step.select().where(Step.case.in_(ids)).order_by(Step.case, Step.at,
                                                                          Step.id)) if ids else []
    s["tasks"] = _rows(Task.select().where(Task.case.in_(ids))) if ids else []
    if ids:
        s["advice_on_their_cases"] = _rows(Advice.select().where(Advice.case.in_(ids)))
    out.docs = list(Document.select(*documents.LIST_COLUMNS).where(Document.case.in_(ids))
                    .order_by(Document.case, Document.id)) if ids else []
    refs = {c.id: c.ref for c in out.cases}
    s["documents"] = [{"id": d.id, "case": refs.get(d.case_id, d.case_id), "name": d.name,
                       "media_type": d.media_type, "size": d.size, "sha256": d.sha256,
                       "source": d.source, "added_by": d.added_by,
                       "added_at": _plain(d.added_at), "archived": d.archived,
                       "in_zip": f"documents/{refs.get(d.case_id, d.case_id)}/"}
                      for d in out.docs]
    # the audit entries about them
    cond = None

    def either(c):
        nonlocal cond
        cond = c if cond is None else (cond | c)

    if model is not None:
        either((Audit.table == model._meta.table_name) & (Audit.row_id == person.id))
    if ids:
        either((Audit.table == "case") & Audit.row_id.in_(ids))
        task_ids = [t["id"] for t in s["tasks"]]
        if task_ids:
            either((Audit.table == "task") & Audit.row_id.in_(task_ids))
    if out.docs:
        either((Audit.table == "document") & Audit.row_id.in_([d.id for d in out.docs]))
    for table, key in (("interest", "interests"), ("training", "training"),
                       ("committee_seat", "committee_seats")):
        row_ids = [r["id"] for r in s.get(key, [])]
        if row_ids:
            either((Audit.table == table) & Audit.row_id.in_(row_ids))
    either(Audit.who == person.name)
    for needle in filter(None, [person.name, person.email]):
        either(like(Audit.changes, needle))
    s["audit"] = _rows(Audit.select().where(cond).order_by(Audit.id))
    out.redact = _third_parties(out)
    return out


def _third_parties(out: Collected) -> list[str]:
    """Lines for the clerk: who else the collected records name, the confidential cases,
    the documents to read. Listed for redaction, never removed here."""
    person = out.person
    lines: list[str] = []
    texts: dict[int, str] = {}
    for c in out.cases:
        parts = [c.subject, c.details or "", c.outcome or ""]
        parts += [f"{st['action']} {st['note']}" for st in out.sections["steps"]
                  if st["case"] == c.id]
        parts += [d.name for d in out.docs if d.case_id == c.id]
        texts[c.id] = "\n".join(parts).casefold()
    others: dict[tuple, list[str]] = {}
    for kind, model in _MODELS.items():
        for row in model.select(model.id, model.name):
            if kind == person.kind and row.id == person.id:
                continue
            for c in out.cases:
                how = []
                for column, part in _CASE_ROLES.items():
                    if (kind == "member" and column in ("member", "complainant_member",
                                                        "subject_member")
                            or kind == "officer" and column in ("complainant_officer",
                                                                "subject_officer", "owner")):
                        if getattr(c, f"{column}_id") == row.id:
                            how.append(part)
                name = re.sub(r"^(cllr|councillor)\s+", "", row.name.strip(), flags=re.I)
                if len(name) > 3 and name.casefold() in texts[c.id]:
                    how.append("named in its text")
                if how:
                    others.setdefault((kind, row.id, row.name), []).append(
                        f"{c.ref} ({', '.join(dict.fromkeys(how))})")
    for (kind, _id, name), where in sorted(others.items(), key=lambda kv: kv[0][2]):
        lines.append(f"{name} ({kind}): {'; '.join(where)}")
    confidential = [c for c in out.cases if c.confidential]
    if confidential:
        lines.append("Confidential cases, to read line by line before anything is sent: "
                     + ", ".join(c.ref for c in confidential))
    complaints = [c for c in out.cases if c.type == "complaint"]
    if complaints:
        lines.append("Complaints name both sides: check what the other side said about "
                     f"themselves in {', '.join(c.ref for c in complaints)}")
    if out.docs:
        lines.append(f"{len(out.docs)} document{'s' if len(out.docs) != 1 else ''} (under "
                     "documents/) may name others and are not searched here: read each one")
    return lines


# --- writing ----------------------------------------------------------------------------------

def _csv(rows: list[dict]) -> str:
    from clerkdesk.models.output.csv_exchange import neutralise

    if not rows:
        return ""
    columns = list(dict.fromkeys(k for row in rows for k in row))
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(columns)
    for row in rows:
        w.writerow([neutralise("" if row.get(k) is None else str(row.get(k))) for k in columns])
    return buf.getvalue()


_SECTION_TITLES = {
    "person": "Register entry", "interests": "Declared interests", "training": "Training",
    "committee_seats": "Committee seats", "committee_roles": "Committee chair or vice-chair",
    "party_group_roles": "Party group leader or deputy", "advice_given": "Advice given to "
    "party groups (the advice register)", "line_reports": "Officers they manage",
    "cases": "Cases", "steps": "Timeline steps of those cases", "tasks": "Tasks on those cases",
    "advice_on_their_cases": "Advice register entries of those cases",
    "documents": "Documents on those cases", "audit": "Audit log entries about them",
}


def summary_markdown(out: Collected, *, query: str, made_by: str, made_at: dt.datetime) -> str:
    council = Council.select().first()
    p = out.person
    lines = [f"# Subject-access export: {p.name}", "",
             f"{council.name if council else 'The council'}, UK GDPR Article 15.",
             f"Made by {made_by} on {made_at:%d/%m/%Y at %H:%M} from clerkdesk, for the "
             f"request \"{query}\".", "",
             f"**Who:** {p.label}" + (f", {p.email}" if p.email else ""), "",
             "## What is included", "",
             "Each section is in `json/NAME.json` and `csv/NAME.csv`; the documents' own files "
             "are under `documents/REF/`.", ""]
    for name, title in _SECTION_TITLES.items():
        if name in out.sections:
            lines.append(f"- {title} (`{name}`): {out.count(name)}")
    lines += ["", "## The cases", ""]
    if not out.cases:
        lines.append("None.")
    for c in out.cases:
        lines.append(f"- {c.ref} ({c.type}, {c.status}{', confidential' if c.confidential else ''}"
                     f", received {dates.fmt(c.received)}): {c.subject}. Their part: "
                     f"{'; '.join(out.roles.get(c.id, [])) or 'named in it'}.")
    lines += ["", "## For the clerk to redact before anything is sent", "",
              "These records name other people. Nothing has been removed: decide for each "
              "whether it is the requester's own data or a third party's to redact "
              "(UK GDPR Art. 15(4); Data Protection Act 2018 Sch. 2 para. 16).", ""]
    lines += [f"- {line}" for line in out.redact] or ["- No other person is named."]
    lines.append("")
    return "\n".join(lines)


def _md_to_html(text: str) -> str:
    body = []
    in_list = False
    for line in text.splitlines():
        esc = html.escape(line)
        esc = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", esc)
        esc = re.sub(r"`(.+?)`", r"<code>\1</code>", esc)
        if line.startswith("- "):
            if not in_list:
                body.append("<ul>")
                in_list = True
            body.append(f"<li>{esc[2:]}</li>")
            continue
        if in_list:
            body.append("</ul>")
            in_list = False
        if line.startswith("## "):
            body.append(f"<h2>{esc[3:]}</h2>")
        elif line.startswith("# "):
            body.append(f"<h1>{esc[2:]}</h1>")
        elif line.strip():
            body.append(f"<p>{esc}</p>")
    if in_list:
        body.append("</ul>")
    return ("<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\">"
            "<title>Subject-access export</title><style>body{font-family:sans-serif;"
            "max-width:50em;margin:2em auto;line-height:1.4}code{background:#eee}</style>"
            "</head><body>\n" + "\n".join(body) + "\n</body></html>\n")


@dataclass
class Export:
    path: Path
    person: Person
    collected: Collected
    sha256: str
    entry: Audit


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:40] or "person"


def default_name(person: Person, today: dt.date | None = None) -> str:
    return f"sar-{slug(person.name)}-{(today or dates.today()).isoformat()}.zip"


def export(person: Person, path, *, query: str = "", who: str | None = None,
           replace: bool = False) -> Export:
    """Write the zip for *person* to *path* and record the export in the audit log."""
    who = who or user.current_user()
    made_at = dt.datetime.now().replace(microsecond=0)
    out = collect(person)
    summary = summary_markdown(out, query=query or person.name, made_by=who, made_at=made_at)
    refs = {c.id: c.ref for c in out.cases}
    root = Path(default_name(person, made_at.date())).stem

    def write(fh) -> None:
        with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as z:
            z.writestr(f"{root}/summary.md", summary)
            z.writestr(f"{root}/summary.html", _md_to_html(summary))
            for name, rows in out.sections.items():
                z.writestr(f"{root}/json/{name}.json",
                           json.dumps(rows, indent=2, ensure_ascii=False, default=str))
                z.writestr(f"{root}/csv/{name}.csv", _csv(rows))
            used: set[str] = set()
            for d in out.docs:
                folder = f"{root}/documents/{refs.get(d.case_id, d.case_id)}"
                name = documents.safe_name(d.name)
                candidate, n = f"{folder}/{name}", 2
                while candidate in used:
                    candidate = f"{folder}/{Path(name).stem} ({n}){Path(name).suffix}"
                    n += 1
                used.add(candidate)
                z.writestr(candidate, documents.data_of(d.id))

    try:
        written = outfile.write_output(path, write=write, replace=replace)
    except outfile.OutputError as exc:
        raise SarError(str(exc)) from None
    digest = hashlib.sha256(written.read_bytes()).hexdigest()
    counts = {name: len(rows) for name, rows in out.sections.items()}
    model = _MODELS.get(person.kind)
    try:
        with database.atomic():
            entry = audit.record(
                "disclose", model._meta.table_name if model else "casebook",
                person.id if model else 0,
                {"subject_access": [None, {"query": query or person.name, "person": person.name,
                                           "file": written.name, "sha256": digest,
                                           "counts": counts,
                                           "cases": [c.ref for c in out.cases],
                                           "for_redaction": len(out.redact)}]}, who=who)
    except Exception:
        written.unlink(missing_ok=True)  # not recorded, so not made
        raise
    return Export(written, person, out, digest, entry)
