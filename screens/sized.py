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

from textual._context import NoActiveAppError
from textual.geometry import Size
from textual.screen import Screen


class SizedScreen:
    """A screen given its size classes as it is made (see the module): a mixin, put before
    the Screen class it goes with. (It is not a Screen itself: Textual takes a screen's
    default CSS and its type names through the first base that is one, so a Screen here
    would hide ModalScreen's, and a modal would lose its see-through background.)"""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        try:
            width, height = self.app.size
        except NoActiveAppError:  # made outside a running app (a test building one alone)
            return
        self.update_classes(self.size_classes(width, height), update=False)

    def size_classes(self, width: int, height: int) -> dict[str, bool]:
        """Each breakpoint class and whether it applies at *width* x *height*, by the rule
        Textual applies on a Resize (`Screen._get_breakpoint_classes`: for each dimension
        the class of the largest breakpoint it reaches), so that Resize finds them set."""
        app = self.app
        widths = (app.HORIZONTAL_BREAKPOINTS if self.HORIZONTAL_BREAKPOINTS is None
                  else self.HORIZONTAL_BREAKPOINTS) or []
        heights = (app.VERTICAL_BREAKPOINTS if self.VERTICAL_BREAKPOINTS is None
                   else self.VERTICAL_BREAKPOINTS) or []
        on = (self._get_breakpoint_classes(width, widths)
              | self._get_breakpoint_classes(height, heights))
        return {name: name in on for _, name in [*widths, *heights]}

    def _screen_resized(self, size: Size) -> None:
        # (outer_size: the size of its last layout; Screen.size is the terminal's now)
        if self.app.screen is self or size != self.outer_size:
            super()._screen_resized(size)


class Desk(SizedScreen, Screen):
    """The desk: the app's first screen (`ClerkDesk.get_default_screen`)."""
