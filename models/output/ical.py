"""Due dates as an iCalendar file (RFC 5545) for the clerk's own calendar.

One all-day event per open case with a due date: the date the case is due now, which is
the date agreed with the member where one was agreed (the description says so), and
which moved on by the days the case waited on the member. A case waiting on the member
now keeps its event, saying the clock is stopped. The calendar leaves the laptop (it is
synced to a phone, shared with a deputy), so it never carries names: a complaint or a
confidential request is given by its reference and kind only; an ordinary request by its
reference and subject. The UID is stable per case (`REQ-2026-0042@clerkdesk`), so
importing a newer file updates the events instead of doubling them.

Written by hand (it is small): CRLF line ends, lines folded at 75 octets without
splitting a UTF-8 character, and TEXT values escaped (backslash, semicolon, comma,
newline). No dependency.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from clerkdesk.models.casework.cases import open_cases
from clerkdesk.models.casework.privacy import case_is_private
from clerkdesk.models.core import dates
from clerkdesk.models.core.schema import Case, Council
from clerkdesk.models.core.vocab import COMPLAINT_KINDS, REQUEST_KINDS
from clerkdesk.models.store.files import replacing

PRODID = "-//clerkdesk//Member-Officer casebook//EN"


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def escape_text(value: str) -> str:
    """An RFC 5545 TEXT value: backslash, semicolon and comma escaped, newlines as \\n,
    other control characters dropped."""
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL.sub("", value.replace("\t", " "))
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def fold(line: str) -> str:
    """Fold one content line at 75 octets (RFC 5545 §3.1): continuation lines start with
    a space; a multi-byte UTF-8 character is never split. Returns the CRLF-joined text
    without a final CRLF."""
    parts: list[str] = []
    current, size, limit = "", 0, 75
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            parts.append(current)
            current, size, limit = " ", 1, 75
        current += ch
        size += n
    parts.append(current)
    return "\r\n".join(parts)


def summary_for(case: Case) -> str:
    """What the event says: never a name."""
    kinds = REQUEST_KINDS if case.type == "request" else COMPLAINT_KINDS
    kind = kinds.get(case.kind, case.kind)
    if case_is_private(case.type, case.confidential):
        what = "complaint" if case.type == "complaint" else "confidential request"
        return f"{case.ref} due: {kind} ({what})"
    return f"{case.ref} due: {case.subject}"


def _date(value: dt.date) -> str:
    return value.strftime("%Y%m%d")


def calendar_text(today: dt.date | None = None, *, stamp: dt.datetime | None = None) -> str:
    """The iCalendar text of every open (not archived) case with a due date."""
    today = today or dates.today()
    stamp = stamp or dt.datetime.now(dt.timezone.utc)
    stamp_text = stamp.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    council = Council.select().first()
    name = council.name if council else "Council"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{escape_text(name + ': case due dates')}"]
    cases = open_cases().where(Case.due.is_null(False)).order_by(Case.due, Case.ref)
    for c in cases:
        kinds = REQUEST_KINDS if c.type == "request" else COMPLAINT_KINDS
        state = "overdue" if c.due < today and c.waiting_since is None else "due"
        clock = ""
        if c.agreed_due and c.agreed_due == c.due:
            clock += " The date was agreed with the member."
        if c.waiting_since:
            clock += (f" Waiting on the member since {dates.fmt(c.waiting_since)}: the clock is "
                      "stopped, and the date moves on when they answer.")
        elif c.waited_days:
            clock += f" It waited {c.waited_days} working day{'s' if c.waited_days != 1 else ''} on the member."
        desc = (f"{'Request' if c.type == 'request' else 'Complaint'}: "
                f"{kinds.get(c.kind, c.kind)}. Received {dates.fmt(c.received)}; {state} "
                f"{dates.fmt(c.due)} (as at {dates.fmt(today)}).{clock} Open {c.ref} in clerkdesk "
                "for the details.")
        lines += [
            "BEGIN:VEVENT",
            f"UID:{c.ref}@clerkdesk",
            f"DTSTAMP:{stamp_text}",
            f"DTSTART;VALUE=DATE:{_date(c.due)}",
            f"DTEND;VALUE=DATE:{_date(c.due + dt.timedelta(days=1))}",
            f"SUMMARY:{escape_text(summary_for(c))}",
            f"DESCRIPTION:{escape_text(desc)}",
            f"CATEGORIES:{'Request' if c.type == 'request' else 'Complaint'}",
            "TRANSP:TRANSPARENT",
            "CLASS:PRIVATE" if case_is_private(c.type, c.confidential) else "CLASS:PUBLIC",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(ln) + "\r\n" for ln in lines)


def export_ics(path, today: dt.date | None = None) -> int:
    """Write the due dates to *path* (through a temporary file); returns the number of
    events written."""
    text = calendar_text(today)
    path = Path(path).expanduser()
    with replacing(path) as fh:  # owner-only, exclusive temporary file, never the casebook
        fh.write(text)
    return text.count("BEGIN:VEVENT")
