"""The baseline the lists are measured against: what clerkdesk did before, a plain
`DataTable` loaded with every row of the list (on opening the tab and on every filter
keystroke), with the same query, the same cells and the same 120x40 screen."""
from __future__ import annotations

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Input, Static, TabbedContent, TabPane

from clerkdesk.models.casework import case_lists, records

REGISTER = case_lists.REQUESTS


class FullTableApp(App):
    BINDINGS = [Binding("4", "show_requests", "Requests")]

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(initial="home"):
            with TabPane("1 Home", id="home"):
                yield Static("home")
            with TabPane("4 Requests", id="requests"):
                yield Input(classes="filter")
                yield DataTable(cursor_type="row", zebra_stripes=True, classes="register-table")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(*(c.label for c in REGISTER.columns))
        self.filter_text = ""

    def action_show_requests(self) -> None:
        self.query_one(TabbedContent).active = "requests"
        self.load()
        self.query_one(DataTable).focus()

    def load(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for row in records.rows(REGISTER, self.filter_text):
            table.add_row(*records.display_row(REGISTER, row), key=str(row[0]))

    @on(Input.Changed)
    def changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self.load()

    def action_slash(self) -> None:
        pass

    def on_key(self, event) -> None:
        if event.key == "slash":
            event.stop()
            self.query_one(Input).focus()
