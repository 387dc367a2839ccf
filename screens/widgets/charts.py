"""The Dashboard's charts: the last quarter at a glance, one line per figure.

    Opened / week   ▁▁▁▁▁▁▁▂▂▃▄▅█  47 in 13 weeks · 17 this week
    Closed / week   ▁▁▁▁▂▁▁▁▂▅▇▇▄  20 in 13 weeks · 2 this week
    Overdue         ▁▁▁▁▁▁▁▁▂▃▃▄█  7 now · 0 13 weeks ago
    Days to answer  ▃▃██·▃▃▃│········  median 3 · 100% in time (13 of 13) · limit 7 (001 §5.9)
    Open by ward    St Mary's ▇ 8 · Castle ▆ 6 · Abbey ▅ 5 · Millbrook ▄ 4

The weekly figures are Textual `Sparkline`s, one column a week, oldest on the left; the
time to answer is a histogram of working days taken (0 on the left, one column a day),
its columns within the protocol's limit in one colour, a bar at the limit, and those over
it in another (the last column: twice the limit and more); the wards
are labelled bars. Every number comes from models/casework/stats.py, read on a worker
(`reload`), never on the UI thread; what meeting mode may show of the wards is
privacy.ward_counts' decision, and a change of mode redraws what was read, at once.
The lines are built with the first figures read: the desk's first frame has only the
heading to lay out and draw.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, Sparkline, Static
from textual.worker import get_current_worker

from clerkdesk.models.casework import privacy
from clerkdesk.models.core import dates
from clerkdesk.models.core.db import worker_connection

from ..meeting import mode_of
from .theme import component_style

if TYPE_CHECKING:  # (read on the worker, imported there: not at start-up)
    from clerkdesk.models.casework import stats

BARS = "▁▂▃▄▅▆▇█"

#: (id, label) of each line, in order
LINES = (("opened", "Opened / week"), ("closed", "Closed / week"), ("overdue", "Overdue"),
         ("answers", "Days to answer"), ("wards", "Open by ward"))


def bar_char(value: float, biggest: float) -> str:
    """One block character for *value* against *biggest* (▁ for anything above 0)."""
    if value <= 0 or biggest <= 0:
        return " "
    return BARS[min(len(BARS) - 1, max(0, round(value / biggest * (len(BARS) - 1))))]


class DeskCharts(Vertical):
    """The charts panel of the Dashboard (charts.tcss)."""

    COMPONENT_CLASSES = {"charts--within", "charts--over", "charts--bar", "charts--muted"}

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.figures: stats.Figures | None = None
        self.meeting_mode = False
        self.stale = True  # has the casebook changed since the last read?
        self.reads = 0  # reads finished (the tests count them)
        self._sparks: dict[str, Sparkline] = {}  # the lines' parts, once built
        self._texts: dict[str, Static] = {}

    def compose(self) -> ComposeResult:
        yield Static("", id="charts-title")  # (the lines come with the first figures)

    def _build_lines(self) -> None:
        """A line per figure, mounted the first time figures are shown."""
        lines = []
        for key, label in LINES:
            parts = [Label(label, classes="chart-label")]
            if key in ("opened", "closed", "overdue"):
                self._sparks[key] = Sparkline([], id=f"spark-{key}", classes="chart-spark")
                parts.append(self._sparks[key])
            self._texts[key] = Static("", id=f"chart-{key}-text", classes="chart-text")
            parts.append(self._texts[key])
            lines.append(Horizontal(*parts, classes="chart-line", id=f"chart-{key}"))
        self.mount_all(lines)

    def on_mount(self) -> None:
        self.meeting_mode = mode_of(self).watch(self, self.meeting_mode_changed)
        self.query_one("#charts-title", Static).update(
            Text("Charts: reading the casebook…", style=self._style("muted")))

    def on_unmount(self) -> None:
        mode_of(self).unwatch(self)

    def meeting_mode_changed(self, on: bool) -> None:
        self.meeting_mode = on
        if self.figures is not None:
            self.show(self.figures)

    def _style(self, part: str) -> Style:
        return component_style(self, f"charts--{part}")

    # --- reading ------------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the figures again on a worker when the panel is shown; when hidden, only
        remember that they are out of date (read when it is shown again)."""
        self.stale = True
        if self.display:
            self._read()

    def toggle(self) -> bool:
        """Show or hide the panel; returns whether it is shown now."""
        self.display = not self.display
        if self.display and self.stale:
            self._read()
        return bool(self.display)

    @work(thread=True, exclusive=True, group="dashboard-charts")
    def _read(self) -> None:
        from clerkdesk.models.casework import stats

        with worker_connection():
            figures = stats.figures(dates.today())
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._done, figures)

    def _done(self, figures: stats.Figures) -> None:
        self.stale = False
        self.reads += 1
        self.show(figures)

    # --- drawing --------------------------------------------------------------------------

    def _text(self, key: str, text: Text) -> None:
        text.no_wrap = True
        text.overflow = "ellipsis"
        self._texts[key].update(text)

    def show(self, f: stats.Figures) -> None:
        """Draw *f* (no read: a change of meeting mode draws the same figures again)."""
        self.figures = f
        if not self._texts:
            self._build_lines()
        muted = self._style("muted")
        title = Text("Charts", style="bold")
        title.append(f"  last {len(f.weeks)} weeks, {dates.fmt(f.weeks[0].start)}–"
                     f"{dates.fmt(f.today)}, a column a week · g hides", style=muted)
        self.query_one("#charts-title", Static).update(title)

        for key, values in (("opened", f.flow.opened), ("closed", f.flow.closed),
                            ("overdue", f.trend.overdue)):
            spark = self._sparks[key]
            spark.styles.width = len(values)
            spark.data = list(values)
        weeks = len(f.weeks)
        self._text("opened", Text(f"{sum(f.flow.opened)} in {weeks} weeks · "
                                  f"{f.flow.opened[-1]} this week"))
        self._text("closed", Text(f"{sum(f.flow.closed)} in {weeks} weeks · "
                                  f"{f.flow.closed[-1]} this week"))
        self._text("overdue", Text(f"{f.trend.overdue[-1]} now · {f.trend.overdue[0]} "
                                   f"{weeks} weeks ago"))
        self._text("answers", self._answers(f.answers))
        self._text("wards", self._wards(f.wards))

    def _answers(self, a: stats.AnswerTimes) -> Text:
        hist = a.histogram()
        biggest = max(hist)
        text = Text()
        within, over = self._style("within"), self._style("over")
        for days, n in enumerate(hist):
            text.append(bar_char(n, biggest) if n else "·", style=within if days <= a.limit
                        else over)
            if days == a.limit:
                text.append("│", style=self._style("muted"))  # the limit: within to its left
        text.append("  ")
        clause = f" ({a.clause})" if a.clause else ""
        if not a.count:
            text.append(f"no request closed yet · limit {a.limit} working days{clause}",
                        style=self._style("muted"))
            return text
        text.append(f"median {a.median:g} · {round(100 * a.within / a.count)}% in time "
                    f"({a.within} of {a.count}) · limit {a.limit}{clause}")
        return text

    def _wards(self, rows) -> Text:
        shown = privacy.ward_counts(rows, self.meeting_mode)
        biggest = max((n for _, n in shown if n), default=0)
        text = Text()
        if not shown:
            text.append("no wards on the register", style=self._style("muted"))
        for i, (ward, n) in enumerate(shown):
            if i:
                text.append(" · ", style=self._style("muted"))
            text.append(f"{ward} ")
            if n is None:
                text.append(f"<{privacy.SMALL_COUNT}", style=self._style("muted"))
            else:
                text.append(bar_char(n, biggest) + " " if n else "", style=self._style("bar"))
                text.append(str(n))
        if self.meeting_mode:
            text.append("  (meeting mode: complaints and confidential cases not counted)",
                        style=self._style("muted"))
        return text
