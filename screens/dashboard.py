"""The Dashboard: the triage desk, the clerk's morning queue, with single-key actions on
the highlighted item (the cursor moves on to the next item after each one)."""
from __future__ import annotations

from rich.console import Group
from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static
from textual.worker import get_current_worker

from clerkdesk.models.casework import cases, council, privacy, triage
from clerkdesk.models.casework.records import Column
from clerkdesk.models.core import dates
from clerkdesk.models.core.words import clip
from clerkdesk.models.core.db import DatabaseError, worker_connection
from clerkdesk.models.core.schema import Case

from .first_run import FIRST_RUN_BINDINGS, FirstRunChecklist
from .marks import MARK_BINDINGS, Marking
from .meeting import mode_of
from .widgets.charts import DeskCharts
from .widgets.items import Items
from .widgets.theme import component_style
from .widgets.virtual_table import ListSource, VirtualTable

BADGE_TEXT = {"overdue": "OVERDUE", "due": "DUE", "new": "NEW", "unrouted": "ROUTE?",
              "stage": "STAGE", "task": "TASK", "term": "TERM", "review": "REVIEW",
              "waiting": "WAITING"}

#: the queue's columns; on a narrow screen (80 columns) the subject is cut down and the
#: owner gives way first, so what is late, and why, is always on screen
QUEUE_COLUMNS = [
    Column("", priority=1, width=10),
    Column("Ref", priority=1, width=13),
    Column("Subject", priority=4, width=33, min_width=12),
    Column("Owner", priority=5, width=14, min_width=8),
    Column("Due", priority=2, width=10),
    Column("Why", priority=3, width=25, min_width=22),
]


class OpenCase(Message):
    """Ask the app to show a case in its own tab."""

    def __init__(self, case_id: int) -> None:
        super().__init__()
        self.case_id = case_id


class OpenRecord(Message):
    """Ask the app to show a member (or the council settings) in its tab."""

    def __init__(self, tab: str, row_id: int | None = None) -> None:
        super().__init__()
        self.tab = tab
        self.row_id = row_id


