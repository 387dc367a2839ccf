"""Messages a person can read (issue 14): toasts say what happened by the record's
reference and in the clerk's words, never a table name, an id or a word cut in half."""
from __future__ import annotations

import string

from hypothesis import given, settings, strategies as st

from clerkdesk.models.casework import cases, records, registers, triage
from clerkdesk.models.core import dates
from clerkdesk.models.core.schema import Audit, Case, Officer
from clerkdesk.models.core.words import ELLIPSIS, clip
from clerkdesk.models.store import undo

from helpers import make_app, settle, settle_until


def _open_request() -> Case:
    return (Case.select().where((Case.type == "request") & (Case.status == "open"))
            .order_by(Case.id).first())


def _undone(entry: Audit) -> str:
    return undo.describe(Audit.get_by_id(entry.undoes))


def test_undoing_a_close_says_the_reference_and_that_it_is_open_again(demo_db):
    case = _open_request()
    cases.close_case(case.id, "Answered by email.")
    said = _undone(undo.undo_last())
    assert said == f"closing {case.ref} (it is open again)"


def test_undoing_an_assignment_names_both_officers(demo_db):
    case = Case.select().where((Case.status == "open") & Case.owner.is_null(False)).first()
    before = case.owner.name
    other = Officer.select().where((Officer.id != case.owner_id) & ~Officer.archived).first()
    triage.assign(case.id, other.id)
    said = _undone(undo.undo_last())
    assert said == f"assigning {case.ref} to {other.name} (it is with {before} again)"


def test_undoing_a_snooze_and_an_edit_say_what_they_did(demo_db):
    case = _open_request()
    triage.snooze(case.id, dates.today() + dates.dt.timedelta(days=7))
    assert _undone(undo.undo_last()) == f"snoozing {case.ref} (it is back in the queue)"
    ward = records.save(registers.WARDS, {"name": "Riverside", "notes": "one"})
    records.save(registers.WARDS, {"name": "Riverside", "notes": "two"}, ward.id)
    assert _undone(undo.undo_last()) == "changing the notes of ward Riverside"
    member = registers.MEMBERS.model.select().where(~registers.MEMBERS.model.archived).first()
    records.archive(registers.MEMBERS, member.id)
    assert _undone(undo.undo_last()) == (f"archiving member {member.name} "
                                         "(it is back on the register)")


def test_no_undo_description_names_a_table_or_an_id(demo_db):
    """Every undoable entry of the demo, said: no "case 22", no field names with _."""
    for entry in Audit.select().where(Audit.action.in_(sorted(undo.UNDOABLE))):
        said = undo.describe(entry)
        assert "_" not in said, said
        assert f"{entry.table} {entry.row_id}" not in said, said
        assert "step case" not in said


def test_a_toast_after_an_action_says_what_the_step_did(demo_db):
    case = _open_request()
    officer = Officer.select().where(~Officer.archived).order_by(Officer.name).first()
    triage.assign(case.id, officer.id)
    assert cases.what_was_done(Case.get_by_id(case.id)) == f"{case.ref} assigned to {officer.name}."
    until = dates.today() + dates.dt.timedelta(days=6)
    triage.snooze(case.id, until)
    assert cases.what_was_done(Case.get_by_id(case.id)) == \
        f"{case.ref} snoozed until {dates.fmt(until)}."


words = st.lists(st.text(alphabet=string.ascii_letters + "éß'", min_size=1, max_size=14),
                 min_size=1, max_size=20).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(words, st.integers(min_value=2, max_value=80))
def test_clip_never_cuts_a_word_it_could_keep_whole(text, limit):
    out = clip(text, limit)
    assert len(out) <= limit
    if len(text) <= limit:
        assert out == text
        return
    assert out.endswith(ELLIPSIS)
    kept = out[:-1]
    assert text.startswith(kept)
    # the cut falls between words, unless the first word alone does not fit
    if " " in text[:limit]:
        assert text[len(kept)] == " " or kept == "", (text, out)


