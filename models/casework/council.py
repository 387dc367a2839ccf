"""The council's own settings: one row, made on first run, edited from the Council tab."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from clerkdesk.models.core import dates
from clerkdesk.models.core.db import database
from clerkdesk.models.core.forms import FieldSpec, ValidationError, validate
from clerkdesk.models.core.schema import Council
from clerkdesk.models.rules.errors import ProfileError
from clerkdesk.models.store import audit
from clerkdesk.models.store.versions import check_version

if TYPE_CHECKING:  # (imported where a profile is read: not before the first frame)
    from clerkdesk.models.rules import rulebook

KINDS = {
    "town": "Town council",
    "parish": "Parish council",
    "district": "District council",
    "borough": "Borough council",
    "city": "City council",
}


#: bundled protocol profiles; a path to an edited copy is accepted too
PROFILES = {
    "town": "Town or parish council (Crediton, Langport and a Mayor's town council)",
    "principal": "District, borough or city council (Worcester, Oadby & Wigston)",
}


NATION_CHOICES = dates.NATION_LABELS


def setup_fields() -> list[FieldSpec]:
    """The three questions of the first-run screen."""
    return [
        FieldSpec("name", "Council name", required=True, max_len=120,
                  placeholder="e.g. Ashcombe Town Council"),
        FieldSpec("kind", "Kind of council", "choice", required=True, choices=KINDS, default="town"),
        FieldSpec("profile", "Protocol profile", "choice", required=True, choices=PROFILES,
                  default="town",
                  help="The Member/Officer Protocol rules the wizards follow."),
    ]


def settings_fields() -> list[FieldSpec]:
    return setup_fields() + [
        FieldSpec("clerk_name", "Clerk's name (for the record)", max_len=120,
                  help="Used only while no officer holds the Town Clerk role: the officers "
                       "register (tab 3) leads."),
        FieldSpec("nation", "Bank holidays of", "choice", required=True, choices=NATION_CHOICES,
                  default="england"),
        FieldSpec("protocol_adopted", "Protocol adopted on", "date"),
        FieldSpec("protocol_review_due", "Protocol review due", "date"),
        FieldSpec("next_election", "Next election", "date"),
        FieldSpec("pre_election_days", "Pre-election period (days)", "int",
                  default=str(DEFAULT_PRE_ELECTION_DAYS),
                  minimum=0, maximum=120),
        FieldSpec("staffing_committee_name", "Committee responsible for staffing", max_len=120),
        FieldSpec("closure_days", "Extra closure days (dd/mm/yyyy, comma-separated)", "longtext"),
        FieldSpec("retention_years", "Keep closed cases for (years)", "int", default="6",
                  minimum=1, maximum=100,
                  help="Closed requests and complaints older than this are listed for "
                       "anonymising (their documents too)."),
        FieldSpec("document_limit_mb", "Largest document on a case (MB)", "int", default="25",
                  minimum=1, maximum=500,
                  help="A file over this size is refused, with a sentence, when attached or "
                       "taken in from an email."),
        FieldSpec("intake_folder", "Folder of saved emails (.eml) to take in", max_len=500,
                  placeholder="blank: none; the Dashboard counts the emails waiting there"),
    ]


def get() -> Council | None:
    return Council.select().first()


def needs_setup() -> bool:
    return get() is None


def create(raw: dict[str, str]) -> Council:
    """First run: make the council row from the setup questions."""
    clean = validate(setup_fields(), raw)
    with database.atomic():
        if get() is not None:
            raise ValidationError({"name": "This casebook already has a council."})
        row = Council.create(**clean)
        audit.record("create", "council", row.id, {k: [None, v] for k, v in clean.items()})
    return row


def form_values(row: Council) -> dict[str, str]:
    out = {}
    for spec in settings_fields():
        value = getattr(row, spec.name)
        out[spec.name] = dates.fmt(value) if spec.kind == "date" else ("" if value is None else str(value))
    return out


#: settings that keep their value when their field is left blank
KEEP_WHEN_BLANK = ("pre_election_days", "retention_years", "document_limit_mb")


def save_settings(raw: dict[str, str], *, expected_version: int | None = None) -> Council:
    specs = settings_fields()
    clean = validate(specs, raw)
    try:
        dates.parse_closures(clean.get("closure_days", ""))
    except dates.DateInputError as exc:
        raise ValidationError({"closure_days": str(exc)}) from None
    folder = (clean.get("intake_folder") or "").strip()
    if folder:
        from pathlib import Path

        if not Path(folder).expanduser().is_dir():
            raise ValidationError({"intake_folder": f"There is no folder {folder}: give a "
                                                    "folder that exists, or leave it blank."})
        clean["intake_folder"] = folder
    with database.atomic():
        row = get()

        check_version(row, expected_version)
        before = {s.name: getattr(row, s.name) for s in specs}
        for key, value in clean.items():
            if value is None and key in KEEP_WHEN_BLANK:
                continue  # a number left blank keeps the one the council has
            setattr(row, key, value)
        changes = audit.diff(before, {s.name: getattr(row, s.name) for s in specs})
        if changes:
            row.version = (row.version or 0) + 1
            row.save()
            audit.record("update", "council", row.id, changes)
    return row


#: the settings a new council gives first (the first-run checklist's "council dates")
DATE_SETTINGS = ("protocol_adopted", "protocol_review_due", "next_election")


def dates_fields() -> list[FieldSpec]:
    """The council's dates alone: when the protocol was adopted and is next reviewed (the
    Dashboard warns once it is due), and the next election (its pre-election period)."""
    by_name = {s.name: s for s in settings_fields()}
    return [by_name[name] for name in DATE_SETTINGS]


def save_dates(raw: dict[str, str], *, expected_version: int | None = None) -> Council:
    """Save the council's dates (`dates_fields`), the other settings as they are."""
    row = get()
    return save_settings({**form_values(row), **{k: raw.get(k, "") for k in DATE_SETTINGS}},
                         expected_version=expected_version)