class DashboardPane(Marking, Vertical):
    """The counts, the council's dates, and the queue: a VirtualTable over the queue's
    list, so only the rows on screen are drawn (a DataTable measured every cell of a
    700-item queue, ~100 ms, on the UI). Its colours are the theme's (dashboard.tcss)."""

    COMPONENT_CLASSES = {
        *(f"dashboard--badge-{badge}" for badge in BADGE_TEXT),
        "dashboard--mark",  # a priority mark after a badge without a background of its own
        "dashboard--count", "dashboard--count-new", "dashboard--count-due",
        "dashboard--count-overdue", "dashboard--muted", "dashboard--alarm",
        "dashboard--caution", "dashboard--heading",
    }

    class QueueShown(Message):
        """The queue is on screen for the first time (the app then builds the other tabs)."""

    BINDINGS = [
        Binding("a", "assign", "Assign"),
        Binding("p", "priority", "Priority"),
        Binding("z", "snooze", "Snooze"),
        Binding("s", "step", "Step"),
        Binding("w", "wizard", "Wizard"),
        Binding("c", "close", "Close/done"),
        Binding("t", "clock", "Due date"),
        Binding("r", "refresh_data", "Refresh", show=False),
        # (not in the key bar: meeting mode's m must stay there; ? and the intake line say it)
        Binding("i", "intake", "Take in email", show=False),
        *MARK_BINDINGS,  # marking cases in the queue (screens/marks.py): a p z s c on them all
        Binding("g", "toggle_charts", "Charts"),  # (screens/widgets/charts.py)
        *FIRST_RUN_BINDINGS,  # (the first-run checklist's keys: screens/first_run.py)
    ]

    #: the charts are shown from the start on a screen at least this tall (g at any size)
    CHARTS_FROM_HEIGHT = 32

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.items: dict[str, triage.Item] = {}
        self.shown = False  # has the queue been on screen yet?
        self.meeting_mode = False
        self._data = None  # what the last read found (to redraw it when meeting mode changes)
        self.init_marks()

    def compose(self) -> ComposeResult:
        yield Static("", id="dash-counts")
        yield Static("", id="dash-council")
        yield Static("", id="dash-intake")  # the emails waiting in the intake folder
        yield FirstRunChecklist(id="dash-first-run")  # a new casebook's first steps
        yield VirtualTable(QUEUE_COLUMNS, id="dash-table")
        yield DeskCharts(id="dash-charts")

    def on_mount(self) -> None:
        self.show_marks_in(self, before=self.table)
        self.meeting_mode = mode_of(self).watch(self, self.meeting_mode_changed)
        self.charts.display = self.app.size.height >= self.CHARTS_FROM_HEIGHT
        self.refresh_data()  # (after the first frame: see refresh_data)

    def on_unmount(self) -> None:
        mode_of(self).unwatch(self)

    def meeting_mode_changed(self, on: bool) -> None:
        """Redraw what was read with the names hidden (or shown) at once: no new read."""
        self.meeting_mode = on
        if self._data is not None:
            self._fill(self._data, None)

    @property
    def table(self) -> VirtualTable:
        return self.query_one("#dash-table", VirtualTable)

    @property
    def charts(self) -> DeskCharts:
        return self.query_one("#dash-charts", DeskCharts)

    def action_toggle_charts(self) -> None:
        self.charts.toggle()

    def style(self, part: str) -> Style:
        """The theme's style for a part of the desk (a component class, dashboard.tcss)."""
        return component_style(self, f"dashboard--{part}")

    def badge_style(self, badge: str) -> Style:
        return self.style(f"badge-{badge}")

    def mark_style(self, badge: str) -> Style:
        """A priority mark's style after *badge*: the badge's own colours where it has a
        background (red on red would not be seen), else the mark's."""
        return Style(bold=True) if self.badge_style(badge).bgcolor else self.style("mark")

    def focus_default(self) -> None:
        self.table.focus()

    def action_refresh_data(self) -> None:
        self.refresh_data()

    # --- the queue --------------------------------------------------------------------------

    def current(self) -> triage.Item | None:
        return self.items.get(self.table.cursor_key)

    def refresh_data(self, move_to: str | None = None) -> None:
        """Re-read the queue on a worker (it can take a while on a large casebook) and
        fill the table when it is ready; a newer refresh cancels an older one. It starts
        after the next frame, so the screen is painted first."""
        self.call_after_refresh(self._load, move_to)
        self.call_after_refresh(self._count_intake)
        self.call_after_refresh(self.query_one(FirstRunChecklist).refresh_steps)

    @work(thread=True, exclusive=True, group="dashboard")
    def _load(self, move_to: str | None) -> None:
        with worker_connection():  # never a pooled thread's shared connection
            data = self._read()
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._fill, data, move_to)
            self.app.call_from_thread(self.charts.reload)  # (after the queue: it comes first)

    @staticmethod
    def _read():
        today = dates.today()
        return (today, cases.counts(), triage.snoozed_count(today), triage.queue(today),
                council.get(), council.review_overdue(today), council.in_pre_election_period(today),
                cases.complaints_by_stage())

    def _fill(self, data, move_to: str | None) -> None:
        self._data = data
        today, n, snoozed, queue, row, review_overdue, pre_election, stages = data
        counts = []  # each count whole: on a narrow screen they go onto a second line
        for label, key, part in (("open requests", "open_requests", "count"),
                                 ("open complaints", "open_complaints", "count"),
                                 ("new", "new", "count-new"),
                                 ("due in 3 working days", "due_soon", "count-due"),
                                 ("overdue", "overdue", "count-overdue")):
            count = Text()
            count.append(f" {n[key]} ", style=self.style(part))
            count.append(f" {label}")
            counts.append(count)
        if snoozed:
            counts.append(Text(f"({snoozed} snoozed)", style=self.style("muted")))
        self.query_one("#dash-counts", Static).update(Items(counts))

        table = self.table
        keep_row = table.cursor_row
        self.items = {}
        rows = []
        for item in queue:
            self.items[item.key] = item
            title, owner = privacy.queue_item_text(item, self.meeting_mode)
            badge = Text(BADGE_TEXT[item.badge], style=self.badge_style(item.badge))
            if item.priority in ("urgent", "high"):
                badge.append(" !" if item.priority == "high" else " !!",
                             style=self.mark_style(item.badge))
            rows.append((item.key, (badge, item.ref, title, owner or "—", dates.fmt(item.due),
                                    item.why)))
        if not rows:
            rows.append(("none", ("", "", "Nothing needs you right now.", "", "", "")))
        source = ListSource(rows)
        if move_to and move_to in self.items:
            cursor = source.index_of(move_to)
        else:
            cursor = min(keep_row, len(rows) - 1)
        table.set_source(source, cursor=cursor, fit=False)
        self.refresh_side(row, review_overdue, pre_election, stages)
        if not self.shown:
            self.shown = True
            self.post_message(self.QueueShown())

    def refresh_side(self, row, review_overdue: bool, pre_election: bool, stages) -> None:
        """The lines under the counts: the protocol's dates and the complaints by stage."""
        dates_line = []
        if row:
            dates_line.append(Text(f"Protocol: {row.profile}", style=self.style("muted")))
            if review_overdue:
                dates_line.append(Text("Protocol review due since "
                                       + dates.fmt(row.protocol_review_due),
                                       style=self.style("alarm")))
            elif row.protocol_review_due:
                dates_line.append(Text(f"review due {dates.fmt(row.protocol_review_due)}",
                                       style=self.style("muted")))
            if pre_election:
                dates_line.append(Text("Pre-election period: election on "
                                       + dates.fmt(row.next_election), style=self.style("caution")))
        by_stage = [f"{n} {stage}" for stage, n in stages] or ["none open"]
        first = Text()
        first.append("Complaints by stage: ", style=self.style("heading"))
        first.append(by_stage[0])
        self.query_one("#dash-council", Static).update(Group(
            Items(dates_line), Items([first, *by_stage[1:]], separator=" · ")))

    # --- actions on the highlighted item ----------------------------------------------------

    def _next_key(self) -> str | None:
        table = self.table
        return table.get_key_at(table.cursor_row + 1)

    # marks (screens/marks.py): the queue's cases, never its tasks
    def can_mark(self, key) -> bool:
        item = self.items.get(key)
        return item is not None and item.kind == "case"

    def case_id_of(self, key) -> int:
        return int(str(key).split(":")[1])  # "case:12" (kept when it leaves the queue)

    def mark_all_shown(self) -> None:
        self.add_marks([key for key, item in self.items.items() if item.kind == "case"],
                       " in the queue")

    def after_bulk(self, keep_case: int | None) -> None:
        self.refresh_data()

    def _on_case(self, action_name: str, verb: str) -> None:
        from . import case_actions

        action = getattr(case_actions, action_name)
        if self.run_on_marks(action):  # cases marked: the action on all of them
            return
        item = self.current()
        if item is None or item.kind != "case":
            self.app.notify("That works on a case: choose a request or complaint.",
                            severity="warning")
            return
        case = Case.get_by_id(item.case_id)
        after = self._next_key()

        def done(result) -> None:
            if result is not None:
                self.app.notify(cases.what_was_done(result) if isinstance(result, Case)
                                else f"{case.ref}: {verb}.")
                self.refresh_data(move_to=after)
                self.table.focus()

        action(self.app, case, done)

    def _task_done(self, item: triage.Item) -> None:
        after = self._next_key()
        if item.records == "advice":  # doing it is recording the advice: the form first
            from .advice_form import record_advice

            def done(row) -> None:
                if row is not None:
                    self.app.notify("Advice recorded; task done: "
                                    + clip(privacy.queue_item_title(item, self.meeting_mode), 50))
                    self.refresh_data(move_to=after)

            record_advice(self.app, done, case=Case.get_by_id(item.case_id), task_id=item.id)
            return
        try:
            triage.task_done(item.id)
        except DatabaseError as exc:
            self.app.notify(str(exc), title="Not saved", severity="error", timeout=15)
            return
        self.app.notify("Task done: " + clip(privacy.queue_item_title(item, self.meeting_mode), 60))
        self.refresh_data(move_to=after)

    def action_assign(self) -> None:
        self._on_case("assign", "assigned")

    def action_priority(self) -> None:
        self._on_case("priority", "priority set")

    def action_snooze(self) -> None:
        self._on_case("snooze", "snoozed")

    def action_step(self) -> None:
        self._on_case("step", "step recorded")

    def action_close(self) -> None:
        from .case_actions import close_or_reopen

        if self.run_on_marks(close_or_reopen):
            return
        item = self.current()
        if item is not None and item.kind == "task":
            self._task_done(item)
            return
        self._on_case("close_or_reopen", "closed")

    def action_wizard(self) -> None:
        self._on_case("wizard_on", "routed")

    def action_clock(self) -> None:
        self._on_case("clock", "the clock updated")

    @on(VirtualTable.RowSelected, "#dash-table")
    def selected(self, event: VirtualTable.RowSelected) -> None:
        event.stop()
        item = self.items.get(event.key)
        if item is None:
            return
        if item.case_id is not None:
            self.post_message(OpenCase(item.case_id))
        elif item.kind == "member":
            self.post_message(OpenRecord("members", item.id))
        elif item.kind == "review":
            self.post_message(OpenRecord("council"))

    def action_first_run(self, step: str) -> None:
        self.query_one(FirstRunChecklist).open_step(step)

    # --- email intake (screens/intake_screen.py) ------------------------------------------------

    def action_intake(self) -> None:
        from .intake_screen import take_in_email

        def done(case) -> None:
            if case is not None:
                self.app.refresh_all()

        take_in_email(self.app, done)

    @work(thread=True, exclusive=True, group="dashboard-intake", exit_on_error=False)
    def _count_intake(self) -> None:
        """The saved emails waiting in the council's intake folder (headers only)."""
        from clerkdesk.models.casework import intake

        with worker_connection():
            folder = intake.intake_folder()
            waiting = len(intake.waiting(folder)) if folder is not None else None
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_intake, folder, waiting)

    def _show_intake(self, folder, waiting) -> None:
        line = Text()
        if folder is not None and waiting:
            line.append(f" {waiting} ", style="bold magenta reverse")
            line.append(f" saved email{'s' if waiting != 1 else ''} waiting in {folder}: "
                        "i takes one in")
        elif folder is not None:
            line.append(f"No saved emails waiting in {folder}.", style="dim")
        widget = self.query_one("#dash-intake", Static)
        widget.update(line)
        widget.display = folder is not None