async def test_the_desk_toasts_who_a_case_was_assigned_to_and_undo_says_it_in_words(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_until(pilot, lambda: app.pane("dashboard").items)
        desk = app.pane("dashboard")
        item = desk.current()
        assert item.kind == "case"
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("down")  # another officer than the owner now
        picker = app.screen
        officer = Officer.get_by_id(picker.options[picker.query_one("#picker-list").highlighted][0]).name
        await pilot.press("enter")
        await settle(pilot)
        said = [n.message for n in app._notifications]
        assert f"{item.ref} assigned to {officer}." in said, said
        await pilot.press("ctrl+z")
        await settle(pilot)
        said = [n.message for n in app._notifications]
        assert any(m.startswith(f"Undone: assigning {item.ref} to {officer}") for m in said), said
        assert not any("step case" in m or "(status" in m for m in said), said


# --- the complaint form shows the pickers its kind needs --------------------------------------

PICKERS = ("complainant_member", "complainant_officer", "subject_member", "subject_officer")


def test_each_complaint_kind_needs_only_its_own_pickers(db):
    from clerkdesk.models.casework import case_forms
    from clerkdesk.models.core.forms import applies

    specs = {s.name: s for s in case_forms.complaint_fields()}
    for kind in case_forms.COMPLAINT_KINDS:
        shown = [p for p in PICKERS if applies(specs[p], {"kind": kind})]
        assert shown == [p for p in PICKERS if p in case_forms.COMPLAINT_PARTIES[kind]]
    shown = [p for p in PICKERS if applies(specs[p], {"kind": "officer_about_member"})]
    assert shown == ["complainant_officer", "subject_member"]


def test_a_picker_the_kind_does_not_need_is_saved_blank(demo_db):
    from clerkdesk.models.casework import case_lists
    from clerkdesk.models.core.schema import Member

    officer = Officer.select().where(~Officer.archived).first()
    a, b = Member.select().where(~Member.archived).limit(2)
    raw = {"kind": "officer_about_member", "subject": "Remarks at the Town Hall",
           "complainant_officer": str(officer.id), "subject_member": str(a.id),
           "complainant_member": str(b.id),  # left in a picker the kind does not show
           "received": "today", "priority": "normal", "confidential": "no"}
    case = records.save(case_lists.COMPLAINTS, raw)
    assert case.complainant_member_id is None and case.subject_member_id == a.id


async def test_the_new_complaint_form_shows_two_pickers_for_an_officer_about_a_member(demo_db):
    from textual.widgets import Select

    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("6")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen

        def shown():
            return [p for p in PICKERS if form.query_one(f"#field-{p}").display]

        assert shown() == ["complainant_member", "subject_officer"]
        form.query_one("#f-kind", Select).value = "officer_about_member"
        await pilot.pause()
        assert shown() == ["complainant_officer", "subject_member"]
        form.query_one("#f-kind", Select).value = "code_of_conduct"
        await pilot.pause()
        assert shown() == ["complainant_member", "complainant_officer", "subject_member"]


# --- a complaint at a stage is not "not routed yet"; clauses are never a bare "[000]" -------

def test_a_complaint_at_a_stage_is_never_also_not_routed_yet(demo_db):
    staged = list(cases.open_cases().where((Case.type == "complaint") & (Case.stage != "")))
    assert staged, "the demo has complaints on the ladder"
    queue = triage.queue()
    badges = {}
    for item in queue:
        badges.setdefault(item.case_id, []).append(item.badge)
    by_stage = dict(cases.complaints_by_stage())
    for case in staged:
        assert cases.is_routed(case)
        assert "unrouted" not in badges.get(case.id, []), case.ref
        assert cases.stage_of(case) == case.stage
        detail = case_lists_detail(case)
        assert "not routed yet" not in detail, (case.ref, detail)
    # each open complaint counted once, under one stage
    assert sum(by_stage.values()) == cases.open_cases().where(Case.type == "complaint").count()
    unrouted = [i for i in queue if i.badge == "unrouted"]
    assert all(not Case.get_by_id(i.case_id).stage for i in unrouted)


def case_lists_detail(case) -> str:
    from clerkdesk.models.casework import case_lists

    detail = case_lists.COMPLAINTS.detail(case)
    return "\n".join(line for _h, lines in detail.sections for line in lines)


def test_every_clause_on_the_demo_names_its_section(demo_db):
    from clerkdesk.models.core.schema import Step, Task
    from clerkdesk.models.rules import rulebook

    cited = [s.clause for s in Step.select() if s.clause] + [t.clause for t in Task.select()]
    for clause in cited:
        for part in clause.split(";"):
            assert rulebook.CLAUSE_RE.match(part.strip()), clause


def test_a_step_citing_a_bare_document_number_is_refused_with_a_sentence(demo_db):
    import pytest

    from clerkdesk.models.core.forms import ValidationError

    case = _open_request()
    with pytest.raises(ValidationError) as caught:
        cases.add_step(case.id, "Raised with the Town Clerk", clause="000")
    assert "000 §" in caught.value.errors["clause"]
    cases.add_step(case.id, "Raised with the Town Clerk", clause="000 §Procedure for Members; 003 §16")


# --- clause quotes: whole sentences, the one that matters ---------------------------------------

from clerkdesk.models.core import words as words_mod  # noqa: E402


def _plain(quoted: str) -> str:
    return quoted.replace(ELLIPSIS, "").strip()


sentence = st.lists(st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=10),
                    min_size=1, max_size=12).map(lambda ws: " ".join(ws).capitalize() + ".")


