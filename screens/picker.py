"""A fuzzy picker: type a few letters, arrows to choose, enter to pick; dismisses the
chosen value (or None on escape)."""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.fuzzy import Matcher
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from clerkdesk.screens.modal import Modal


class PickerScreen(Modal[object]):
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
    ]

    def __init__(self, title: str, options: list[tuple[object, str]], *, current=None,
                 subtitle: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.subtitle = subtitle  # a sentence under the title (wrapped: never cut)
        self.options = options
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box picker-box"):
            yield Label(self.title_text, classes="form-title")
            if self.subtitle:
                yield Static(self.subtitle, classes="form-subtitle", id="picker-subtitle")
            yield Input(placeholder="type to narrow…", id="picker-input")
            yield OptionList(id="picker-list")
            yield Label("↑↓ choose   enter pick   esc cancel", classes="hint")

    def on_mount(self) -> None:
        self.refill("")
        self.query_one("#picker-input", Input).focus()

    def refill(self, text: str) -> None:
        listing = self.query_one("#picker-list", OptionList)
        listing.clear_options()
        if text.strip():
            matcher = Matcher(text.strip())
            scored = [(matcher.match(label), i) for i, (_v, label) in enumerate(self.options)]
            ranked = [(s, i) for s, i in scored if s > 0]
            ranked.sort(key=lambda si: -si[0])
            for _score, i in ranked:
                listing.add_option(Option(matcher.highlight(self.options[i][1]), id=str(i)))
        else:
            for i, (_v, label) in enumerate(self.options):
                listing.add_option(Option(label, id=str(i)))
        if listing.option_count:
            index = 0
            if not text.strip() and self.current is not None:
                index = next((n for n, (v, _l) in enumerate(self.options) if v == self.current), 0)
            listing.highlighted = index

    @on(Input.Changed, "#picker-input")
    def narrowed(self, event: Input.Changed) -> None:
        self.refill(event.value)

    def action_move(self, delta: int) -> None:
        listing = self.query_one("#picker-list", OptionList)
        if listing.option_count:
            current = listing.highlighted or 0
            listing.highlighted = max(0, min(listing.option_count - 1, current + delta))

    @on(Input.Submitted, "#picker-input")
    def submitted(self) -> None:
        listing = self.query_one("#picker-list", OptionList)
        if listing.highlighted is None or not listing.option_count:
            self.app.bell()
            return
        self.pick(listing.get_option_at_index(listing.highlighted).id)

    @on(OptionList.OptionSelected, "#picker-list")
    def selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.pick(event.option.id)

    def pick(self, option_id: str) -> None:
        self.dismiss(self.options[int(option_id)][0])
