"""The mask meeting mode puts on everything shown (models/casework/privacy.py): one
function, `shown`, that a title, a subtitle, the wizard, a toast and the detail go
through; a filter that matches only what is shown; the edit form's question."""
from __future__ import annotations

from types import SimpleNamespace

from helpers import SIZE, make_app, screen_text, settle
from hypothesis import assume, given
from hypothesis import strategies as st

from clerkdesk.models.casework import case_lists, privacy, records, triage
from clerkdesk.models.core import dates
from clerkdesk.models.core.schema import Case, Task

FILLER = ["the", "at", "on", "to", "4", "—", "(", ")", ":", "12/11/2026", "step", "[003 §16]",
          "now", "1.", "by", "with"]


def fake_case(*, kind="complaint", confidential=False, subject="A subject", names=(),
              details="", outcome=""):
    case = SimpleNamespace(ref="CMP-2026-0099", type=kind, confidential=confidential,
                           subject=subject, details=details, outcome=outcome)
    for attr in privacy.PEOPLE_FIELDS:
        setattr(case, f"{attr}_id", None)
        setattr(case, attr, None)
    for attr, name in zip(privacy.PEOPLE_FIELDS, names):
        setattr(case, f"{attr}_id", 1)
        setattr(case, attr, SimpleNamespace(name=name))
    return case


names = st.lists(st.from_regex(r"(Cllr |Mrs |)[A-Z][a-z]{3,8} [A-Z][a-z]{3,9}", fullmatch=True),
                 min_size=1, max_size=3, unique=True)


@given(names=names, filler=st.lists(st.sampled_from(FILLER), max_size=12),
       where=st.lists(st.integers(0, 12), min_size=1, max_size=4), upper=st.booleans())
def test_a_private_case_names_nobody_in_any_sentence_in_meeting_mode(names, filler, where, upper):
    joined = " ".join(FILLER).casefold()
    assume(all(part.casefold() not in joined for n in names for part in n.split()))
    case = fake_case(names=names, subject="Manner of the manager at the allotments")
    words = list(filler)
    for i, at in enumerate(where):  # each name (whole, or its surname) somewhere in it
        name = names[i % len(names)]
        piece = name if i % 2 == 0 else name.split()[-1] + "'s"
        words.insert(min(at, len(words)), piece.upper() if upper else piece)
    sentence = " ".join(words)
    out = privacy.shown(case, True).text(sentence)
    for name in names:
        for part in privacy.name_forms(name):
            assert part.casefold() not in out.casefold()
    assert privacy.HIDDEN in out
    titled = privacy.shown(case, True).text(f"{case.subject}: {sentence}")
    assert case.subject.casefold() not in titled.casefold()
    # what is not secret stays: the filler, in its order
    assert [w for w in out.split() if w in FILLER] == [w for w in sentence.split() if w in FILLER]


@given(names=names, sentence=st.text(max_size=80))
def test_with_meeting_mode_off_or_a_case_not_private_nothing_changes(names, sentence):
    private = fake_case(names=names)
    open_request = fake_case(kind="request", names=names)
    assert privacy.shown(private, False).text(sentence) == sentence
    assert privacy.shown(open_request, True).text(sentence) == sentence
    assert privacy.shown(open_request, True).title == f"CMP-2026-0099  {open_request.subject}"


def test_what_a_title_shows():
    case = fake_case(kind="request", confidential=True, subject="Inspect the personnel file",
                     names=["Cllr Colin Marsden"], details="From the HR folder")
    on = privacy.shown(case, True)
    assert on.hidden and on.subject == privacy.HIDDEN
    assert on.title == f"{case.ref}  {privacy.HIDDEN}" == privacy.case_title(case, True)
    assert privacy.shown(case, False).title == f"{case.ref}  Inspect the personnel file"
    assert on.text("Marsden asked: from the HR folder.") == f"{privacy.HIDDEN} asked: {privacy.HIDDEN}."
    # a word that holds a surname is not a name
    assert on.text("Marsdenshire") == "Marsdenshire"


def test_name_forms():
    assert privacy.name_forms("Cllr Janet Pryce") == ["Cllr Janet Pryce", "Janet Pryce", "Pryce"]
    assert privacy.name_forms("Helen Marsh") == ["Helen Marsh", "Marsh"]
    assert privacy.name_forms("Cher") == ["Cher"]


def test_queue_items_private_tasks_and_their_owners():
    task = triage.Item("task", 1, "task", "CMP-2026-0003", "Send Cllr Priya Raman's complaint",
                       "Helen Marsh", None, "task", case_id=9, private=True)
    case = triage.Item("case", 9, "due", "CMP-2026-0003", "Alleged failure to declare",
                       "Helen Marsh", None, "due", case_id=9, private=True)
    assert privacy.queue_item_text(task, True) == (privacy.HIDDEN, privacy.HIDDEN)
    assert privacy.queue_item_text(case, True) == (privacy.HIDDEN, "Helen Marsh")
    assert privacy.queue_item_text(task, False) == (task.title, "Helen Marsh")
    assert privacy.queue_item_title(task, True) == privacy.HIDDEN


# --- on the demo casebook ------------------------------------------------------------------

