"""Email intake: a saved email (.eml) becomes a case, or a step on the case it answers,
with the email and its attachments filed on the case as documents.

1. `plan(name, data)` reads the email (mail.py) and works out, without writing anything,
   who sent it (a member's or officer's registered email, case-insensitively; an email
   the clerk forwarded counts as the forwarded sender's), which case it belongs to (a
   reference in the subject, `[REQ-2026-0042]` or `Re: REQ-2026-0042 ...`, or a
   Message-ID it replies to), what kind of case it looks like (words.py: a guess the
   clerk confirms), and whether it was taken in already (the same Message-ID).
2. `take_in(plan)` writes it in ONE transaction: the case (through the same form and
   checks as the app's), a timeline step carrying the text, the email and each
   attachment as documents, every row with its audit entry. A second email with the same
   Message-ID writes nothing (`Duplicate`).

Bad files are refused with one sentence (`IntakeError`) and nothing written. No
Textual here.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from clerkdesk.models.casework import case_lists, cases, documents, records
from clerkdesk.models.casework.intake import words
from clerkdesk.models.casework.intake.mail import (
    Attachment,
    IntakeError,
    Mail,
    read_mail,
    read_mail_apart,
)
from clerkdesk.models.core import dates, user
from clerkdesk.models.core.db import database
from clerkdesk.models.core.schema import Case, Contact, Council, Member, Officer
from clerkdesk.models.core.vocab import COMPLAINT_KINDS, REQUEST_KINDS

__all__ = ["IntakeError", "Duplicate", "Mail", "Attachment", "Person", "Plan", "Directory",
           "read_mail", "read_file", "plan", "plan_file", "take_in", "Result", "waiting",
           "last_folder", "remember_folder", "EMAIL_SUFFIXES"]

#: the files a folder of saved emails is looked at for
EMAIL_SUFFIXES = (".eml",)

#: a timeline step holds at most this much of an email's text (the email itself is filed)
STEP_TEXT_LIMIT = 20_000

#: the setting holding the folder the clerk last took an email in from
LAST_FOLDER_KEY = "intake.last_folder"

REF_RE = re.compile(r"\b(REQ|CMP)-(\d{4})-(\d{1,6})\b", re.IGNORECASE)

_PREFIX_RE = re.compile(r"^\s*(?:(?:re|fwd?|fw|aw|wg|sv|vs)\s*(?:\[\d+\])?\s*:\s*)+",
                        re.IGNORECASE)


class Duplicate(IntakeError):
    """The email was taken in before: nothing to do (not an error for a batch)."""

    def __init__(self, message: str, case: Case | None = None) -> None:
        super().__init__(message)
        self.case = case


@dataclass(frozen=True)
class Person:
    kind: str  # member | officer | contact
    id: int
    name: str
    email: str
    archived: bool = False

    @property
    def label(self) -> str:
        what = {"member": "", "officer": " (officer)", "contact": " (contact)"}[self.kind]
        return f"{self.name}{what}"


class Directory:
    """Everyone with a registered email, by address (read once for a batch)."""

    def __init__(self) -> None:
        self.by_email: dict[str, list[Person]] = {}
        self.members: list[Person] = []
        self.officers: list[Person] = []
        rows = [("member", Member, Member.archived), ("officer", Officer, Officer.archived),
                ("contact", Contact, Contact.archived)]
        for kind, model, archived in rows:
            for row in model.select(model.id, model.name, model.email, archived):
                person = Person(kind, row.id, row.name, row.email or "", bool(row.archived))
                if kind == "member":
                    self.members.append(person)
                elif kind == "officer":
                    self.officers.append(person)
                for addr in re.split(r"[\s,;]+", (row.email or "").strip().lower()):
                    if "@" in addr:
                        self.by_email.setdefault(addr.strip("<>"), []).append(person)

    def find(self, address: str) -> list[Person]:
        found = self.by_email.get((address or "").strip().lower(), [])
        active = [p for p in found if not p.archived]
        return active or found

    def named_in(self, text: str, people: list[Person], *, exclude: Person | None = None) -> list[Person]:
        """The people of *people* whose name the text gives: in full (without "Cllr"), or
        as "Cllr Surname"/"Mr|Mrs|Ms Surname"; a surname alone only when nobody else is
        named and one person has it."""
        low = " ".join((text or "").split()).casefold()
        full, by_title, surname = [], [], []
        for p in people:
            if p.archived or (exclude is not None and p == exclude):
                continue
            name = re.sub(r"^(cllr|councillor)\s+", "", p.name.strip(), flags=re.I).casefold()
            if not name:
                continue
            last = name.split()[-1]
            if re.search(r"(?<!\w)" + re.escape(name) + r"(?!\w)", low):
                full.append(p)
            elif re.search(r"(?<!\w)(?:cllr|councillor|mr|mrs|ms|miss|dr)\.?\s+"
                           + re.escape(last) + r"(?!\w)", low):
                by_title.append(p)
            elif len(last) > 3 and re.search(r"(?<!\w)" + re.escape(last) + r"(?!\w)", low):
                surname.append(p)
        if full or by_title:
            return full + by_title
        return surname if len(surname) == 1 else []

    def by_name(self, text: str, people: list[Person]) -> list[Person]:
        want = " ".join(text.split()).casefold()
        exact = [p for p in people if p.name.casefold() == want]
        if exact:
            return exact
        return [p for p in people if want and want in p.name.casefold() and not p.archived]


@dataclass
class Plan:
    """What taking one email in would do; nothing is written until `take_in`."""

    mail: Mail  # the file as read
    source: Mail  # whose sender, subject and date count (the forwarded one, if any)
    action: str  # new | reply | duplicate
    sender: Person | None
    forwarded_by: Person | None = None
    case: Case | None = None  # the case it is added to (reply) or was taken in on (duplicate)
    case_type: str = "request"
    kind: str = "information"
    kind_words: list[str] = field(default_factory=list)
    kind_given: bool = False
    subject: str = ""
    received: dt.date | None = None
    about: Person | None = None  # a complaint: whom it is about
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # what stops it being taken in as is
    #: a reply to an email earlier in the same batch: goes on the case that one makes
    parent: "Plan | None" = None
    #: what take_in wrote (set once it has)
    taken: "Result | None" = None

    @property
    def name(self) -> str:
        return self.mail.name

    @property
    def ok(self) -> bool:
        return not self.problems and self.action != "duplicate"

    @property
    def kind_label(self) -> str:
        return (REQUEST_KINDS if self.case_type == "request" else COMPLAINT_KINDS).get(
            self.kind, self.kind)

    def register(self):
        return case_lists.REQUESTS if self.case_type == "request" else case_lists.COMPLAINTS

    def form_values(self) -> dict[str, str]:
        """The new case's form, filled in from the email (the app shows it to confirm)."""
        values = records.form_values(self.register(), None)
        values.update(kind=self.kind, subject=self.subject, owner="",
                      received=dates.fmt(self.received or dates.today()), due="")
        sender = str(self.sender.id) if self.sender else ""
        about = str(self.about.id) if self.about else ""
        if self.case_type == "request":
            values["member"] = sender
        elif self.sender is not None:
            values[f"complainant_{self.sender.kind}"] = sender
            if self.about is not None:
                values[f"subject_{self.about.kind}"] = about
        return values

    def attachment_text(self) -> str:
        atts = self.mail.attachments
        if not atts:
            return "no attachments"
        shown = ", ".join(f"{a.name} ({documents.human_size(len(a.data))})" for a in atts[:6])
        more = f" and {len(atts) - 6} more" if len(atts) > 6 else ""
        return f"{len(atts)} attachment{'s' if len(atts) != 1 else ''}: {shown}{more}"

    def headline(self) -> str:
        """One line: what would happen."""
        if self.action == "duplicate":
            return (f"already taken in on {self.case.ref if self.case else 'a case'}: nothing "
                    "to do")
        who = self.sender.label if self.sender else self.source.sender
        when = dates.fmt(self.received) if self.received else "?"
        if self.action == "reply" and self.case is None and self.parent is not None:
            return f"a step on the case {self.parent.name} makes, from {who}, {when}"
        if self.action == "reply":
            return f"a step on {self.case.ref} ({self.case.subject}) from {who}, {when}"
        return f"a new {self.case_type} from {who}, received {when}"

    def lines(self) -> list[str]:
        """The preview: who, which case, what kind, what is filed."""
        out = [self.headline()]
        if self.action == "duplicate":
            return out
        if self.action == "new":
            how = "as given" if self.kind_given else (
                f"guessed from {', '.join(repr(w) for w in self.kind_words[:4])}"
                if self.kind_words else "no words to go on: the usual kind")
            out.append(f"kind: {self.kind_label} ({how})")
            if self.case_type == "complaint":
                out.append(f"about: {self.about.label if self.about else 'not named'}")
            out.append(f"subject: {self.subject}")
        out.append(f"files: the email and {self.attachment_text()}")
        out.extend(f"note: {n}" for n in self.notes)
        out.extend(f"problem: {p}" for p in self.problems)
        return out


