"""Who is at the desk: asked once when a browser session starts (`clerkdesk serve`), so the
audit log names the clerk who makes each change in that session. Dismisses the name."""
from __future__ import annotations

import re

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from clerkdesk.screens.modal import Modal

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class ClerkNameScreen(Modal[str]):
    """Enter gives the name; it cannot be left without one (ctrl+q still quits)."""

    DEFAULT_CSS = """
    #clerk-box { width: 64; }
    #clerk-why { padding-bottom: 1; }
    #clerk-error { color: $error; height: auto; }
    """

    def compose(self) -> ComposeResult:
        with Vertical(id="clerk-box", classes="modal-box"):
            yield Label("Who is at the desk?", classes="form-title")
            yield Static("This desk is shared through a browser. Your name goes into the audit "
                         "log beside every change you make in this session.", id="clerk-why")
            yield Input(placeholder="your name, e.g. Karen Doyle", max_length=100,
                        id="clerk-name")
            yield Static("", id="clerk-error")
            yield Label("enter  start     ctrl+q  leave", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#clerk-name", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        name = " ".join(_CONTROL.sub(" ", event.value).split())
        if len(name) < 2:
            self.query_one("#clerk-error", Static).update(
                "Type your name: the audit log needs to say who made each change.")
            return
        self.dismiss(name)
