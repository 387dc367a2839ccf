"""Bulk triage: one action on many cases at once (the cases marked in a list).

`preview` says what an action would do to a set of cases, before anything is written:
which cases take it, and which cannot and are skipped, each with the reason ("already
closed"). `apply` does it: the same single-case function for each case that takes it
(so each case's timeline gets its own step, exactly as one at a time would), all in ONE
transaction that is ONE change for the record and for undo (`audit.batch`: the chain
holds the grouping, and one undo reverts the lot). Any failure midway (a record changed
behind clerkdesk's back, a refused write) writes nothing at all.

The actions: close, assign, priority, snooze, step (record a step: the form `s` opens).
No Textual here; the preview's lines go through meeting mode's masking (privacy.py).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from clerkdesk.models.casework import case_route, cases, privacy, records, triage
from clerkdesk.models.core import dates, vocab
from clerkdesk.models.core.db import database
from clerkdesk.models.core.forms import ValidationError
from clerkdesk.models.core.schema import Audit, Case, Officer
from clerkdesk.models.store import audit

#: action -> (what the question asks, what the record calls it)
ACTIONS = {
    "close": ("Close", "closing"),
    "assign": ("Assign", "assigning"),
    "priority": ("Set the priority of", "setting the priority of"),
    "snooze": ("Snooze", "snoozing"),
    "step": ("Record a step on", "recording a step on"),
}

#: how many cases a preview lists by name (the rest are counted)
LIST_LIMIT = 100

#: ids are looked up this many at a time (SQLite's limit on a statement's variables)
_CHUNK = 500


def _noun(n: int) -> str:
    return f"{n} case{'s' if n != 1 else ''}"


@dataclass(frozen=True)
class Target:
    """One case of a batch, as a preview names it (`privacy.case_title` masks it)."""

    id: int
    ref: str
    subject: str
    type: str
    confidential: bool

    def line(self, meeting_mode: bool) -> str:
        return privacy.case_title(self, meeting_mode)


@dataclass
class Preview:
    """What an action would do to a set of cases."""

    action: str
    params: dict
    ready: list[Target] = field(default_factory=list)
    skipped: list[tuple[Target, str]] = field(default_factory=list)
    #: what the action sets, said after the cases ("to Karen Doyle", "until 23/12/2026")
    detail: str = ""
    #: ids asked for that are not cases on record
    missing: int = 0

    @property
    def question(self) -> str:
        """'Close 12 cases?', 'Assign 3 cases to Karen Doyle?'; a sentence when none can."""
        verb = ACTIONS[self.action][0]
        if not self.ready:
            return f"None of the {_noun(len(self.skipped) + self.missing)} marked can take this."
        return f"{verb} {_noun(len(self.ready))}{' ' + self.detail if self.detail else ''}?"

    def label(self) -> str:
        """What the record and the undo message call the batch: 'closing 12 cases
        (REQ-2026-0001, REQ-2026-0002, REQ-2026-0003 and 9 more)'. References only: it is
        shown in meeting mode as it is."""
        refs = [t.ref for t in self.ready]
        shown = ", ".join(refs[:3]) + (f" and {len(refs) - 3} more" if len(refs) > 3 else "")
        return f"{ACTIONS[self.action][1]} {_noun(len(refs))} ({shown})"

    def lines(self, meeting_mode: bool, limit: int = LIST_LIMIT) -> list[str]:
        """The preview as lines: the question, the cases that take it, then those skipped
        and why. Subjects are hidden as meeting mode hides them."""
        out = [self.question]
        if self.ready:
            out += ["  " + t.line(meeting_mode) for t in self.ready[:limit]]
            if len(self.ready) > limit:
                out.append(f"  … and {len(self.ready) - limit} more")
        if self.skipped:
            n = len(self.skipped)
            out.append(f"{_noun(n)} cannot take it and {'is' if n == 1 else 'are'} skipped:")
            out += [f"  {t.ref}  {why}" for t, why in self.skipped[:limit]]
            if n > limit:
                out.append(f"  … and {n - limit} more")
        if self.missing:
            out.append(f"{_noun(self.missing)} marked {'is' if self.missing == 1 else 'are'} "
                       "no longer on record and skipped.")
        return out

    def text(self, meeting_mode: bool, limit: int = LIST_LIMIT) -> str:
        return "\n".join(self.lines(meeting_mode, limit))


@dataclass
class Result:
    """What `apply` did."""

    action: str
    done: list[str]  # the references changed
    skipped: list[tuple[str, str]]  # (reference, why)
    entry: Audit | None  # the batch's entry (what undo reverts), None when nothing changed

    def message(self) -> str:
        """'Closed 12 cases; 2 skipped (already closed).'"""
        past = {"close": "Closed", "assign": "Assigned", "priority": "Set the priority of",
                "snooze": "Snoozed", "step": "Recorded a step on"}[self.action]
        text = f"{past} {_noun(len(self.done))}"
        if self.skipped:
            reasons = sorted({why for _ref, why in self.skipped})
            text += f"; {len(self.skipped)} skipped ({'; '.join(reasons)})"
        return text + "."


# --- the parameters of each action, checked before anything is read or written ------------

def _check(action: str, params: dict) -> tuple[dict, str]:
    """The parameters cleaned, and the words the question ends with; ValidationError
    (field -> sentence) for a bad one."""
    if action not in ACTIONS:
        raise ValidationError({"action": f"Choose one of: {', '.join(ACTIONS)}."})
    p = dict(params)
    if action == "close":
        p["outcome"] = (p.get("outcome") or "").strip()
        if not p["outcome"]:
            raise ValidationError({"outcome": "Say how the cases ended."})
        p["clause"] = (p.get("clause") or "").strip()
        return p, ""
    if action == "assign":
        officer = Officer.get_or_none(Officer.id == p.get("officer_id"))
        if officer is None or officer.archived:
            raise ValidationError({"owner": "Choose an officer on the register."})
        p["officer_id"], p["officer_name"] = officer.id, officer.name
        return p, f"to {officer.name}"
    if action == "priority":
        if p.get("priority") not in vocab.PRIORITIES:
            raise ValidationError({"priority": f"Choose one of: {', '.join(vocab.PRIORITIES)}."})
        return p, f"to {vocab.PRIORITIES[p['priority']].lower()}"
    if action == "snooze":
        until = p.get("until")
        if not isinstance(until, dt.date) or until <= dates.today():
            raise ValidationError({"until": "Snooze to a day after today."})
        return p, f"until {dates.fmt(until)}"
    # step
    outcome = p.get("outcome")
    if outcome not in case_route.STEP_OUTCOMES:
        raise ValidationError({"outcome": "Choose what happened."})
    p["note"] = (p.get("note") or "").strip()
    if outcome in case_route.CLOSES and not p["note"]:
        raise ValidationError({"note": "Say how they were resolved or decided."})
    if outcome == "note" and not p["note"]:
        raise ValidationError({"note": "Write the note."})
    p["clause"] = (p.get("clause") or "").strip()
    p["contrary_to_advice"] = bool(p.get("contrary_to_advice"))
    return p, f"({case_route.STEP_OUTCOMES[outcome].split(':')[0].lower()})"


def check(action: str, **params) -> dict:
    """*params* checked and cleaned for *action*, before any case is read (what a form
    says before the preview); ValidationError (field -> sentence) for a bad one."""
    return _check(action, params)[0]


def _why_not(action: str, case: Case, p: dict) -> str | None:
    """Why *case* cannot take the action, or None when it can."""
    if case.archived:
        return "archived"
    if action == "close":
        return "already closed" if case.status == "closed" else None
    if case.status == "closed":
        return "closed: reopen it first"
    if action == "assign" and case.owner_id == p["officer_id"]:
        return f"already with {p['officer_name']}"
    if action == "priority" and case.priority == p["priority"]:
        return f"already {vocab.PRIORITIES[p['priority']].lower()}"
    if action == "snooze" and case.snoozed_until == p["until"]:
        return f"already snoozed until {dates.fmt(p['until'])}"
    if action == "step" and p["outcome"] in case_route.MOVES_ON:
        now = case_route.current_step(case)
        if now is not None and now.get("records") == "advice":
            return "its step gives advice to a group: record it on its own, with the advice"
    return None


def ids_shown(register: records.Register, text: str = "", *, archived: bool = False) -> list[int]:
    """The ids of every row a list's filter shows (all of them, not a page): what "mark
    all shown" marks. Raises saved_views.ViewError for a facet the list does not know."""
    q = records.filtered(register, text, archived=archived)
    return list(dict.fromkeys(r[0] for r in q.select(register.model.id).tuples()))


