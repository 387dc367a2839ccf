"""Meeting mode with councillors looking at the screen: a walk over every screen, modal and
toast the app can show, on every confidential record of the demo, finds no hidden subject
or name on screen; the same walk with meeting mode off does see them (so it is not
vacuous).

What is hidden comes from the domain: the subjects (and details) of the private cases
(privacy.case_is_private) and, for each confidential record, the people it names
(privacy.people_named). A name is a secret of its record: the walk looks for it on the
screens about that record (the list filtered to its reference, each action's modal, its
toasts), where nothing else may put it; on the shared screens (the tabs, the Dashboard,
the palette, a request list filtered by a member's name) a line that shows a private
record's reference must not name its people, and a private task's line must not name
its owner. Typed into the filter or the palette (over an empty list), a hidden name or a
word of the subject must not bring the record's reference on screen.
"""
from __future__ import annotations

from collections import defaultdict

from helpers import SIZE, make_app, screen_text, settle, settle_until
from textual.command import CommandPalette

from clerkdesk.models.casework import choices, privacy, triage
from clerkdesk.models.core import dates
from clerkdesk.models.core.schema import Case, Task
from clerkdesk.screens.confirm import ConfirmScreen
from clerkdesk.screens.form import FormScreen
from clerkdesk.screens.wizard import WizardScreen
from clerkdesk.tui import correspondence
from clerkdesk.tui.tabs import TABS


def distinct(text: str, others: list[str]) -> str:
    """What of a long text is looked for: its first 20 characters (a list cuts a subject
    at its column's width), longer if another, shown text starts the same way."""
    text = text.strip()
    n = 20
    while n < len(text) and any(text[:n] in o for o in others):
        n += 4
    return text[:n]


class Secrets:
    """What meeting mode hides on the demo, read from the domain."""

    def __init__(self) -> None:
        cases = list(Case.select().order_by(Case.id))
        private = [c for c in cases if privacy.case_is_private(c.type, c.confidential)]
        queue = triage.queue()
        self.records = [c for c in private if c.confidential]
        self.tasks = [i for i in queue if i.kind == "task" and i.private]
        shown = ([c.subject for c in cases if c not in private]
                 + [i.title for i in queue if not i.private])

        def secret_texts(of):
            return {distinct(t, shown) for c in of for t in (c.subject, c.details)
                    if t and t.strip()}

        task_titles = {distinct(i.title, shown) for i in self.tasks}
        #: subjects and details of every private case, the private tasks: never on
        #: screen in meeting mode
        self.texts = secret_texts(private) | task_titles
        #: ... of which the walk must see, with the mode off
        self.must_see = secret_texts(self.records) | task_titles
        self.names = {c.id: privacy.people_named(c) for c in self.records}
        self.private_refs = {c.ref: privacy.people_named(c) for c in private}
        #: the officers the assign picker offers on every case (a list of all staff says
        #: nothing about one case)
        self.officers = {label for _key, label in choices.officer_choices()}

    def everything(self) -> set[str]:
        """What the walk must see with meeting mode off."""
        out = set(self.must_see)
        for names in self.names.values():
            out |= set(names)
        out |= {f"task owner {i.owner}" for i in self.tasks if i.owner}
        return out


class Walk:
    """Looks at each screen and keeps what it saw of the secrets, and where."""

    def __init__(self, app, secrets: Secrets) -> None:
        self.app = app
        self.s = secrets
        self.seen: dict[str, list[str]] = defaultdict(list)
        self.screens = 0

    def look(self, where: str, record: Case | None = None, *,
             allow: set[str] = frozenset()) -> str:
        text = screen_text(self.app)
        self.screens += 1
        for secret in self.s.texts:
            if secret in text:
                self.seen[secret].append(where)
        lines = text.splitlines()
        # shared screens: a private record's line names nobody; a private task, no owner
        for ref, names in self.s.private_refs.items():
            for line in (ln for ln in lines if ref in ln):
                for name in names:
                    if name in line:
                        self.seen[name].append(f"{where}: the line of {ref}")
        for item in self.s.tasks:
            for line in lines:
                if item.ref in line and " task" in line and item.owner and item.owner in line:
                    self.seen[f"task owner {item.owner}"].append(where)
        if record is not None:
            for name in self.s.names[record.id]:
                if any(name in offered for offered in allow):
                    continue
                if name in text:
                    self.seen[name].append(f"{where} ({record.ref})")
        return text


