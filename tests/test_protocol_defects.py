"""Issue 15's routing defects, one scenario each, derived from the seed's own sentence
(quoted in each test's docstring). Every scenario is checked three ways: the engine, the
command line (`clerkdesk route`), and the wizard's own walk (next_question answered from
the facts, then the route of the answers that still apply), which must agree."""
from __future__ import annotations

import argparse
import io
import json
import re

import pytest

from clerkdesk.models.rules import rulebook
from clerkdesk.tui.commands import CliError
from clerkdesk.tui.commands import route as route_cmd

PROFILES = {name: rulebook.load_profile(name) for name in ("town", "principal")}

MC = {"case": "complaint", "complainant": "member"}
OC = {"case": "complaint", "complainant": "officer"}


def cli(pname: str, facts: dict) -> dict:
    args = argparse.Namespace(profile=pname, compact=True, command="route")
    out = io.StringIO()
    assert route_cmd.run(args, stdin=io.StringIO(json.dumps(facts)), stdout=out) == 0
    return json.loads(out.getvalue())


def wizard_walk(pname: str, facts: dict) -> tuple[dict, list[str]]:
    """What the wizard does: ask next_question until the route is decided, answering each
    from *facts* (a question the facts leave open takes its default, as the clerk
    accepting the highlighted answer would); hidden facts (conflicted_roles...) are fixed
    from the start. Returns the route (as JSON) and the facts asked, in order."""
    profile = PROFILES[pname]
    asked_facts = {q.fact for q in profile.question_list}
    answers = {k: v for k, v in facts.items() if k not in asked_facts}
    asked = []
    while (q := rulebook.next_question(profile, answers)) is not None:
        value = facts.get(q.fact, q.default)
        assert value is not None, f"the wizard asks {q.fact}, which the scenario does not answer"
        answers[q.fact] = value
        asked.append(q.fact)
    route = rulebook.route(profile, rulebook.applicable_answers(profile, answers))
    return route.to_dict(), asked


def all_three(pname: str, facts: dict) -> tuple[dict, list[str]]:
    engine = rulebook.route(PROFILES[pname], facts).to_dict()
    assert cli(pname, facts) == engine
    walked, asked = wizard_walk(pname, facts)
    assert walked == engine
    return engine, asked


def steps(route: dict) -> list[tuple[str, str, bool]]:
    return [(s["handler"], s["clause"], s["in_writing"]) for s in route["steps"]]


# --- 1. 001 §11.1: discuss first, for every officer the clause covers --------------------

@pytest.mark.parametrize("role", ["corporate_director", "section_151_officer",
                                  "monitoring_officer", "managing_director"])
def test_1_a_member_discusses_a_complaint_about_any_officer_first(role):
    """001 §11.1: "Should a Member have cause to complain about the actions or failings of
    any officer of the Council (including any Corporate Director), the Member should in
    the first instance discuss the matter with the officer concerned unless the Member
    feels unable to do so." """
    route, asked = all_three("principal", {**MC, "subject_role": role,
                                           "raised_with_officer": "not_yet"})
    assert "raised_with_officer" in asked  # the wizard asks it
    assert steps(route)[0] == ("complainant", "001 §11.1", False)
    assert "discuss" in route["steps"][0]["action"].lower()
    # unable to discuss: straight to where the complaint is lodged (§11.2 / §11.3)
    unable, _ = all_three("principal", {**MC, "subject_role": role, "raised_with_officer": "unable"})
    assert unable["steps"][0]["handler"] != "complainant"
    assert unable["steps"][0]["in_writing"]


def test_1_the_corporate_director_route_needs_the_answer():
    """001 §11.1 / §11.2: the discuss-first step is part of the Corporate Director's route,
    so the route cannot be given without knowing whether it was discussed."""
    with pytest.raises(rulebook.FactError) as exc:
        rulebook.route(PROFILES["principal"], {**MC, "subject_role": "corporate_director"})
    assert exc.value.fact == "raised_with_officer" and "missing" in str(exc.value)


