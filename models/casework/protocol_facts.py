"""From the registers to the rulebook and back: who a role is, and a case's facts. No Textual.

* ``resolve(role, ctx)`` names the people who hold a protocol role for one case ("the
  Corporate Director of the subject officer's department", "the member's Group Leader");
  it never returns the subject of the case.
* ``facts_from_case(case, profile)`` pre-fills the rulebook's facts from a Case row: the
  case kind, who complains about whom and in what role, how many earlier complaints make it
  repeated (within the profile's ``repeat_window_months``), roles the complainant holds
  (they may not handle their own complaint), the pre-election period, the advice register
  (earlier advice to another group on the same matter, by full-text similarity).
* ``evidence(case, profile)`` says where a pre-filled answer came from, for the wizard to
  show under the question (the advice register's candidates, the declared interests).
* ``interest_conflicts(case, profile, roles)`` proposes, from the members' declared
  interests, the handlers the clerk may declare conflicted, each with the reason.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta

from clerkdesk.models.casework import advice, council
from clerkdesk.models.core import dates
from clerkdesk.models.core.schema import (
    Case,
    Committee,
    CommitteeSeat,
    Contact,
    Interest,
    Member,
    Officer,
    PartyGroup,
)
from clerkdesk.models.rules import rulebook


@dataclass(frozen=True)
class Person:
    name: str
    kind: str  # officer | member | contact | committee
    id: int


@dataclass
class CaseContext:
    """What a role is resolved against: the people of one case."""

    subject_officer: Officer | None = None
    subject_member: Member | None = None
    department: str = ""
    group: PartyGroup | None = None
    complainant_officer: Officer | None = None
    complainant_member: Member | None = None
    requesting_member: Member | None = None
    owner: Officer | None = None
    today: dt.date = field(default_factory=lambda: dates.today())


def _roles(value: str) -> list[str]:
    return [r.strip() for r in (value or "").split(",") if r.strip()]


def _today(today: dt.date | None) -> dt.date:
    return today or dates.today()  # (CLERKDESK_TODAY pins it)


def _active_officers(today: dt.date):
    return (Officer.select()
            .where((Officer.archived == False)  # noqa: E712
                   & (Officer.left_on.is_null() | (Officer.left_on > today)))
            .order_by(Officer.name, Officer.id))


def _active_members(today: dt.date):
    return (Member.select()
            .where((Member.archived == False)  # noqa: E712
                   & (Member.term_end.is_null() | (Member.term_end >= today)))
            .order_by(Member.name, Member.id))


def _member_active(m: Member | None, today: dt.date) -> bool:
    return m is not None and not m.archived and (m.term_end is None or m.term_end >= today)


def _officer_person(o: Officer) -> Person:
    return Person(o.name, "officer", o.id)


def _member_person(m: Member) -> Person:
    return Person(m.name, "member", m.id)


#: officer role keys in the registers that count as a rulebook role
OFFICER_ROLE_ALIASES = {
    "town_clerk": ("town_clerk", "proper_officer", "head_of_paid_service"),
    "managing_director": ("managing_director", "head_of_paid_service"),
}


def _officers_with(role: str, today: dt.date, department: str = "") -> list[Officer]:
    keys = OFFICER_ROLE_ALIASES.get(role, (role,))
    found = [o for o in _active_officers(today) if any(k in _roles(o.roles) for k in keys)]
    if role == "town_clerk" or role == "managing_director":
        # the named role first; an alias (e.g. head_of_paid_service) only if no one holds it
        exact = [o for o in found if role in _roles(o.roles)]
        found = exact or found
    if department:
        in_dept = [o for o in found if (o.department or "").strip().lower() == department.strip().lower()]
        if in_dept:
            return in_dept
    return found


def _group_of(ctx: CaseContext) -> PartyGroup | None:
    if ctx.group is not None:
        return ctx.group
    for m in (ctx.subject_member, ctx.complainant_member, ctx.requesting_member):
        if m is not None and m.group_id:
            return m.group
    return None


def _leader_or_deputy(g: PartyGroup, subject: Member | None) -> Member | None:
    """The group's leader, or its deputy when the leader is the subject: never the subject."""
    if g.leader_id and (subject is None or g.leader_id != subject.id):
        return g.leader
    if g.deputy_leader_id and (subject is None or g.deputy_leader_id != subject.id):
        return g.deputy_leader
    return None


