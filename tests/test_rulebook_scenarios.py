"""One scenario per clause of DESIGN.md §4, for both profiles, through the engine and
through `clerkdesk route` (the CLI module's run() with the facts as JSON on stdin)."""
from __future__ import annotations

import argparse
import io
import json

import pytest

from clerkdesk.models.rules import rulebook
from clerkdesk.tui.commands import CliError
from clerkdesk.tui.commands import route as route_cmd

PROFILES = {name: rulebook.load_profile(name) for name in ("town", "principal")}

C = {"case": "complaint"}
MC = {"case": "complaint", "complainant": "member"}
OC = {"case": "complaint", "complainant": "officer"}

# (id, profile, facts, outcome_key, [(handler, clause, in_writing), ...] exactly, task clauses, due)
SCENARIOS = [
    # --- principal complaints, 001 §11 ---------------------------------------------------
    ("p-11.1-discuss-first", "principal",
     {**MC, "subject_role": "officer", "raised_with_officer": "not_yet"}, "complaint_about_officer",
     [("complainant", "001 §11.1", False), ("corporate_director", "001 §11.1", False)], [], None),
    ("p-11.1-unable", "principal",
     {**MC, "subject_role": "head_of_service", "raised_with_officer": "unable"}, "complaint_about_officer",
     [("corporate_director", "001 §11.1", False)], [], None),
    ("p-11.2-corporate-director", "principal",
     {**MC, "subject_role": "corporate_director", "raised_with_officer": "unresolved"}, "complaint_about_director",
     [("managing_director", "001 §11.2", True)], [], None),
    ("p-11.3-md", "principal",
     {**MC, "subject_role": "managing_director", "raised_with_officer": "unresolved"}, "complaint_about_md",
     [("monitoring_officer", "001 §11.3", True)], [], None),
    ("p-11.3-md-financial", "principal",
     {**MC, "subject_role": "managing_director", "raised_with_officer": "unresolved", "financial_irregularity": True}, "complaint_about_md",
     [("monitoring_officer", "001 §11.3", True), ("section_151_officer", "001 §11.3", True)], [], None),
    ("p-11.4-officer-about-member", "principal",
     {**OC, "subject_role": "member"}, "complaint_by_officer_about_member",
     [("managing_director", "001 §11.4", True), ("group_leader", "001 §11.4", False)], [], None),
    ("p-11.4-about-group-leader-deputy", "principal",
     {**OC, "subject_role": "group_leader"}, "complaint_by_officer_about_member",
     [("managing_director", "001 §11.4", True), ("deputy_group_leader", "001 §11.4", False)], [], None),
    ("p-11.5-serious-employee", "principal",
     {**MC, "subject_role": "officer", "raised_with_officer": "unresolved", "serious": True},
     "complaint_about_officer_serious",
     [("corporate_director", "001 §11.1", False), ("corporate_director", "001 §11.5", False),
      ("managing_director", "001 §11.5", False)], [], None),
    ("p-11.5-repeated-from-history", "principal",
     {**MC, "subject_role": "officer", "raised_with_officer": "unresolved", "previous_complaints": 2},
     "complaint_about_officer_serious",
     [("corporate_director", "001 §11.1", False), ("corporate_director", "001 §11.5", False),
      ("managing_director", "001 §11.5", False)], [], None),
    ("p-11.6-director-repeated", "principal",
     {**MC, "subject_role": "corporate_director", "raised_with_officer": "unresolved", "repeated": True}, "complaint_about_director_serious",
     [("managing_director", "001 §11.2", True), ("managing_director", "001 §11.6", False),
      ("monitoring_officer", "001 §11.6", False), ("section_151_officer", "001 §11.6", False)],
     ["001 §11.6"], None),
    ("p-11.6-member-serious", "principal",
     {**MC, "subject_role": "member", "serious": True}, "complaint_by_member_about_member_serious",
     [("managing_director", "001 §11.6", False), ("monitoring_officer", "001 §11.6", False),
      ("section_151_officer", "001 §11.6", False)], ["001 §11.6"], None),
    ("p-11.7-md-serious", "principal",
     {**MC, "subject_role": "managing_director", "raised_with_officer": "unresolved", "serious": True}, "complaint_about_md_serious",
     [("monitoring_officer", "001 §11.3", True), ("monitoring_officer", "001 §11.7", False),
      ("all_group_leaders", "001 §11.7", False), ("standards_committee", "001 §11.9", False)],
     ["001 §11.7", "001 §11.9"], None),
    ("p-11.8-mo-repeated", "principal",
     {**MC, "subject_role": "monitoring_officer", "raised_with_officer": "unresolved", "previous_complaints": 1}, "complaint_about_mo_serious",
     [("managing_director", "001 §11.2", True), ("managing_director", "001 §11.8", False),
      ("all_group_leaders", "001 §11.8", False), ("standards_committee", "001 §11.9", False)],
     ["001 §11.8", "001 §11.9"], None),
    ("p-11.9-s151-serious", "principal",
     {**MC, "subject_role": "section_151_officer", "raised_with_officer": "unresolved", "serious": True}, "complaint_about_director_serious",
     [("managing_director", "001 §11.2", True), ("managing_director", "001 §11.6", False),
      ("monitoring_officer", "001 §11.6", False), ("standards_committee", "001 §11.9", False)],
     ["001 §11.6", "001 §11.9"], None),
    # --- town complaints ------------------------------------------------------------------
    ("t-003-16-officer-first", "town",
     {**MC, "subject_role": "officer", "raised_with_officer": "not_yet"}, "complaint_about_officer",
     [("complainant", "003 §16", False), ("town_clerk", "000 §Procedure for Members", False)], [], None),
    ("t-003-16-unresolved", "town",
     {**MC, "subject_role": "officer", "raised_with_officer": "unresolved"}, "complaint_about_officer_direct",
     [("town_clerk", "003 §16", False)], [], None),
    ("t-003-16-serious-disciplinary", "town",
     {**MC, "subject_role": "officer", "raised_with_officer": "inappropriate", "serious": True},
     "complaint_about_officer_direct",
     [("town_clerk", "003 §16", False), ("town_clerk", "003 §16", False)], [], None),
    ("t-000-about-clerk", "town",
     {**MC, "subject_role": "town_clerk"}, "complaint_about_clerk",
     [("staffing_committee_chair", "000 §Procedure for Members", False), ("personnel_panel", "003 §16", False)],
     [], None),
    ("t-002-1.8-officer-about-member", "town",
     {**OC, "subject_role": "member"}, "complaint_about_member",
     [("town_clerk", "003 §16", False)], [], None),
    ("t-003-16-code-of-conduct", "town",
     {**OC, "subject_role": "member", "code_of_conduct": True}, "complaint_code_of_conduct",
     [("principal_monitoring_officer", "003 §16", True)], [], None),
    ("t-000-grievance", "town",
     {**OC, "subject_role": "officer"}, "grievance",
     [("personnel_panel", "003 §16", False), ("principal_monitoring_officer", "000 §Procedure for Officers", False),
      ("independent_person", "000 §Procedure for Officers", False)], [], None),
    # --- information ----------------------------------------------------------------------
    ("p-5.1-5.9-information", "principal", {"case": "information"}, "information",
     [("corporate_director", "001 §5.1", False), ("corporate_director", "001 §5.9", False)], [], 7),
    ("p-4.6-junior-policy", "principal",
     {"case": "information", "to_junior_officer": True, "about_policy": True}, "information_policy_junior",
     [("head_of_service", "001 §4.6", False), ("corporate_director", "001 §4.2", False)], [], 7),
    ("p-4.8-service-request", "principal", {"case": "service_request"}, "service_request",
     [("requesting_member", "001 §4.8", False)], [], None),
    ("t-003-7-information", "town", {"case": "information"}, "information",
     [("town_clerk", "003 §7", False), ("town_clerk", "003 §6", False)], [], 7),
    ("t-003-6-not-factual", "town",
     {"case": "information", "to_junior_officer": True, "purely_factual": False}, "information_to_clerk",
     [("town_clerk", "003 §6", False)], [], 7),
    ("t-service-request", "town", {"case": "service_request"}, "service_request",
     [("requesting_member", "003 §11", False)], [], None),
    # --- need to know ---------------------------------------------------------------------
    ("p-5.3-statutory", "principal",
     {"case": "document_inspection", "meeting_business": True, "exempt_category": "none"},
     "inspection_statutory", [("corporate_director", "001 §5.3", False)], [], None),
    ("p-5.3-exempt-then-need", "principal",
     {"case": "document_inspection", "meeting_business": True, "exempt_category": "counsel_advice",
      "need_shown": False}, "inspection_refused",
     [("corporate_director", "001 §5.3", False), ("corporate_director", "001 §5.5", False)], [], None),
    ("p-5.7-other-group", "principal",
     {"case": "document_inspection", "other_group_internal": True, "meeting_business": False,
      "need_shown": True}, "inspection_other_group", [("corporate_director", "001 §5.7", False)], [], None),
    ("p-5.6-committee-presumed", "principal",
     {"case": "document_inspection", "meeting_business": False, "committee_member": True,
      "need_shown": False}, "inspection_committee_member", [("corporate_director", "001 §5.6", False)], [], None),
    ("p-5.6-third-party-unjustified", "principal",
     {"case": "document_inspection", "meeting_business": False, "third_party_personal_data": True,
      "justified": False, "need_shown": True}, "inspection_third_party_refused",
     [("corporate_director", "001 §5.6", False)], [], None),
    ("p-5.6-third-party-justified", "principal",
     {"case": "document_inspection", "meeting_business": False, "third_party_personal_data": True,
      "justified": True, "need_shown": True}, "inspection_third_party_justified",
     [("monitoring_officer", "001 §5.5", False), ("corporate_director", "001 §5.6", False)], [], None),
    ("p-5.5-need-shown", "principal",
     {"case": "document_inspection", "meeting_business": False, "need_shown": True}, "inspection_need_shown",
     [("monitoring_officer", "001 §5.5", False), ("corporate_director", "001 §5.5", False)], [], None),
    ("p-5.5-curiosity", "principal",
     {"case": "document_inspection", "meeting_business": False, "need_shown": False}, "inspection_refused",
     [("corporate_director", "001 §5.5", False)], [], None),
    ("p-5.5-dispute-standards", "principal",
     {"case": "document_inspection", "meeting_business": False, "need_shown": False, "disputed": True},
     "inspection_disputed", [("corporate_director", "001 §5.5", False), ("standards_committee", "001 §5.5", False)],
     [], None),
    ("p-5.11-interest", "principal",
     {"case": "document_inspection", "meeting_business": False, "member_has_interest": True, "need_shown": True},
     "inspection_interest", [("monitoring_officer", "001 §5.5", False), ("corporate_director", "001 §5.5", False)],
     [], None),
    ("t-002-2.6-interest", "town",
     {"case": "document_inspection", "member_has_interest": True, "meeting_business": True,
      "exempt_category": "none", "need_shown": True}, "inspection_interest",
     [("town_clerk", "002 §2.6", False)], [], None),
    ("t-5.3-statutory", "town",
     {"case": "document_inspection", "meeting_business": True, "exempt_category": "none"},
     "inspection_statutory", [("town_clerk", "002 §2.5", False)], [], None),
    ("t-5.7-other-group", "town",
     {"case": "document_inspection", "other_group_internal": True, "meeting_business": False, "need_shown": True},
     "inspection_other_group", [("town_clerk", "001 §5.7", False)], [], None),
    ("t-003-8-committee", "town",
     {"case": "document_inspection", "meeting_business": True, "exempt_category": "employees",
      "committee_member": True, "need_shown": False}, "inspection_committee_member",
     [("town_clerk", "001 §5.3", False), ("town_clerk", "003 §8", False)], [], None),
    ("t-003-8-third-party", "town",
     {"case": "document_inspection", "meeting_business": False, "third_party_personal_data": True,
      "justified": False, "need_shown": True}, "inspection_third_party_refused",
     [("town_clerk", "003 §8", False)], [], None),
    ("t-002-2.5-need-shown", "town",
     {"case": "document_inspection", "meeting_business": False, "need_shown": True}, "inspection_need_shown",
     [("town_clerk", "003 §8", False)], [], None),
    ("t-003-8-curiosity", "town",
     {"case": "document_inspection", "meeting_business": False, "need_shown": False}, "inspection_refused",
     [("town_clerk", "003 §8", False)], [], None),
    # --- party groups ----------------------------------------------------------------------
    ("p-8.3-group-meeting", "principal", {"case": "group_meeting"}, "group_meeting",
     [("group_leader", "001 §8.3", True), ("managing_director", "001 §8.3", False),
      ("corporate_director", "001 §8.3", False)], ["001 §8.3", "001 §8.2"], None),
    ("p-8.3-planning", "principal", {"case": "group_meeting", "planning_application": True},
     "group_meeting_planning", [("managing_director", "001 §8.3", False)], [], None),
    ("t-003-10-non-members", "town", {"case": "group_meeting", "non_members_present": True},
     "group_meeting_non_members", [("town_clerk", "003 §10", False)], [], None),
    ("t-003-10-same-matter", "town", {"case": "group_meeting", "advised_other_group": True},
     "group_meeting_same_matter", [("town_clerk", "003 §10", False)],
     ["000 §Political Groups", "003 §10", "003 §10"], None),
    ("t-000-clerk-refuses", "town", {"case": "group_meeting", "clerk_accepts": False},
     "group_meeting_declined", [("town_clerk", "003 §10", False)], [], None),
    ("t-000-report-all-groups", "town", {"case": "group_meeting", "clerk_accepts": True},
     "group_meeting", [("town_clerk", "000 §Political Groups", False), ("town_clerk", "000 §Political Groups", False)],
     ["000 §Political Groups", "003 §10", "003 §10"], None),
    # --- public meetings ---------------------------------------------------------------------
    ("p-10.2-md-consent", "principal", {"case": "public_meeting", "called_by": "group"},
     "public_meeting_officer", [("managing_director", "001 §10.2", False), ("officer", "001 §10.3", False)],
     [], None),
    ("p-9.2-ward-members", "principal", {"case": "public_meeting", "called_by": "council"},
     "public_meeting_council", [("officer", "001 §9.2", False)], ["001 §9.2"], None),
    ("t-003-11-pre-election", "town",
     {"case": "public_meeting", "called_by": "member", "in_pre_election_period": True},
     "public_meeting_election", [("town_clerk", "003 §11(b)", False)], [], None),
    ("t-003-11-party-political", "town",
     {"case": "public_meeting", "called_by": "group", "party_political": True},
     "public_meeting_political", [("town_clerk", "003 §11", False)], [], None),
    ("t-003-11-may-attend", "town", {"case": "public_meeting", "called_by": "member"},
     "public_meeting_member", [("requesting_member", "003 §11", False), ("town_clerk", "003 §11(a)", False)],
     [], None),
    ("t-003-11-council-ward-members", "town", {"case": "public_meeting", "called_by": "council"},
     "public_meeting_council", [("town_clerk", "003 §11", False)], ["003 §11"], None),
    # --- ward assistance ----------------------------------------------------------------------
    ("p-4.7-other-ward", "principal", {"case": "ward_assistance", "own_ward": False}, "ward_other",
     [("officer", "001 §4.7", False), ("head_of_service", "001 §4.7", False)], [], None),
    ("p-4.7-own-ward", "principal", {"case": "ward_assistance"}, "ward",
     [("officer", "001 §4.7", False)], [], None),
    ("t-003-11-ward-surgery", "town", {"case": "ward_assistance", "ward_surgery": True}, "ward_surgery",
     [("town_clerk", "003 §11(c)", False)], [], None),
    ("t-003-14n-other-ward", "town", {"case": "ward_assistance", "own_ward": False}, "ward",
     [("town_clerk", "003 §6", False)], ["003 §14(n)"], None),
    # --- support services ---------------------------------------------------------------------
    ("p-7-private", "principal", {"case": "support_services", "purpose": "private"}, "support_private",
     [("officer", "001 §7", False)], [], None),
    ("p-7-political", "principal", {"case": "support_services", "purpose": "political"}, "support_political",
     [("officer", "001 §7", False)], [], None),
    ("p-7-conducive", "principal",
     {"case": "support_services", "purpose": "political", "conducive_to_functions": True}, "support",
     [("officer", "001 §7", False)], [], None),
    ("t-003-15u-electioneering", "town", {"case": "support_services", "purpose": "electioneering"},
     "support_u", [("town_clerk", "003 §15(u)", False)], [], None),
    ("t-003-15-council", "town", {"case": "support_services", "purpose": "council_business"}, "support",
     [("town_clerk", "002 §2.8", False)], [], None),
    # --- correspondence -----------------------------------------------------------------------
    ("p-6.3-obligation", "principal",
     {"case": "correspondence", "correspondence_action": "letter_in_member_name", "creates_obligation": True},
     "correspondence_obligation", [("corporate_director", "001 §6.3", True)], [], None),
    ("p-6.2-no-copy", "principal",
     {"case": "correspondence", "correspondence_action": "copy_to_members", "copy_basis": "none"},
     "correspondence_no_copy", [("officer", "001 §6.2", True)], [], None),
    ("p-6.2-formal-meeting", "principal",
     {"case": "correspondence", "correspondence_action": "copy_to_members", "copy_basis": "formal_meeting"},
     "correspondence_copy_meeting", [("officer", "001 §6.2", True)], ["001 §6.2"], None),
    ("t-003-13-blind-copy", "town",
     {"case": "correspondence", "correspondence_action": "copy_to_members", "blind_copy": True,
      "author_consents": True}, "correspondence_blind_copy", [("officer", "003 §13", True)], [], None),
    ("t-003-13-obligation", "town",
     {"case": "correspondence", "correspondence_action": "letter_in_member_name", "creates_obligation": True},
     "correspondence_obligation", [("town_clerk", "003 §13", True)], [], None),
    # --- motions, media -----------------------------------------------------------------------
    ("p-3.6-motion", "principal", {"case": "motion_advice"}, "motion_advice",
     [("monitoring_officer", "001 §3.6", False)], [], None),
    ("t-003-9-motion", "town", {"case": "motion_advice"}, "motion_advice",
     [("town_clerk", "003 §9", False)], [], None),
    ("p-4.5-media", "principal", {"case": "media"}, "media", [("requesting_member", "001 §4.5", False)], [], None),
    ("t-003-12-party-release", "town",
     {"case": "media", "media_action": "press_release", "promotes_party_group": True}, "media_party",
     [("town_clerk", "003 §12", False)], [], None),
    # --- premises visits (004 §1.6, 003 §14) -------------------------------------------------
    ("p-004-1.6-premises-visit", "principal", {"case": "premises_visit", "meeting_officers": True},
     "premises_visit", [("requesting_member", "004 §1.6", False), ("officer", "004 §1.6", False)],
     ["004 §1.6"], None),
    ("t-003-14-premises-visit", "town", {"case": "premises_visit", "own_ward": False}, "premises_visit",
     [("requesting_member", "003 §14(k)", False), ("officer", "003 §14(l)", False)], ["003 §14(n)"], None),
    # --- 004: against officer advice -----------------------------------------------------------
    ("p-004-against-advice", "principal", {"case": "motion_advice", "decision_against_advice": True},
     "motion_advice", [("monitoring_officer", "001 §3.6", False), ("officer", "004 §Addendum", False)], [], None),
]