@settings(max_examples=150, deadline=None)
@given(st.lists(sentence, min_size=1, max_size=8), st.integers(min_value=30, max_value=200))
def test_a_quote_is_whole_sentences_of_the_text_and_fits(parts, limit):
    text = " ".join(parts)
    out = words_mod.quote(text, limit)
    assert len(out) <= limit
    body = _plain(out)
    if len(parts[0]) <= limit:  # the first sentence fits: only whole sentences are shown
        assert body in text and body.endswith(".")
        assert any(body.startswith(p[:-1]) for p in parts)
    else:
        assert text.startswith(body)


def test_every_question_quotes_whole_words_of_its_own_clause():
    from clerkdesk.models.rules import rulebook

    for name in rulebook.bundled_profiles():
        profile = rulebook.load_profile(name)
        for q in profile.question_list:
            shown = profile.question_quote(q, 280)
            assert len(shown) <= 280
            flat = " ".join(profile.clause_text(q.clause).split())
            body = _plain(shown)
            assert body and body in flat, (name, q.key)
            end = flat.index(body) + len(body)
            # ends where a sentence or a word ends, never inside a word
            assert end == len(flat) or not flat[end].isalnum() or shown.endswith(ELLIPSIS), \
                (name, q.key, shown)
            if end < len(flat) and flat[end].isalnum():
                assert flat[end - 1] == " " or flat[end:end + 1] == " " or \
                    not flat[end - 1].isalnum() or body.endswith(tuple("abcdefghijklmnopqrstuvwxyz")) \
                    and flat[end] == " ", (name, q.key)


def test_the_code_of_conduct_question_quotes_its_own_sentence_of_003_16():
    from clerkdesk.models.rules import rulebook

    profile = rulebook.load_profile("town")
    q = next(q for q in profile.question_list if q.key == "code_of_conduct")
    shown = profile.question_quote(q, 280)
    assert "formal written complaint alleging a breach" in shown
    assert "mediation/conciliation" not in shown
    serious = next(q for q in profile.question_list if q.key == "serious")
    assert "seriousness of the concern" in profile.question_quote(serious, 280)


def test_a_question_quoting_words_its_clause_does_not_have_is_refused(tmp_path):
    import pytest

    from clerkdesk.models.rules import rulebook

    text = (rulebook.Path(rulebook.__file__).parent / "protocols" / "town.toml").read_text()
    broken = text.replace('quote = "because of the seriousness of the concern"',
                          'quote = "words that are nowhere in 003 section 16"')
    assert broken != text
    path = tmp_path / "mine.toml"
    path.write_text(broken)
    with pytest.raises(rulebook.ProfileError, match="quote is not in the text"):
        rulebook.load_profile(path)


async def test_the_wizard_quotes_the_code_of_conduct_sentence(demo_db):
    from textual.widgets import Static

    from clerkdesk.screens.wizard import WizardScreen

    case = Case.get((Case.kind == "code_of_conduct") & (Case.status != "closed"))
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(WizardScreen(case.id))
        await settle(pilot)
        wizard = app.screen
        for _ in range(12):
            if wizard.question is not None and wizard.question.key == "code_of_conduct":
                break
            await pilot.press("enter")
            await pilot.pause()
        assert wizard.question.key == "code_of_conduct"
        shown = str(wizard.query_one("#wiz-clause", Static).render())
        assert "formal written complaint alleging a breach" in shown
        assert "mediation" not in shown