def resolve(role: str, ctx: CaseContext) -> list[Person]:
    """The people who hold *role* for this case; never the subject. [] if no one does."""
    today = ctx.today
    people: list[Person] = []
    if role == "officer":
        if ctx.owner is not None:
            people = [_officer_person(ctx.owner)]
    elif role in ("head_of_service", "corporate_director"):
        dept = ctx.department or (ctx.subject_officer.department if ctx.subject_officer else "")
        people = [_officer_person(o) for o in _officers_with(role, today, dept)]
    elif role in ("managing_director", "monitoring_officer", "section_151_officer", "town_clerk"):
        people = [_officer_person(o) for o in _officers_with(role, today)]
    elif role in ("chair", "personnel_panel"):
        people = [_member_person(m) for m in _active_members(today) if role in _roles(m.roles)]
    elif role == "staffing_committee_chair":
        for c in Committee.select().where((Committee.staffing == True)  # noqa: E712
                                          & (Committee.archived == False)).order_by(Committee.id):  # noqa: E712
            if c.chair_id and _member_active(c.chair, today):
                people.append(_member_person(c.chair))
    elif role == "committee_chair":
        for c in Committee.select().where(Committee.archived == False).order_by(Committee.name):  # noqa: E712
            if c.chair_id and _member_active(c.chair, today):
                people.append(_member_person(c.chair))
    elif role in ("principal_monitoring_officer", "principal_deputy_monitoring_officer",
                  "independent_person", "county_association"):
        people = [Person(c.name, "contact", c.id) for c in
                  Contact.select().where((Contact.role == role) & (Contact.archived == False))  # noqa: E712
                  .order_by(Contact.name)]
    elif role == "standards_committee":
        people = [Person(c.name, "committee", c.id) for c in
                  Committee.select().where((Committee.archived == False)  # noqa: E712
                                           & Committee.name.contains("standards"))]
    elif role == "group_leader":
        g = _group_of(ctx)
        if g is not None and g.leader_id and _member_active(g.leader, today):
            people = [_member_person(g.leader)]
    elif role == "deputy_group_leader":
        g = _group_of(ctx)
        if g is not None and g.deputy_leader_id and _member_active(g.deputy_leader, today):
            people = [_member_person(g.deputy_leader)]
    elif role in ("all_group_leaders", "other_group_leaders"):
        own = _group_of(ctx)
        for g in PartyGroup.select().where(PartyGroup.archived == False).order_by(PartyGroup.name):  # noqa: E712
            if role == "other_group_leaders" and own is not None and g.id == own.id:
                continue
            m = _leader_or_deputy(g, ctx.subject_member)
            if _member_active(m, today):
                people.append(_member_person(m))
    elif role == "member":
        if ctx.subject_member is not None:
            people = [_member_person(ctx.subject_member)]
    elif role == "complainant":
        if ctx.complainant_member is not None:
            people = [_member_person(ctx.complainant_member)]
        elif ctx.complainant_officer is not None:
            people = [_officer_person(ctx.complainant_officer)]
    elif role == "requesting_member":
        if ctx.requesting_member is not None:
            people = [_member_person(ctx.requesting_member)]
    return [p for p in dict.fromkeys(people) if not _is_subject(p, ctx)]


def _is_subject(p: Person, ctx: CaseContext) -> bool:
    if p.kind == "officer" and ctx.subject_officer is not None and p.id == ctx.subject_officer.id:
        return True
    if p.kind == "member" and ctx.subject_member is not None and p.id == ctx.subject_member.id:
        return True
    return False


def context_from_case(case: Case, today: dt.date | None = None) -> CaseContext:
    so = case.subject_officer
    return CaseContext(
        subject_officer=so,
        subject_member=case.subject_member,
        department=(so.department if so else "") or "",
        group=case.subject_member.group if case.subject_member and case.subject_member.group_id
        else case.group,
        complainant_officer=case.complainant_officer,
        complainant_member=case.complainant_member,
        requesting_member=case.member,
        owner=case.owner,
        today=_today(today),
    )


def resolve_route(route: rulebook.Route, case: Case, today: dt.date | None = None
                  ) -> list[tuple[rulebook.RouteStep, list[Person]]]:
    """Each step of a route with the people who hold its handler role for this case."""
    ctx = context_from_case(case, today)
    return [(s, resolve(s.handler, ctx)) for s in route.steps]


#: most senior first: an officer holding several roles is complained about in the highest
OFFICER_SUBJECT_ORDER = ["managing_director", "monitoring_officer", "section_151_officer",
                         "corporate_director", "head_of_service", "town_clerk"]


MEMBER_SUBJECT_ORDER = ["chair", "staffing_committee_chair", "group_leader", "deputy_group_leader"]


def officer_role_keys(o: Officer) -> list[str]:
    """The rulebook roles an officer holds: register keys plus the roles their aliases
    stand for (a proper_officer is the town_clerk; a head_of_paid_service is both)."""
    keys = _roles(o.roles)
    out = list(keys)
    for role, aliases in OFFICER_ROLE_ALIASES.items():
        if any(a in keys for a in aliases):
            out.append(role)
    return list(dict.fromkeys(out))


