"""Meeting mode: what may be shown on a screen that councillors can see.

With meeting mode on, the names and details of confidential cases, and the complainants
and subjects of every complaint, are replaced by the case's reference. The rule lives
here, once; the screens only ask.
"""
from __future__ import annotations

from dataclasses import replace

from clerkdesk.models.core.db import database
from clerkdesk.models.core.schema import Setting

HIDDEN = "(hidden)"


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
    title = f"{case.ref}  {HIDDEN}"
    return replace(detail, title=title, fields=fields, sections=sections,
                   subtitle=detail.subtitle + " · meeting mode: names and details hidden")


def is_on() -> bool:
    row = Setting.get_or_none(Setting.key == MODE_KEY)
    return bool(row and row.value == "on")


def set_mode(on: bool) -> None:
    """Remember meeting mode across tab switches and restarts."""
    with database.atomic():
        Setting.insert(key=MODE_KEY, value="on" if on else "off").on_conflict_replace().execute()
