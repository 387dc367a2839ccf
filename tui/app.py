"""The application shell: the tabs, the global keys, first-run setup."""
from __future__ import annotations

import gc
import importlib
import os
import sys
import time
from pathlib import Path

from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.widgets import ContentSwitcher, Header, Static

from clerkdesk.models.casework import case_lists, council, privacy, registers
from clerkdesk.models.core import schema
from clerkdesk.screens.dashboard import DashboardPane, OpenCase, OpenRecord
from clerkdesk.screens.widgets.key_bar import KeyBar
from clerkdesk.screens.widgets.tab_bar import TabBar
from clerkdesk.tui.correspondence import CorrespondenceProvider
from clerkdesk.tui.palette import CommandsProvider, RecordsProvider

SCREENS_DIR = Path(__file__).resolve().parent.parent / "screens"

#: (tab id, title) in the order of the number keys
TABS = [
    ("dashboard", "Dashboard"),
    ("members", "Members"),
    ("officers", "Officers"),
    ("requests", "Requests"),
    ("groups", "Party groups"),
    ("complaints", "Complaints"),
    ("council", "Council"),
]


#: the order the tabs' panes are built in after start-up: the busiest first
PREMOUNT_ORDER = ["requests", "complaints", "members", "officers", "groups", "council"]
#: ... then these modules are imported, one at a time, so that the first form or wizard
#: opens as fast as the next (a first import was ~80 ms more on opening)
PREMOUNT_MODULES = ["clerkdesk.screens.form", "clerkdesk.screens.wizard",
                    "clerkdesk.screens.case_actions", "clerkdesk.screens.picker",
                    "clerkdesk.screens.help"]
#: ... starting when the Dashboard has shown its queue, or after this many seconds
PREMOUNT_AFTER_S = 3.0
#: ... and never within this many seconds of a key press (building a pane holds the UI
#: for 15-55 ms: it waits while the clerk types)
PREMOUNT_QUIET_S = 0.5


def resume_collector() -> bool:
    """After the first frame: if `clerkdesk` paused the garbage collector for the start
    (tui/__main__.py, pause_collector), set what the start made aside as permanent
    (gc.freeze: later collections need not walk it again) and resume collecting. True
    when it did (the app then freezes once more when every tab is built)."""
    if gc.isenabled():
        return False
    gc.freeze()
    gc.enable()
    return True


def release_closed_screens() -> None:
    """Let go of what closed screens left in Textual's caches.

    `StylesCache.get_inner_outer` is an lru_cache on a method, so it keeps up to 1,024
    widgets' style caches (and their drawn lines) alive after the widgets are gone
    (Textual issue #6665): each form opened and closed left ~11,000 objects, and the
    collector's full passes grew from ~25 ms towards 100 ms. The cache only saves
    working out two background colours again."""
    from textual._styles_cache import StylesCache

    StylesCache.get_inner_outer.cache_clear()


#: with the collector paused for the start (see resume_collector), a full collection is
#: also run at idle moments (no key for IDLE_COLLECT_S, and the younger generations
#: collected since the last full one), so that one is rarely due while the clerk works
IDLE_COLLECT_S = 2.0
YOUNG_COLLECT = 10_000


def full_collection_due(idle_s: float, younger_passes: int) -> bool:
    """Whether to run a full collection now, given the seconds since the last key and the
    younger-generation passes since the last full one (`gc.get_count()[2]`)."""
    return idle_s >= IDLE_COLLECT_S and younger_passes >= 1


def make_pane(tab: str):
    """A tab's pane; its screen module is imported only now, when the tab is first shown."""
    if tab == "members":
        from clerkdesk.screens.member_pane import MemberPane

        return MemberPane(registers.MEMBERS, id="pane-members")
    if tab in ("requests", "complaints"):
        from clerkdesk.screens.case_pane import CasePane

        return CasePane(case_lists.REQUESTS if tab == "requests" else case_lists.COMPLAINTS, id=f"pane-{tab}")
    if tab == "council":
        from clerkdesk.screens.council_pane import CouncilPane

        return CouncilPane(id="pane-council")
    from clerkdesk.screens.register_pane import RegisterPane

    return RegisterPane({"officers": registers.OFFICERS, "groups": registers.GROUPS}[tab],
                        id=f"pane-{tab}")