def member_role_keys(m: Member) -> list[str]:
    keys = _roles(m.roles)
    if PartyGroup.select().where((PartyGroup.leader == m) & (PartyGroup.archived == False)).exists():  # noqa: E712
        keys.append("group_leader")
    if PartyGroup.select().where((PartyGroup.deputy_leader == m)
                                 & (PartyGroup.archived == False)).exists():  # noqa: E712
        keys.append("deputy_group_leader")
    if Committee.select().where((Committee.chair == m) & (Committee.staffing == True)  # noqa: E712
                                & (Committee.archived == False)).exists():  # noqa: E712
        keys.append("staffing_committee_chair")
    return list(dict.fromkeys(keys))


def _subject_role(keys: list[str], order: list[str], fallback: str, choices: list[str]) -> str:
    for k in order:
        if k in keys and k in choices:
            return k
    return fallback


def _repeat_window(profile: rulebook.Profile) -> int:
    return int(profile.settings.get("repeat_window_months", 12))


def previous_complaints(case: Case, months: int = 12) -> int:
    """Earlier complaints by the same complainant about the same person within *months*."""
    if case.complainant_member_id:
        same_from = Case.complainant_member == case.complainant_member_id
    elif case.complainant_officer_id:
        same_from = Case.complainant_officer == case.complainant_officer_id
    else:
        return 0
    if case.subject_officer_id:
        same_about = Case.subject_officer == case.subject_officer_id
    elif case.subject_member_id:
        same_about = Case.subject_member == case.subject_member_id
    else:
        return 0
    since = case.received - relativedelta(months=months)
    q = (Case.select().where(
        (Case.type == "complaint") & same_from & same_about & (Case.archived == False)  # noqa: E712
        & (Case.id != case.id) & (Case.received >= since) & (Case.received <= case.received)))
    return q.count()


def interest_matches(member: Member, text: str) -> list[Interest]:
    """Declared interests (not archived) sharing a word that says what the matter is with
    *text* (advice.matter_words: no stop words such as "council", no group names): a
    pre-fill hint the clerk confirms, never a verdict."""
    words = set(advice.matter_words(text))
    if not words:
        return []
    out = []
    for i in member.interests.where(Interest.archived == False):  # noqa: E712
        if words & set(advice.matter_words(i.description)):
            out.append(i)
    return out


def facts_from_case(case: Case, profile: rulebook.Profile, *, committee: Committee | None = None,
                    today: dt.date | None = None) -> dict:
    """The facts the registers and history already tell, for the wizard to pre-fill.

    Only facts the profile knows and that apply are returned; the clerk answers the rest.
    *committee*: the committee whose functions a document concerns (need-to-know test).
    """
    facts: dict = {}
    case_choices = profile.facts["case"].choice_values() if "case" in profile.facts else []
    if case.type == "complaint":
        facts["case"] = "complaint"
        ctype = case.complainant_type or ("member" if case.complainant_member_id else
                                          "officer" if case.complainant_officer_id else "")
        if ctype:
            facts["complainant"] = ctype
        subj = profile.facts.get(rulebook.SUBJECT_FACT)
        choices = subj.choice_values() if subj else []
        if case.subject_officer_id:
            facts[rulebook.SUBJECT_FACT] = _subject_role(
                officer_role_keys(case.subject_officer), OFFICER_SUBJECT_ORDER, "officer", choices)
        elif case.subject_member_id:
            facts[rulebook.SUBJECT_FACT] = _subject_role(
                member_role_keys(case.subject_member), MEMBER_SUBJECT_ORDER, "member", choices)
        if case.kind == "code_of_conduct":
            facts["code_of_conduct"] = True
        facts["serious"] = bool(case.serious)
        if case.financial_irregularity:
            facts["financial_irregularity"] = True
        facts["previous_complaints"] = previous_complaints(case, _repeat_window(profile))
        if facts["previous_complaints"]:
            facts["repeated"] = True  # pre-filled for the wizard; the history decides it
        # the complainant may not handle their own complaint: a role they hold *for this
        # case* (the Group Leader of the subject's group, not of any group) is conflicted
        conflicted: list[str] = []
        ctx = context_from_case(case, today)
        ctx.complainant_member = ctx.complainant_officer = ctx.requesting_member = None
        for person, keys in ((case.complainant_officer, officer_role_keys),
                             (case.complainant_member, member_role_keys)):
            if person is None:
                continue
            me = _officer_person(person) if isinstance(person, Officer) else _member_person(person)
            for r in keys(person):
                if r in profile.roles and r != facts.get(rulebook.SUBJECT_FACT) \
                        and me in resolve(r, ctx):
                    conflicted.append(r)
        if conflicted:
            facts[rulebook.CONFLICT_FACT] = list(dict.fromkeys(conflicted))
    elif case.kind in case_choices:
        facts["case"] = case.kind
        member = case.member
        if case.kind == "document_inspection" and member is not None:
            if interest_matches(member, f"{case.subject} {case.details}"):
                facts["member_has_interest"] = True
            if committee is not None:
                facts["committee_member"] = CommitteeSeat.select().where(
                    (CommitteeSeat.committee == committee) & (CommitteeSeat.member == member)
                    & (CommitteeSeat.archived == False)).exists()  # noqa: E712
        if case.kind == "group_meeting" and "advised_other_group" in profile.facts:
            facts["advised_other_group"] = bool(advice.for_case(case))
        if "in_pre_election_period" in profile.facts:
            on = case.received or _today(today)
            facts["in_pre_election_period"] = council.in_pre_election_period(on)
    # Facts that may not apply yet (e.g. in_pre_election_period before "who calls the
    # meeting?" is answered) are kept; rulebook.applicable_answers() prunes before routing.
    return {k: v for k, v in facts.items() if k in profile.facts}


