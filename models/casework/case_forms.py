"""The forms of a request and a complaint: their fields, their checks, and what saving one
does to the case (its reference, its due date, the first step on its timeline).
"""
from __future__ import annotations

import datetime as dt
import difflib
import re

from clerkdesk.models.casework import council
from clerkdesk.models.casework.cases import next_ref
from clerkdesk.models.casework.choices import group_choices, member_choices, officer_choices
from clerkdesk.models.casework.council import due_after
from clerkdesk.models.core import dates, user
from clerkdesk.models.core.forms import FieldSpec
from clerkdesk.models.core.schema import Case, PartyGroup, Step, now
from clerkdesk.models.core.vocab import COMPLAINT_KINDS, PRIORITIES, REQUEST_KINDS


def _common_tail():
    return [
        FieldSpec("owner", "Owner (officer)", "ref", choices=officer_choices),
        FieldSpec("received", "Received", "date", required=True, default="today",
                  placeholder="dd/mm/yyyy, today, +3"),
        FieldSpec("due", "Due", "date", placeholder="blank: set by the protocol",
                  help=f"Blank for an information request: {council.info_response_days()} "
                       "working days from receipt (the protocol profile's number)."),
        FieldSpec("priority", "Priority", "choice", choices=PRIORITIES, default="normal"),
        FieldSpec("confidential", "Confidential", "bool", default="no"),
        FieldSpec("details", "Details", "longtext"),
    ]


def request_fields():
    return [
        FieldSpec("kind", "Kind", "choice", required=True, choices=REQUEST_KINDS,
                  default="information"),
        FieldSpec("subject", "Subject", required=True, max_len=200),
        FieldSpec("member", "Requesting member", "ref", required=True, choices=member_choices),
        FieldSpec("group", "On behalf of group", "ref", choices=group_choices),
    ] + _common_tail()


#: complaint kind -> the people pickers it needs (who complains, who it is about): a
#: code-of-conduct allegation may come from a member, an officer or a resident (no picker);
#: a grievance may name no one
COMPLAINT_PARTIES = {
    "member_about_officer": ("complainant_member", "subject_officer"),
    "officer_about_member": ("complainant_officer", "subject_member"),
    "code_of_conduct": ("complainant_member", "complainant_officer", "subject_member"),
    "grievance": ("complainant_officer", "subject_officer"),
}


def kinds_needing(field: str) -> tuple[str, ...]:
    """The complaint kinds whose form shows the picker *field*."""
    return tuple(k for k, needs in COMPLAINT_PARTIES.items() if field in needs)


def complaint_fields():
    def party(name, label, choices):
        return FieldSpec(name, label, "ref", choices=choices, when={"kind": kinds_needing(name)})

    return [
        FieldSpec("kind", "Kind", "choice", required=True, choices=COMPLAINT_KINDS,
                  default="member_about_officer"),
        FieldSpec("subject", "Subject", required=True, max_len=200),
        party("complainant_member", "Complainant (member)", member_choices),
        party("complainant_officer", "Complainant (officer)", officer_choices),
        party("subject_member", "About (member)", member_choices),
        party("subject_officer", "About (officer)", officer_choices),
        FieldSpec("serious", "Serious", "bool", default="no"),
        FieldSpec("financial_irregularity", "Alleges financial irregularity", "bool", default="no"),
    ] + _common_tail()


def _date_check(clean):
    problems = {}
    if clean.get("due") and clean.get("received") and clean["due"] < clean["received"]:
        problems["due"] = "The due date cannot be before the case was received."
    if clean.get("received") and clean["received"] > dates.today() + dt.timedelta(days=1):
        problems["received"] = "A case cannot be received in the future."
    return problems


def _request_check(clean, row):
    return _date_check(clean)


#: complaint kind -> (fields it needs, sentence if missing)
_COMPLAINT_NEEDS = {
    "member_about_officer": {"complainant_member": "Which member complains?",
                             "subject_officer": "Which officer is it about?"},
    "officer_about_member": {"complainant_officer": "Which officer complains?",
                             "subject_member": "Which member is it about?"},
    "code_of_conduct": {"subject_member": "Which member is it about?"},
    "grievance": {"complainant_officer": "Which employee raises it?"},
}


