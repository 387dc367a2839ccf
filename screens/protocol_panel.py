"""What the protocol says: one topic of the council's profile (premises visits, media,
appointments...), every line with its clause and the clause's words. Found from the
command palette by topic."""
from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, Static

from clerkdesk.models.casework import council
from clerkdesk.screens.modal import Modal


def render_topic(topic, lines) -> Text:
    """Each line with its clause; the clause's words under the first line citing it."""
    out = Text()
    quoted: set[str] = set()
    for text, clause, quote in lines:
        out.append("• ", style="bold")
        out.append(text)
        out.append(f"  [{clause}]\n", style="cyan")
        if quote and clause not in quoted:
            quoted.add(clause)
            out.append(f"    “{quote[:400]}”\n", style="dim italic")
    return out


class ProtocolPanel(Modal[None]):
    """One topic of what the protocol says."""

    BINDINGS = [Binding("escape,enter,q", "dismiss(None)", "Close")]

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key

    def compose(self) -> ComposeResult:
        found = [(g, lines) for g, lines in council.guidance() if g.key == self.key]
        with Vertical(classes="modal-box detail-box"):
            if found:
                topic, lines = found[0]
                yield Label(f"What the protocol says: {topic.topic}", classes="form-title")
                with VerticalScroll(id="protocol-lines"):
                    yield Static(render_topic(topic, lines), id="protocol-text")
            else:
                yield Label("The council's protocol profile has no such topic.",
                            classes="form-title")
            yield Label("esc  close", classes="hint")

    def on_mount(self) -> None:
        for scroll in self.query("#protocol-lines"):
            scroll.focus()
