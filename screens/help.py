"""`?`: every key of the app, gathered from the bindings themselves so it stays true."""
from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static


def _keys(key: str) -> str:
    names = {"slash": "/", "question_mark": "?", "delete": "del", "escape": "esc"}
    return ", ".join(names.get(k, k) for k in key.split(","))


def bindings_table(groups: list[tuple[str, list]]) -> Group:
    """A heading and a two-column table of keys for each group."""
    parts = []
    for title, bindings in groups:
        table = Table(show_header=False, box=None, padding=(0, 2), expand=False)
        table.add_column("key", style="bold cyan", no_wrap=True, min_width=16, max_width=16)
        table.add_column("does")
        for b in bindings:
            if isinstance(b, Binding):
                key, desc = b.key, b.description
            else:
                key, _action, desc = b
            if desc:
                table.add_row(_keys(key), desc)
        parts += [Text(""), Text(title, style="bold underline"), table]
    return Group(*parts)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss(None)", "Close")]

    def __init__(self, groups: list[tuple[str, list]]) -> None:
        super().__init__()
        self.groups = groups

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box help-box"):
            yield Label("Keys", classes="form-title")
            with VerticalScroll():
                yield Static(bindings_table(self.groups))
            yield Label("esc  close", classes="hint")