def _cases(case_ids) -> list[Case]:
    ids = sorted({int(i) for i in case_ids})
    out: list[Case] = []
    for start in range(0, len(ids), _CHUNK):
        out += list(Case.select().where(Case.id.in_(ids[start:start + _CHUNK])))
    return sorted(out, key=lambda c: c.ref)


def preview(action: str, case_ids, **params) -> Preview:
    """What *action* would do to the cases *case_ids* (nothing is written). Raises
    ValidationError for a bad parameter: close(outcome, clause=""), assign(officer_id),
    priority(priority), snooze(until: date), step(outcome, note="", clause="",
    contrary_to_advice=False), as the single-case forms take them."""
    p, detail = _check(action, params)
    found = _cases(case_ids)
    pv = Preview(action, p, detail=detail, missing=len({int(i) for i in case_ids}) - len(found))
    for case in found:
        target = Target(case.id, case.ref, case.subject, case.type, bool(case.confidential))
        why = _why_not(action, case, p)
        if why is None:
            pv.ready.append(target)
        else:
            pv.skipped.append((target, why))
    return pv


def _do(action: str, case_id: int, p: dict) -> None:
    if action == "close":
        cases.close_case(case_id, p["outcome"], clause=p["clause"])
    elif action == "assign":
        triage.assign(case_id, p["officer_id"])
    elif action == "priority":
        triage.set_priority(case_id, p["priority"])
    elif action == "snooze":
        triage.snooze(case_id, p["until"])
    else:
        case_route.record(case_id, p["outcome"], p["note"], clause=p["clause"],
                          contrary_to_advice=p["contrary_to_advice"])


def apply(action: str, case_ids, **params) -> Result:
    """Do *action* to every case of *case_ids* that can take it (see `preview`; the cases
    are looked at again inside the transaction, so a case closed since the preview is
    skipped), in ONE transaction and ONE audit batch: one undo reverts them all. Each
    case gets its own step on its timeline. A failure on any case writes nothing."""
    with database.atomic():
        pv = preview(action, case_ids, **params)
        skipped = [(t.ref, why) for t, why in pv.skipped]
        if not pv.ready:
            return Result(action, [], skipped, None)
        with audit.batch(pv.label()) as group:
            for target in pv.ready:
                _do(action, target.id, pv.params)
        return Result(action, [t.ref for t in pv.ready], skipped, group.entry)
