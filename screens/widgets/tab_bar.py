"""The app's row of tabs: the titles, and a bar under them lit under the active one.

It looks like Textual's `TabbedContent` tabs, but it is one widget drawing two lines of
text (the panes live in a plain `ContentSwitcher` beside it). `TabbedContent` mounts a
widget per tab plus its containers and an animated underline: about 40 ms of every
start-up (see bench/). The number keys switch tabs (the app's bindings); a click on a
title does too. Setting `active` posts `TabBar.Activated`.
"""
from __future__ import annotations

from collections.abc import Sequence

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
                 id: str | None = None, classes: str | None = None) -> None:
        """*tabs*: (id, title) in order; *active*: the id shown first."""
        super().__init__(id=id, classes=classes)
        self.tabs = list(tabs)
        if active not in {tab for tab, _ in self.tabs}:
            raise ValueError(f"no tab {active!r}")
        self.set_reactive(TabBar.active, active)

    def spans(self) -> list[tuple[int, int, str]]:
        """(first column, end column, id) of each tab's title, as drawn."""
        spans, x = [], 0
        for tab, title in self.tabs:
            spans.append((x, x + len(title) + 2, tab))
            x += len(title) + 2
        return spans

    def tab_at(self, x: int) -> str | None:
        return next((tab for start, end, tab in self.spans() if start <= x < end), None)

    def render(self) -> Text:
        titles = Text(no_wrap=True, overflow="crop", end="")
        styles = {name: self.get_component_rich_style(f"tab-bar--{name}")
                  for name in ("tab", "active", "hover", "underline", "highlight")}
        lit = (0, 0)
        for (tab, title), (start, end, _id) in zip(self.tabs, self.spans()):
            style = styles["active"] if tab == self.active else styles["tab"]
            if tab == self.hover and tab != self.active:
                style = style + styles["hover"]
            titles.append(f" {title} ", style)
            if tab == self.active:
                lit = (start, end)
        bar = Text(BAR * max(self.size.width, titles.cell_len), styles["underline"], end="")
        bar.stylize(styles["highlight"], *lit)
        return Text("\n", end="").join([titles, bar])

    def watch_active(self, tab: str) -> None:
        self.refresh()
        self.post_message(self.Activated(self, tab))

    def watch_hover(self) -> None:
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        tab = self.tab_at(event.x)
        if tab is not None:
            event.stop()
            self.active = tab

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self.hover = self.tab_at(event.x) or ""

    def on_leave(self, event: events.Leave) -> None:
        self.hover = ""