def test_toasts_about_a_private_case_are_scrubbed(demo_db):
    case = Case.get(Case.ref == "CMP-2026-0004")
    said = f"Saved complaint {case.ref}: {case.subject} (from {privacy.people_named(case)[0]})"
    out = privacy.scrub(said, True)
    assert out.startswith(f"Saved complaint {case.ref}: ")
    assert case.subject not in out and "Pryce" not in out
    assert privacy.scrub(said, False) == said
    assert privacy.scrub("Saved complaint CMP-2026-0004.", True) == "Saved complaint CMP-2026-0004."


def test_a_filter_in_meeting_mode_matches_only_what_is_shown(demo_db):
    complaint = Case.get(Case.ref == "CMP-2026-0004")
    request = Case.get(Case.ref == "REQ-2026-0010")  # confidential, Cllr Colin Marsden's

    def refs(register, text, on):
        return {row[1] for row in records.rows(register, text, meeting_mode=on)}

    complaints, requests = case_lists.COMPLAINTS, case_lists.REQUESTS
    assert complaint.ref in refs(complaints, "pryce", False)
    assert refs(complaints, "pryce", True) == set()  # a hidden name finds nothing
    assert refs(complaints, "allotments", True) == set()  # nor a word of the subject
    assert refs(complaints, complaint.ref, True) == {complaint.ref}  # the reference does
    assert records.count(complaints, "pryce", meeting_mode=True) == 0
    shown = refs(requests, "marsden", True)
    assert request.ref in refs(requests, "marsden", False)
    assert request.ref not in shown
    assert shown, "Cllr Colin Marsden's open requests are still found by his name"
    assert request.ref in refs(requests, "REQ-2026-0010", True)


def test_the_edit_question(demo_db):
    private = Case.get(Case.ref == "CMP-2026-0004")
    public = Case.select().where((Case.type == "request") & ~Case.confidential).first()
    assert privacy.edit_question(private, True).startswith("This shows confidential details")
    assert privacy.edit_question(private, False) is None
    assert privacy.edit_question(public, True) is None


async def test_dashboard_masks_private_tasks_and_their_owners(demo_db):
    """The Dashboard's line of a private task: neither the task nor its owner shown in
    meeting mode (both shown with it off)."""
    case = Case.get(Case.ref == "CMP-2026-0003")
    Task.create(case=case, description="Send the complaint of Cllr Priya Raman to the "
                "Monitoring Officer", clause="003 §16", due=dates.today())
    owner = case.owner.name
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)

        def task_line() -> str:
            lines = [ln for ln in screen_text(app).splitlines()
                     if case.ref in ln and "task [003 §16]" in ln]
            assert len(lines) == 1
            return lines[0]

        await pilot.press("end")  # (the tasks come after the cases)
        await settle(pilot)
        assert "Send the complaint" in task_line() and owner in task_line()
        await pilot.press("m")
        await settle(pilot)
        assert "Send the complaint" not in task_line() and owner not in task_line()
        assert "Raman" not in screen_text(app)


async def toggle_from_the_palette(pilot, app) -> None:
    """Meeting mode on/off from ctrl+p: the way to it while a modal is open (`m` is a key
    of the desk, and a modal screen keeps the desk's keys)."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*"meeting mode")
    for _ in range(6):
        await pilot.pause(0.1)
        await app.workers.wait_for_complete()
    await pilot.press("enter")
    await settle(pilot)


async def test_the_wizard_open_when_meeting_mode_comes_on_hides_at_once(demo_db):
    """Meeting mode turned on with the wizard open on a complaint: its title and route
    lose the names at once (and get them back when it goes off)."""
    from clerkdesk.screens.wizard import WizardScreen

    case = Case.get(Case.ref == "CMP-2026-0004")
    complainant = privacy.people_named(case)[0]
    subject = case.subject[:40]  # (the title is cut at the box's width)
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(WizardScreen(case.id))
        await settle(pilot)
        for _ in range(12):  # the defaults, to the route
            if app.screen.route is not None:
                break
            await pilot.press("enter")
            await settle(pilot)
        assert complainant in screen_text(app) and subject in screen_text(app)
        await toggle_from_the_palette(pilot, app)
        assert app.meeting.on and isinstance(app.screen, WizardScreen)
        text = screen_text(app)
        assert complainant not in text and subject not in text
        assert "Complainant (hidden)" in text
        await toggle_from_the_palette(pilot, app)
        assert not app.meeting.on
        assert complainant in screen_text(app)


async def test_meeting_mode_coming_on_runs_the_filter_again(demo_db):
    """A filter typed with the mode off (`pryce`, a complainant): `m` takes the row it
    found by her name off the list, and its count, in the same key press."""
    case = Case.get(Case.ref == "CMP-2026-0004")
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("6")
        await settle(pilot)
        await pilot.press("slash", *"pryce", "enter")
        await settle(pilot)
        assert case.ref in screen_text(app)
        assert "1 complaint matching" in screen_text(app)
        await pilot.press("m")
        await pilot.pause()
        assert case.ref not in screen_text(app)
        assert "1 complaint matching" not in screen_text(app)
        await settle(pilot)
        assert "0 complaints matching “pryce”" in screen_text(app)