# --- reading --------------------------------------------------------------------------------

def email_limit(limit: int | None = None) -> int:
    """The largest .eml file read: attachments of the per-file limit, base64 (4/3) and
    several of them, are allowed; a file bigger than this is refused before it is read."""
    limit = documents.limit_bytes() if limit is None else limit
    return 4 * limit + 1024 * 1024


def read_file(path) -> tuple[str, bytes]:
    """(name, bytes) of a saved email, refused with a sentence when it cannot be one."""
    path = Path(path).expanduser()
    if path.is_dir():
        raise IntakeError(f"{path} is a folder: give the .eml files in it.")
    if not path.exists():
        raise IntakeError(f"There is no file {path}.")
    try:
        size = path.stat().st_size
        if size > email_limit():
            raise IntakeError(f"{path.name} is {documents.human_size(size)}: larger than any "
                              f"email whose attachments are under the {documents.limit_mb()} "
                              "MB limit for one document.")
        return path.name, path.read_bytes()
    except PermissionError:
        raise IntakeError(f"{path} cannot be read: check its permissions.") from None
    except OSError as exc:
        raise IntakeError(f"{path} cannot be read: {exc.strerror or exc}.") from None


def clean_subject(subject: str) -> str:
    text = REF_RE.sub("", subject or "")
    text = re.sub(r"\[\s*\]|\(\s*\)", "", text)
    text = _PREFIX_RE.sub("", text)
    text = _PREFIX_RE.sub("", text.strip(" -:"))
    return " ".join(text.split()).strip(" -:")


