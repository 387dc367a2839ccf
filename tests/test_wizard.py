"""The protocol wizard walked end to end through the UI, as a clerk would."""
from __future__ import annotations

import json

from helpers import settle_until
from textual.widgets import Input, OptionList, Static

from clerkdesk.models.casework import case_lists, case_route, records, registers
from clerkdesk.models.core.schema import Case, Council, Member, Step, Task
from clerkdesk.models.store import opening
from clerkdesk.screens.wizard import WizardScreen
from clerkdesk.tui.app import ClerkDesk

SIZE = (120, 40)


def text_of(widget: Static) -> str:
    return str(widget.render())


async def walk_to_route(pilot, app, limit: int = 12) -> None:
    """Accept the highlighted (pre-filled) answer until the route shows."""
    for _ in range(limit):
        if app.screen.route is not None:
            return
        await pilot.press("enter")
        await pilot.pause()
    raise AssertionError("the wizard never reached a route")


async def walk_answering(pilot, app, choose: dict[str, str], limit: int = 14) -> list[str]:
    """Walk to the route, answering the questions in *choose* (fact -> the start of the
    choice's label) and accepting the highlighted answer elsewhere; returns the facts
    asked, in order."""
    asked = []
    wizard = app.screen
    for _ in range(limit):
        if wizard.route is not None:
            return asked
        asked.append(wizard.question.fact)
        if wizard.question.fact in choose:
            options = wizard.query_one("#wiz-choices", OptionList)
            labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
            options.highlighted = next(i for i, label in enumerate(labels)
                                       if label.startswith(choose[wizard.question.fact]))
        await pilot.press("enter")
        await pilot.pause()
    raise AssertionError("the wizard never reached a route")


async def open_case(pilot, app, tab: str, case_id: int) -> None:
    await pilot.press({"requests": "4", "complaints": "6"}[tab])
    await pilot.pause()
    app.pane(tab).load(keep=case_id)
    await pilot.pause()


async def test_member_complaint_about_a_corporate_director_goes_in_writing_to_the_md(demo_db):
    council = Council.get()
    council.profile = "principal"
    council.kind = "city"
    council.save()
    md = records.save(registers.OFFICERS, {"name": "Dana Mills", "job_title": "Managing Director",
                                             "roles": "managing_director,head_of_paid_service"})
    director = records.save(registers.OFFICERS, {
        "name": "Colin Reeve", "job_title": "Corporate Director of Place", "department": "Place",
        "roles": "corporate_director"})
    member = Member.select().where(~Member.archived).first()
    case = records.save(case_lists.COMPLAINTS, {
        "kind": "member_about_officer", "subject": "Rude reply about the depot",
        "complainant_member": str(member.id), "subject_officer": str(director.id),
        "received": "today"})
    opening.open_database(demo_db)
    app = ClerkDesk(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await open_case(pilot, app, "complaints", case.id)
        await pilot.press("w")
        await pilot.pause()
        wizard = app.screen
        assert isinstance(wizard, WizardScreen)
        # the subject's role comes from the registers and is offered as the answer; the
        # wizard asks whether the member discussed it with the director first (001 §11.1
        # "including any Corporate Director"): not resolved
        asked = await walk_answering(pilot, app, {"raised_with_officer": "Discussed, but not"})
        assert "raised_with_officer" in asked
        shown = text_of(wizard.query_one("#wiz-route-body", Static))
        assert "Managing Director" in shown and "Dana Mills" in shown
        assert "001 §11.2" in shown and "IN WRITING" in shown
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, WizardScreen)
    case = Case.get_by_id(case.id)
    kept = json.loads(case.route)
    assert kept["route"]["steps"][0]["handler"] == "managing_director"
    assert kept["route"]["steps"][0]["clause"] == "001 §11.2"
    assert kept["people"][0] == ["Dana Mills"]
    assert not any("Colin Reeve" in people for people in kept["people"])  # never the subject
    routed = Step.select().where((Step.case == case) & (Step.kind == "route")).get()
    assert routed.clause == "001 §11.2"
    assert "step 1" in case.stage


