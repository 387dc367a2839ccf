"""Letters from templates, as .docx the clerk can edit in Word or LibreOffice (docxtpl over
python-docx: the optional extra `clerkdesk[letters]`, imported only when a letter is
made, never at start-up).

Templates ship for the protocol's written steps (models/output/templates/NAME.docx,
built by scripts/build_letter_templates.py): acknowledgement, holding, outcome, refusal,
referral, group_notice. A council overrides one by putting its own NAME.docx in its
letters folder (`letters_folder()`: $CLERKDESK_LETTERS, else `letters/` in clerkdesk's
config folder), or gives a path to any .docx. Their merge fields are `context(case,
template)`'s keys (FIELDS, and the README's Letters section); a field that does not
exist stops the letter with a sentence naming it, rather than leaving a blank.

The clauses a letter cites come from the case's route (kept on the case when it was
routed, with their text) and from the clauses recorded on its timeline, their text from
the council's profile: never from a string here.

`make_letter` renders the letter and files it on the case as a document and a step
"Letter sent" (one transaction, audited). No Textual here.
"""
from __future__ import annotations

import datetime as dt
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

from clerkdesk.models.casework import case_route, cases, council, documents, first_run
from clerkdesk.models.core import dates, user
from clerkdesk.models.core.db import database
from clerkdesk.models.core.schema import Advice, Case, Member, PartyGroup, Step
from clerkdesk.models.core.vocab import COMPLAINT_KINDS, REQUEST_KINDS, STATUSES

#: the shipped templates, in the order the app offers them: name -> what it is for
TEMPLATES = {
    "acknowledgement": "Acknowledge the case: its reference and the date it is due, in "
                       "working days",
    "holding": "A holding reply: the answer will come by the date agreed with the member",
    "outcome": "The outcome of the case, with the clauses it was decided under",
    "refusal": "A refusal, with the reasons and the clauses recorded on the route",
    "referral": "Refer the case to whoever handles the route's next step (the Monitoring "
                "Officer, the Standards Committee...)",
    "group_notice": "Tell the other party groups that advice or a briefing was given to one",
}

#: the merge fields every template may use (README: Letters); dotted ones are parts of one
FIELDS = {
    "council.name": "the council's name", "council.clerk": "the clerk's name",
    "today": "today, 23/11/2026", "today_long": "today, 23 November 2026",
    "ref": "the case's reference", "subject": "its subject", "details": "its details",
    "type": "request or complaint", "kind": "the kind of case, in words",
    "status": "its status", "stage": "its stage on the route",
    "received / received_long": "when it was received (23/11/2026 / 23 November 2026)",
    "due / due_long": "when it is due", "response_days": "working days from receipt to due",
    "agreed_due / agreed_due_long": "the due date agreed with the member (an extension)",
    "closed_on / closed_on_long": "when it was closed", "outcome": "how it ended",
    "reasons": "the reasons recorded for a refusal (or the outcome)",
    "recipient.name / .salutation / .address / .email": "whom the letter is to (Dear ...)",
    "recipients": "a list of recipients, each as recipient (group_notice: the other "
                  "groups' leaders, with .leader_of)",
    "member.name / .ward / .group / .address / .email": "the requesting member",
    "complainant.name / .address / .email": "who complains", "about.name": "whom it is about",
    "officer.name / .job_title / .email": "the officer who owns the case",
    "signatory.name / .title": "who signs: the clerk",
    "handler.role / .names / .who / .action / .clause": "the route's current step",
    "route.outcome / .clause / .steps / .warnings": "the route (steps: .number, .who, "
                                                    ".action, .clause; warnings: .text, .clause)",
    "clause.ref / .text": "the letter's main clause",
    "clauses": "the clauses it cites: each with .ref and .text",
    "group": "the case's party group", "other_groups": "the others: .name, .leader, .deputy",
    "advice": "the advice register entries of the case: .matter, .given_on, "
              ".given_on_long, .officer, .group",
    "letter.template / .title": "which letter this is",
}

SHIPPED = Path(__file__).resolve().parent / "templates"

HOW_TO_GET_IT = ("Letters need the optional part clerkdesk[letters]: install it with "
                 "pip install 'clerkdesk[letters]' (it brings docxtpl and python-docx).")


class LetterError(Exception):
    """Why a letter cannot be made, as a sentence for the clerk."""


def available() -> bool:
    try:
        import docxtpl  # noqa: F401
    except ImportError:
        return False
    return True


def letters_folder() -> Path:
    """Where a council keeps its own templates: $CLERKDESK_LETTERS, else `letters/` in
    clerkdesk's config folder (beside the clerk's settings.toml)."""
    env = os.environ.get("CLERKDESK_LETTERS", "").strip()
    if env:
        return Path(env).expanduser()
    from clerkdesk.models.core.user import user_settings_path

    return user_settings_path().parent / "letters"


