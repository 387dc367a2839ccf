"""The application shell: the tabs, the global keys, switching, and the panes' messages.

Beside it: tabs.py (the tabs' panes), actions.py (the commands), palette.py (ctrl+p),
premount.py (building the tabs in the background), startup.py (the collector's tuning).
Meeting mode is one value the panes watch (screens/meeting.py)."""
from __future__ import annotations

import time
from pathlib import Path

from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.widgets import ContentSwitcher, Header

from clerkdesk.models.casework import council, privacy
from clerkdesk.models.core import schema, user
from clerkdesk.screens.dashboard import DashboardPane, OpenCase, OpenRecord
from clerkdesk.screens.meeting import MeetingBanner, MeetingMode
from clerkdesk.screens.sized import Desk
from clerkdesk.screens.styles import HEIGHTS, STYLESHEETS, WIDTHS
from clerkdesk.screens.widgets.key_bar import KeyBar
from clerkdesk.screens.widgets.tab_bar import TabBar
from clerkdesk.tui import actions, premount, startup
from clerkdesk.tui.correspondence import CorrespondenceProvider
from clerkdesk.tui.palette import CommandsProvider, ProtocolProvider, RecordsProvider
from clerkdesk.tui.tabs import RECORD_TABS, TABS, make_pane, numbered