def _ref_in(subject: str) -> str | None:
    m = REF_RE.search(subject or "")
    if not m:
        return None
    return f"{m.group(1).upper()}-{m.group(2)}-{int(m.group(3)):04d}"


def plan_file(path, **kw) -> Plan:
    name, data = read_file(path)
    return plan(name, data, **kw)


def plan(name: str, data: bytes, *, kind: str | None = None, about: str | None = None,
         directory: Directory | None = None, seen: dict | None = None,
         today: dt.date | None = None, apart: bool = False) -> Plan:
    """What taking the email in would do (nothing is written). *kind* gives the kind of a
    new case instead of the guess; *about* names whom a complaint is about. *seen* maps
    Message-IDs already planned in this batch to their plan (a second copy is a duplicate).
    *apart* reads a large email in a child process (the app: see read_mail_apart).
    IntakeError for a file that cannot be taken in at all."""
    mail = read_mail_apart(data, name) if apart else read_mail(data, name)
    directory = directory or Directory()
    today = today or dates.today()
    source, forwarded_by = mail, None
    outer = _one_person(directory, mail, name, allow_unknown=mail.forwarded is not None)
    if mail.forwarded is not None:
        inner = directory.find(mail.forwarded.sender_email)
        if inner:
            source, forwarded_by = mail.forwarded, outer
        elif outer is None:
            raise IntakeError(f"{name}: neither the forwarded sender "
                              f"{mail.forwarded.sender_email} nor {mail.sender_email} is the "
                              "registered email of a member or officer: add it to their "
                              "record (or check the address) and take it in again.")
    sender = _one_person(directory, source, name) if source is not mail else outer
    if not mail.body.strip() and not mail.attachments and not source.body.strip():
        raise IntakeError(f"{name} has no text and no attachments: there is nothing to put "
                          "on a case.")
    limit = documents.limit_bytes()
    for att in mail.attachments:
        try:
            documents.check_size(att.name, len(att.data), limit)
        except documents.DocumentError as exc:
            raise IntakeError(f"{name}: {exc}") from None
    result = Plan(mail=mail, source=source, action="new", sender=sender,
                  forwarded_by=forwarded_by)
    result.notes.extend(mail.notes)
    if forwarded_by is not None:
        result.notes.append(f"forwarded by {forwarded_by.label}: taken in as "
                            f"{sender.label}'s email")
    # taken in before?
    earlier = documents.find_message(mail.message_id)
    if earlier is not None or (seen is not None and mail.message_id in seen):
        result.action = "duplicate"
        result.case = Case.get_by_id(earlier.case_id) if earlier is not None else \
            seen[mail.message_id].case
        return result
    if seen is not None:
        seen[mail.message_id] = result
    # the date
    received = (source.date or mail.date)
    if received is None:
        result.notes.append("it has no date: taken as received today")
        result.received = today
    elif received.date() > today:
        result.notes.append(f"its date {dates.fmt(received.date())} is in the future: taken "
                            "as received today")
        result.received = today
    else:
        result.received = received.date()
    # a reply to a case?
    subject = source.subject or mail.subject
    ref = _ref_in(mail.subject) or _ref_in(source.subject)
    case = None
    if ref:
        case = Case.get_or_none(Case.ref == ref)
        if case is None:
            raise IntakeError(f"{name}: its subject names {ref}, which is not a case in this "
                              "casebook: correct the subject, or take it in as a new case by "
                              "removing the reference.")
    else:
        for message_id in reversed(mail.references):
            doc = documents.find_message(message_id)
            if doc is not None:
                case = Case.get_by_id(doc.case_id)
                result.notes.append(f"it answers an email filed on {case.ref}")
                break
            earlier_plan = seen.get(message_id) if seen is not None else None
            if earlier_plan is not None and earlier_plan.action in ("new", "reply"):
                result.parent = earlier_plan
                result.notes.append(f"it answers {earlier_plan.name}, earlier in this batch")
                break
    result.subject = (clean_subject(subject) or _first_line(source.body) or
                      "(no subject)")[:200]
    if case is None and result.parent is not None:
        result.action = "reply"
        result.case = result.parent.case  # (None while the parent is a new case)
        result.case_type, result.kind = result.parent.case_type, result.parent.kind
        return result
    if case is not None:
        result.action, result.case = "reply", case
        result.case_type, result.kind = case.type, case.kind
        if case.archived:
            result.problems.append(f"{case.ref} is archived: restore it first.")
        elif case.status == "closed":
            result.notes.append(f"{case.ref} is closed: the email goes on its timeline; "
                                "reopen it (c) if it needs more work")
        return result
    # a new case
    if sender is None:
        raise IntakeError(_unknown_sender(name, source.sender_email))
    if sender.kind == "contact":
        raise IntakeError(f"{name} is from {sender.name}, a contact, not a member or officer: "
                          "an email from a contact can only be added to a case (put its "
                          "reference, e.g. [REQ-2026-0042], in the subject).")
    if sender.archived:
        result.problems.append(f"{sender.name} is archived (no longer on the register): "
                               "restore them first, or add the email to an existing case.")
    case_type, guessed, found = words.guess(subject, source.body, sender_kind=sender.kind)
    if kind:
        kinds = {**REQUEST_KINDS, **COMPLAINT_KINDS}
        key = kind if kind in kinds else next(
            (k for k, v in kinds.items() if v.casefold() == kind.casefold()), None)
        if key is None:
            raise IntakeError(f"There is no kind '{kind}': choose one of "
                              f"{', '.join(kinds)}.")
        case_type = "request" if key in REQUEST_KINDS else "complaint"
        guessed, found, result.kind_given = key, [], True
    result.case_type, result.kind, result.kind_words = case_type, guessed, found
    if case_type == "request" and sender.kind != "member":
        result.problems.append(f"{sender.name} is an officer: a request comes from a member "
                               "(forward the member's own email, or give --kind for a "
                               "complaint).")
    if case_type == "complaint":
        _complaint_about(result, directory, about, source)
    if not result.problems:
        result.problems.extend(_form_problems(result))
    return result