def template_path(template: str) -> Path:
    """The .docx a letter is made from: a path given, the council's own, or the shipped one."""
    given = Path(template).expanduser()
    if given.suffix.lower() == ".docx":
        if not given.is_file():
            raise LetterError(f"There is no template file {given}.")
        return given
    name = template.strip().lower().replace("-", "_").replace(" ", "_")
    own = letters_folder() / f"{name}.docx"
    if own.is_file():
        return own
    shipped = SHIPPED / f"{name}.docx"
    if name in TEMPLATES and shipped.is_file():
        return shipped
    raise LetterError(f"There is no letter template '{template}': choose one of "
                      f"{', '.join(TEMPLATES)}, or give the path of a .docx.")


def template_choices() -> list[tuple[str, str]]:
    """(name, what it is for) of every template: the shipped ones (marked when the council
    has its own) and any other .docx in the council's letters folder."""
    folder = letters_folder()
    own = {p.stem: p for p in folder.glob("*.docx")} if folder.is_dir() else {}
    out = [(name, text + ("  (the council's own)" if name in own else ""))
           for name, text in TEMPLATES.items()]
    out += [(name, "the council's own template") for name in sorted(own) if name not in TEMPLATES]
    return out


# --- the merge fields ---------------------------------------------------------------------------

def long_date(value: dt.date | None) -> str:
    return f"{value.day} {value:%B %Y}" if value else ""


