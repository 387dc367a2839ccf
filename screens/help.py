"""`?`: every key of the app, gathered from the bindings themselves so it stays true."""
from __future__ import annotations

from rich.console import Group
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, Static

from clerkdesk.screens.modal import Modal

from .widgets.theme import component_style


def _keys(key: str) -> str:
    names = {"slash": "/", "question_mark": "?", "delete": "del", "escape": "esc",
             "plus": "+", "minus": "-"}
    return ", ".join(names.get(k, k) for k in key.split(","))


def bindings_table(groups: list[tuple[str, list]], *, key_style: Style | str = "",
                   heading_style: Style | str = "") -> Group:
    """A heading and a two-column table of keys for each group."""
    parts = []
    for title, bindings in groups:
        table = Table(show_header=False, box=None, padding=(0, 2), expand=False)
        table.add_column("key", style=key_style, no_wrap=True, min_width=16, max_width=16)
        table.add_column("does")
        for b in bindings:
            if isinstance(b, Binding):
                key, desc = b.key, b.description
            else:
                key, _action, desc = b
            if desc:
                table.add_row(_keys(key), desc)
        parts += [Text(""), Text(title, style=heading_style), table]
    return Group(*parts)


class HelpScreen(Modal[None]):
    COMPONENT_CLASSES = {"help--key", "help--heading"}  # (help.tcss)
    BINDINGS = [Binding("escape,q,question_mark", "dismiss(None)", "Close")]

    def __init__(self, groups: list[tuple[str, list]]) -> None:
        super().__init__()
        self.groups = groups

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box help-box"):
            yield Label("Keys", classes="form-title")
            with VerticalScroll():
                yield Static("", id="help-keys")
            yield Label("esc  close", classes="hint")

    #: the width the keys were drawn at (None: not yet)
    drawn_width: int | None = None

    def on_mount(self) -> None:
        self.call_after_refresh(self.draw)  # (once the box is laid out)

    def on_resize(self) -> None:
        self.call_after_refresh(self.draw)

    def draw(self) -> None:
        """Draw the keys once the box has its width: the tables are drawn there once, to
        plain lines of text. (Given the tables themselves, Textual measured and drew
        them again on every layout pass: ~1,300 table renders, 170-280 ms on the UI
        thread, on opening the keys.)"""
        scroll = self.query_one(VerticalScroll)
        width = scroll.scrollable_content_region.width - 1  # (room for the scroll bar)
        if width <= 0 or width == self.drawn_width:
            return
        self.drawn_width = width
        self.query_one("#help-keys", Static).update(drawn(self.app.console, bindings_table(
            self.groups, key_style=component_style(self, "help--key"),
            heading_style=component_style(self, "help--heading")), width))


def drawn(console, renderable, width: int) -> Text:
    """*renderable* drawn once at *width* columns, as lines of styled text (no wrapping
    left to do)."""
    lines = console.render_lines(renderable, console.options.update_width(width), pad=False)
    out = Text(no_wrap=True, overflow="crop", end="")
    for i, line in enumerate(lines):
        if i:
            out.append("\n")
        for seg in line:
            if not seg.control:
                out.append(seg.text, seg.style)
    out.rstrip()
    return out
