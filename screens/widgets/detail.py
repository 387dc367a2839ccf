"""The detail pane: a record's fields, then titled sections (the timeline for a case)."""
from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from clerkdesk.models.casework.records import Detail


def render_detail(detail: Detail | None) -> Text:
    if detail is None:
        return Text("Nothing selected.", style="dim")
    out = Text()
    out.append(detail.title, style="bold")
    if detail.archived:
        out.append("  [archived]", style="bold red")
    out.append("\n")
    if detail.subtitle:
        out.append(detail.subtitle + "\n", style="dim italic")
    out.append("\n")
    width = max((len(label) for label, _ in detail.fields), default=0)
    for label, value in detail.fields:
        out.append(f"{label:<{width}}  ", style="bold cyan")
        style = "bold red" if "overdue" in value.lower() else ""
        out.append(f"{value}\n", style=style)
    for heading, lines in detail.sections:
        if not lines:
            continue
        out.append(f"\n{heading}\n", style="bold underline")
        for line in lines:
            out.append(f"{line}\n")
    return out


class DetailView(VerticalScroll):
    """A scrollable detail pane that shows one `Detail`."""

    can_focus = True

    def compose(self):
        yield Static(render_detail(None), classes="detail-body")

    def show(self, detail: Detail | None) -> None:
        self.query_one(".detail-body", Static).update(render_detail(detail))
        self.scroll_home(animate=False)