def _check(route: dict, profile, outcome_key, steps, task_clauses, due):
    assert route["outcome_key"] == outcome_key
    assert route["clause"] in profile.clauses
    got = [(s["handler"], s["clause"], s["in_writing"]) for s in route["steps"]]
    assert got == steps
    assert [t["clause"] for t in route["tasks"]] == task_clauses
    assert route["due_working_days"] == due
    for s in route["steps"]:
        assert s["clause"] in profile.clauses and route["clauses"][s["clause"]]


@pytest.mark.parametrize("sid,pname,facts,outcome_key,steps,task_clauses,due", SCENARIOS,
                         ids=[s[0] for s in SCENARIOS])
def test_scenario_engine(sid, pname, facts, outcome_key, steps, task_clauses, due):
    profile = PROFILES[pname]
    r = rulebook.route(profile, facts)
    _check(r.to_dict(), profile, outcome_key, steps, task_clauses, due)


def _cli(pname: str, stdin_text: str) -> dict:
    args = argparse.Namespace(profile=pname, compact=False, command="route")
    out = io.StringIO()
    assert route_cmd.run(args, stdin=io.StringIO(stdin_text), stdout=out) == 0
    return json.loads(out.getvalue())


@pytest.mark.parametrize("sid,pname,facts,outcome_key,steps,task_clauses,due", SCENARIOS,
                         ids=[s[0] for s in SCENARIOS])
