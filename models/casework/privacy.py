"""Meeting mode: what may be shown on a screen that councillors can see.

With meeting mode on, the names and details of confidential cases, and the complainants
and subjects of every complaint, are replaced by the case's reference. The rule lives
here, once; the screens only ask.

`shown(case, meeting_mode)` is the one function everything shown about a case goes
through (a list's row, a title, a form's or dialog's subtitle, the wizard's text, a
toast): it says what of the case may be shown now, and `Shown.text(s)` takes its
secrets (subject, details, outcome, the people it names) out of any sentence; `scrub`
does it for a toast, by the references it names. A list's filter matches only what is
shown (records.filtered: a private row by its shown columns alone); the palette finds
a private case by its reference alone (search.py); opening the edit form of a private
case in meeting mode asks first (`edit_question`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from clerkdesk.models.core import user
from clerkdesk.models.core.vocab import NO_WARD, PREFIX
from clerkdesk.models.core.schema import Case

HIDDEN = "(hidden)"

#: meeting mode is the clerk's own (models/core/user.py: the clerk's state per casebook)
MODE_KEY = "meeting_mode"


def case_is_private(case_type: str, confidential: bool) -> bool:
    """Does meeting mode hide this case's names and details?"""
    return bool(confidential) or case_type == "complaint"


#: the question asked before a private case's edit form opens in meeting mode
EDIT_QUESTION = ("This shows confidential details of {ref} (names, subject, details): "
                 "show them?")

#: the people a case names, by the case's field: who asked or complained, who it is about
PEOPLE_FIELDS = ("member", "complainant_member", "complainant_officer", "subject_member",
                 "subject_officer")

#: the honorifics a name may be written with, and also without ("Cllr Janet Pryce")
_HONORIFICS = ("cllr", "councillor", "mr", "mrs", "ms", "miss", "mx", "dr")


def edit_question(row, meeting_mode: bool) -> str | None:
    """The question to ask before opening *row*'s edit form (a form shows every name and
    detail): in meeting mode, for a private case; None when the form may simply open."""
    if not meeting_mode or getattr(row, "ref", None) is None or not hasattr(row, "confidential"):
        return None
    if not case_is_private(row.type, row.confidential):
        return None
    return EDIT_QUESTION.format(ref=row.ref)


def people_named(case) -> list[str]:
    """The names of the people *case* names (meeting mode hides them on a private case)."""
    out = []
    for attr in PEOPLE_FIELDS:
        if getattr(case, f"{attr}_id", None) is not None:
            person = getattr(case, attr)
            if person is not None and person.name and person.name not in out:
                out.append(person.name)
    return out


def name_forms(name: str) -> list[str]:
    """A name as a sentence may write it: whole, without its honorific, the surname."""
    forms = [name]
    words = name.split()
    while words and words[0].rstrip(".").casefold() in _HONORIFICS:
        words = words[1:]
    if words and " ".join(words) != name:
        forms.append(" ".join(words))
    if len(words) > 1 and len(words[-1]) >= 3:
        forms.append(words[-1])
    return forms


@dataclass(frozen=True)
class Shown:
    """One case as a screen may show it now (see `shown`)."""

    ref: str
    subject: str
    hidden: bool
    #: what is taken out of any text about the case: longest first
    secrets: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        """The reference and subject, as a title shows them."""
        return f"{self.ref}  {self.subject}"

    def text(self, text: str) -> str:
        """*text* with every secret of the case taken out (word by word, any case)."""
        if not self.hidden or not text:
            return text
        # ("Complainant (Cllr Janet Pryce)" reads "Complainant (hidden)")
        return _secrets_pattern(self.secrets).sub(HIDDEN, text).replace(f"({HIDDEN})", HIDDEN)


@lru_cache(maxsize=64)
def _secrets_pattern(secrets: tuple[str, ...]) -> re.Pattern:
    alternatives = "|".join(re.escape(s) for s in secrets)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def shown(case, meeting_mode: bool) -> Shown:
    """What of *case* a screen may show now: everything, or (meeting mode on and the case
    private) its reference alone, with its subject, details, outcome and the names of the
    people it names kept as secrets that `Shown.text` takes out of any sentence."""
    if not (meeting_mode and case_is_private(case.type, case.confidential)):
        return Shown(case.ref, case.subject or "", False)
    secrets = {form for name in people_named(case) for form in name_forms(name)}
    for text in (case.subject, getattr(case, "details", ""), getattr(case, "outcome", "")):
        text = (text or "").strip()
        if len(text) >= 3:
            secrets.add(text)
    ordered = tuple(sorted(secrets, key=lambda s: (-len(s), s)))
    return Shown(case.ref, HIDDEN, True, ordered or (HIDDEN,))


_REF = re.compile(r"\b(?:" + "|".join(map(re.escape, PREFIX.values())) + r")-\d{4}-\d{4,}\b")


def refs_in(text: str) -> list[str]:
    """The case references a sentence names (a toast: "Saved complaint CMP-2026-0004.")."""
    return list(dict.fromkeys(_REF.findall(text or "")))


def scrub(text: str, meeting_mode: bool, cases_named=None) -> str:
    """*text* (a toast, a message) with the secrets of every private case it is about
    taken out: the cases in *cases_named*, else those whose references it names. What
    the app says after an action goes through here (tui/app.py: `notify`)."""
    if not meeting_mode or not text:
        return text
    if cases_named is None:
        refs = refs_in(text)
        cases_named = list(Case.select().where(Case.ref.in_(refs))) if refs else []
    for case in cases_named:
        text = shown(case, True).text(text)
    return text


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
    return shown(case, meeting_mode).title


def queue_item_text(item, meeting_mode: bool) -> tuple[str, str]:
    """The title and owner of a triage-queue item (models/casework/triage.py) as the
    Dashboard may show them: in meeting mode a private item's title is hidden, and a
    private task's owner too (the person the task names)."""
    if not (meeting_mode and item.private):
        return item.title, item.owner
    return HIDDEN, HIDDEN if item.kind == "task" else item.owner


def queue_item_title(item, meeting_mode: bool) -> str:
    """A triage item's title as a sentence (a toast: "Task done: ...") may name it."""
    return queue_item_text(item, meeting_mode)[0]


def mask_detail(detail, case):
    """A case's detail with names, free text and the timeline's notes taken out; what
    stays (the actions, their clauses, who did them) goes through `shown` too, so a
    person the case names is not named as the officer who acted."""
    say = shown(case, True).text
    keep = {"Kind", "Status", "Stage", "Received", "Due", "Priority", "Confidential", "Closed"}
    fields = [(label, say(value) if label in keep else HIDDEN) for label, value in detail.fields]
    sections = []
    for heading, lines in detail.sections:
        if heading == "Documents":
            sections.append((heading, [documents_hidden(len(lines))]))
            continue
        if heading == "Timeline":
            # the actions stay (what was done, under which clause); the notes go
            sections.append((heading, [say(ln) for ln in lines if not ln.startswith("    ")]))
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
