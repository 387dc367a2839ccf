"""Roles resolved to people from the registers, and facts pre-filled from a case.

Real SQLite casebooks in tmp_path (the `db` and `demo_db` fixtures), never mocks."""
from __future__ import annotations

import datetime as dt

import pytest
from unaudited import adopt_unaudited

from clerkdesk.models.casework import protocol_facts
from clerkdesk.models.core.db import database
from clerkdesk.models.core.schema import (
    Advice,
    Case,
    Committee,
    CommitteeSeat,
    Contact,
    Council,
    Interest,
    Member,
    Officer,
    PartyGroup,
)
from clerkdesk.models.rules import rulebook

TODAY = dt.date(2026, 11, 23)

#: the same domain tests on SQLite and on PostgreSQL (conftest.py)
BOTH_ENGINES = True


@pytest.fixture
def principal():
    return rulebook.load_profile("principal")


@pytest.fixture
def town():
    return rulebook.load_profile("town")


@pytest.fixture
def council(db):
    """A small principal-style council: two departments, statutory officers, two groups,
    written straight into the tables in one transaction, then vouched for in the log."""
    with database.atomic():
        made = _council()
        adopt_unaudited()
    return made


def _council():
    o = {}
    o["md"] = Officer.create(name="Mary Director", roles="managing_director,head_of_paid_service")
    o["mo"] = Officer.create(name="Mo Legal", roles="monitoring_officer", department="Legal")
    o["s151"] = Officer.create(name="Sam Finance", roles="section_151_officer", department="Finance")
    o["cd_env"] = Officer.create(name="Chris Env", roles="corporate_director", department="Environment")
    o["cd_fin"] = Officer.create(name="Fran Fin", roles="corporate_director", department="Finance")
    o["hos_env"] = Officer.create(name="Hal Service", roles="head_of_service", department="Environment")
    o["junior"] = Officer.create(name="Jo Junior", roles="junior_officer", department="Environment")
    o["gone"] = Officer.create(name="Old Director", roles="corporate_director", department="Environment",
                               left_on=dt.date(2020, 1, 1))
    o["archived_cd"] = Officer.create(name="Archived Director", roles="corporate_director",
                                      department="Environment", archived=True)
    m = {}
    for name in ("Alice", "Bob", "Carol", "Dan", "Eve", "Fred"):
        m[name] = Member.create(name=name)
    m["Fred"].term_end = dt.date(2020, 5, 1)
    m["Fred"].save()
    red = PartyGroup.create(name="Red", leader=m["Alice"], deputy_leader=m["Bob"])
    blue = PartyGroup.create(name="Blue", leader=m["Carol"], deputy_leader=m["Dan"])
    PartyGroup.create(name="Gone", leader=m["Fred"], archived=True)
    for name, g in (("Alice", red), ("Bob", red), ("Eve", red), ("Carol", blue), ("Dan", blue)):
        m[name].group = g
        m[name].save()
    m["Eve"].roles = "chair,personnel_panel"
    m["Eve"].save()
    staffing = Committee.create(name="Personnel", staffing=True, chair=m["Dan"])
    Committee.create(name="Standards Committee", chair=m["Carol"])
    Contact.create(name="Pat Principal", role="principal_monitoring_officer", organisation="District")
    Contact.create(name="Ivy Independent", role="independent_person", organisation="SLCC")
    return {"o": o, "m": m, "red": red, "blue": blue, "staffing": staffing}


def names(people):
    return [p.name for p in people]


def _complaint(**kw):
    kw.setdefault("ref", f"CMP-2026-{Case.select().count() + 1:04d}")
    kw.setdefault("type", "complaint")
    kw.setdefault("kind", "member_about_officer")
    kw.setdefault("subject", "A complaint")
    kw.setdefault("received", TODAY)
    return Case.create(**kw)


# --- resolve -------------------------------------------------------------------------------