def _salutation(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        return "Sir or Madam"
    m = re.match(r"^(Cllr|Councillor)\s+(.+)$", name, re.I)
    if m:
        return f"Cllr {m.group(2).split()[-1]}"
    return name


def _person(row, *, kind: str) -> dict:
    if row is None:
        return {"name": "", "salutation": "Sir or Madam", "address": "", "email": "",
                "ward": "", "group": "", "job_title": "", "kind": "", "leader_of": ""}
    return {
        "name": row.name, "salutation": _salutation(row.name),
        "address": getattr(row, "address", "") or "", "email": row.email or "",
        "ward": row.ward.name if kind == "member" and row.ward_id else "",
        "group": row.group.name if kind == "member" and row.group_id else "",
        "job_title": getattr(row, "job_title", "") or "", "kind": kind, "leader_of": "",
    }


def _split_clauses(text: str) -> list[str]:
    return [c.strip() for c in re.split(r"[;,]\s*(?=\d{3} §)", text or "") if c.strip()]


def _profile():
    try:
        return case_route.profile_for_council()
    except case_route.RouteError:
        return None


@dataclass
class _Clauses:
    texts: dict[str, str]

    def of(self, refs) -> list[dict]:
        out, seen = [], set()
        for ref in refs:
            if ref and ref not in seen:
                seen.add(ref)
                out.append({"ref": ref, "text": self.texts.get(ref, "")})
        return out


def context(case: Case, template: str) -> dict:
    """Every merge field of a letter about *case* (see FIELDS). LetterError when the
    case lacks what this kind of letter needs (an agreed date, an outcome...)."""
    profile = _profile()
    kept = case_route.kept_route(case)
    route = kept["route"] if kept else None
    steps = cases.timeline(case)
    texts: dict[str, str] = {}
    if profile is not None:
        texts.update(profile.clauses)
    if route:
        texts.update({k: v for k, v in (route.get("clauses") or {}).items() if v})
    book = _Clauses(texts)
    row = council.get()
    nation, closures = council.council_nation(), council.closures()
    response_days = ""
    if case.due and case.received:
        response_days = dates.working_days_between(case.received, case.due, nation=nation,
                                                   closures=closures)
    member = _person(case.member, kind="member")
    complainant_row = case.complainant_member or case.complainant_officer
    complainant = _person(complainant_row, kind="member" if case.complainant_member_id else "officer")
    about_row = case.subject_member or case.subject_officer
    about = _person(about_row, kind="member" if case.subject_member_id else "officer")
    owner = _person(case.owner, kind="officer")
    # the route, and its current step
    handler = {"role": "", "names": "", "who": "", "action": "", "clause": "", "in_writing": False}
    route_steps = []
    if route:
        pos = kept.get("position", 0)
        people = kept.get("people", [])
        for i, step in enumerate(route["steps"]):
            role = profile.role_label(step["handler"]) if profile else step["handler"]
            names = ", ".join(people[i]) if i < len(people) else ""
            item = {"number": i + 1, "role": role, "names": names,
                    "who": f"{role} ({names})" if names else role, "action": step["action"],
                    "clause": step["clause"], "in_writing": bool(step["in_writing"]),
                    "done": i < pos, "now": i == pos}
            route_steps.append(item)
            if i == min(pos, len(route["steps"]) - 1):
                handler = {k: item[k] for k in handler}
    closing = [s for s in steps if s.kind == "closed"]
    closing_clauses = _split_clauses(closing[-1].clause) if closing else []
    step_clauses = [c for s in steps for c in _split_clauses(s.clause)]
    route_clause = route["clause"] if route else ""
    reasons = (kept.get("reasons") if kept else "") or ""
    # the people the letter goes to
    recipient = member if case.type == "request" else complainant
    recipients = [recipient] if recipient["name"] else []
    group_row = case.group if case.group_id else (case.member.group if case.member_id and
                                                  case.member.group_id else None)
    other_groups, advice = [], []
    # what each template needs, and the clauses it cites
    if template == "acknowledgement":
        chosen = [route_clause, handler["clause"]] if route else step_clauses[:1]
    elif template == "holding":
        if not case.agreed_due:
            raise LetterError(f"{case.ref} has no date agreed with the member yet: record the "
                              "agreed date on the case first, then make the holding letter.")
        chosen = [route_clause, handler["clause"]] if route else step_clauses[:1]
    elif template == "outcome":
        if not (case.outcome or "").strip():
            raise LetterError(f"{case.ref} has no outcome yet: close it with its outcome (c) "
                              "first, then make the outcome letter.")
        chosen = closing_clauses + [route_clause]
    elif template == "refusal":
        reasons = reasons or (case.outcome or "").strip()
        if not reasons:
            raise LetterError(f"{case.ref} has no reasons recorded for a refusal: route it (w) "
                              "to a refusal with its reasons, or close it with the reasons as "
                              "its outcome.")
        chosen = [route_clause] + [s["clause"] for s in route_steps] + [
            w.get("clause", "") for w in (route or {}).get("warnings", [])] + closing_clauses
    elif template == "referral":
        if not route:
            raise LetterError(f"{case.ref} is not routed yet: run the wizard (w) so the letter "
                              "knows whom the case goes to next.")
        recipient = {**_person(None, kind=""), "name": handler["names"] or handler["role"],
                     "salutation": _salutation(handler["names"].split(",")[0]
                                               if handler["names"] else "")}
        recipients = [recipient]
        chosen = [handler["clause"], route_clause]
    elif template == "group_notice":
        if group_row is None:
            raise LetterError(f"{case.ref} has no party group: the notice to the other groups "
                              "names the group that was advised (set the group on the case).")
        for entry in Advice.select().where((Advice.case == case.id) & ~Advice.archived).order_by(
                Advice.given_on, Advice.id):
            advice.append({"matter": entry.matter, "given_on": dates.fmt(entry.given_on),
                           "given_on_long": long_date(entry.given_on),
                           "officer": entry.officer.name if entry.officer_id else "",
                           "group": entry.group.name})
        for g in PartyGroup.select().where((PartyGroup.id != group_row.id) & ~PartyGroup.archived
                                           ).order_by(PartyGroup.name):
            leader = g.leader if g.leader_id else None
            deputy = g.deputy_leader if g.deputy_leader_id else None
            other_groups.append({"name": g.name, "leader": leader.name if leader else "",
                                 "deputy": deputy.name if deputy else ""})
        if not other_groups:
            raise LetterError("There is no other party group to tell.")
        recipients = [{**_person(Member.get_by_id(g.leader_id) if g.leader_id else None,
                                 kind="member"), "leader_of": g.name}
                      for g in PartyGroup.select().where(
                          (PartyGroup.id != group_row.id) & ~PartyGroup.archived).order_by(
                          PartyGroup.name)]
        recipient = {**_person(None, kind=""), "name": "The Group Leaders",
                     "salutation": "Group Leaders"}
        chosen = [t.clause for t in case.tasks if not t.archived] + [route_clause]
    else:
        chosen = [route_clause] + step_clauses
    clauses = book.of(chosen) or book.of([route_clause] + step_clauses)
    main = clauses[0] if clauses else {"ref": "", "text": ""}
    kinds = REQUEST_KINDS if case.type == "request" else COMPLAINT_KINDS
    clerk = first_run.clerk_of_record()[0] or user.current_user()  # (the register leads)
    today = dates.today()
    title = template.replace("_", " ").capitalize()
    return {
        "council": {"name": row.name if row else "", "clerk": clerk,
                    "kind": row.kind if row else ""},
        "today": dates.fmt(today), "today_long": long_date(today),
        "ref": case.ref, "subject": case.subject, "details": case.details or "",
        "type": case.type, "kind": kinds.get(case.kind, case.kind),
        "status": STATUSES.get(case.status, case.status), "stage": case.stage or "",
        "received": dates.fmt(case.received), "received_long": long_date(case.received),
        "due": dates.fmt(case.due), "due_long": long_date(case.due),
        "response_days": response_days,
        "agreed_due": dates.fmt(case.agreed_due), "agreed_due_long": long_date(case.agreed_due),
        "closed_on": dates.fmt(case.closed_on), "closed_on_long": long_date(case.closed_on),
        "outcome": case.outcome or "", "reasons": reasons,
        "recipient": recipient, "recipients": recipients,
        "member": member, "complainant": complainant, "about": about, "officer": owner,
        "signatory": {"name": clerk, "title": _clerk_title(row)},
        "handler": handler,
        "route": {"outcome": route["outcome"] if route else "", "clause": route_clause,
                  "steps": route_steps,
                  "warnings": [{"text": w.get("text", ""), "clause": w.get("clause", "")}
                               for w in (route or {}).get("warnings", [])]},
        "clause": main, "clauses": clauses,
        "group": group_row.name if group_row else "", "other_groups": other_groups,
        "advice": advice,
        "letter": {"template": template, "title": title},
    }


def _clerk_title(row) -> str:
    kind = (row.kind if row else "town") or "town"
    return "Town Clerk" if kind == "town" else "Clerk to the Council" if kind == "parish" \
        else "Member Services"


# --- rendering ---------------------------------------------------------------------------------

def render(template_file: Path, fields: dict) -> bytes:
    """The letter as .docx bytes. LetterError for a missing extra or a bad template."""
    try:
        from docxtpl import DocxTemplate
        from jinja2 import Environment, StrictUndefined, TemplateSyntaxError, UndefinedError
    except ImportError:
        raise LetterError(HOW_TO_GET_IT) from None
    try:
        doc = DocxTemplate(str(template_file))
    except Exception as exc:
        raise LetterError(f"{template_file} cannot be opened as a Word document ({exc}).") \
            from None
    from docxtpl import Listing

    env = Environment(undefined=StrictUndefined, autoescape=True)
    try:
        doc.render(_with_line_breaks(fields, Listing), jinja_env=env)
    except UndefinedError as exc:
        missing = re.findall(r"'([^']+)'", str(exc))
        name = missing[-1] if missing else str(exc)
        raise LetterError(f"The template {template_file.name} uses '{name}', which is not a "
                          "merge field: the fields are listed in the README (Letters).") from None
    except TemplateSyntaxError as exc:
        raise LetterError(f"The template {template_file.name} has a mistake in a merge field "
                          f"({exc.message}): check its {{{{ }}}} and {{% %}}.") from None
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _with_line_breaks(value, listing):
    """Text of several lines (an address, an outcome) as docxtpl's Listing, so each line
    break stays a line break in Word."""
    if isinstance(value, str):
        return listing(value) if "\n" in value else value
    if isinstance(value, dict):
        return {k: _with_line_breaks(v, listing) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_line_breaks(v, listing) for v in value]
    return value


@dataclass
class Letter:
    case: Case
    template: str
    name: str
    data: bytes
    document: object = None
    step: Step | None = None
    clause: str = ""
    source: Path | None = None
    own: bool = False


def letter_name(case: Case, template: str) -> str:
    stem = Path(template).stem if template.lower().endswith(".docx") else template
    return documents.safe_name(f"{case.ref} {stem}.docx")


def prepare_letter(case_id: int, template: str) -> Letter:
    """The letter made, not yet filed (LetterError for what stops it)."""
    case = Case.get_by_id(case_id)
    key = Path(template).stem if template.lower().endswith(".docx") else \
        template.strip().lower().replace("-", "_").replace(" ", "_")
    path = template_path(template)
    fields = context(case, key)
    data = render(path, fields)
    own = path.parent != SHIPPED
    return Letter(case, key, letter_name(case, template), data, None, None,
                  clause=fields["clause"]["ref"], source=path, own=own)


def file_letter(letter: Letter, *, who: str | None = None) -> Letter:
    """File a prepared letter on its case as a document and a step "Letter sent", in one
    transaction (each with its audit entry)."""
    who = who or user.current_user()
    case = Case.get_by_id(letter.case.id)
    made_from = (f"the council's own template {letter.source.name}" if letter.own
                 else f"the shipped template {letter.source.name}")
    with database.atomic():
        doc = documents.file_document(
            case.id, letter.name, letter.data, source="letter", who=who,
            media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            changes={"template": [None, letter.template]})
        step = cases.add_step(case.id, f"Letter sent: {letter.template.replace('_', ' ')}",
                              note=f"{letter.name} ({documents.human_size(len(letter.data))}), "
                                   f"made from {made_from}.",
                              clause=letter.clause, kind="letter", who=who,
                              status="open" if case.status == "new" else None)
    letter.case, letter.document, letter.step = Case.get_by_id(case.id), doc, step
    return letter


def make_letter(case_id: int, template: str, *, who: str | None = None) -> Letter:
    """Make the letter and file it on the case (a document and a step "Letter sent")."""
    return file_letter(prepare_letter(case_id, template), who=who)