# --- "(from the registers)" only where the answer comes from the registers --------------------

def test_what_the_case_form_recorded_is_not_said_to_come_from_the_registers(demo_db):
    from clerkdesk.models.casework import case_route

    case = Case.get((Case.kind == "member_about_officer") & (Case.status != "closed"))
    begin = case_route.start(case, case_route.profile_for_council())
    assert begin.sources["serious"] == "as recorded on the case"
    assert begin.sources["subject_role"] == "from the registers"
    assert set(begin.sources) == set(begin.prefill)


async def test_the_serious_question_does_not_say_from_the_registers(demo_db):
    from clerkdesk.screens.wizard import WizardScreen

    case = Case.get((Case.kind == "officer_about_member") & (Case.status != "closed") & Case.serious)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(WizardScreen(case.id))
        await settle(pilot)
        wizard = app.screen
        seen = {}
        for _ in range(12):
            if wizard.question is None or wizard.route is not None:
                break
            options = wizard.query_one("#wiz-choices")
            seen[wizard.question.key] = [str(options.get_option_at_index(i).prompt)
                                         for i in range(options.option_count)]
            if wizard.question.key == "serious":
                break
            await pilot.press("enter")
            await pilot.pause()
        assert "serious" in seen, seen
        assert not any("(from the registers)" in p for p in seen["serious"]), seen["serious"]
        assert any("(as recorded on the case)" in p for p in seen["serious"]), seen["serious"]
        assert any("(from the registers)" in p for p in seen["subject_role_officer"])


# --- filters: an unknown facet warns however it came, on a line of its own; a date is read --

def test_a_due_date_in_the_filter_is_read_or_said_wrong(demo_db):
    import pytest

    from clerkdesk.models.casework import case_lists, saved_views

    with pytest.raises(saved_views.ViewError, match="no month 13"):
        records.filtered(case_lists.REQUESTS, "due:12/13/2026")
    by = dates.today() + dates.dt.timedelta(days=10)
    rows = records.filtered(case_lists.REQUESTS, f"due:{dates.fmt(by)}")
    assert all(c.due <= by for c in rows)


async def test_filter_warnings_never_squeeze_the_input_and_clear_once_corrected(demo_db):
    from textual.widgets import Input, Label

    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        await settle(pilot)
        pane = app.pane("requests")
        box = pane.query_one(".filter", Input)
        problem = pane.query_one(".filter-problem", Label)
        await pilot.press("slash", *"status:open")
        await settle(pilot)
        width = box.size.width
        # typed a key at a time, each keystroke's load racing the next
        await pilot.press("ctrl+u", *" colour:red"[1:])
        await settle(pilot)
        assert problem.display and "no 'colour:' filter" in str(problem.render())
        assert "matching" not in str(pane.query_one(".list-count", Label).render())
        assert box.size.width >= width  # the sentence is on its own line: never squeezing it
        box.value = "colour:red"  # pasted
        await settle(pilot)
        assert problem.display and "no 'colour:' filter" in str(problem.render())
        box.value = "due:32/12/2026"
        await settle(pilot)
        assert problem.display and "32" in str(problem.render())
        box.value = "due:31/12/2026"
        await settle(pilot)
        assert not problem.display
        assert "matching “due:31/12/2026”" in str(pane.query_one(".list-count", Label).render())


# --- before a duplicate; a group leader's group; a councillor leaving with open cases ---------

@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=string.ascii_letters + " ,.-", min_size=3, max_size=60))
def test_a_subject_is_alike_itself_however_it_is_cased_or_punctuated(subject):
    from clerkdesk.models.casework.case_forms import subjects_alike

    if any(ch.isalpha() for ch in subject):
        assert subjects_alike(subject, subject.upper() + ".")
    assert not subjects_alike(subject, "")


def test_subjects_alike_and_not():
    from clerkdesk.models.casework.case_forms import subjects_alike

    assert subjects_alike("Cost of the Christmas lights contract",
                          "cost of the christmas light contract?")
    assert subjects_alike("Christmas lights contract", "The cost of the Christmas lights contract")
    assert not subjects_alike("Cost of the Christmas lights contract", "Broken bench on the Green")


