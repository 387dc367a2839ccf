"""The key bar at the foot of the screen: the keys that work where the focus is.

It shows what Textual's `Footer` shows (the screen's active bindings that are marked
`show`, one per action, then the command palette's key on the right), but as one line
of text drawn by one widget. `Footer` mounts a widget per key and rebuilds them all each
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

#: actions whose key stays on the bar when not every key fits (the others are dropped
#: from the end; `?` lists them all)
PINNED = {"help"}


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
        palette's key, from the screen's active bindings."""
        active = self.screen.active_bindings
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
    def _width(key: Key, *, padded: bool = True) -> int:
        """The columns `_piece` takes for *key*."""
        return (cell_len(key.display) + (2 if padded else 1)
                + (cell_len(key.description) + 1 if key.description else 0))

    def _piece(self, key: Key, index: int, *, padded: bool = True) -> Text:
        """One key as drawn: the key (padded), its description, and how it stands."""
        piece = Text()
        piece.append(f" {key.display} " if padded else f"{key.display} ",
                     self.get_component_rich_style("key-bar--key"))
        if key.description:
            piece.append(f"{key.description} ",
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
        if sum(self._width(key) for key in keys) > room:
            # as many as fit, in order, but the pinned ones kept
            pinned = [key for key in keys if key.action in PINNED]
            room_left = room - sum(self._width(key) for key in pinned)
            fitting = []
            for key in keys:
                if key in pinned:
                    continue
                if self._width(key) > room_left:
                    break  # keep the order: nothing after the first that misses
                fitting.append(key)
                room_left -= self._width(key)
            keys = fitting + pinned
        for key in keys:
            piece = self._piece(key, len(spans))
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
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen) -> None:
        if screen is self.screen:
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
