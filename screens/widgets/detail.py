"""The detail pane: a record's fields, then titled sections (the timeline for a case).

It draws what the domain's `Detail` says, in the theme's colours (detail.tcss beside
this file): a field the domain marks as a warning (`Detail.warnings`) is shown as one.
"""
from __future__ import annotations

from collections.abc import Callable

from rich.style import Style
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from clerkdesk.models.casework.records import Detail

from .theme import component_style

#: the parts of a detail, each styled by the component class `detail--<part>`
PARTS = ("title", "archived", "subtitle", "label", "warning", "heading", "empty")


def render_detail(detail: Detail | None, style: Callable[[str], Style]) -> Text:
    """*detail* as text; *style(part)* gives each part's style (one of PARTS)."""
    if detail is None:
        return Text("Nothing selected.", style=style("empty"))
    out = Text()
    out.append(detail.title, style=style("title"))
    if detail.archived:
        out.append("  [archived]", style=style("archived"))
    out.append("\n")
    if detail.subtitle:
        out.append(detail.subtitle + "\n", style=style("subtitle"))
    out.append("\n")
    width = max((len(label) for label, _ in detail.fields), default=0)
    for label, value in detail.fields:
        out.append(f"{label:<{width}}  ", style=style("label"))
        out.append(f"{value}\n", style=style("warning") if detail.is_warning(label) else "")
    for heading, lines in detail.sections:
        if not lines:
            continue
        out.append(f"\n{heading}\n", style=style("heading"))
        for line in lines:
            out.append(f"{line}\n")
    return out


class DetailBody(Static):
    """The detail's text, drawn when it is rendered (so in the styles of the moment)."""

    def __init__(self) -> None:
        super().__init__(classes="detail-body")

    def render(self) -> Text:
        view = self.parent
        return render_detail(view.detail, view.part_style)


class DetailView(VerticalScroll):
    """A scrollable detail pane that shows one `Detail`."""

    COMPONENT_CLASSES = {f"detail--{part}" for part in PARTS}

    can_focus = True

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        #: what is shown (kept here: it may be given before the body is mounted)
        self.detail: Detail | None = None

    def compose(self):
        yield DetailBody()

    def part_style(self, part: str) -> Style:
        return component_style(self, f"detail--{part}")

    def show(self, detail: Detail | None) -> None:
        self.detail = detail
        for body in self.query(DetailBody):  # (none yet while the view is mounting)
            body.refresh(layout=True)
        self.scroll_home(animate=False)
