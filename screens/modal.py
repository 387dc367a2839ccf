"""What every modal of the desk shares (modal.tcss gives the look): a box over the dimmed
desk, the desk tinted once per opening.

Textual draws the desk beneath a translucent modal (`background: $background 60%`) by
rendering the whole desk and tinting every segment, each time the modal's own
background is drawn again: 17-25 ms at 120x40 in Python, three or four times while a
form's fields mount. `Modal` keeps the tinted desk and draws it again from that copy
while the size, the desk, the theme and meeting mode are what they were; a change of
meeting mode draws the modal again at once, so a name hidden on the desk is never shown
dimmed behind a modal.
"""
from __future__ import annotations

from typing import TypeVar

from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from textual.renderables.background_screen import BackgroundScreen
from textual.screen import ModalScreen

from clerkdesk.screens.meeting import mode_of
from clerkdesk.screens.sized import SizedScreen

ResultType = TypeVar("ResultType")


class KeptDesk:
    """A tinted desk (Textual's `BackgroundScreen`) rendered once, then drawn from its
    segments while the width and height asked for are the same."""

    def __init__(self, desk: BackgroundScreen) -> None:
        self.desk = desk
        self._size: tuple[int, int | None] | None = None
        self._segments: list[Segment] = []

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        size = (options.max_width, options.height)
        if size != self._size:
            self._segments = list(self.desk.__rich_console__(console, options))
            self._size = size
        return iter(self._segments)


class Modal(SizedScreen, ModalScreen[ResultType]):
    """A modal screen over the dimmed desk, its tint drawn once (see the module), its size
    classes given as it is made (screens/sized.py)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._kept_desk: tuple[tuple, KeptDesk] | None = None

    # (Textual calls each class's handler in turn: a subclass's on_mount and on_unmount
    # run as well as these, and its watch of meeting mode beside this one)
    def _on_mount(self, event) -> None:
        mode_of(self).watch(self, self._redraw_desk)

    def _on_unmount(self) -> None:
        mode_of(self).unwatch(self)

    def _redraw_desk(self, _on: bool) -> None:
        self._kept_desk = None
        self.refresh()

    def render(self):
        rendered = super().render()
        if not isinstance(rendered, BackgroundScreen):
            return rendered
        key = (id(rendered.screen), rendered.color, self.app.theme, mode_of(self).on)
        if self._kept_desk is None or self._kept_desk[0] != key:
            self._kept_desk = (key, KeptDesk(rendered))
        return self._kept_desk[1]