def review_overdue(today: dt.date | None = None) -> bool:
    row = get()
    today = today or dates.today()
    return bool(row and row.protocol_review_due and row.protocol_review_due < today)


#: the pre-election period when the council's setting is missing (the form's default)
DEFAULT_PRE_ELECTION_DAYS = 42


def in_pre_election_period(day: dt.date | None = None, row: Council | None = None) -> bool:
    """Is *day* (default today) in the run-up to the council's next election? *row* is
    the council's settings row when the caller has it already."""
    row = row or get()
    day = day or dates.today()
    if not row or not row.next_election:
        return False
    days = row.pre_election_days if row.pre_election_days is not None else DEFAULT_PRE_ELECTION_DAYS
    start = row.next_election - dt.timedelta(days=days)
    return start <= day <= row.next_election


def closures() -> frozenset[dt.date]:
    c = get()
    try:
        return dates.parse_closures(c.closure_days) if c else frozenset()
    except dates.DateInputError:
        return frozenset()


def due_after(received: dt.date, working_days: int) -> dt.date:
    """The due date *working_days* after *received* on the council's calendar."""
    return dates.add_working_days(received, working_days, nation=council_nation(),
                                  closures=closures())


def council_nation() -> str:
    c = Council.select(Council.nation).first()
    return c.nation if c else "england"


def profile(row: Council | None = None) -> rulebook.Profile:
    """The council's protocol profile (a bundled one by name, or the path of an edited
    copy); raises rulebook.ProfileError, saying what is wrong, for one that cannot be used."""
    row = row or get()
    from clerkdesk.models.rules import rulebook

    return rulebook.load_profile(row.profile if row and row.profile else "town")


#: when the profile has no `info_response_days` (a council's own copy may leave it out)
FALLBACK_RESPONSE_DAYS = 7


def info_response_days(prof: rulebook.Profile | None = None) -> int:
    """Working days to answer a member's request for information: the profile's
    `info_response_days` (seven in both bundled profiles), the one number the due date of a new
    request, the route and the report all use. The Council tab shows it; the council
    changes it by editing its copy of the profile."""
    try:
        prof = prof or profile()
    except ProfileError:
        return FALLBACK_RESPONSE_DAYS
    value = prof.settings.get("info_response_days")
    return int(value) if isinstance(value, int) else FALLBACK_RESPONSE_DAYS


def protocol_lines(row: Council | None = None) -> list[tuple[str, str]]:
    """What the Council tab shows of the profile: its title, the response time and the
    clause behind it, or the sentence saying why the profile cannot be used."""
    try:
        prof = profile(row)
    except ProfileError as exc:
        return [("Protocol", f"cannot be used: {exc}")]
    days = info_response_days(prof)
    clause = prof.setting_clause("info_response")
    return [("Protocol", prof.title),
            ("Information answered in", f"{days} working days"
             + (f" [{clause}] (from the protocol profile)" if clause else " (from the protocol profile)"))]


def guidance(prof: rulebook.Profile | None = None) -> list[tuple[rulebook.Guidance, list[tuple[str, str, str]]]]:
    """What the protocol says, by topic (premises visits, media, appointments...): each
    topic of the council's profile with its lines as (text, clause, the clause's quote).
    [] when the profile cannot be used. For the "what the protocol says" panel."""
    try:
        prof = prof or profile()
    except ProfileError:
        return []
    return [(g, [(line.text, line.clause, prof.clause_text(line.clause)) for line in g.lines])
            for g in prof.guidance]


def guidance_matching(text: str, prof: rulebook.Profile | None = None):
    """The topics whose title or keywords contain every word of *text* (all, for none)."""
    words = [w.lower() for w in (text or "").split() if w]
    out = []
    for g, lines in guidance(prof):
        hay = " ".join([g.topic, *g.keywords]).lower()
        if all(w in hay for w in words):
            out.append((g, lines))
    return out
