"""Start-up tuning: Python's cyclic garbage collector, paused while the app starts and
tuned for a long-running desk afterwards (bench/ measures what it is worth).

Imports and the first frame make some 60,000 long-lived objects; collecting them over
and over was about 10% of a start-up. So `clerkdesk` pauses the collector before it
imports the app (`pause_collector`, from tui/__main__.py); after the first frame the app
sets what the start made aside as permanent (`gc.freeze`: later collections need not
walk it again) and resumes collecting, with a larger youngest generation and full
collections run at idle moments, so that one is rarely due while the clerk types; once
every tab is built it freezes once more. Nothing here imports Textual at module level:
`clerkdesk` imports this before the app.
"""
from __future__ import annotations

import gc
import time

#: with the collector paused for the start, a full collection is also run at idle
#: moments (no key for IDLE_COLLECT_S, and the younger generations collected since the
#: last full one), so that one is rarely due while the clerk works
IDLE_COLLECT_S = 2.0
#: the youngest generation's threshold once resumed: opening a form makes some 35,000
#: objects, and with Python's 700 a full pass (~50 ms) fell due in most of them
YOUNG_COLLECT = 10_000


def pause_collector() -> None:
    """Pause the collector while the app starts (the app resumes it after its first
    frame: `Collector`); later full collections then walk only what the clerk's work
    makes, ~50 ms each otherwise, felt as a stutter while typing."""
    gc.disable()


def resume_collector() -> bool:
    """After the first frame: if the collector was paused for the start, set what the
    start made aside as permanent and resume collecting. True when it did."""
    if gc.isenabled():
        return False
    gc.freeze()
    gc.enable()
    return True


def full_collection_due(idle_s: float, younger_passes: int) -> bool:
    """Whether to run a full collection now, given the seconds since the last key and the
    younger-generation passes since the last full one (`gc.get_count()[2]`)."""
    return idle_s >= IDLE_COLLECT_S and younger_passes >= 1


def release_closed_screens() -> None:
    """Let go of what closed screens left in Textual's caches.

    `StylesCache.get_inner_outer` is an lru_cache on a method, so it keeps up to 1,024
    widgets' style caches (and their drawn lines) alive after the widgets are gone
    (Textual issue #6665): each form opened and closed left ~11,000 objects, and the
    collector's full passes grew from ~25 ms towards 100 ms. The cache only saves
    working out two background colours again."""
    from textual._styles_cache import StylesCache

    StylesCache.get_inner_outer.cache_clear()


class Collector:
    """The app's side of the tuning. *app* has `last_key_at`, the time.monotonic() of
    the clerk's last key."""

    def __init__(self, app) -> None:
        self.app = app
        #: True once the app resumed a collector paused for its start
        self.resumed = False

    def start(self) -> None:
        """Called as the app mounts: resume after the first frame."""
        self.app.call_after_refresh(self._after_first_frame)

    def _after_first_frame(self) -> None:
        self.resumed = resume_collector()
        if self.resumed:
            _young, middle, old = gc.get_threshold()
            gc.set_threshold(YOUNG_COLLECT, middle, old)
            self.app.set_interval(1.0, self.collect_when_idle)

    def collect_when_idle(self) -> None:
        if full_collection_due(time.monotonic() - self.app.last_key_at, gc.get_count()[2]):
            gc.collect()

    def everything_built(self) -> None:
        """Every tab is built: what it is made of is here to stay."""
        if self.resumed:
            gc.freeze()
