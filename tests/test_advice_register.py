"""The advice register, alive (000: "If a report is prepared for one political group, the
Town Clerk should advise all other political groups that the report has been prepared, or
that advice was given"; 003 §10: "He/she must give substantially the same advice to
each"). Recorded from the route's task, its step and the Party groups tab; "the same
matter" found by full-text similarity, the candidates shown for the clerk to confirm; the
report shows advice given per group."""
from __future__ import annotations

import json

import pytest
from unaudited import adopt_unaudited
from textual.widgets import Static

from clerkdesk.models.casework import advice, case_route, protocol_facts, registers
from clerkdesk.models.core import dates
from clerkdesk.models.core.schema import Advice, Audit, Case, Officer, PartyGroup, Step, Task
from clerkdesk.models.output import report
from clerkdesk.models.store import opening
from clerkdesk.screens.form import FormScreen
from clerkdesk.screens.wizard import WizardScreen
from clerkdesk.tui.app import ClerkDesk

BOTH_ENGINES = True
SIZE = (120, 40)


def group(name: str) -> PartyGroup:
    return PartyGroup.get(PartyGroup.name == name)


def conservative_budget_request() -> Case:
    """The demo's: the Conservative Group asks for the RFO on the budget, which the Liberal
    Democrat Group was briefed on two working days ago."""
    return Case.get(Case.subject == "Conservative Group asks the RFO to attend on the same budget matter")


# --- the same matter ------------------------------------------------------------------------

def test_the_same_matter_is_found_by_similarity_not_equality(demo_db):
    """The request's subject is not the stored matter ("Budget 2026/27: precept options
    and the reserves position"), yet it is the same matter: the old exact comparison
    never found it."""
    case = conservative_budget_request()
    found = advice.for_case(case)
    assert found, "the Liberal Democrat Group's budget briefing is a candidate"
    best = found[0]
    assert best.group == "Liberal Democrat Group" and best.matter.startswith("Budget 2026/27")
    assert "budget" in best.shared
    assert all(c.group_id != case.group_id for c in found)  # never the group's own advice
    profile = case_route.profile_for_council()
    assert protocol_facts.facts_from_case(case, profile)["advised_other_group"] is True
    lines = protocol_facts.evidence(case, profile)["advised_other_group"]
    assert lines[0].startswith("From the advice register") and "Budget 2026/27" in lines[1]


def test_group_names_and_casework_words_do_not_make_a_match(demo_db):
    assert advice.matter_words("Conservative Group asks the officer to attend the meeting") == []
    assert advice.same_matter("Liberal Democrat Group meeting request") == []
    # an unrelated matter finds nothing
    assert advice.same_matter("Allotment water troughs", exclude_group=None) == []


# --- recording -------------------------------------------------------------------------------

def test_recording_from_a_case_audits_it_notes_the_timeline_and_ticks_the_task(demo_db):
    case = conservative_budget_request()
    officer = Officer.get(Officer.name == "Karen Doyle")
    task = Task.create(case=case, description="Record the advice in the advice register.",
                       clause="003 §10", records="advice")
    adopt_unaudited()  # (made straight in the table: the log vouches for it from here)
    values = advice.initial_values(case, officer_id=officer.id)
    assert values["group"] == str(case.group_id) and values["matter"] == case.subject
    values["summary"] = "The same precept options and reserves figures as the other groups."
    row = advice.record(values, case_id=case.id, task_id=task.id)
    assert (row.group_id, row.officer_id, row.case_id) == (case.group_id, officer.id, case.id)
    assert row.given_on == dates.today() and row.summary.startswith("The same precept")
    entry = Audit.select().where((Audit.table == "advice") & (Audit.row_id == row.id)).get()
    assert json.loads(entry.changes)["matter"][1] == case.subject
    step = Step.select().where(Step.case == case).order_by(Step.id.desc()).get()
    assert step.kind == "advice" and step.clause == "003 §10"
    assert "Conservative Group" in step.action
    assert Task.get_by_id(task.id).done_on == dates.today()
    # it is on the register, found the next time another group asks
    assert any(c.advice_id == row.id for c in advice.same_matter("budget reserves",
                                                                 exclude_group=group("Liberal Democrat Group").id))


def test_the_report_shows_advice_given_per_group(demo_db):
    rows = {g.group: g for g in advice.by_group()}
    assert set(rows) == {"Ashcombe Independents", "Conservative Group", "Liberal Democrat Group"}
    assert rows["Liberal Democrat Group"].count == 2 and rows["Conservative Group"].count == 1
    md = report.to_markdown(report.build_report())
    assert "## Advice to party groups" in md and "(003 §10)" in md
    assert "| Liberal Democrat Group | 2 |" in md
    html = report.to_html(report.build_report())
    assert "<h2>Advice to party groups</h2>" in html