# --- 2. 003 §16: no alternate for a statutory referral -----------------------------------

def test_2_a_conflicted_principal_monitoring_officer_is_not_replaced_by_an_slcc_person():
    """003 §16: "Where the matter relates to a formal written complaint alleging a breach
    of the Councillor's Code of Conduct the matter must be referred to the principal
    council's monitoring officer in the first instance in line with the Localism Act
    2011." """
    facts = {**OC, "subject_role": "member", "code_of_conduct": True,
             "conflicted_roles": ["principal_monitoring_officer"]}
    route, _ = all_three("town", facts)
    assert route["outcome_key"] == "complaint_code_of_conduct"
    assert [s["handler"] for s in route["steps"]] == ["principal_deputy_monitoring_officer"]
    assert route["steps"][0]["replaces"] == "principal_monitoring_officer"
    assert "independent_person" not in json.dumps(route["steps"])
    assert any("no alternate" in w["text"] and w["clause"] == "003 §16" for w in route["warnings"])


def test_2_with_the_deputy_conflicted_too_the_referral_is_refused_with_a_sentence():
    """003 §16: the referral "must be referred to the principal council's monitoring
    officer": nobody at the town council may take it instead."""
    facts = {**OC, "subject_role": "member", "code_of_conduct": True,
             "conflicted_roles": ["principal_monitoring_officer", "principal_deputy_monitoring_officer"]}
    with pytest.raises(rulebook.FactError) as exc:
        rulebook.route(PROFILES["town"], facts)
    assert exc.value.fact == "conflicted_roles" and "no one is left" in str(exc.value)
    with pytest.raises(CliError) as cli_exc:
        cli("town", facts)
    assert cli_exc.value.status == 2 and "no one is left" in str(cli_exc.value)


def test_2_grievance_mediation_without_the_monitoring_officer_keeps_the_independent_person():
    """000 §Procedure for Officers: "Mid Devon District Council's Monitoring Officer may be
    able to offer a mediation/conciliation role, or it may be necessary to seek
    independent advice. For example, the Society of Local Council Clerks may be able to
    provide an independent person." """
    route, _ = all_three("town", {**OC, "subject_role": "officer",
                                  "conflicted_roles": ["principal_monitoring_officer"]})
    handlers = [s["handler"] for s in route["steps"]]
    assert handlers == ["personnel_panel", "independent_person"]
    assert any("Monitoring Officer is conflicted" in w["text"] for w in route["warnings"])


# --- 3. 003 §10: nothing relayed to another group -----------------------------------------

@pytest.mark.parametrize("facts", [
    {"case": "group_meeting", "clerk_accepts": True},
    {"case": "group_meeting", "advised_other_group": True},
])
def test_3_the_town_group_meeting_route_says_nothing_is_relayed(facts):
    """003 §10: "Officers will respect the confidentiality of any party group discussions
    at which they are present and, unless requested to do so by that party group, will
    not relay the content of such discussions to another party group or to any other
    members." """
    route, _ = all_three("town", facts)
    relay = [w for w in route["warnings"] if "relayed" in w["text"]]
    assert relay and relay[0]["clause"] == "003 §10"
    assert "will not relay" in route["clauses"]["003 §10"]


# --- 4. 001 §5.3: why the statutory right failed -----------------------------------------

@pytest.mark.parametrize("pname,refused_by", [("principal", "001 §5.5"), ("town", "003 §8")])
def test_4_refusing_exempt_meeting_papers_records_why_the_statutory_right_failed(pname, refused_by):
    """001 §5.3: "This right does not however apply to documents relating to certain items
    which may appear on the private (pink) agenda for meetings." """
    facts = {"case": "document_inspection", "meeting_business": True,
             "exempt_category": "negotiations", "need_shown": False}
    route, asked = all_three(pname, facts)
    assert route["outcome_key"] == "inspection_refused" and route["refusal"]
    assert [s["clause"] for s in route["steps"]] == ["001 §5.3", refused_by]
    assert "statutory right" in route["steps"][0]["action"]
    assert "exempt_category" in asked
    # an ordinary agenda item keeps the statutory right: no such step
    ordinary, _ = all_three(pname, {"case": "document_inspection", "meeting_business": True,
                                    "exempt_category": "none"})
    assert ordinary["outcome_key"] == "inspection_statutory"
    assert "statutory right" not in json.dumps(ordinary["steps"]).replace("Statutory right", "")


