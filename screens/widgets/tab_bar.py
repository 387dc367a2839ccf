"""The app's row of tabs: the titles, and a bar under them lit under the active one.

It looks like Textual's `TabbedContent` tabs, but it is one widget drawing two lines of
text (the panes live in a plain `ContentSwitcher` beside it). `TabbedContent` mounts a
widget per tab plus its containers and an animated underline: about 40 ms of every
start-up (see bench/). The number keys switch tabs (the app's bindings); a click on a
title does too. Setting `active` posts `TabBar.Activated`.

It is always one line of titles: when the full titles do not fit its width it draws the
short ones ("1 Desk", "5 Groups"), and when those do not fit either, the numbers only
with the active tab's short title.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

BAR = "━"


class TabBar(Widget, can_focus=False):
    ALLOW_SELECT = False
    COMPONENT_CLASSES = {
        "tab-bar--tab",
        "tab-bar--active",
        "tab-bar--hover",
        "tab-bar--underline",
        "tab-bar--highlight",
    }

    #: the id of the active tab
    active: reactive[str] = reactive("", init=False)
    #: the id of the tab under the mouse, or ""
    hover: reactive[str] = reactive("")

    class Activated(Message):
        """A tab became the active one."""

        def __init__(self, bar: TabBar, tab: str) -> None:
            super().__init__()
            self.bar = bar
            self.tab = tab

        @property
        def control(self) -> TabBar:
            return self.bar

    def __init__(self, tabs: Sequence[tuple[str, str]], *, active: str,
                 short: Mapping[str, str] | None = None,
                 id: str | None = None, classes: str | None = None) -> None:
        """*tabs*: (id, title) in order; *active*: the id shown first; *short*: the
        titles for a narrow bar, by id (a tab without one keeps its title)."""
        super().__init__(id=id, classes=classes)
        self.tabs = list(tabs)
        self.short = dict(short or {})
        if active not in {tab for tab, _ in self.tabs}:
            raise ValueError(f"no tab {active!r}")
        self.set_reactive(TabBar.active, active)

    def titles(self) -> list[tuple[str, str]]:
        """(id, title) of each tab as drawn at the bar's width: the full titles when they
        fit, else the short ones, else each tab's number (the active tab's short title)."""
        width = self.size.width
        full = self.tabs
        short = [(tab, self.short.get(tab, title)) for tab, title in full]
        numbers = [(tab, title if tab == self.active else title.split(" ", 1)[0])
                   for tab, title in short]
        for titles in (full, short):
            if not width or sum(cell_len(title) + 2 for _tab, title in titles) <= width:
                return titles
        return numbers

    def spans(self) -> list[tuple[int, int, str]]:
        """(first column, end column, id) of each tab's title, as drawn."""
        spans, x = [], 0
        for tab, title in self.titles():
            spans.append((x, x + cell_len(title) + 2, tab))
            x += cell_len(title) + 2
        return spans

    def tab_at(self, x: int) -> str | None:
        return next((tab for start, end, tab in self.spans() if start <= x < end), None)

    def render(self) -> Text:
        titles = Text(no_wrap=True, overflow="crop", end="")
        styles = {name: self.get_component_rich_style(f"tab-bar--{name}")
                  for name in ("tab", "active", "hover", "underline", "highlight")}
        lit = (0, 0)
        for (tab, title), (start, end, _id) in zip(self.titles(), self.spans()):
            style = styles["active"] if tab == self.active else styles["tab"]
            if tab == self.hover and tab != self.active:
                style = style + styles["hover"]
            titles.append(f" {title} ", style)
            if tab == self.active:
                lit = (start, end)
        bar = Text(BAR * max(self.size.width, titles.cell_len), styles["underline"], end="")
        bar.stylize(styles["highlight"], *lit)
        # (cropped, never wrapped: a title is never on a line of its own)
        return Text("\n", end="", no_wrap=True, overflow="crop").join([titles, bar])

    def watch_active(self, tab: str) -> None:
        self.refresh()
        self.post_message(self.Activated(self, tab))

    def watch_hover(self) -> None:
        self.refresh()

    def on_resize(self) -> None:
        self.refresh()  # the titles may change between full and short

    def on_click(self, event: events.Click) -> None:
        tab = self.tab_at(event.x)
        if tab is not None:
            event.stop()
            self.active = tab

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self.hover = self.tab_at(event.x) or ""

    def on_leave(self, event: events.Leave) -> None:
        self.hover = ""