async def press(pilot, *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


async def back_to(pilot, app) -> None:
    """Escape back to the desk; a question on the way is answered no (keep what is)."""
    for _ in range(8):
        if len(app.screen_stack) <= 1:
            return
        await press(pilot, "n" if isinstance(app.screen, ConfirmScreen) else "escape")
    assert len(app.screen_stack) <= 1, f"stuck on {app.screen!r}"


async def leave_wizard(pilot, app) -> None:
    await press(pilot, "escape")
    if isinstance(app.screen, ConfirmScreen):  # "Leave the wizard? Your answers are not saved."
        await press(pilot, "y")
    await back_to(pilot, app)


async def palette(pilot, app, text: str) -> None:
    await pilot.press("ctrl+p")
    await pilot.pause()
    assert isinstance(app.screen, CommandPalette)
    await pilot.press(*text)
    for _ in range(6):  # the palette searches after a short debounce
        await pilot.pause(0.1)
        await app.workers.wait_for_complete()
    await pilot.pause(0.2)


#: a filter that matches nothing (the list behind the palette is then empty)
NOTHING = "qqzzqq"


def typed(name: str) -> str:
    """A hidden name as a clerk types it in a search: the surname, in lower case."""
    return privacy.name_forms(name)[-1].lower()


async def walk_record(pilot, app, walk: Walk, case: Case, meeting: bool) -> None:
    tab = "requests" if case.type == "request" else "complaints"
    number = str([t for t, _ in TABS].index(tab) + 1)
    look = walk.look
    await press(pilot, number)
    pane = app.pane(tab)
    # the list filtered to the record's reference: it alone is on screen, and its detail
    await press(pilot, "slash", *case.ref, "enter")
    await settle_until(pilot, lambda: pane.selected_id() == case.id)
    look("list and detail", case)
    await press(pilot, "enter")
    look("the record opened full size", case)
    await back_to(pilot, app)

    # the wizard: each question, the route, the conflicts picker
    await press(pilot, "w")
    assert isinstance(app.screen, WizardScreen)
    for n in range(20):
        look(f"wizard question {n + 1}", case)
        if app.screen.route is not None or app.screen.question is None:
            break
        await press(pilot, "enter")
    look("wizard route", case)
    if app.screen.route is not None:
        await press(pilot, "d")
        look("wizard: declare a conflict", case)
        if not isinstance(app.screen, WizardScreen):
            await press(pilot, "escape")
    await leave_wizard(pilot, app)

    for key, what in (("s", "record a step"), ("c", "close or reopen"), ("z", "snooze"),
                      ("p", "priority"), ("l", "letter"), ("x", "archive")):
        await press(pilot, key)
        look(what, case)
        await back_to(pilot, app)
    await press(pilot, "a")
    look("assign", case, allow=walk.s.officers)
    await back_to(pilot, app)
    await press(pilot, "t")
    look("the clock", case)
    if len(app.screen_stack) > 1:
        await press(pilot, "enter")  # agree a new date: its form
        look("the clock: agree a new date", case)
    await back_to(pilot, app)
    await press(pilot, "d")
    look("documents", case)
    await back_to(pilot, app)

    # a write and its toast: the priority chosen again (the current one)
    await press(pilot, "p", "enter")
    look("toast after setting the priority", case)

    # edit: in meeting mode it asks first; no keeps the form shut, yes opens it
    await press(pilot, "e")
    if meeting:
        assert isinstance(app.screen, ConfirmScreen), "the edit form opened without asking"
        look("edit: the question first", case)
        await press(pilot, "n")
        assert len(app.screen_stack) == 1, "no must keep the form shut"
        look("edit: kept hidden", case)
        await press(pilot, "e", "y")
        assert isinstance(app.screen, FormScreen), "yes must open the form"
    else:
        assert isinstance(app.screen, FormScreen)
        look("edit form", case)
    await back_to(pilot, app)

    # the filter, and the palette over it, with the hidden names (and a word of the
    # subject) typed: in meeting mode neither finds the record; nothing shown ties a
    # hidden name to a private case
    words = [typed(n) for n in walk.s.names[case.id]] + [max(case.subject.split(), key=len).lower()]
    for word in words:
        await press(pilot, "slash", "end", "ctrl+u", *word)
        # (a request's list holds the open requests of the same member, names shown)
        text = look(f"the filter {word!r}", case if case.type == "complaint" else None)
        if case.ref in text:
            walk.seen[f"{case.ref} found by the filter {word!r}"].append(tab)
        # the palette over an empty list: a reference on screen is one it found
        await press(pilot, "end", "ctrl+u", *NOTHING, "enter")
        await palette(pilot, app, word)
        text = look(f"the palette {word!r}")
        if case.ref in text:
            walk.seen[f"{case.ref} found by the palette {word!r}"].append(tab)
        await back_to(pilot, app)
    await press(pilot, "slash", "end", "ctrl+u", "enter")


async def walk_everything(pilot, app, secrets: Secrets, meeting: bool) -> Walk:
    walk = Walk(app, secrets)
    if meeting:
        await press(pilot, "m")
        assert app.meeting.on
        walk.look("the toast saying meeting mode is on")
    for n, (tab, _title) in enumerate(TABS, start=1):
        await press(pilot, str(n))
        for page in range(4):  # the Dashboard's queue is longer than the screen
            walk.look(f"tab {n}, page {page + 1}")
            if tab != "dashboard":
                break
            await press(pilot, "pagedown")
    await press(pilot, "1", "home")
    await press(pilot, "question_mark")
    walk.look("help")
    await back_to(pilot, app)
    for record in secrets.records:
        await walk_record(pilot, app, walk, record, meeting)
    # the screens reached from the palette's commands
    correspondence.retention(app)
    await settle(pilot)
    walk.look("retention")
    await back_to(pilot, app)
    correspondence.subject_access(app)
    await settle(pilot)
    walk.look("subject-access export")
    await back_to(pilot, app)
    return walk


def private_task() -> None:
    """An open task on a confidential complaint, naming its complainant (as a route's
    task may): the Dashboard lists it with its owner (the demo's private tasks are done)."""
    case = Case.get(Case.ref == "CMP-2026-0003")
    name = privacy.people_named(case)[0]
    Task.create(case=case, description=f"Send {name}'s complaint and the minutes to the "
                "Monitoring Officer", clause="003 §16", due=dates.today())


async def test_meeting_mode_walk_shows_no_hidden_subject_or_name(demo_db):
    app = make_app(demo_db)
    private_task()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        secrets = Secrets()
        assert len(secrets.records) >= 5 and secrets.tasks
        walk = await walk_everything(pilot, app, secrets, meeting=True)
        leaks = {k: v[:3] for k, v in walk.seen.items()}
        assert not leaks, f"meeting mode shows: {leaks}"
        assert walk.screens > 20 * len(secrets.records)


async def test_the_walk_sees_the_secrets_with_meeting_mode_off(demo_db):
    """The same walk, meeting mode off: every hidden string is seen somewhere, and the
    filter and the palette find the records by the hidden names."""
    app = make_app(demo_db)
    private_task()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        secrets = Secrets()
        walk = await walk_everything(pilot, app, secrets, meeting=False)
        unseen = secrets.everything() - set(walk.seen)
        assert not unseen, f"the walk never sees {unseen}"
        for record in secrets.records:
            word = typed(secrets.names[record.id][0])
            assert walk.seen.get(f"{record.ref} found by the filter {word!r}"), record.ref
            assert walk.seen.get(f"{record.ref} found by the palette {word!r}"), record.ref