def _form_problems(p: Plan) -> list[str]:
    """What the new case's own form would refuse (the same checks as the app's)."""
    from clerkdesk.models.casework.council import council_nation
    from clerkdesk.models.core.forms import ValidationError, validate

    register = p.register()
    specs = {s.name: s for s in register.fields()}
    try:
        clean = validate(list(specs.values()), p.form_values(), nation=council_nation())
        errors = register.check(clean, None) if register.check else {}
    except ValidationError as exc:
        errors = exc.errors
    return [f"{specs[k].label if k in specs else k}: {v}" for k, v in errors.items()]


def _first_line(text: str) -> str:
    for line in (text or "").splitlines():
        if line.strip():
            return " ".join(line.split())[:120]
    return ""


def _unknown_sender(name: str, address: str) -> str:
    return (f"{name} is from {address}, which is not the registered email of any member or "
            "officer: add the address to their record (or check it) and take it in again.")


def _one_person(directory: Directory, mail: Mail, name: str, *,
                allow_unknown: bool = True) -> Person | None:
    found = directory.find(mail.sender_email)
    if len(found) > 1:
        raise IntakeError(f"{name} is from {mail.sender_email}, which is registered for "
                          f"{' and '.join(p.label for p in found[:3])}: give each their own "
                          "address so the email can be matched.")
    if not found:
        if allow_unknown:
            return None
        raise IntakeError(_unknown_sender(name, mail.sender_email))
    return found[0]