# --- 5. writing only where the text says so -----------------------------------------------

@pytest.mark.parametrize("pname,facts,clause", [
    ("principal", {"case": "group_meeting"}, "001 §8.3"),
    ("principal", {"case": "public_meeting", "called_by": "member"}, "001 §10.2"),
    ("principal", {"case": "public_meeting", "called_by": "council"}, "001 §9.2"),
    ("town", {"case": "public_meeting", "called_by": "member", "in_pre_election_period": True},
     "003 §11(b)"),
    ("town", {**MC, "subject_role": "officer", "raised_with_officer": "inappropriate",
              "serious": True}, "003 §16"),
])
def test_5_steps_the_text_does_not_put_in_writing_are_not_in_writing(pname, facts, clause):
    """001 §8.3 "who will advise all other Group Leaders of the request", §10.2 "with the
    prior express consent", §9.2 "should ... be invited", 003 §11(b) "No such meetings
    should be arranged", 003 §16 "may lead to an investigation": none says "in writing"."""
    route, _ = all_three(pname, facts)
    spoken = [s for s in route["steps"] if s["clause"] == clause and s["handler"] != "group_leader"]
    assert spoken and not any(s["in_writing"] for s in spoken)


WRITING = re.compile(r"in writing|written|letter|correspondence", re.I)


@pytest.mark.parametrize("pname", ["town", "principal"])
def test_5_every_step_in_writing_cites_a_clause_that_says_writing(pname):
    """Writing only where the text says "in writing" / "written request" / "lodge ... in
    writing" (or the step is itself a letter or correspondence)."""
    profile = PROFILES[pname]
    for rule in profile.rules + profile.addenda:
        for step in rule.steps:
            if step.in_writing:
                assert WRITING.search(profile.clauses[step.clause]), (rule.key, step.action)
    # and the group leader's written request to the MD is still in writing (001 §8.3)
    if pname == "principal":
        route, _ = all_three(pname, {"case": "group_meeting"})
        assert steps(route)[0] == ("group_leader", "001 §8.3", True)


# --- 6. the principal pre-election warning -------------------------------------------------

def test_6_the_principal_profile_cites_no_election_rule_001_does_not_have():
    """001 §10.3: "It must be made clear to those attending such a meeting that any officer
    is there in his or her official capacity, is politically neutral ..." says nothing
    about elections; neither does any other clause of 001 or 004."""
    profile = PROFILES["principal"]
    assert "in_pre_election_period" not in profile.facts
    assert not profile.notices
    text = json.dumps([w.text for r in profile.rules for w in r.warnings]).lower()
    assert "election" not in text
    route, asked = all_three("principal", {"case": "public_meeting", "called_by": "group"})
    assert steps(route) == [("managing_director", "001 §10.2", False), ("officer", "001 §10.3", False)]
    assert "in_pre_election_period" not in asked


def test_6_the_town_notice_covers_member_arranged_meetings_only():
    """003 §11(b): "No such meetings [arranged by a local member] should be arranged or held
    in the immediate run-up to Council elections." A Council meeting is not one."""
    town = PROFILES["town"]
    member = rulebook.notices(town, {"case": "public_meeting", "called_by": "member",
                                     "in_pre_election_period": True})
    council = rulebook.notices(town, {"case": "public_meeting", "called_by": "council",
                                      "in_pre_election_period": True})
    not_routed = rulebook.notices(town, {"case": "public_meeting", "in_pre_election_period": True})
    assert [n.clause for n in member] == ["003 §11(b)"] == [n.clause for n in not_routed]
    assert council == []
    assert rulebook.notices(town, {"case": "public_meeting", "called_by": "member",
                                   "in_pre_election_period": False}) == []
