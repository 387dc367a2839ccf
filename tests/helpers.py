"""What the UI tests share: starting the app on a casebook, letting it settle, and reading
the screen as text."""
from __future__ import annotations

import html
import re

from clerkdesk.models.store import opening
from clerkdesk.tui.app import ClerkDesk

#: the size the UI tests run at unless a test says otherwise
SIZE = (120, 40)


def make_app(path, **kwargs) -> ClerkDesk:
    """The app on the casebook at *path* (opened, as `clerkdesk --db PATH` opens it)."""
    opening.open_database(path)
    return ClerkDesk(path, **kwargs)


async def settle(pilot) -> None:
    """Let the app's workers (the queue, a filter, a list's reader) finish and the screen
    catch up. A worker that a newer one replaced (exclusive workers: a new load cancels
    the last) counts as finished."""
    from textual.worker import WorkerCancelled

    for _ in range(20):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:
            continue  # another round: the worker that replaced it may still be running
        break
    await pilot.pause()


async def settle_until(pilot, ready, rounds: int = 200) -> None:
    """Settle until *ready()* is true: on a loaded machine a pane's first load may not
    have started when the first settle returns. Fails if it never is (counted, not timed)."""
    for _ in range(rounds):
        await settle(pilot)
        if ready():
            return
    raise AssertionError(f"the app never got ready: {ready.__doc__ or ready}")


def screen_text(app) -> str:
    """The text on screen now (from the SVG screenshot, tags and entities removed)."""
    svg = app.export_screenshot()
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")


async def fill_and_preview(pilot, app, path, register: str = "wards") -> None:
    """The palette's import: the form filled in with *register* and the file *path*, then
    ctrl+s, and the preview read (on its worker)."""
    from textual.widgets import Input

    from clerkdesk.screens.form import FormScreen
    from clerkdesk.tui import actions

    actions.import_csv(app)  # (the palette's command)
    await pilot.pause()
    form = app.screen
    assert isinstance(form, FormScreen)
    form.query_one("#f-register").value = register
    form.query_one("#f-path", Input).value = str(path)
    await pilot.press("ctrl+s")
    await settle(pilot)