def _complaint_about(result: Plan, directory: Directory, about: str | None, source: Mail) -> None:
    """Whom a complaint is about: --about, else the one person of the right register the
    email names."""
    sender = result.sender
    want = {"member_about_officer": "officer", "officer_about_member": "member",
            "code_of_conduct": "member", "grievance": None}.get(result.kind)
    pool = directory.officers if want == "officer" else directory.members if want == "member" \
        else directory.officers + directory.members
    if about:
        found = directory.by_name(about, pool)
        if len(found) != 1:
            what = {"officer": "officer", "member": "member"}.get(want, "member or officer")
            raise IntakeError(f"'{about}' is {'no' if not found else 'more than one'} {what} "
                              "on the register: give the full name as the register has it.")
        result.about = found[0]
        return
    if result.kind == "grievance":
        return  # an employee's grievance need not be about one person
    named = directory.named_in(f"{source.subject}\n{source.body}", pool, exclude=sender)
    if len(named) == 1:
        result.about = named[0]
        result.notes.append(f"about {named[0].name}: named in the email")
    else:
        who = "officer" if want == "officer" else "member"
        what = "names no" if not named else f"names {len(named)} {who}s, not one"
        result.problems.append(f"the email {what} {who} the complaint could be about: "
                               "choose in the app (i), or give --about NAME.")


# --- writing --------------------------------------------------------------------------------

@dataclass
class Result:
    case: Case
    created: bool
    documents: list


def _step_note(p: Plan) -> str:
    src = p.source
    lines = [f"From: {p.sender.name if p.sender else src.sender_name} <{src.sender_email}>"]
    if src.date:
        lines.append(f"Date: {src.date:%d/%m/%Y %H:%M}")
    if src.subject:
        lines.append(f"Subject: {src.subject}")
    if p.forwarded_by is not None:
        lines.append(f"Forwarded by: {p.forwarded_by.name} <{p.mail.sender_email}>")
    if p.mail.attachments:
        lines.append("Attachments: " + ", ".join(
            f"{a.name} ({documents.human_size(len(a.data))})" for a in p.mail.attachments))
    body = src.body or p.mail.body or "(no text: see the attachments)"
    if len(body) > STEP_TEXT_LIMIT:
        body = body[:STEP_TEXT_LIMIT].rstrip() + "\n… (the rest is in the email filed on the case)"
    return "\n".join(lines) + "\n\n" + body


