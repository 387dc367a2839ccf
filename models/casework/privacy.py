"""Meeting mode: what may be shown on a screen that councillors can see.

With meeting mode on, the names and details of confidential cases, and the complainants
and subjects of every complaint, are replaced by the case's reference. The rule lives
here, once; the screens only ask.
"""
from __future__ import annotations

from dataclasses import replace

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