def test_corporate_director_of_subject_officers_department(council):
    o = council["o"]
    ctx = protocol_facts.CaseContext(subject_officer=o["junior"], department="Environment", today=TODAY)
    assert names(protocol_facts.resolve("corporate_director", ctx)) == ["Chris Env"]
    assert names(protocol_facts.resolve("head_of_service", ctx)) == ["Hal Service"]
    assert names(protocol_facts.resolve("managing_director", ctx)) == ["Mary Director"]
    assert names(protocol_facts.resolve("monitoring_officer", ctx)) == ["Mo Legal"]
    assert names(protocol_facts.resolve("section_151_officer", ctx)) == ["Sam Finance"]


def test_never_returns_the_subject(council):
    o = council["o"]
    ctx = protocol_facts.CaseContext(subject_officer=o["cd_env"], department="Environment", today=TODAY)
    assert protocol_facts.resolve("corporate_director", ctx) == []  # the only live one is the subject
    ctx = protocol_facts.CaseContext(subject_officer=o["md"], today=TODAY)
    assert protocol_facts.resolve("managing_director", ctx) == []


def test_group_leader_and_deputy(council):
    m = council["m"]
    ctx = protocol_facts.CaseContext(subject_member=m["Eve"], today=TODAY)
    assert names(protocol_facts.resolve("group_leader", ctx)) == ["Alice"]
    assert names(protocol_facts.resolve("deputy_group_leader", ctx)) == ["Bob"]
    ctx = protocol_facts.CaseContext(subject_member=m["Alice"], today=TODAY)
    assert protocol_facts.resolve("group_leader", ctx) == []  # the subject: the engine takes the deputy
    assert names(protocol_facts.resolve("deputy_group_leader", ctx)) == ["Bob"]


def test_all_and_other_group_leaders(council):
    m = council["m"]
    ctx = protocol_facts.CaseContext(requesting_member=m["Eve"], today=TODAY)
    assert names(protocol_facts.resolve("all_group_leaders", ctx)) == ["Carol", "Alice"]  # Blue, Red
    assert names(protocol_facts.resolve("other_group_leaders", ctx)) == ["Carol"]
    # a leader who is the subject is replaced by their deputy; archived groups are left out
    ctx = protocol_facts.CaseContext(subject_member=m["Alice"], today=TODAY)
    assert names(protocol_facts.resolve("all_group_leaders", ctx)) == ["Carol", "Bob"]


def test_town_roles_and_contacts(council):
    ctx = protocol_facts.CaseContext(today=TODAY)
    assert names(protocol_facts.resolve("chair", ctx)) == ["Eve"]
    assert names(protocol_facts.resolve("personnel_panel", ctx)) == ["Eve"]
    assert names(protocol_facts.resolve("staffing_committee_chair", ctx)) == ["Dan"]
    assert names(protocol_facts.resolve("principal_monitoring_officer", ctx)) == ["Pat Principal"]
    assert names(protocol_facts.resolve("independent_person", ctx)) == ["Ivy Independent"]
    assert [p.kind for p in protocol_facts.resolve("standards_committee", ctx)] == ["committee"]
    assert protocol_facts.resolve("no_such_role", ctx) == []


def test_town_clerk_by_alias(db):
    Officer.create(name="Tess Clerk", roles="proper_officer,responsible_financial_officer")
    Officer.create(name="Dee Deputy", roles="deputy_clerk")
    assert names(protocol_facts.resolve("town_clerk", protocol_facts.CaseContext(today=TODAY))) == ["Tess Clerk"]


def test_resolve_route_for_a_case(council, principal):
    o, m = council["o"], council["m"]
    case = _complaint(kind="officer_about_member", complainant_type="officer",
                      complainant_officer=o["junior"], subject_member=m["Alice"])
    facts = protocol_facts.facts_from_case(case, principal)
    assert facts["subject_role"] == "group_leader"
    r = rulebook.route(principal, rulebook.applicable_answers(profile=principal, answers=facts))
    resolved = protocol_facts.resolve_route(r, case, TODAY)
    assert [(s.handler, names(p)) for s, p in resolved] == [
        ("managing_director", ["Mary Director"]), ("deputy_group_leader", ["Bob"])]


