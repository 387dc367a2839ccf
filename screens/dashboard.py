"""The Dashboard: what needs the clerk today (counts, overdue, due soon, new)."""
from __future__ import annotations

import datetime as dt

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Label, Static

from clerkdesk.models import cases, council, dates, privacy

from .register_pane import ListTable


BADGE_STYLES = {"overdue": "bold red", "due": "bold yellow", "new": "bold cyan"}


class OpenCase(Message):
    """Ask the app to show a case in its own tab."""

    def __init__(self, case_id: int) -> None:
        super().__init__()
        self.case_id = case_id


class DashboardPane(Vertical):
    BINDINGS = [
        Binding("r", "refresh_data", "Refresh"),
    ]

    def compose(self) -> ComposeResult:
        yield Static("", id="dash-counts")
        with Horizontal(id="dash-body"):
            with Vertical(id="dash-queue"):
                yield Label("Needs attention", classes="section-title")
                table = ListTable(cursor_type="row", zebra_stripes=True, id="dash-table")
                for label, width in (("", 7), ("Ref", 13), ("Subject", 34), ("Owner", 14),
                                     ("Due", 10), ("Why", 22)):
                    table.add_column(label, width=width)
                yield table
            with VerticalScroll(id="dash-side"):
                yield Static("", id="dash-side-body")

    def on_mount(self) -> None:
        self.refresh_data()

    def focus_default(self) -> None:
        self.query_one("#dash-table").focus()

    def action_refresh_data(self) -> None:
        self.refresh_data()

    def refresh_data(self) -> None:
        today = dates.today()
        n = cases.counts()
        counts = Text()
        for label, key, style in (("open requests", "open_requests", "bold"),
                                  ("open complaints", "open_complaints", "bold"),
                                  ("new", "new", "bold cyan"),
                                  ("due in 3 working days", "due_soon", "bold yellow"),
                                  ("overdue", "overdue", "bold red")):
            counts.append(f" {n[key]} ", style=f"{style} reverse")
            counts.append(f" {label}   ")
        self.query_one("#dash-counts", Static).update(counts)

        table = self.query_one("#dash-table", DataTable)
        keep = table.cursor_row
        table.clear()
        hide = bool(getattr(self.app, "meeting_mode", False))
        for c, badge, why in cases.attention(today):
            subject = privacy.HIDDEN if hide and privacy.case_is_private(c.type, c.confidential) else c.subject
            table.add_row(Text(badge.upper(), style=BADGE_STYLES[badge]), c.ref, subject,
                          c.owner.name if c.owner else "—", dates.fmt(c.due), why, key=str(c.id))
        if not table.row_count:
            table.add_row("", "", "Nothing needs you right now.", "", "", "", key="none")
        if table.row_count:
            table.move_cursor(row=min(keep, table.row_count - 1))

        side = Text()
        row = council.get()
        if row:
            side.append(f"{row.name}\n", style="bold")
            side.append(f"Protocol profile: {row.profile}\n", style="dim")
            if council.review_overdue(today):
                side.append("\nProtocol review due", style="bold red")
                side.append(f" since {dates.fmt(row.protocol_review_due)}\n")
            elif row.protocol_review_due:
                side.append(f"\nProtocol review due {dates.fmt(row.protocol_review_due)}\n")
            if council.in_pre_election_period(today):
                side.append("\nPre-election period: ", style="bold yellow")
                side.append(f"election on {dates.fmt(row.next_election)}\n")
        side.append("\nComplaints by stage\n", style="bold underline")
        stages = cases.complaints_by_stage()
        for stage, count in stages or [("none open", 0)]:
            side.append(f"  {count:>3}  {stage}\n" if count else f"  {stage}\n")
        side.append("\nOpen requests by kind\n", style="bold underline")
        for kind, count in cases.requests_by_kind():
            side.append(f"  {count:>3}  {kind}\n")
        self.query_one("#dash-side-body", Static).update(side)

    @on(DataTable.RowSelected, "#dash-table")
    def selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value != "none":
            self.post_message(OpenCase(int(event.row_key.value)))
