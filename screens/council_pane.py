"""The Council tab: the council's settings, its committees, wards and external contacts."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import ContentSwitcher, TabbedContent, TabPane

from clerkdesk.models.casework import council, first_run, registers
from clerkdesk.models.casework.records import Detail
from clerkdesk.models.core import dates

from .form import FormScreen
from .register_pane import RegisterPane
from .widgets.detail import DetailView


def settings_detail() -> Detail:
    row = council.get()
    if row is None:
        return Detail("No council yet", "Settings")
    review_overdue = council.review_overdue()
    fields = [
        ("Kind", council.KINDS.get(row.kind, row.kind)),
        ("Protocol profile", row.profile),
        ("Clerk", _clerk_line()),
        ("Bank holidays of", dates.NATION_LABELS.get(row.nation, row.nation)),
        ("Protocol adopted", dates.fmt(row.protocol_adopted) or "—"),
        ("Protocol review due", (dates.fmt(row.protocol_review_due) or "—")
         + ("  (overdue)" if review_overdue else "")),
        ("Next election", dates.fmt(row.next_election) or "—"),
        ("Pre-election period", f"{row.pre_election_days} days"),
        ("Staffing committee", row.staffing_committee_name or "—"),
        *council.protocol_lines(row),
        ("Closure days", row.closure_days or "—"),
        ("Keep closed complaints", f"{row.retention_years} years"),
    ]
    return Detail(row.name, "Council settings  (e to edit; ← → the other sub-tabs)", fields, [],
                  warnings=frozenset({"Protocol review due"} if review_overdue else ()))


def _clerk_line() -> str:
    name, source = first_run.clerk_of_record()
    if not name:
        return "— (add yourself on the Officers tab, 3, with the Town Clerk role)"
    return f"{name}  (from {source})"


class SettingsPane(Vertical):
    BINDINGS = [Binding("e", "edit", "Edit settings")]

    def compose(self) -> ComposeResult:
        yield DetailView(id="settings-view")

    def on_mount(self) -> None:
        self.refresh_data()

    def focus_default(self) -> None:
        self.query_one(DetailView).focus()

    def refresh_data(self) -> None:
        for view in self.query(DetailView):  # (none when the app closes as this mounts)
            view.show(settings_detail())

    def action_edit(self) -> None:
        row = council.get()

        def done(saved) -> None:
            if saved is not None:
                self.app.notify("Council settings saved.")
                self.refresh_data()
                self.app.council_changed()

        seen = {"version": row.version}

        def save(raw):
            return council.save_settings(raw, expected_version=seen["version"])

        def reload() -> dict[str, str]:
            fresh = council.get()
            seen["version"] = fresh.version
            return council.form_values(fresh)

        self.app.push_screen(FormScreen("Council settings", council.settings_fields(),
                                        council.form_values(row), save, reload=reload), done)


#: the Council tab's sub-tabs, in order (← and → move between them)
SUB_TABS = ["council-settings", "council-committees", "council-wards", "council-contacts"]


def edit_dates(app, done) -> None:
    """The council's dates alone (the first-run checklist's D): adopted, review, election."""
    row = council.get()
    seen = {"version": row.version}

    def save(raw):
        return council.save_dates(raw, expected_version=seen["version"])

    app.push_screen(FormScreen("The council's dates", council.dates_fields(),
                               council.form_values(row), save,
                               subtitle="The Dashboard warns when the protocol review is due "
                                        "and in the run-up to the election. e on this tab "
                                        "edits every setting."), done)


class CouncilPane(Vertical):
    """The Council tab: Settings, Committees, Wards, External contacts. ← and → switch
    between them from the list or the settings (a list that is wider than the screen
    scrolls first); Tab reaches the sub-tabs' own bar too."""

    BINDINGS = [
        Binding("right", "sub_tab(1)", "Next sub-tab (Settings, Committees, Wards, Contacts)",
                show=False),
        Binding("left", "sub_tab(-1)", "Previous sub-tab", show=False),
    ]

    def compose(self) -> ComposeResult:
        with TabbedContent(id="council-tabs"):
            with TabPane("Settings", id="council-settings"):
                yield SettingsPane()
            with TabPane("Committees", id="council-committees"):
                yield RegisterPane(registers.COMMITTEES)
            with TabPane("Wards", id="council-wards"):
                yield RegisterPane(registers.WARDS)
            with TabPane("External contacts", id="council-contacts"):
                yield RegisterPane(registers.CONTACTS)

    def refresh_data(self) -> None:
        for pane in self.query(RegisterPane):
            pane.refresh_data()
        self.query_one(SettingsPane).refresh_data()

    def action_sub_tab(self, step: int) -> None:
        tabs = self.query_one("#council-tabs", TabbedContent)
        at = SUB_TABS.index(tabs.active) if tabs.active in SUB_TABS else 0
        tabs.active = SUB_TABS[(at + step) % len(SUB_TABS)]  # -> TabActivated: focused there

    def show_sub_tab(self, sub: str):
        """Show the sub-tab *sub* (one of SUB_TABS) and return its pane, focused."""
        tabs = self.query_one("#council-tabs", TabbedContent)
        tabs.active = sub
        pane = tabs.get_pane(sub).query_one("SettingsPane, RegisterPane")
        pane.focus_default()
        return pane

    def show_committee(self, row_id: int) -> None:
        """The Committees sub-tab, on the committee *row_id*."""
        self.query_one("#council-tabs", TabbedContent).active = "council-committees"
        self.query_one("#council-committees RegisterPane", RegisterPane).load(keep=row_id)

    def focus_default(self) -> None:
        tabs = self.query_one("#council-tabs", TabbedContent)
        active = tabs.active_pane
        if active is not None:
            active.query_one("SettingsPane, RegisterPane").focus_default()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        event.stop()  # the council's own sub-tabs; the app's tabs must not see it
        # only while the council's own tab is the one shown (its pane sits in the app's
        # ContentSwitcher, or in a test's)
        holder = self.parent
        switcher = holder.parent if holder is not None else None
        if isinstance(switcher, ContentSwitcher) and switcher.current == holder.id:
            self.focus_default()