# --- facts_from_case -----------------------------------------------------------------------

def test_member_complaint_about_corporate_director(council, principal):
    o, m = council["o"], council["m"]
    case = _complaint(complainant_type="member", complainant_member=m["Carol"], subject_officer=o["cd_fin"])
    facts = protocol_facts.facts_from_case(case, principal)
    assert facts == {"case": "complaint", "complainant": "member", "subject_role": "corporate_director",
                     "serious": False, "previous_complaints": 0}
    # 001 §11.1 "(including any Corporate Director)": the clerk answers whether it was
    # discussed with the director first; unresolved, it is lodged in writing with the MD
    r = rulebook.route(principal, {**facts, "raised_with_officer": "unresolved"})
    assert (r.steps[0].handler, r.steps[0].clause, r.steps[0].in_writing) == ("managing_director", "001 §11.2", True)


def test_subject_role_takes_the_most_senior(council, principal):
    case = _complaint(complainant_type="member", complainant_member=council["m"]["Bob"],
                      subject_officer=council["o"]["md"])
    assert protocol_facts.facts_from_case(case, principal)["subject_role"] == "managing_director"
    case = _complaint(complainant_type="member", complainant_member=council["m"]["Bob"],
                      subject_officer=council["o"]["junior"])
    assert protocol_facts.facts_from_case(case, principal)["subject_role"] == "officer"


def test_repeated_is_computed_from_history_within_window(council, principal):
    o, m = council["o"], council["m"]
    base = dict(complainant_type="member", complainant_member=m["Carol"], subject_officer=o["hos_env"])
    _complaint(received=TODAY - dt.timedelta(days=500), **base)  # outside 12 months
    _complaint(received=TODAY - dt.timedelta(days=30), complainant_type="member",
               complainant_member=m["Bob"], subject_officer=o["hos_env"])  # another complainant
    case = _complaint(**base)
    assert protocol_facts.facts_from_case(case, principal)["previous_complaints"] == 0
    _complaint(received=TODAY - dt.timedelta(days=60), **base)
    facts = protocol_facts.facts_from_case(case, principal)
    assert facts["previous_complaints"] == 1
    facts["raised_with_officer"] = "unresolved"
    r = rulebook.route(principal, facts)
    assert r.facts["repeated"] is True and r.outcome_key == "complaint_about_officer_serious"
    assert ("managing_director", "001 §11.5") in [(s.handler, s.clause) for s in r.steps]


def test_repeat_window_is_a_profile_setting(council, principal):
    o, m = council["o"], council["m"]
    base = dict(complainant_type="member", complainant_member=m["Carol"], subject_officer=o["hos_env"])
    _complaint(received=TODAY - dt.timedelta(days=500), **base)
    case = _complaint(**base)
    principal.settings["repeat_window_months"] = 24
    assert protocol_facts.facts_from_case(case, principal)["previous_complaints"] == 1


def test_complainants_own_roles_are_conflicted(council, principal):
    o, m = council["o"], council["m"]
    case = _complaint(kind="officer_about_member", complainant_type="officer",
                      complainant_officer=o["md"], subject_member=m["Carol"])
    facts = protocol_facts.facts_from_case(case, principal)
    assert facts["conflicted_roles"] == ["managing_director"]
    r = rulebook.route(principal, facts)
    assert r.steps[0].handler == "monitoring_officer" and r.steps[0].replaces == "managing_director"


def test_complainant_leading_the_subjects_group_is_conflicted(council, principal):
    m = council["m"]
    case = _complaint(kind="code_of_conduct", complainant_type="member", complainant_member=m["Alice"],
                      subject_member=m["Eve"])
    facts = protocol_facts.facts_from_case(case, principal)
    assert facts["subject_role"] == "chair" and facts["conflicted_roles"] == ["group_leader"]
    facts["code_of_conduct"] = False
    r = rulebook.route(principal, facts)
    assert r.outcome_key == "complaint_by_member_about_member"
    assert r.steps[0].handler == "deputy_group_leader"
    assert names(protocol_facts.resolve_route(r, case, TODAY)[0][1]) == ["Bob"]