def _complaint_check(clean, row):
    problems = _date_check(clean)
    for name, question in _COMPLAINT_NEEDS.get(clean["kind"], {}).items():
        if not clean.get(name):
            problems[name] = question
    if clean.get("complainant_member") and clean.get("complainant_member") == clean.get("subject_member"):
        problems["subject_member"] = "A member cannot complain about themselves."
    if clean.get("complainant_officer") and clean.get("complainant_officer") == clean.get("subject_officer"):
        problems["subject_officer"] = "An officer cannot complain about themselves."
    return problems


def _case_before_save(case_type):
    def before(row: Case, clean: dict, created: bool) -> None:
        row.type = case_type
        if created:
            row.ref = next_ref(case_type, clean["received"].year)
            row.status = "new"
            row.stage = row.stage or ""
        if case_type == "request" and not clean.get("due") and clean["kind"] == "information":
            row.due = due_after(clean["received"], council.info_response_days())
        if case_type == "complaint":
            row.complainant_type = {"member_about_officer": "member",
                                    "officer_about_member": "officer",
                                    "grievance": "officer"}.get(clean["kind"],
                                    "member" if clean.get("complainant_member") else
                                    "officer" if clean.get("complainant_officer") else "")
        row.updated_at = now()  # registers.save moves the version on
    return before


def _case_after_save(row: Case, clean: dict, created: bool) -> None:
    if created:
        Step.create(case=row, who=user.current_user(), action="Case opened", kind="opened",
                    note=row.subject)
    else:
        Step.create(case=row, who=user.current_user(), action="Case details edited", kind="edited")


# --- before a duplicate; the group a leader speaks for ---------------------------------------

#: how alike two subjects must be (difflib's ratio of their words) to be "much like"
CLOSE_MATCH = 0.75

_WORDS = re.compile(r"[a-z0-9]+")


def _subject_key(subject: str) -> str:
    return " ".join(_WORDS.findall((subject or "").casefold()))


def subjects_alike(a: str, b: str) -> bool:
    """Are two subjects much alike: the same words (case and punctuation aside), or a
    difflib ratio of at least CLOSE_MATCH, or one inside the other?"""
    ka, kb = _subject_key(a), _subject_key(b)
    if not ka or not kb:
        return False
    if ka == kb or (min(len(ka), len(kb)) >= 12 and (ka in kb or kb in ka)):
        return True
    return difflib.SequenceMatcher(None, ka, kb).ratio() >= CLOSE_MATCH


def open_request_like(member_id, subject: str, *, exclude: int | None = None) -> Case | None:
    """An open request from the same member whose subject is much like *subject* (the
    one received last), or None: the form warns before a duplicate is logged."""
    try:
        member_id = int(member_id)
    except (TypeError, ValueError):
        return None
    q = (Case.select().where((Case.type == "request") & (Case.member == member_id)
                             & (Case.status != "closed") & ~Case.archived)
         .order_by(Case.received.desc(), Case.id.desc()))
    if exclude is not None:
        q = q.where(Case.id != exclude)
    return next((c for c in q if subjects_alike(c.subject, subject)), None)


def duplicate_warning(other: Case, meeting_mode: bool = False) -> str:
    """The sentence the request form shows before saving a duplicate of *other* (its
    subject hidden in meeting mode, as every title is)."""
    from clerkdesk.models.casework.privacy import case_title

    who = other.member.name if other.member_id else "the same member"
    received = dates.fmt(other.received)
    return (f"{case_title(other, meeting_mode)}: an open request from {who}, received "
            f"{received}, is much like this one.")


def group_led_by(member_id) -> PartyGroup | None:
    """The party group *member_id* leads (or is deputy leader of): a request a group
    leader makes is usually on the group's behalf, so the form fills it in."""
    try:
        member_id = int(member_id)
    except (TypeError, ValueError):
        return None
    return (PartyGroup.select().where(~PartyGroup.archived & (
        (PartyGroup.leader == member_id) | (PartyGroup.deputy_leader == member_id)))
        .order_by(PartyGroup.leader != member_id, PartyGroup.name).first())


def request_suggestions(raw: dict) -> dict[str, str]:
    """What the request form fills in as the clerk types (only into empty fields): the
    group of a group leader."""
    if raw.get("group"):
        return {}
    group = group_led_by(raw.get("member"))
    return {"group": str(group.id)} if group is not None else {}