class ClerkDesk(App):
    TITLE = "clerkdesk"
    COMMANDS = App.COMMANDS | {RecordsProvider, CommandsProvider, CorrespondenceProvider}
    CSS_PATH = ["app.tcss", "../screens/screens.tcss",
                # correspondence (a .tcss beside each screen module)
                "../screens/file_picker.tcss", "../screens/documents_screen.tcss",
                "../screens/retention_screen.tcss", "../screens/intake_screen.tcss"]
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
        self.meeting_mode = False
        self.last_key_at = 0.0  # time.monotonic() of the last key press
        self.collector_resumed = False  # see resume_collector

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("MEETING MODE: names and details of confidential cases and complaints are "
                     "hidden.  m to show them again.", id="meeting-banner")
        yield TabBar([(tab, f"{number} {title}") for number, (tab, title)
                      in enumerate(TABS, start=1)], active="dashboard", id="tabs")
        with ContentSwitcher(id="tab-panes", initial="dashboard"):
            with Container(id="dashboard", classes="tab-pane"):
                yield DashboardPane(id="pane-dashboard")
            # the other tabs get their pane when first shown (see ensure_pane)
            for tab, _title in TABS[1:]:
                yield Container(id=tab, classes="tab-pane")
        yield KeyBar()

    def on_mount(self) -> None:
        self.call_after_refresh(self._resume_collector)
        self.meeting_mode = privacy.is_on()
        self.query_one("#meeting-banner").display = self.meeting_mode
        self.council_changed()
        for warning in self.start_warnings:
            self.notify(warning, severity="warning", timeout=15)
        if self.backup_on_start:
            self.call_after_refresh(self.automatic_backup)
        # the other tabs' panes are built in the background, one at a time, once the triage
        # queue is on screen (or after PREMOUNT_AFTER_S whatever happens); a tab shown
        # before its turn is built at once (ensure_pane)
        self.premounting = False
        self.set_timer(PREMOUNT_AFTER_S, self._start_premount)
        if council.needs_setup():
            from clerkdesk.screens.setup import SetupScreen  # (only on a first run)

            self.push_screen(SetupScreen(), self._setup_done)
        else:
            self.focus_tab("dashboard")

    def _resume_collector(self) -> None:
        self.collector_resumed = resume_collector()
        if self.collector_resumed:
            # a youngest generation of YOUNG_COLLECT objects, not 700: opening a form makes
            # some 35,000, and with 700 a full pass (~50 ms) fell due in most of them
            _young, middle, old = gc.get_threshold()
            gc.set_threshold(YOUNG_COLLECT, middle, old)
            self.set_interval(1.0, self._collect_when_idle)

    def _collect_when_idle(self) -> None:
        if full_collection_due(time.monotonic() - self.last_key_at, gc.get_count()[2]):
            gc.collect()

    def _setup_done(self, result) -> None:
        if result is not None:
            self.notify(f"Welcome, {result.name}. Press ? for the keys.")
            self.council_changed()
            self.refresh_all()
            self.focus_tab("dashboard")

    def council_changed(self) -> None:
        row = council.get()
        name = row.name if row else "new casebook"
        self.sub_title = f"{name}{'  (demo copy)' if self.demo else ''}"

    # --- tabs -----------------------------------------------------------------------------

    def pane(self, tab: str):
        return self.screen_stack[0].query_one(f"#pane-{tab}")

    def pane_or_none(self, tab: str):
        """The tab's pane, or None while its tab has never been shown."""
        panes = self.screen_stack[0].query(f"#pane-{tab}")
        return panes.first() if panes else None

    async def ensure_pane(self, tab: str):
        """The tab's pane, made and mounted the first time it is needed (start-up only
        builds the Dashboard)."""
        pane = self.pane_or_none(tab)
        if pane is None:
            pane = make_pane(tab)
            await self.screen_stack[0].query_one(f"#tab-panes > #{tab}").mount(pane)
        return pane

    @on(DashboardPane.QueueShown)
    def _start_premount(self) -> None:
        if not self.premounting:
            self.premounting = True
            self.set_timer(0.05, self._premount_next)

    def pop_screen(self):
        popped = super().pop_screen()
        self.call_after_refresh(release_closed_screens)
        return popped

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            self.last_key_at = time.monotonic()
        await super().on_event(event)

    async def _premount_next(self) -> None:
        if not self.is_running or not self.screen_stack:
            return  # shutting down
        quiet = time.monotonic() - self.last_key_at
        if quiet < PREMOUNT_QUIET_S:
            self.set_timer(PREMOUNT_QUIET_S - quiet + 0.01, self._premount_next)
            return
        left = self._premount_left()
        if left:
            kind, name = left[0]
            if kind == "tab":
                await self.ensure_pane(name)
            else:
                importlib.import_module(name)
        if len(left) > 1:
            self.set_timer(0.05, self._premount_next)
        elif self.collector_resumed:
            gc.freeze()  # everything is built: what it is made of is here to stay

    def _premount_left(self) -> list[tuple[str, str]]:
        """What the background building has still to do, in order: ("tab", id) for a pane
        not yet built, then ("module", name) for a module not yet imported."""
        return ([("tab", tab) for tab in PREMOUNT_ORDER if self.pane_or_none(tab) is None]
                + [("module", name) for name in PREMOUNT_MODULES if name not in sys.modules])

    def focus_tab(self, tab: str) -> None:
        pane = self.pane_or_none(tab)
        if pane is not None:
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
        """Switch to *tab* and return its pane, ready (and focused) now, not when the
        Activated message is handled."""
        self._show_panes_of(tab)
        self.tab_bar.active = tab
        pane = await self.ensure_pane(tab)
        pane.focus_default()
        return pane

    def refresh_all(self) -> None:
        for tab, _ in TABS:
            pane = self.pane_or_none(tab)
            if pane is not None:
                pane.refresh_data()

    @on(OpenCase)
    async def open_case(self, message: OpenCase) -> None:
        case = schema.Case.get_by_id(message.case_id)
        tab = "requests" if case.type == "request" else "complaints"
        pane = await self.show_tab(tab)
        filt = pane.query_one(".filter")
        filt.value = ""
        pane.filter_text = ""
        pane.load(keep=case.id)

    @on(OpenRecord)
    async def open_record(self, message: OpenRecord) -> None:
        pane = await self.show_tab(message.tab)
        if message.row_id is not None:
            pane.load(keep=message.row_id)

    def show_record(self, kind: str, row_id: int) -> None:
        """Open any record found by the palette in its own tab."""
        if kind == "case":
            self.post_message(OpenCase(row_id))
            return
        if kind == "committee":
            self.call_later(self._show_committee, row_id)
            return
        tab = {"member": "members", "officer": "officers", "party_group": "groups"}[kind]
        self.post_message(OpenRecord(tab, row_id))

    async def _show_committee(self, row_id: int) -> None:
        council_pane = await self.show_tab("council")
        council_pane.query_one("#council-tabs").active = "council-committees"
        council_pane.query_one("#council-committees RegisterPane").load(keep=row_id)

    def new_record(self, tab: str) -> None:
        async def go() -> None:
            (await self.show_tab(tab)).action_new()

        self.call_later(go)

    def _beside_casebook(self, name: str) -> Path:
        folder = self.db_path.parent / name
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    @work(thread=True, group="backup", exit_on_error=False)
    def automatic_backup(self) -> None:
        """The rotating backup taken on every open, after the first frame is on screen."""
        from clerkdesk.models.store import backup

        try:
            backup.automatic_backup(self.db_path,
                                    passphrase=os.environ.get("CLERKDESK_PASSPHRASE") or None)
        except Exception as exc:  # it must never stop the clerk working: say so instead
            self.call_from_thread(self.notify, f"The automatic backup failed: {exc}",
                                  severity="warning", timeout=15)

    def backup_now(self) -> None:
        from clerkdesk.models.store import backup

        try:
            dest = backup.backup(self.db_path, backup.default_dest(self.db_path))
        except Exception as exc:  # a full disk, a read-only folder: say so, keep going
            self.notify(f"The backup failed: {exc}", severity="error", timeout=10)
            return
        self.notify(f"Backed up to {dest}", title="Backup")

    def write_report(self) -> None:
        from clerkdesk.models.output import report

        try:
            paths = report.write_report(self._beside_casebook("reports"))
        except OSError as exc:
            self.notify(f"The report could not be written: {exc}", severity="error", timeout=10)
            return
        self.notify("Written: " + ", ".join(str(p) for p in paths), title="Committee report",
                    timeout=10)

    def import_csv(self) -> None:
        from clerkdesk.screens.import_screen import start_import

        def done(created) -> None:
            if created is not None:
                self.notify(f"{len(created)} record{'s' if len(created) != 1 else ''} added.",
                            title="Import")
                self.refresh_all()

        start_import(self, done)

    def export_calendar(self) -> None:
        from clerkdesk.models.output import ical

        path = self._beside_casebook("exports") / "clerkdesk-due-dates.ics"
        try:
            n = ical.export_ics(path)
        except OSError as exc:
            self.notify(f"The calendar could not be written: {exc}", severity="error", timeout=10)
            return
        self.notify(f"{n} due date{'s' if n != 1 else ''} written to {path}", title="Calendar")

    # --- undo ---------------------------------------------------------------------------------

    def action_undo(self) -> None:
        from clerkdesk.models.core import schema
        from clerkdesk.models.store import undo

        try:
            entry = undo.undo_last()
        except undo.UndoError as exc:
            self.notify(str(exc), severity="warning")
            return
        undone = schema.Audit.get_by_id(entry.undoes)
        self.notify(f"Undone: {undo.describe(undone)}", title="Undo")
        self.refresh_all()

    # --- meeting mode ---------------------------------------------------------------------

    def action_toggle_meeting_mode(self) -> None:
        self.meeting_mode = not self.meeting_mode
        privacy.set_mode(self.meeting_mode)
        from clerkdesk.screens.register_pane import DetailScreen

        while isinstance(self.screen, DetailScreen):  # it may show what must now be hidden
            self.pop_screen()
        self.query_one("#meeting-banner").display = self.meeting_mode
        self.refresh_all()
        self.notify("Meeting mode on: confidential names hidden." if self.meeting_mode
                    else "Meeting mode off.")

    # --- help -----------------------------------------------------------------------------

    def action_help(self) -> None:
        from clerkdesk.screens.case_pane import CasePane
        from clerkdesk.screens.council_pane import SettingsPane
        from clerkdesk.screens.form import FormScreen
        from clerkdesk.screens.help import HelpScreen
        from clerkdesk.screens.member_pane import MemberPane
        from clerkdesk.screens.register_pane import RegisterPane
        from clerkdesk.screens.widgets.virtual_table import VirtualTable

        groups = [
            ("Everywhere", [("1 … 7", "", "switch tab (Dashboard, Members, Officers, Requests, "
                             "Party groups, Complaints, Council)"),
                            ("ctrl+p", "", "find any record by name, reference or words; run a command"),
                            *self.BINDINGS[len(TABS):]]),
            ("Dashboard (the triage desk)", DashboardPane.BINDINGS),
            ("Every list", VirtualTable.BINDINGS + RegisterPane.BINDINGS + [("esc", "", "in the filter: clear it, then back to the list")]),
            ("Members", MemberPane.BINDINGS),
            ("Requests and complaints", CasePane.BINDINGS),
            ("Council settings", SettingsPane.BINDINGS),
            ("Forms", FormScreen.BINDINGS + [("tab, shift+tab", "", "next / previous field")]),
        ]
        self.push_screen(HelpScreen(groups))