def test_scenario_cli(sid, pname, facts, outcome_key, steps, task_clauses, due):
    _check(_cli(pname, json.dumps(facts)), PROFILES[pname], outcome_key, steps, task_clauses, due)


def test_done_example_member_complaint_about_corporate_director():
    """The issue's "done when": in writing to the Managing Director under 001 §11.2."""
    out = _cli("principal", '{"case": "complaint", "complainant": "member", '
                            '"subject_role": "corporate_director", "raised_with_officer": "unresolved"}')
    assert out["steps"][0] == {**out["steps"][0], "handler": "managing_director",
                               "in_writing": True, "clause": "001 §11.2"}
    assert set(out) >= {"outcome", "steps", "tasks"}


def test_every_case_kind_has_a_scenario_in_both_profiles():
    for pname, profile in PROFILES.items():
        covered = {facts["case"] for _, p, facts, *_ in SCENARIOS if p == pname}
        assert covered == set(profile.facts["case"].choice_values())


@pytest.mark.parametrize("pname", ["town", "principal"])
def test_conflict_alternates_through_cli(pname):
    facts = {"case": "complaint", "complainant": "member", "subject_role": "officer",
             "raised_with_officer": "unresolved",
             "conflicted_roles": ["town_clerk"] if pname == "town" else ["corporate_director"]}
    out = _cli(pname, json.dumps(facts))
    handlers = [s["handler"] for s in out["steps"]]
    assert facts["conflicted_roles"][0] not in handlers
    assert any(s["replaces"] == facts["conflicted_roles"][0] for s in out["steps"])


