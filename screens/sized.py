"""What every screen of the desk shares: its size classes from the start (`-narrow` or
`-wide`, `-short` or `-tall`, screens/styles.py), and no layout again behind a modal
when nothing changed. `Desk` is the app's first screen; every modal is a `SizedScreen`
too (screens/modal.py).

Textual gives a screen its size classes when its first layout sends it a Resize, after
every widget on it has had its styles worked out once: the new classes then work them
all out again (15-30 ms for the desk at start-up, more for a form of 60 fields). A
screen made here already has the classes for the terminal's size, so that first Resize
changes nothing; a later change of size changes them as before.

When a modal opens, its first Resize also lays out every screen beneath it again, at the
same size (20-30 ms for the desk). A screen below the front one is laid out again here
only when the terminal's size has changed; what changes on it meanwhile is laid out by
its own refresh, and it is laid out again as it comes back to the front.
"""
from __future__ import annotations

from textual.geometry import Size
from textual.screen import Screen


def size_classes(width: int, height: int, widths, heights) -> dict[str, bool]:
    """Each breakpoint class and whether it applies at *width* x *height*: for each
    dimension the class of the largest breakpoint it reaches (Textual's own rule)."""
    classes: dict[str, bool] = {}
    for value, points in ((width, widths or []), (height, heights or [])):
        reached = [(at, name) for at, name in points if value >= at]
        chosen = max(reached)[1] if reached else None
        for _, name in points:
            classes[name] = classes.get(name, False) or name == chosen
    return classes


class SizedScreen:
    """A screen given its size classes as it is made (see the module): a mixin, put before
    the Screen class it goes with. (It is not a Screen itself: Textual takes a screen's
    default CSS and its type names through the first base that is one, so a Screen here
    would hide ModalScreen's, and a modal would lose its see-through background.)"""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        try:
            app = self.app
        except Exception:  # made outside a running app (a test building one alone)
            return
        widths = app.HORIZONTAL_BREAKPOINTS if self.HORIZONTAL_BREAKPOINTS is None \
            else self.HORIZONTAL_BREAKPOINTS
        heights = app.VERTICAL_BREAKPOINTS if self.VERTICAL_BREAKPOINTS is None \
            else self.VERTICAL_BREAKPOINTS
        width, height = app.size
        self.update_classes(size_classes(width, height, widths, heights), update=False)

    def _screen_resized(self, size: Size) -> None:
        # (outer_size: the size of its last layout; Screen.size is the terminal's now)
        if self.app.screen is self or size != self.outer_size:
            super()._screen_resized(size)


class Desk(SizedScreen, Screen):
    """The desk: the app's first screen (`ClerkDesk.get_default_screen`)."""