def take_in(p: Plan, *, form: dict[str, str] | None = None, who: str | None = None) -> Result:
    """Write what *p* plans, in one transaction: the case (new) or a step on it (reply),
    the email and its attachments as documents. *form* replaces the new case's form values
    (what the clerk confirmed in the app). Duplicate if the Message-ID is already filed
    (checked again here: another clerk, or an earlier email of the same batch)."""
    if p.action == "duplicate":
        raise Duplicate(f"{p.name} was taken in already, on {p.case.ref if p.case else 'a case'}:"
                        " nothing was written.", p.case)
    if p.problems and form is None:
        raise IntakeError(f"{p.name}: {p.problems[0]}")
    limit = documents.limit_bytes()
    for att in p.mail.attachments:
        documents.check_size(att.name, len(att.data), limit)
    who = who or user.current_user()
    mid = p.mail.message_id
    with database.atomic():
        earlier = documents.find_message(mid)
        if earlier is not None:
            case = Case.get_by_id(earlier.case_id)
            raise Duplicate(f"{p.name} was taken in already, on {case.ref}: nothing was "
                            "written.", case)
        created = p.action == "new"
        if created:
            values = p.form_values()
            if form:
                values.update(form)
            case = records.save(p.register(), values)
        elif p.case is not None:
            case = Case.get_by_id(p.case.id)
        elif p.parent is not None and p.parent.taken is not None:
            case = p.parent.taken.case
        else:
            raise IntakeError(f"{p.name} answers {p.parent.name if p.parent else 'an email'}, "
                              "which was not taken in: nothing was written for it.")
        cases.add_step(case.id, "Email received" if created else "Email received (reply)",
                       note=_step_note(p), kind="email", who=who)
        stem = documents.safe_name(Path(p.name).stem, "email")
        filed = [documents.file_document(
            case.id, f"{stem}.eml", p.mail.stored, media_type="message/rfc822", source="email",
            message_id=mid, who=who, limit=limit,
            changes={"original_sha256": [None, p.mail.sha256],
                     "original_size": [None, len(p.mail.raw)]})]
        for att in p.mail.attachments:
            filed.append(documents.file_document(case.id, att.name, att.data,
                                                 media_type=att.media_type, source="attachment",
                                                 who=who, limit=limit))
    p.taken = Result(Case.get_by_id(case.id), created, filed)
    return p.taken


# --- the folders ----------------------------------------------------------------------------

def last_folder() -> Path | None:
    """The folder this clerk last took an email in from (if it is still there): the
    clerk's own state (core/user.py), not the council's, so a shared office's clerks
    each keep theirs and nothing is written to the casebook outside its audit log."""
    value = user.get_state(LAST_FOLDER_KEY)
    if value and Path(value).is_dir():
        return Path(value)
    return None


def remember_folder(folder) -> None:
    user.put_state(LAST_FOLDER_KEY, str(Path(folder).expanduser()))


def intake_folder() -> Path | None:
    row = Council.select(Council.intake_folder).first()
    if row and row.intake_folder and Path(row.intake_folder).expanduser().is_dir():
        return Path(row.intake_folder).expanduser()
    return None


def start_folder() -> Path:
    """Where the file picker opens: the intake folder, else the last one used, else home."""
    return intake_folder() or last_folder() or Path.home()


def waiting(folder=None, *, limit: int = 5000) -> list[Path]:
    """The saved emails in *folder* (default: the council's intake folder) not taken in
    yet, by their Message-ID (only the headers are read)."""
    from email import policy
    from email.parser import BytesHeaderParser

    folder = Path(folder).expanduser() if folder else intake_folder()
    if folder is None or not folder.is_dir():
        return []
    files = sorted(p for p in folder.iterdir()
                   if p.suffix.lower() in EMAIL_SUFFIXES and p.is_file())[:limit]
    ids: dict[str, Path] = {}
    out = []
    parser = BytesHeaderParser(policy=policy.compat32)
    for path in files:
        try:
            with path.open("rb") as fh:
                head = fh.read(64 * 1024)
        except OSError:
            continue
        mid = str(parser.parsebytes(head).get("Message-ID") or "").strip()
        found = re.findall(r"<[^<>\s]+>", mid)
        if found:
            ids[found[0]] = path
        else:
            out.append(path)
    if ids:
        from clerkdesk.models.core.schema import Document

        done: set[str] = set()
        keys = list(ids)
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            done.update(d.message_id for d in Document.select(Document.message_id).where(
                Document.message_id.in_(chunk) & (Document.source == "email")))
        out.extend(path for mid, path in ids.items() if mid not in done)
    return sorted(out)