async def test_back_goes_to_the_previous_question(demo_db):
    case = Case.select().where((Case.type == "complaint") & (Case.route == "")).first()
    opening.open_database(demo_db)
    app = ClerkDesk(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await open_case(pilot, app, "complaints", case.id)
        await pilot.press("w")
        # (on a loaded machine the wizard may take more than one frame to come up)
        await settle_until(pilot, lambda: isinstance(app.screen, WizardScreen))
        wizard = app.screen
        first = wizard.question
        await pilot.press("enter")
        await pilot.pause()
        assert wizard.question is not first or wizard.route is not None
        await pilot.press("left")
        await pilot.pause()
        assert wizard.question == first
        assert wizard.asked == []
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, WizardScreen)


async def test_a_need_to_know_refusal_records_its_reasons(demo_db):
    member = Member.select().where(~Member.archived).first()
    case = records.save(case_lists.REQUESTS, {
        "kind": "document_inspection", "subject": "Inspect the tender file",
        "member": str(member.id), "received": "today"})
    opening.open_database(demo_db)
    app = ClerkDesk(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await open_case(pilot, app, "requests", case.id)
        await pilot.press("w")
        await pilot.pause()
        wizard = app.screen
        # answer "yes" to the declared-interest question, accept the rest
        for _ in range(12):
            if wizard.route is not None:
                break
            options = wizard.query_one("#wiz-choices", OptionList)
            if wizard.question.fact == "member_has_interest":
                labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
                options.highlighted = next(i for i, label in enumerate(labels) if label.startswith("Yes"))
            await pilot.press("enter")
            await pilot.pause()
        assert wizard.route is not None and wizard.route.refusal
        assert "002 §2.6" in text_of(wizard.query_one("#wiz-route-body", Static))
        await pilot.press("ctrl+s")  # no reasons yet: refused
        await pilot.pause()
        assert isinstance(app.screen, WizardScreen)
        assert "reasons" in text_of(wizard.query_one("#wiz-error", Static))
        reasons = wizard.query_one("#wiz-reasons", Input)
        assert app.focused is reasons
        await pilot.press(*"Declared interest: owns land next to the site")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, WizardScreen)
    kept = json.loads(Case.get_by_id(case.id).route)
    assert kept["reasons"] == "Declared interest: owns land next to the site"
    note = Step.select().where((Step.case == case.id) & (Step.kind == "route")).get().note
    assert "Reasons: Declared interest" in note


async def test_s_moves_a_routed_case_along_its_route(demo_db):
    member = Member.select().where(~Member.archived).first()
    case = records.save(case_lists.REQUESTS, {
        "kind": "group_meeting", "subject": "Clerk at the group's budget meeting",
        "member": str(member.id), "group": str(member.group_id or ""), "received": "today"})
    profile = case_route.profile_for_council()
    begin = case_route.start(case, profile)
    answers = dict(begin.fixed)
    from clerkdesk.models.rules import rulebook

    while (q := rulebook.next_question(profile, answers)) is not None:
        answers[q.fact] = begin.prefill.get(q.fact, q.default if q.default is not None
                                            else (q.choices[0].value if q.choices else False))
    route, resolved = case_route.route_for(case, profile, answers)
    case_route.apply_route(case.id, route, resolved, reasons="not needed" if route.refusal else "")
    tasks_before = Task.select().where(Task.case == case.id).count()
    assert tasks_before == len(route.tasks)
    opening.open_database(demo_db)
    app = ClerkDesk(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await open_case(pilot, app, "requests", case.id)
        await pilot.press("s")
        await pilot.pause()
        form = app.screen
        form.query_one("#f-outcome").value = "done"
        await pilot.press("ctrl+s")
        await pilot.pause()
    kept = json.loads(Case.get_by_id(case.id).route)
    assert kept["position"] == 1
    last = Step.select().where(Step.case == case.id).order_by(Step.id.desc()).get()
    assert last.action.startswith("This step is done")
    assert last.clause == route.steps[0].clause


def test_contrary_to_advice_is_recorded_as_such(demo_db):
    case = Case.select().where((Case.type == "request") & (Case.status != "closed")).first()
    case_route.record(case.id, "outcome", "Members voted to publish the report", contrary_to_advice=True)
    last = Step.select().where(Step.case == case.id).order_by(Step.id.desc()).get()
    assert "contrary to officer advice" in last.action
    # the town profile's rule (003 §5: "respecting the decisions made, regardless of any
    # different advice"), from the profile
    assert "003 §5" == case_route.contrary_clause(case_route.profile_for_council())
    assert "[003 §5]" in last.note
    assert Case.get_by_id(case.id).status == "closed"