def test_the_town_route_creates_a_task_that_records_advice(demo_db):
    case = conservative_budget_request()
    profile = case_route.profile_for_council()
    facts = {"case": "group_meeting", "non_members_present": False, "advised_other_group": True,
             "decision_against_advice": False}
    route, resolved = case_route.route_for(case, profile, facts)
    assert route.outcome_key == "group_meeting_same_matter"
    assert route.steps[0].records == "advice"
    case_route.apply_route(case.id, route, resolved, profile=profile)
    tasks = {t.description: t.records for t in Task.select().where(Task.case == case)}
    assert tasks["Record the advice in the advice register."] == "advice"


# --- through the screens (the task, the step, the group tab) ---------------------------------

async def _save_form(pilot, app, **fields) -> None:
    form = app.screen
    assert isinstance(form, FormScreen), type(form)
    for name, value in fields.items():
        form.query_one(f"#f-{name}").value = value
    await pilot.press("ctrl+s")
    await pilot.pause()


def _routed_same_matter_case() -> Case:
    case = conservative_budget_request()
    profile = case_route.profile_for_council()
    route, resolved = case_route.route_for(case, profile, {
        "case": "group_meeting", "non_members_present": False, "advised_other_group": True,
        "decision_against_advice": False})
    return case_route.apply_route(case.id, route, resolved, profile=profile)


@pytest.mark.sqlite_only
async def test_doing_the_task_on_the_desk_records_the_advice(demo_db):
    case = _routed_same_matter_case()
    task = Task.get((Task.case == case) & (Task.records == "advice"))
    before = Advice.select().count()
    opening.open_database(demo_db)
    app = ClerkDesk(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        desk = app.pane("dashboard")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert desk.table.select_key(f"task:{task.id}")
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FormScreen)
        assert "Budget 2026/27" in str(form.query_one(".form-subtitle", Static).render())
        await _save_form(pilot, app, summary="Same precept options as the other groups")
        assert not isinstance(app.screen, FormScreen)
    assert Advice.select().count() == before + 1
    assert Task.get_by_id(task.id).done_on is not None


@pytest.mark.sqlite_only
async def test_the_step_that_gives_advice_opens_the_advice_form(demo_db):
    case = _routed_same_matter_case()
    before = Advice.select().count()
    opening.open_database(demo_db)
    app = ClerkDesk(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        await pilot.pause()
        app.pane("requests").load(keep=case.id)
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        app.screen.query_one("#f-outcome").value = "done"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, FormScreen)  # the advice form follows
        await _save_form(pilot, app)
    row = Advice.select().order_by(Advice.id.desc()).get()
    assert Advice.select().count() == before + 1 and row.case_id == case.id


@pytest.mark.sqlite_only
async def test_advice_is_recorded_from_the_party_groups_tab(demo_db):
    ind = group("Ashcombe Independents")
    opening.open_database(demo_db)
    app = ClerkDesk(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        await pilot.pause()
        pane = app.pane("groups")
        pane.load(keep=ind.id)
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        assert app.screen.query_one("#f-group").value == str(ind.id)
        await _save_form(pilot, app, matter="Allotments: the water trough options")
    row = Advice.select().order_by(Advice.id.desc()).get()
    assert (row.group_id, row.matter) == (ind.id, "Allotments: the water trough options")
    detail = registers.GROUPS.detail(PartyGroup.get_by_id(ind.id))
    advice_given = dict(detail.sections)["Advice given (latest)"]
    assert any("Allotments: the water trough options" in line for line in advice_given)


@pytest.mark.sqlite_only
async def test_the_wizard_shows_the_candidates_under_the_question(demo_db):
    case = conservative_budget_request()
    opening.open_database(demo_db)
    app = ClerkDesk(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        await pilot.pause()
        app.pane("requests").load(keep=case.id)
        await pilot.pause()
        await pilot.press("w")
        await pilot.pause()
        wizard = app.screen
        assert isinstance(wizard, WizardScreen)
        for _ in range(6):
            if wizard.question.fact == "advised_other_group":
                break
            await pilot.press("enter")
            await pilot.pause()
        assert wizard.question.fact == "advised_other_group"
        shown = str(wizard.query_one("#wiz-evidence", Static).render())
        assert "From the advice register" in shown and "Liberal Democrat Group" in shown
        assert "(from the advice register)" in str(wizard.query_one("#wiz-choices").get_option_at_index(0).prompt)
