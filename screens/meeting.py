"""Meeting mode as the screens see it: one value the app owns, published on a Textual
`Signal` to every pane and screen that shows names (Elia hands its runtime settings to
its widgets the same way). Nothing here decides what is hidden: that is
models/casework/privacy.py; this only tells the screens when to draw again.

A widget or screen that shows names watches it from its `on_mount`::

    self.meeting_mode = mode_of(self).watch(self, self.meeting_mode_changed)

and gives up the watch in `on_unmount` (`mode_of(self).unwatch(self)`).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, cast

from textual.dom import DOMNode
from textual.signal import Signal
from textual.widgets import Static


class MeetingMode:
    """Whether meeting mode is on, and the signal each change is published on."""

    def __init__(self, owner: DOMNode, on: bool = False) -> None:
        self._on = bool(on)
        self.changed: Signal[bool] = Signal(owner, "meeting-mode")

    @property
    def on(self) -> bool:
        return self._on

    def set(self, on: bool) -> None:
        """Turn it on or off; every watcher hears of a change before this returns (so no
        frame is drawn with names that should be hidden)."""
        on = bool(on)
        if on != self._on:
            self._on = on
            self.changed.publish(on)

    def watch(self, node: DOMNode, callback: Callable[[bool], object]) -> bool:
        """Call `callback(on)` at each change while *node* is mounted; returns whether
        meeting mode is on now."""
        self.changed.subscribe(node, callback, immediate=True)
        return self._on

    def unwatch(self, node: DOMNode) -> None:
        self.changed.unsubscribe(node)


class HasMeetingMode(Protocol):
    meeting: MeetingMode


def mode_of(node: DOMNode) -> MeetingMode:
    """The meeting mode of *node*'s app (the app holds it as `meeting`)."""
    return cast(HasMeetingMode, node.app).meeting


class MeetingBanner(Static):
    """The line under the header while meeting mode is on (the short text where the long
    one would not fit on the line, as at 80 columns)."""

    TEXT = ("MEETING MODE: names and details of confidential cases and complaints are "
            "hidden.  m to show them again.")
    SHORT = "MEETING MODE: confidential names and details hidden.  m shows them."

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(self.TEXT, id=id)

    def on_mount(self) -> None:
        self.display = mode_of(self).watch(self, self.meeting_mode_changed)

    def on_unmount(self) -> None:
        mode_of(self).unwatch(self)

    def meeting_mode_changed(self, on: bool) -> None:
        self.display = on

    def render(self) -> str:
        width = self.content_size.width
        return self.TEXT if not width or len(self.TEXT) <= width else self.SHORT

    def on_resize(self) -> None:
        self.refresh()