def test_town_complaint_about_clerk_and_grievance(db, town):
    clerk = Officer.create(name="Tess Clerk", roles="town_clerk,proper_officer")
    assistant = Officer.create(name="Ann Assistant", roles="junior_officer")
    chair = Member.create(name="Cllr Chair", roles="chair")
    case = _complaint(complainant_type="member", complainant_member=chair, subject_officer=clerk)
    facts = protocol_facts.facts_from_case(case, town)
    assert facts["subject_role"] == "town_clerk" and facts["conflicted_roles"] == ["chair"]
    r = rulebook.route(town, facts)
    assert r.outcome_key == "complaint_about_clerk"
    g = _complaint(kind="grievance", complainant_type="officer", complainant_officer=assistant,
                   subject_officer=clerk)
    assert rulebook.route(town, protocol_facts.facts_from_case(g, town)).outcome_key == "grievance"


def test_code_of_conduct_kind(db, town):
    officer = Officer.create(name="Ann", roles="junior_officer")
    member = Member.create(name="Cllr X")
    case = _complaint(kind="code_of_conduct", complainant_type="officer", complainant_officer=officer,
                      subject_member=member)
    facts = protocol_facts.facts_from_case(case, town)
    assert facts["code_of_conduct"] is True
    r = rulebook.route(town, facts)
    assert r.steps[0].handler == "principal_monitoring_officer"


def _request(kind, **kw):
    kw.setdefault("ref", f"REQ-2026-{Case.select().count() + 1:04d}")
    return Case.create(type="request", kind=kind, subject=kw.pop("subject", "A request"),
                       received=kw.pop("received", TODAY), **kw)


def test_document_inspection_prefill(council, principal):
    m = council["m"]
    Interest.create(member=m["Bob"], kind="pecuniary", description="Owns land at Riverside allotments")
    planning = Committee.create(name="Planning")
    CommitteeSeat.create(committee=planning, member=m["Bob"])
    case = _request("document_inspection", member=m["Bob"], subject="Riverside allotments lease")
    facts = protocol_facts.facts_from_case(case, principal, committee=planning)
    assert facts == {"case": "document_inspection", "member_has_interest": True, "committee_member": True}
    other = _request("document_inspection", member=m["Carol"], subject="Budget papers")
    assert protocol_facts.facts_from_case(other, principal, committee=planning) == {
        "case": "document_inspection", "committee_member": False}


def test_group_meeting_prefill_from_advice_register(council, town):
    m = council["m"]
    Advice.create(group=council["blue"], matter="Car park charges", given_on=TODAY - dt.timedelta(days=3))
    case = _request("group_meeting", member=m["Alice"], group=council["red"], subject="car park charges")
    facts = protocol_facts.facts_from_case(case, town)
    assert facts["advised_other_group"] is True
    assert rulebook.route(town, facts).outcome_key == "group_meeting_same_matter"


def test_public_meeting_pre_election(council, town):
    c = Council.get()
    c.next_election = TODAY + dt.timedelta(days=10)
    c.pre_election_days = 42
    c.save()
    case = _request("public_meeting", member=council["m"]["Alice"])
    facts = protocol_facts.facts_from_case(case, town)
    assert facts["in_pre_election_period"] is True
    facts["called_by"] = "member"
    assert rulebook.route(town, facts).outcome_key == "public_meeting_election"


def test_information_due(council, principal):
    case = _request("information", member=council["m"]["Alice"])
    facts = protocol_facts.facts_from_case(case, principal)
    assert rulebook.route(principal, facts).due_working_days == 7


def test_demo_cases_prefill_without_unknown_or_contradictory_facts(demo_db):
    for pname in ("town", "principal"):
        profile = rulebook.load_profile(pname)
        for case in Case.select():
            facts = rulebook.applicable_answers(profile, protocol_facts.facts_from_case(case, profile))
            try:
                rulebook.route(profile, facts)
            except rulebook.FactError as exc:
                assert "missing" in exc.message or "no one is left" in exc.message, (case.ref, exc)
