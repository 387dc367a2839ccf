"""Start-up tuning: Python's cyclic garbage collector, paused while the app starts and
tuned for a long-running desk afterwards (bench/ measures what it is worth).

Imports and the first frame make some 60,000 long-lived objects; collecting them over
and over was about 10% of a start-up. So `clerkdesk` pauses the collector before it
imports the app (`pause_collector`, from tui/__main__.py); after the first frame the app
sets what the start made aside as permanent (`gc.freeze`: later collections need not
walk it again) and resumes collecting, with a larger youngest generation. The older
generations are collected at idle moments, not when allocations say so: the middle one
once the clerk has not pressed a key for IDLE_MIDDLE_S, a full collection after
IDLE_COLLECT_S. Left to Python, a middle pass (60-190 ms) or a full one (up to 600 ms
measured on a loaded machine) fell inside a keystroke or a form's opening. Python's own
collections stay as a backstop (MIDDLE_BACKSTOP young passes, FULL_BACKSTOP middle ones
without an idle moment long enough), so memory stays bounded however long the clerk types. Once every tab is built
it freezes once more. Nothing here imports Textual at module level: `clerkdesk` imports
this before the app.
"""
from __future__ import annotations

import gc
import time

#: with the collector paused for the start, a full collection is run at idle moments
#: (no key for IDLE_COLLECT_S, and the younger generations collected since the last full
#: one), so that one is rarely due while the clerk works
IDLE_COLLECT_S = 2.0
#: the middle generation, collected once the clerk has paused this long (a pass walks
#: only what survived the young passes since the last one: ~10-30 ms)
IDLE_MIDDLE_S = 0.3
#: how often the app looks for an idle moment
IDLE_TICK_S = 0.25
#: young passes before Python collects the middle generation itself (its default is
#: 10): a backstop for a clerk who never pauses, ~1,000,000 objects made and kept
MIDDLE_BACKSTOP = 100
#: the same for a full collection: middle passes (the idle ones count too) before Python
#: runs one itself (its default is 10, which the idle middle passes alone would reach)
FULL_BACKSTOP = 100
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


def idle_collection(idle_s: float, counts: tuple[int, int, int]) -> int | None:
    """The generation to collect now (2 a full collection, 1 the middle one, None
    nothing), given the seconds since the last key and `gc.get_count()`: the young
    passes since the last middle one, and the middle passes since the last full one."""
    _young, young_passes, middle_passes = counts
    if idle_s >= IDLE_COLLECT_S and (middle_passes >= 1 or young_passes >= 1):
        return 2
    if idle_s >= IDLE_MIDDLE_S and young_passes >= 1:
        return 1
    return None


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
            gc.set_threshold(YOUNG_COLLECT, MIDDLE_BACKSTOP, FULL_BACKSTOP)
            self.app.set_interval(IDLE_TICK_S, self.collect_when_idle)

    def collect_when_idle(self) -> None:
        generation = idle_collection(time.monotonic() - self.app.last_key_at, gc.get_count())
        if generation == 2:
            gc.collect()
        elif generation is not None:
            gc.collect(generation)

    def everything_built(self) -> None:
        """Every tab is built: what it is made of is here to stay."""
        if self.resumed:
            gc.freeze()
