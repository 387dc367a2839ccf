"""Building the other tabs in the background after start-up, so that the first visit to
a tab, a form or the wizard is as quick as the next.

Start-up builds only the Dashboard. Once its triage queue is on screen (or after
PREMOUNT_AFTER_S whatever happens) the other tabs' panes are built one at a time, the
busiest first, then the modules of the forms and the wizard are imported. Nothing is
built within PREMOUNT_QUIET_S of a key press: building a pane holds the UI for 15-55 ms,
so it waits while the clerk types. A tab shown before its turn is built at once by the
app (`ensure_pane`), and then skipped here.
"""
from __future__ import annotations

import importlib
import sys
import time
from collections.abc import Callable

#: the order the tabs' panes are built in: the busiest first
PREMOUNT_ORDER = ["requests", "complaints", "members", "officers", "groups", "council"]
#: ... then these modules are imported, one at a time (a first import was ~80 ms more on
#: opening the first form or wizard)
PREMOUNT_MODULES = ["clerkdesk.screens.form", "clerkdesk.screens.wizard",
                    "clerkdesk.screens.case_actions", "clerkdesk.screens.picker",
                    "clerkdesk.screens.help"]
#: ... starting when the Dashboard has shown its queue, or after this many seconds
PREMOUNT_AFTER_S = 3.0
#: ... and never within this many seconds of a key press
PREMOUNT_QUIET_S = 0.5
#: the pause between one piece of building and the next
STEP_S = 0.05


class BackgroundBuilder:
    """Builds what is left, a piece at a time, while the clerk is not typing.

    *app* offers `pane_or_none(tab)`, `ensure_pane(tab)` (a coroutine) and `last_key_at`;
    *when_done* is called once everything is built."""

    def __init__(self, app, *, when_done: Callable[[], None]) -> None:
        self.app = app
        self.when_done = when_done
        self.started = False

    def start_later(self) -> None:
        """Called as the app mounts: start after PREMOUNT_AFTER_S at the latest."""
        self.app.set_timer(PREMOUNT_AFTER_S, self.start)

    def start(self) -> None:
        """Start now (the queue is on screen), unless already started."""
        if not self.started:
            self.started = True
            self.app.set_timer(STEP_S, self._next)

    def left(self) -> list[tuple[str, str]]:
        """What is still to do, in order: ("tab", id) for a pane not yet built, then
        ("module", name) for a module not yet imported."""
        return ([("tab", tab) for tab in PREMOUNT_ORDER if self.app.pane_or_none(tab) is None]
                + [("module", name) for name in PREMOUNT_MODULES if name not in sys.modules])

    async def _next(self) -> None:
        app = self.app
        if not app.is_running or not app.screen_stack:
            return  # shutting down
        quiet = time.monotonic() - app.last_key_at
        if quiet < PREMOUNT_QUIET_S:
            app.set_timer(PREMOUNT_QUIET_S - quiet + 0.01, self._next)
            return
        left = self.left()
        if left:
            kind, name = left[0]
            if kind == "tab":
                await app.ensure_pane(name)
            else:
                importlib.import_module(name)
        if len(left) > 1:
            app.set_timer(STEP_S, self._next)
        else:
            self.when_done()
