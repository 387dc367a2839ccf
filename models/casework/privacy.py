"""Meeting mode: what may be shown on a screen that councillors can see.

With meeting mode on, the names and details of confidential cases, and the complainants
and subjects of every complaint, are replaced by the case's reference. The rule lives
here, once; the screens only ask.
"""
from __future__ import annotations

from dataclasses import replace

from clerkdesk.models.casework.stats import NO_WARD
from clerkdesk.models.core import user

HIDDEN = "(hidden)"

#: meeting mode is the clerk's own (models/core/user.py: the clerk's state per casebook)
MODE_KEY = "meeting_mode"


def case_is_private(case_type: str, confidential: bool) -> bool:
    """Does meeting mode hide this case's names and details?"""
    return bool(confidential) or case_type == "complaint"


def document_name(name: str, case_type: str, confidential: bool, meeting_mode: bool) -> str:
    """A document's name as a screen may show it: hidden in meeting mode when its case is
    private (a file name often names the people in it)."""
    return HIDDEN if meeting_mode and case_is_private(case_type, confidential) else name


def documents_hidden(n: int) -> str:
    return f"{n} document{'s' if n != 1 else ''}: names hidden in meeting mode"


def mask_cells(cells: tuple[str, ...], columns: tuple[int, ...]) -> tuple[str, ...]:
    return tuple(HIDDEN if i in columns else c for i, c in enumerate(cells))


def case_title(case, meeting_mode: bool) -> str:
    """A case's reference and subject as a title may show them."""
    if meeting_mode and case_is_private(case.type, case.confidential):
        return f"{case.ref}  {HIDDEN}"
    return f"{case.ref}  {case.subject}"


def queue_item_text(item, meeting_mode: bool) -> tuple[str, str]:
    """The title and owner of a triage-queue item (models/casework/triage.py) as the
    Dashboard may show them: in meeting mode a private item's title is hidden, and a
    private task's owner too (the person the task names)."""
    if not (meeting_mode and item.private):
        return item.title, item.owner
    return HIDDEN, HIDDEN if item.kind == "task" else item.owner


def mask_detail(detail, case):
    """A case's detail with names, free text and the timeline's notes taken out."""
    keep = {"Kind", "Status", "Stage", "Received", "Due", "Priority", "Confidential", "Closed"}
    fields = [(label, value if label in keep else HIDDEN) for label, value in detail.fields]
    sections = []
    for heading, lines in detail.sections:
        if heading == "Documents":
            sections.append((heading, [documents_hidden(len(lines))]))
            continue
        if heading == "Timeline":
            # the actions stay (what was done, under which clause); the notes go
            sections.append((heading, [ln for ln in lines if not ln.startswith("    ")]))
        elif heading == "Tasks":
            sections.append((heading, [f"{len(lines)} task(s): hidden in meeting mode"]))
    return replace(detail, title=case_title(case, meeting_mode=True), fields=fields, sections=sections,
                   subtitle=detail.subtitle + " · meeting mode: names and details hidden")


def is_on() -> bool:
    """Was meeting mode on when this clerk last left this casebook?"""
    return user.get_state(MODE_KEY, False) is True


def set_mode(on: bool) -> None:
    """Remember meeting mode across restarts (this clerk's, on this casebook)."""
    if is_on() != bool(on):
        user.put_state(MODE_KEY, bool(on))


# --- the charts (models/casework/stats.py) ----------------------------------------------------

#: the fewest cases a ward's figure may show in meeting mode (and in the published report):
#: a town ward has two to four councillors, so "1 open case in Abbey" all but names the
#: councillor who asked; 1 and 2 are shown as "fewer than 3", 0 and 3 or more as they are
SMALL_COUNT = 3


def small_count_text() -> str:
    return f"fewer than {SMALL_COUNT}"


def ward_counts(rows, meeting_mode: bool) -> list[tuple[str, int | None]]:
    """Open cases by ward (stats.WardCount rows) as a chart may show them: every case
    normally; in meeting mode only the cases meeting mode shows (complaints and
    confidential requests are not counted, as they are not listed), and a count from 1
    to SMALL_COUNT - 1 becomes None ("fewer than 3": drawn without a bar or a number).
    Every ward on the register keeps its row (a ward dropped for having only hidden cases
    would say that it has some); the row of cases with no ward goes when it shows none.
    The council-wide figures (opened, closed, overdue per week; days to answer) name no
    one and are shown as they are."""
    if not meeting_mode:
        return [(r.ward, r.total) for r in rows]
    out: list[tuple[str, int | None]] = []
    for r in rows:
        n = r.shown
        if n == 0 and r.ward == NO_WARD:
            continue
        out.append((r.ward, None if 0 < n < SMALL_COUNT else n))
    # in the order of what is shown (the order of the totals would tell of hidden cases)
    out.sort(key=lambda row: (row[0] == NO_WARD, -(1 if row[1] is None else row[1]),
                              row[0].casefold()))
    return out


def ward_figure_shown(count: int, meeting_mode: bool) -> bool:
    """May a figure worked out from *count* cases of one ward (a median time to answer)
    be shown? In meeting mode and in the published report, not from 1 or 2 cases: the
    median of one request is that request's own time."""
    return not meeting_mode or not 0 < count < SMALL_COUNT
