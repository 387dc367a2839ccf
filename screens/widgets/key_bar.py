"""The key bar at the foot of the screen: the keys that work where the focus is, on the
screen in front (a form or the wizard over the desk: its keys, not the list's).

It shows what Textual's `Footer` shows (the front screen's active bindings that are
marked `show`, one per action, then the command palette's key on the right), but as one
line of text drawn by one widget. When they do not all fit, the keys are drawn closer
together, and if that is not enough, the most important ones are kept (`PRIORITY`) and
the others left to `?`. `Footer` mounts a widget per key and rebuilds them all each
time the focus moves; with the dozen keys of the triage desk that was about 45 ms of
every start-up (see bench/). A click on a key presses it, as with `Footer`.
"""
from __future__ import annotations

from typing import NamedTuple

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.reactive import reactive
from textual.widget import Widget

PALETTE_BAR = "▏"

#: the actions whose keys stay on the bar when not every key fits, most important first
#: (an action's name, without its arguments); the keys of the others fill the room left in
#: the order they are bound, and `?` lists them all. At 80 columns the desk keeps
#: enter, c, m, ? and ctrl+q, and the wizard, the assign key or the filter after them.
PRIORITY = ("help", "quit", "toggle_meeting_mode", "leave", "dismiss", "answer", "save",
            "confirm", "apply", "select_cursor", "close", "close_case", "wizard", "filter",
            "assign", "new", "step", "back", "edit")


def _rank(key: Key) -> int:
    name = key.action.split("(", 1)[0]
    return PRIORITY.index(name) if name in PRIORITY else len(PRIORITY)


class Key(NamedTuple):
    key: str  # what a click presses
    display: str  # how it is shown ("^p", "⏎")
    description: str
    enabled: bool
    action: str = ""


class KeyBar(Widget, can_focus=False):
    ALLOW_SELECT = False
    COMPONENT_CLASSES = {
        "key-bar--key",
        "key-bar--description",
        "key-bar--disabled",
        "key-bar--hover",
        "key-bar--palette-bar",
    }

    #: the index (into `spans`) of the key under the mouse, or -1
    hover = reactive(-1)

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        #: (start column, end column, key) of each key drawn by the last render
        self.spans: list[tuple[int, int, Key]] = []

    # --- what to show ------------------------------------------------------------------

    def keys(self) -> tuple[list[Key], Key | None]:
        """The keys to show (first binding of each action, in order) and the command
        palette's key, from the active bindings of the screen in front."""
        active = self.app.screen.active_bindings
        shown: dict[str, Key] = {}
        for _node, binding, enabled, _tooltip in active.values():
            if binding.show and binding.action not in shown:
                shown[binding.action] = Key(binding.key, self.app.get_key_display(binding),
                                            binding.description, enabled, binding.action)
        palette = None
        if self.app.ENABLE_COMMAND_PALETTE and self.app.COMMAND_PALETTE_BINDING in active:
            _node, binding, enabled, _tooltip = active[self.app.COMMAND_PALETTE_BINDING]
            palette = Key(binding.key, self.app.get_key_display(binding), binding.description,
                          enabled)
            shown.pop(binding.action, None)
        return list(shown.values()), palette

    @staticmethod
    def _width(key: Key, *, padded: bool = True, close: bool = False) -> int:
        """The columns `_piece` takes for *key*."""
        return (cell_len(key.display) + (2 if padded else 1) - (1 if close else 0)
                + (cell_len(key.description) + 1 if key.description else 0))

    def _piece(self, key: Key, index: int, *, padded: bool = True, close: bool = False) -> Text:
        """One key as drawn: the key (padded; *close*: on the left only), its
        description, and how it stands."""
        piece = Text()
        shown = f" {key.display}" if close else f" {key.display} "
        piece.append(shown if padded else f"{key.display} ",
                     self.get_component_rich_style("key-bar--key"))
        if key.description:
            piece.append(f" {key.description}" if close else f"{key.description} ",
                         self.get_component_rich_style("key-bar--description"))
        if not key.enabled:
            piece.stylize(self.get_component_rich_style("key-bar--disabled"))
        if index == self.hover:
            piece.stylize(self.get_component_rich_style("key-bar--hover"))
        return piece

    def render(self) -> Text:
        keys, palette = self.keys()
        line = Text(no_wrap=True, overflow="crop", end="")
        spans: list[tuple[int, int, Key]] = []
        room = self.size.width
        if palette is not None:
            room -= len(PALETTE_BAR) + self._width(palette, padded=False)
        close = sum(self._width(key) for key in keys) > room  # closer together
        if close and sum(self._width(key, close=True) for key in keys) > room:
            # the most important that fit, drawn in the order they are bound
            kept, room_left = set(), room
            for i in sorted(range(len(keys)), key=lambda i: (_rank(keys[i]), i)):
                width = self._width(keys[i], close=True)
                if width <= room_left:
                    kept.add(i)
                    room_left -= width
            keys = [key for i, key in enumerate(keys) if i in kept]
        for key in keys:
            piece = self._piece(key, len(spans), close=close)
            if line.cell_len + piece.cell_len > room:
                break
            start = line.cell_len
            line.append_text(piece)
            spans.append((start, line.cell_len, key))
        if palette is not None:
            line.append(" " * max(0, room - line.cell_len))
            line.append(PALETTE_BAR, self.get_component_rich_style("key-bar--palette-bar"))
            start = line.cell_len
            line.append_text(self._piece(palette, len(spans), padded=False))
            spans.append((start, line.cell_len, palette))
        self.spans = spans
        return line

    def key_at(self, x: int) -> Key | None:
        for start, end, key in self.spans:
            if start <= x < end:
                return key
        return None

    # --- keeping up with the focus -------------------------------------------------------

    def on_mount(self) -> None:
        self.app.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.app.screen_change_signal.subscribe(self, self._screen_changed)

    def on_unmount(self) -> None:
        self.app.screen_change_signal.unsubscribe(self)
        for screen in self.app.screen_stack:
            screen.bindings_updated_signal.unsubscribe(self)

    def _screen_changed(self, screen) -> None:
        """Another screen is in front (a form opened, or closed): its keys now. (A
        closed screen's signal goes with it: nothing here keeps a screen.)"""
        screen.bindings_updated_signal.unsubscribe(self)  # (once per screen, however often)
        screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.hover = -1
        self.refresh()

    def _bindings_changed(self, screen) -> None:
        if screen is self.app.screen:
            self.refresh()

    # --- the mouse ---------------------------------------------------------------------

    def on_mouse_move(self, event: events.MouseMove) -> None:
        key = self.key_at(event.x)
        self.hover = next((i for i, (_s, _e, k) in enumerate(self.spans) if k is key), -1)

    def on_leave(self, event: events.Leave) -> None:
        self.hover = -1

    def watch_hover(self) -> None:
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        key = self.key_at(event.x)
        if key is None:
            return
        event.stop()
        if key.enabled:
            self.app.simulate_key(key.key)
        else:
            self.app.bell()