def test_a_request_like_an_open_one_from_the_same_member_is_found(demo_db):
    from clerkdesk.models.casework import case_forms

    case = _open_request()
    found = case_forms.open_request_like(case.member_id, case.subject.lower() + "?")
    assert found is not None and found.id == case.id
    for other in registers.MEMBERS.model.select().where(registers.MEMBERS.model.id != case.member_id):
        like = case_forms.open_request_like(other.id, case.subject)
        assert like is None or like.member_id == other.id  # never another member's
    assert case_forms.open_request_like(case.member_id, "Something else entirely") is None
    cases.close_case(case.id, "Answered.")
    like = case_forms.open_request_like(case.member_id, case.subject)
    assert like is None or like.id != case.id  # a closed case is no duplicate
    said = case_forms.duplicate_warning(case)
    assert case.ref in said and case.member.name in said


def test_a_group_leader_is_taken_to_speak_for_the_group(demo_db):
    from clerkdesk.models.casework import case_forms
    from clerkdesk.models.core.schema import PartyGroup

    group = PartyGroup.select().where(PartyGroup.leader.is_null(False)).first()
    assert case_forms.request_suggestions({"member": str(group.leader_id), "group": ""}) == \
        {"group": str(group.id)}
    assert case_forms.request_suggestions({"member": str(group.leader_id), "group": "99"}) == {}
    backbencher = registers.MEMBERS.model.select().where(
        registers.MEMBERS.model.id.not_in(
            [g.leader_id for g in PartyGroup.select()] + [g.deputy_leader_id for g in PartyGroup.select()])
    ).first()
    assert case_forms.request_suggestions({"member": str(backbencher.id), "group": ""}) == {}


def test_a_members_open_cases_are_counted_and_their_requests_passed_on(demo_db):
    member_id = _open_request().member_id
    found = cases.member_open_cases(member_id)
    n = len(found["requests"])
    assert n >= 1
    name = registers.MEMBERS.get(member_id).name
    said = cases.open_cases_sentence(name, found)
    assert said.startswith(f"{name} has ") and f"{n} request" in said
    to = registers.MEMBERS.model.select().where(
        (registers.MEMBERS.model.id != member_id) & ~registers.MEMBERS.model.archived).first()
    moved = cases.pass_requests(member_id, to.id)
    assert len(moved) == n and all(c.member_id == to.id for c in moved)
    assert cases.member_open_cases(member_id)["requests"] == []
    said = _undone(undo.undo_last())  # one step each: undo puts the last back
    assert said.startswith(f"the step “Passed from {name} to {to.name}” on ")


async def test_the_request_form_warns_before_a_duplicate_and_ctrl_o_opens_the_other(demo_db):
    from textual.widgets import Input, Select, Static

    case = _open_request()
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        form.query_one("#f-subject", Input).value = case.subject.upper()
        form.query_one("#f-member", Select).value = str(case.member_id)
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        said = str(form.query_one("#form-message", Static).render())
        assert case.ref in said and "ctrl+o opens it" in said
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert app.screen is not form
        assert app.pane("requests").selected_id() == case.id
    assert Case.select().where(Case.subject == case.subject.upper()).count() == 0


async def test_the_request_form_fills_in_a_group_leaders_group(demo_db):
    from textual.widgets import Select

    from clerkdesk.models.core.schema import PartyGroup

    group = PartyGroup.select().where(PartyGroup.leader.is_null(False)).first()
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        form.query_one("#f-member", Select).value = str(group.leader_id)
        await pilot.pause()
        assert form.query_one("#f-group", Select).value == str(group.id)


async def test_archiving_a_councillor_with_open_cases_says_how_many_and_offers_to_pass_them(demo_db):

    member_id = _open_request().member_id
    name = registers.MEMBERS.get(member_id).name
    n = len(cases.member_open_cases(member_id)["requests"])
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        pane = app.pane("members")
        pane.load(keep=member_id)
        await settle_until(pilot, lambda: pane.selected_id() == member_id)
        pane.action_archive()
        await pilot.pause()
        picker = app.screen
        title = str(picker.query_one("#picker-subtitle").render())
        assert f"{name} has " in title and f"{n} request" in title
        assert picker.options[0][0] == "pass"
        await pilot.press("enter")  # pass them on
        await pilot.pause()
        await pilot.press("enter")  # to the first councillor offered
        await settle(pilot)
    assert registers.MEMBERS.get(member_id).archived
    assert cases.member_open_cases(member_id)["requests"] == []
