"""A new casebook's first steps: what the council still lacks before the desk can work, as
plain facts the Dashboard's checklist shows (screens/first_run.py), and who the Clerk is.

* ``checklist(today)`` is every step, in the order a new clerk takes them, each with
  whether it is done; ``to_do(today)`` only those still to do. Each step is done by a fact
  of the registers (a ward exists, an officer holds the Town Clerk role...), so a line goes
  the moment the record is saved, whichever way it was made (the form, an import).
* ``clerk_of_record(today)`` is the Clerk the council settings show and letters sign: the
  serving officer with the Town Clerk role in the officers register, else the name kept in
  the council settings, else no one. The register leads, so adding the Town Clerk there
  is enough.

No Textual here.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from clerkdesk.models.casework import council
from clerkdesk.models.core import dates
from clerkdesk.models.core.schema import Committee, Member, Officer, PartyGroup, Ward

#: the steps, in the order they are offered: key -> (what it is, what it asks for)
STEPS: dict[str, tuple[str, str]] = {
    "council": ("Council dates", "protocol adopted, review due, next election"),
    "wards": ("Wards", "each ward of the council"),
    "clerk": ("You, as Clerk", "add yourself to the officers as Town Clerk"),
    "officers": ("Other officers", "the Deputy Clerk, the RFO, other staff"),
    "members": ("Members", "the councillors, their wards and groups"),
    "groups": ("Party groups", "each group and its leaders"),
    "committees": ("Committees", "each one, its chair and members"),
}

#: the steps a spreadsheet import can do instead of the forms (csv_exchange.IMPORTABLE)
IMPORTABLE_STEPS = ("wards", "officers", "members", "groups")


@dataclass(frozen=True)
class Step:
    key: str  # one of STEPS
    title: str
    asks: str
    done: bool


def _serving_officers(today: dt.date):
    return (Officer.select(Officer.id, Officer.name, Officer.roles)
            .where(~Officer.archived & (Officer.left_on.is_null() | (Officer.left_on > today))))


def clerk_officer(today: dt.date | None = None) -> Officer | None:
    """The serving officer who holds the Town Clerk role (the exact role before its
    aliases, the Proper Officer or Head of Paid Service, as the rulebook resolves it)."""
    from clerkdesk.models.casework import protocol_facts  # (read on a worker, not at start)

    aliases = protocol_facts.OFFICER_ROLE_ALIASES["town_clerk"]
    serving = [o for o in _serving_officers(today or dates.today()).order_by(Officer.name, Officer.id)]
    held = [(o, _roles(o.roles)) for o in serving]
    exact = [o for o, roles in held if "town_clerk" in roles]
    found = exact or [o for o, roles in held if any(a in roles for a in aliases)]
    return found[0] if found else None


def _roles(value: str) -> list[str]:
    return [r.strip() for r in (value or "").split(",") if r.strip()]


def clerk_of_record(today: dt.date | None = None) -> tuple[str, str]:
    """(the Clerk's name, where it comes from): from the officers register when an
    officer holds the Town Clerk role, else from the council settings; ("", "") for
    neither."""
    officer = clerk_officer(today)
    if officer is not None:
        return officer.name, "the officers register"
    row = council.get()
    if row is not None and (row.clerk_name or "").strip():
        return row.clerk_name.strip(), "the council settings"
    return "", ""


def checklist(today: dt.date | None = None) -> list[Step]:
    """Every first step, in order, each with whether the casebook has done it."""
    today = today or dates.today()
    row = council.get()
    serving = list(_serving_officers(today))
    clerk = clerk_officer(today)
    done = {
        "council": row is not None and any(
            (row.protocol_adopted, row.protocol_review_due, row.next_election)),
        "wards": Ward.select().where(~Ward.archived).exists(),
        "clerk": clerk is not None,
        "officers": any(o.id != (clerk.id if clerk else None) for o in serving),
        "members": Member.select().where(~Member.archived).exists(),
        "groups": PartyGroup.select().where(~PartyGroup.archived).exists(),
        "committees": Committee.select().where(~Committee.archived).exists(),
    }
    return [Step(key, title, asks, done[key]) for key, (title, asks) in STEPS.items()]


def to_do(today: dt.date | None = None) -> list[Step]:
    """The steps not done yet ([] once the casebook has them all, or has no council)."""
    if council.needs_setup():
        return []  # (the setup screen comes first)
    return [step for step in checklist(today) if not step.done]