@pytest.mark.parametrize("stdin_text,fact", [
    ('{"case": "complaint", "colour": "red"}', "colour"),
    ('{"case": "complaint", "complainant": "member", "subject_role": "corporate_director", '
     '"repeated": false, "previous_complaints": 3}', "repeated"),
    ('{"case": "information", "meeting_business": true}', "meeting_business"),
    ('{"case": "complaint", "complainant": "officer", "subject_role": "banana"}', "subject_role"),
    ('{"case": "document_inspection"}', "meeting_business"),
])
def test_cli_bad_facts_exit_2_naming_the_fact(stdin_text, fact):
    args = argparse.Namespace(profile="principal", compact=True, command="route")
    with pytest.raises(CliError) as exc:
        route_cmd.run(args, stdin=io.StringIO(stdin_text), stdout=io.StringIO())
    assert exc.value.status == 2
    assert f"'{fact}'" in str(exc.value)


@pytest.mark.parametrize("stdin_text", ["", "{not json", "[1, 2]", '"complaint"'])
def test_cli_bad_json_exit_2(stdin_text):
    args = argparse.Namespace(profile="town", compact=True, command="route")
    with pytest.raises(CliError) as exc:
        route_cmd.run(args, stdin=io.StringIO(stdin_text), stdout=io.StringIO())
    assert exc.value.status == 2


def test_cli_bad_profile_exit_2(tmp_path):
    bad = tmp_path / "copy.toml"
    bad.write_text("[profile\nname = 'x'\n")
    for prof in (str(bad), "nosuchprofile"):
        args = argparse.Namespace(profile=prof, compact=True, command="route")
        with pytest.raises(CliError) as exc:
            route_cmd.run(args, stdin=io.StringIO('{"case": "information"}'), stdout=io.StringIO())
        assert exc.value.status == 2
    args = argparse.Namespace(profile=str(bad), compact=True, command="route")
    with pytest.raises(CliError, match=r"copy\.toml line 1"):
        route_cmd.run(args, stdin=io.StringIO("{}"), stdout=io.StringIO())


def test_cli_through_main(capsys, monkeypatch):
    from clerkdesk.tui.__main__ import main

    monkeypatch.setattr("sys.stdin", io.StringIO('{"case": "information"}'))
    assert main(["route", "--profile", "principal"]) == 0
    assert json.loads(capsys.readouterr().out)["due_working_days"] == 7
    monkeypatch.setattr("sys.stdin", io.StringIO('{"case": "informatio"}'))
    assert main(["route"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("clerkdesk: fact 'case'") and err.count("\n") == 1