#: where a pre-filled fact comes from, as the wizard says it beside the answer: what the
#: clerk recorded on the case's own form is not "from the registers"
_SOURCES = {
    "case": "as recorded on the case", "complainant": "as recorded on the case",
    "code_of_conduct": "as recorded on the case", "serious": "as recorded on the case",
    "financial_irregularity": "as recorded on the case",
    "repeated": "from the earlier complaints", "previous_complaints": "from the earlier complaints",
    "in_pre_election_period": "from the council's settings",
    rulebook.SUBJECT_FACT: "from the registers", rulebook.CONFLICT_FACT: "from the registers",
    "member_has_interest": "from the register of interests",
    "committee_member": "from the committees' seats",
    "advised_other_group": "from the advice register",
}


def source_of(fact: str) -> str:
    """Where `facts_from_case` found *fact*: "from the registers", "as recorded on the
    case", "from the earlier complaints"... (for the wizard to say beside the answer)."""
    return _SOURCES.get(fact, "from the registers")


def notice_facts(case: Case, profile: rulebook.Profile, *, row=None,
                 today: dt.date | None = None) -> dict:
    """The facts a profile's notices are tested on for an open case, as of today: the
    case kind and, where the profile has the fact, whether today is in the pre-election
    period (from the council's next election and its pre-election days)."""
    facts: dict = {"case": "complaint" if case.type == "complaint" else case.kind}
    if "in_pre_election_period" in profile.facts:
        facts["in_pre_election_period"] = council.in_pre_election_period(_today(today), row)
    return {k: v for k, v in facts.items() if k in profile.facts}


def evidence(case: Case, profile: rulebook.Profile) -> dict[str, list[str]]:
    """Where the registers' pre-filled answers come from, per fact, as lines for the
    wizard to show under the question: the advice already given to another group on the
    same matter (for the clerk to confirm it is the same), the member's declared interests
    that share words with the request."""
    out: dict[str, list[str]] = {}
    if case.type != "request":
        return out
    if case.kind == "group_meeting" and "advised_other_group" in profile.facts:
        found = advice.for_case(case)
        if found:
            out["advised_other_group"] = ["From the advice register (same matter?):"] + [
                f"  {c.line}" for c in found]
        else:
            out["advised_other_group"] = ["The advice register has no advice to another group "
                                          "on a matter like this one."]
    if case.kind == "document_inspection" and case.member_id and "member_has_interest" in profile.facts:
        found = interest_matches(case.member, f"{case.subject} {case.details}")
        if found:
            out["member_has_interest"] = ["From the register of interests:"] + [
                f"  {i.kind}: {i.description}" for i in found]
    return out


@dataclass(frozen=True)
class Conflict:
    role: str
    reason: str
    clause: str


def interest_conflicts(case: Case, profile: rulebook.Profile, roles, *,
                       today: dt.date | None = None) -> list[Conflict]:
    """Handlers of *roles* who are members with a declared interest sharing a significant
    word with the case: proposed to the clerk as conflicted, with the interest as the
    reason (the profile's `member_conflict_clause`). Never the subject or complainant:
    they are dealt with already."""
    ctx = context_from_case(case, today)
    text = f"{case.subject} {case.details}"
    out = []
    for role in dict.fromkeys(roles):
        if role in ("complainant", "requesting_member", "member"):
            continue
        people = resolve(role, ctx)
        if not people or any(p.kind != "member" for p in people):
            continue
        # every holder has the interest (a body of several, one of whom has it, still acts)
        found = [interest_matches(Member.get_by_id(p.id), text) for p in people]
        if all(found):
            reason = "; ".join(f"{p.name} declared a {f[0].kind} interest: {f[0].description}"
                               for p, f in zip(people, found))
            out.append(Conflict(role, reason, profile.setting_clause("member_conflict")))
    return out
