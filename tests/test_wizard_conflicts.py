"""Conflicts declared by the clerk in the wizard, the reason recorded on the timeline, and
conflicts pre-filled from the members' declared interests. 002 §3.3: "Officers and
Employees are expected to declare any prejudicial interests relating to their work to the
Town Clerk"; 002 §1.7: "Councillors are required to abide by the Members' Code of Conduct"."""
from __future__ import annotations

import json

import pytest
from textual.widgets import Static

from clerkdesk.models.casework import case_lists, case_route, records
from clerkdesk.models.core.forms import ValidationError
from clerkdesk.models.core.schema import Case, Member, Officer, Step
from clerkdesk.models.store import opening
from clerkdesk.screens.form import FormScreen
from clerkdesk.screens.picker import PickerScreen
from clerkdesk.screens.wizard import WizardScreen
from clerkdesk.tui.app import ClerkDesk

SIZE = (120, 40)


def clerk_complaint(subject: str) -> Case:
    """A councillor's complaint about the Town Clerk (000: to the Chair of the committee
    responsible for staffing; in the demo, Cllr David Okafor)."""
    pryce = Member.get(Member.name == "Cllr Janet Pryce")
    clerk = Officer.get(Officer.name == "Helen Marsh")
    return records.save(case_lists.COMPLAINTS, {
        "kind": "member_about_officer", "subject": subject, "complainant_member": str(pryce.id),
        "subject_officer": str(clerk.id), "received": "today"})


def route_note(case_id: int) -> str:
    return Step.select().where((Step.case == case_id) & (Step.kind == "route")).get().note


def test_a_declared_conflict_takes_the_alternate_and_goes_on_the_timeline(demo_db):
    """The Town Clerk declares an interest in an information request: the route gives the
    step to the protocol's alternate, and the reason is on the case with 002 §3.3."""
    member = Member.select().where(~Member.archived).first()
    case = records.save(case_lists.REQUESTS, {"kind": "information", "member": str(member.id),
                                              "subject": "The Town Clerk's own pay review",
                                              "received": "today"})
    profile = case_route.profile_for_council()
    answers = {"case": "information", "to_junior_officer": False, "decision_against_advice": False}
    declared = {"town_clerk": "It concerns the Clerk's own pay"}
    route, resolved = case_route.route_for(case, profile, answers, declared)
    assert "town_clerk" not in route.handlers
    assert route.steps[0].handler == "staffing_committee_chair" and route.steps[0].replaces == "town_clerk"
    with pytest.raises(ValidationError):
        case_route.apply_route(case.id, route, resolved, profile=profile, conflicts={"town_clerk": " "})
    case_route.apply_route(case.id, route, resolved, profile=profile, conflicts=declared)
    assert "Conflict declared: Town Clerk: It concerns the Clerk's own pay [002 §3.3]" in route_note(case.id)
    kept = json.loads(Case.get_by_id(case.id).route)
    assert kept["conflicts"] == declared
    assert "Conflicted: Town Clerk: It concerns the Clerk's own pay" in case_route.route_lines(
        Case.get_by_id(case.id))


def test_a_members_declared_interest_proposes_the_conflict(demo_db):
    """Cllr Okafor, Chair of the staffing committee, declared that he is employed by the
    district council's planning department: on a complaint about the Clerk's letter to
    that department he is proposed as conflicted, with his interest as the reason."""
    case = clerk_complaint("Town Clerk's letter to the district planning department")
    profile = case_route.profile_for_council()
    route, _ = case_route.route_for(case, profile, {
        "case": "complaint", "complainant": "member", "subject_role": "town_clerk",
        "code_of_conduct": False, "serious": False, "repeated": False})
    proposed = case_route.proposed_conflicts(case, profile, route)
    assert [c.role for c in proposed] == ["staffing_committee_chair"]
    assert "Okafor" in proposed[0].reason and "planning department" in proposed[0].reason
    assert proposed[0].clause == "002 §1.7"
    # an unrelated complaint proposes nothing ("council" alone is not a shared matter)
    other = clerk_complaint("Town Clerk's tone at the council meeting")
    route, _ = case_route.route_for(other, profile, {
        "case": "complaint", "complainant": "member", "subject_role": "town_clerk",
        "code_of_conduct": False, "serious": False, "repeated": False})
    assert case_route.proposed_conflicts(other, profile, route) == []


async def _to_route(pilot, wizard) -> None:
    for _ in range(12):
        if wizard.route is not None:
            return
        await pilot.press("enter")
        await pilot.pause()
    raise AssertionError("no route")


async def test_in_the_wizard_the_interest_is_marked_withdrawn_and_declared_again(demo_db):
    case = clerk_complaint("Town Clerk's letter to the district planning department")
    opening.open_database(demo_db)
    app = ClerkDesk(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("6")
        await pilot.pause()
        app.pane("complaints").load(keep=case.id)
        await pilot.pause()
        await pilot.press("w")
        await pilot.pause()
        wizard = app.screen
        assert isinstance(wizard, WizardScreen)
        await _to_route(pilot, wizard)
        body = str(wizard.query_one("#wiz-route-body", Static).render())
        assert "Conflicts declared" in body and "from the register of interests" in body
        assert wizard.route.steps[0].handler == "personnel_panel"  # the alternate (003 §16)
        # d: withdraw the proposal
        await pilot.press("d")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, PickerScreen)
        assert picker.options[0][1].startswith("Withdraw: Chair of the committee")
        await pilot.press("enter")
        await pilot.pause()
        assert wizard.conflicts == {} and wizard.route.steps[0].handler == "staffing_committee_chair"
        # d: declare it, with a reason typed by the clerk
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, PickerScreen)
        await pilot.press("enter")  # the first handler: the staffing committee's Chair
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FormScreen)
        form.query_one("#f-reason").text = "Works in the department the letter went to"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert wizard.conflicts == {"staffing_committee_chair": "Works in the department the letter went to"}
        assert wizard.route.steps[0].handler == "personnel_panel"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, WizardScreen)
    note = route_note(case.id)
    assert ("Conflict declared: Chair of the committee responsible for staffing: Works in the "
            "department the letter went to [002 §1.7]") in note