class ClerkDesk(App):
    TITLE = "clerkdesk"
    COMMANDS = App.COMMANDS | {RecordsProvider, CommandsProvider, ProtocolProvider,
                               CorrespondenceProvider}
    CSS_PATH = ["app.tcss", *STYLESHEETS]
    HORIZONTAL_BREAKPOINTS, VERTICAL_BREAKPOINTS = WIDTHS, HEIGHTS  # -narrow, -short (80x24)
    BINDINGS = [
        *(Binding(str(i), f"show_tab('{tab}')", title, show=False)
          for i, (tab, title) in enumerate(TABS, start=1)),
        Binding("m", "toggle_meeting_mode", "Meeting mode"),
        Binding("ctrl+z", "undo", "Undo", show=False),
        Binding("question_mark", "help", "Keys"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(self, db_path: str | Path, *, demo: bool = False,
                 warnings: list[str] | None = None, backup_on_start: bool = False) -> None:
        super().__init__()
        self.backup_on_start = backup_on_start
        self.db_path = Path(db_path)
        self.demo = demo
        self.start_warnings = list(warnings or [])
        self.last_key_at = 0.0  # time.monotonic() of the last key press
        self.collector = startup.Collector(self)
        self.builder = premount.BackgroundBuilder(self, when_done=self.collector.everything_built)
        user.on_state_problem(None)  # (told once this app runs: see on_mount)
        self.meeting = MeetingMode(self, on=privacy.is_on())

    def get_default_screen(self) -> Desk:
        return Desk(id="_default")  # (its size classes from the start: screens/sized.py)

    def compose(self) -> ComposeResult:
        yield Header()
        yield MeetingBanner(id="meeting-banner")
        yield TabBar(numbered(), short=dict(numbered(short=True)), active="dashboard", id="tabs")
        with ContentSwitcher(id="tab-panes", initial="dashboard"):
            with Container(id="dashboard", classes="tab-pane"):
                yield DashboardPane(id="pane-dashboard")
            # the other tabs get their pane when first shown (see ensure_pane)
            for tab, _title in TABS[1:]:
                yield Container(id=tab, classes="tab-pane")
        yield KeyBar()

    def on_mount(self) -> None:
        self.collector.start()
        self.council_changed()
        for warning in self.start_warnings:
            self.notify(warning, severity="warning", timeout=15)
        # the clerk's state file (views, filters, meeting mode): a problem is told once
        user.on_state_problem(lambda text: self.notify(text, severity="warning", timeout=15))
        if self.backup_on_start:
            self.call_after_refresh(actions.automatic_backup, self)
        self.builder.start_later()
        if council.needs_setup():
            actions.first_run(self)
        else:
            self.focus_tab("dashboard")
        actions.name_the_clerk(self)  # (a browser session: clerkdesk serve)

    def council_changed(self) -> None:
        name = row.name if (row := council.get()) else "new casebook"
        self.sub_title = f"{name}{'  (demo copy)' if self.demo else ''}"

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            self.last_key_at = time.monotonic()
        await super().on_event(event)

    def pop_screen(self):
        popped = super().pop_screen()
        self.call_after_refresh(startup.release_closed_screens)
        return popped

    # --- tabs ---------------------------------------------------------------------------

    def pane(self, tab: str):
        return self.screen_stack[0].query_one(f"#pane-{tab}")

    def pane_or_none(self, tab: str):
        """The tab's pane, or None while it has not been built."""
        return next(iter(self.screen_stack[0].query(f"#pane-{tab}")), None)

    async def ensure_pane(self, tab: str):
        """The tab's pane, built and mounted the first time it is needed."""
        pane = self.pane_or_none(tab)
        if pane is None:
            pane = make_pane(tab)
            await self.screen_stack[0].query_one(f"#tab-panes > #{tab}").mount(pane)
        return pane

    @on(DashboardPane.QueueShown)
    def _queue_shown(self) -> None:
        self.builder.start()

    def focus_tab(self, tab: str) -> None:
        if (pane := self.pane_or_none(tab)) is not None:
            pane.focus_default()

    @property
    def tab_bar(self) -> TabBar:
        return self.screen_stack[0].query_one("#tabs", TabBar)

    @property
    def active_tab(self) -> str:
        return self.tab_bar.active

    def action_show_tab(self, tab: str) -> None:
        if self.active_tab != tab:
            self.tab_bar.active = tab  # Activated makes the pane if need be and focuses it
        else:
            self.focus_tab(tab)

    def _show_panes_of(self, tab: str) -> None:
        self.screen_stack[0].query_one("#tab-panes", ContentSwitcher).current = tab

    @on(TabBar.Activated, "#tabs")
    async def tab_activated(self, event: TabBar.Activated) -> None:
        tab = event.tab
        self._show_panes_of(tab)
        existed = self.pane_or_none(tab) is not None
        pane = await self.ensure_pane(tab)
        if existed:
            pane.refresh_data()  # a new pane reads its data as it mounts
        if self.active_tab == tab:  # (not if another tab was chosen meanwhile)
            pane.focus_default()

    async def show_tab(self, tab: str):
        """Switch to *tab* and return its pane, ready (and focused) now."""
        self._show_panes_of(tab)
        self.tab_bar.active = tab
        pane = await self.ensure_pane(tab)
        pane.focus_default()
        return pane

    def refresh_all(self) -> None:
        for pane in filter(None, (self.pane_or_none(tab) for tab, _ in TABS)):
            pane.refresh_data()

    # --- what the panes and the palette ask for -----------------------------------------

    @on(OpenCase)
    async def open_case(self, message: OpenCase) -> None:
        case = schema.Case.get_by_id(message.case_id)
        pane = await self.show_tab("requests" if case.type == "request" else "complaints")
        pane.show_row(case.id, clear_filter=True)

    @on(OpenRecord)
    async def open_record(self, message: OpenRecord) -> None:
        pane = await self.show_tab(message.tab)
        if message.row_id is not None:
            pane.load(keep=message.row_id)

    def show_record(self, kind: str, row_id: int) -> None:
        """Open any record found by the palette in its own tab."""
        if kind == "case":
            self.post_message(OpenCase(row_id))
        elif kind == "committee":
            self.call_later(self._show_committee, row_id)
        else:
            self.post_message(OpenRecord(RECORD_TABS[kind], row_id))

    async def _show_committee(self, row_id: int) -> None:
        (await self.show_tab("council")).show_committee(row_id)

    # --- the global keys ----------------------------------------------------------------

    def notify(self, message: str, *, title: str = "", **kwargs) -> None:
        message, title = actions.masked_toast(self, message, title)  # every toast: the mask
        super().notify(message, title=title, **kwargs)

    def action_toggle_meeting_mode(self) -> None:
        actions.toggle_meeting_mode(self)

    def action_undo(self) -> None:
        actions.undo(self)

    def action_help(self) -> None:
        actions.show_help(self)
