"""The wizard on screen agrees with `clerkdesk route` on issue 15's defect scenarios: the
clerk answers each question the wizard asks as the scenario says, and the route the
wizard shows is the route the command line prints."""
from __future__ import annotations

import argparse
import io
import json

import pytest
from textual.widgets import OptionList, Static

from clerkdesk.models.casework import case_lists, records, registers
from clerkdesk.models.core.schema import Council, Member
from clerkdesk.models.store import opening
from clerkdesk.screens.wizard import WizardScreen, _choices
from clerkdesk.tui.app import ClerkDesk
from clerkdesk.tui.commands import route as route_cmd

SIZE = (120, 40)

MC = {"case": "complaint", "complainant": "member"}

SCENARIOS = [
    # 1. 001 §11.1 "(including any Corporate Director)": the wizard asks, the route discusses first
    ("principal", {**MC, "subject_role": "corporate_director", "raised_with_officer": "not_yet",
                   "serious": False, "repeated": False}, "raised_with_officer"),
    # 3. 003 §10: nothing relayed to another group
    ("town", {"case": "group_meeting", "non_members_present": False, "advised_other_group": False,
              "clerk_accepts": True, "decision_against_advice": False}, "clerk_accepts"),
    # 4. 001 §5.3: why the statutory right failed
    ("town", {"case": "document_inspection", "member_has_interest": False, "other_group_internal": False,
              "meeting_business": True, "exempt_category": "counsel_advice",
              "third_party_personal_data": False, "committee_member": False, "need_shown": False,
              "decision_against_advice": False}, "exempt_category"),
    # 5. 001 §10.2: the MD's consent is not in writing
    ("principal", {"case": "public_meeting", "called_by": "member", "officer_requested": True,
                   "decision_against_advice": False}, "officer_requested"),
    # 6. no pre-election question in the principal profile
    ("principal", {"case": "public_meeting", "called_by": "group", "officer_requested": False,
                   "decision_against_advice": False}, "called_by"),
]


def cli(pname: str, facts: dict) -> dict:
    out = io.StringIO()
    route_cmd.run(argparse.Namespace(profile=pname, compact=True, command="route"),
                  stdin=io.StringIO(json.dumps(facts)), stdout=out)
    return json.loads(out.getvalue())


def make_case(facts: dict):
    member = Member.select().where(~Member.archived & (Member.roles == "")).first()
    if facts["case"] == "complaint":
        officer = records.save(registers.OFFICERS, {"name": "Colin Reeve", "department": "Place",
                                                    "roles": "corporate_director"})
        return records.save(case_lists.COMPLAINTS, {
            "kind": "member_about_officer", "subject": "The reply about the depot",
            "complainant_member": str(member.id), "subject_officer": str(officer.id),
            "received": "today"})
    return records.save(case_lists.REQUESTS, {"kind": facts["case"], "subject": "A scenario",
                                              "member": str(member.id), "received": "today",
                                              "group": str(member.group_id or "")})


@pytest.mark.parametrize("pname,facts,asked", SCENARIOS, ids=[f"{p}-{a}" for p, _f, a in SCENARIOS])
async def test_the_wizard_shows_the_route_the_cli_prints(demo_db, pname, facts, asked):
    Council.update(profile=pname).execute()
    case = make_case(facts)
    opening.open_database(demo_db)
    app = ClerkDesk(demo_db)
    seen = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("6" if case.type == "complaint" else "4")
        await pilot.pause()
        app.pane("complaints" if case.type == "complaint" else "requests").load(keep=case.id)
        await pilot.pause()
        await pilot.press("w")
        await pilot.pause()
        wizard = app.screen
        assert isinstance(wizard, WizardScreen)
        for _ in range(16):
            if wizard.route is not None:
                break
            q = wizard.question
            seen.append(q.fact)
            assert q.fact in facts, f"the wizard asks {q.fact}"
            values = [v for v, _label in _choices(q)]
            wizard.query_one("#wiz-choices", OptionList).highlighted = values.index(facts[q.fact])
            await pilot.press("enter")
            await pilot.pause()
        assert wizard.route is not None, str(wizard.query_one("#wiz-route-body", Static).render())
        shown = wizard.route.to_dict()
    assert asked in seen
    expected = cli(pname, facts)
    for key in ("outcome_key", "steps", "tasks", "warnings", "due_working_days", "refusal"):
        assert shown[key] == expected[key], key
    if pname == "principal" and facts["case"] == "public_meeting":
        assert "in_pre_election_period" not in seen
