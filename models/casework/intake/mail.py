"""Reading a saved email (.eml) with the standard library's `email` (policy.default):
the sender, subject, date and Message-ID, the text (an HTML-only mail turned into text),
the attachments, and an email forwarded to the clerk (inline or as an attachment).

Everything that is not an email clerkdesk can take in is refused with one sentence
(`IntakeError`): a file that is not an email at all, an Outlook .msg, a mailbox of many,
Outlook's winmail.dat, text in a character set Python does not know, no sender, no text.
Nothing here touches the database. No Textual here.
"""
from __future__ import annotations

import binascii
import codecs
import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

from clerkdesk.models.casework.intake.html_text import html_to_text


class _Headers(HeaderRegistry):
    """The standard header registry, but each header's class is made once, not at every
    header read (the registry builds a new class each time: a quarter of reading an
    email went on it)."""

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type] = {}

    def __getitem__(self, name):
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = super().__getitem__(name)
        return made


#: policy.default with the registry above; what every email is read with
POLICY = policy.default.clone(header_factory=_Headers())


class IntakeError(Exception):
    """Why a file cannot be taken in, as one sentence for the clerk."""


@dataclass
class Attachment:
    name: str
    media_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class Mail:
    """One email as clerkdesk reads it."""

    name: str  # the file's name
    raw: bytes  # the file as it is
    sender_name: str
    sender_email: str
    subject: str
    date: dt.datetime | None  # local time, naive
    message_id: str
    references: list[str]  # In-Reply-To and References, oldest first
    body: str
    html_only: bool = False
    attachments: list[Attachment] = field(default_factory=list)
    #: an email forwarded inside this one (the member's own, sent on by the clerk)
    forwarded: "Mail | None" = None
    #: sentences about how the mail was read (a charset guessed...)
    notes: list[str] = field(default_factory=list)
    #: the message as it is filed on the case: its attachments are filed as documents of
    #: their own, so here each is replaced by a line naming it and its SHA-256
    stored: bytes = b""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()

    @property
    def sender(self) -> str:
        return f"{self.sender_name} <{self.sender_email}>" if self.sender_name else self.sender_email


#: the first bytes of files that are certainly not a saved email: (magic, what it is)
_NOT_EMAIL = [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Outlook .msg file, not a saved email (.eml): "
     "save it as .eml (Outlook on the web: Download; or drag it from Thunderbird or Apple "
     "Mail) and take that in"),
    (b"\x78\x9f\x3e\x22", "Outlook's winmail.dat (TNEF), not an email"),
    (b"%PDF", "a PDF, not an email: attach it to a case with `clerkdesk attach REF FILE`"),
    (b"PK\x03\x04", "a zip or Office document, not an email: attach it to a case with "
     "`clerkdesk attach REF FILE`"),
    (b"\x89PNG", "a picture, not an email"),
    (b"\xff\xd8\xff", "a picture, not an email"),
    (b"SQLite format 3", "a database, not an email"),
]

_HEADER_LINE = re.compile(rb"^[!-9;-~]+:")

_TNEF_TYPES = {"application/ms-tnef", "application/vnd.ms-tnef"}


def read_mail(data: bytes, name: str = "email.eml") -> Mail:
    """Read one saved email; IntakeError (one sentence) for anything that is not one
    clerkdesk can take in."""
    if not data.strip():
        raise IntakeError(f"{name} is empty: it is not an email.")
    head = data[:16]
    for magic, what in _NOT_EMAIL:
        if head.startswith(magic):
            raise IntakeError(f"{name} is {what}.")
    if b"\x00" in data[:8192]:
        raise IntakeError(f"{name} is not an email (it is a binary file): save the email "
                          "from your mail program as .eml and try again.")
    if data.startswith(b"From "):  # one message saved from an mbox: its separator line
        first_end = data.find(b"\n")
        if re.search(rb"\r?\n\r?\nFrom \S+ ", data):
            raise IntakeError(f"{name} is a mailbox holding several emails: save each one "
                              "as its own .eml file and take them in together.")
        data = data[first_end + 1:]
    first = data.lstrip(b"\r\n").split(b"\n", 1)[0]
    if not _HEADER_LINE.match(first):
        raise IntakeError(f"{name} is not an email (it does not start with mail headers "
                          "such as From: and Subject:): save the email from your mail "
                          "program as .eml and try again.")
    msg = BytesParser(policy=POLICY).parsebytes(data)
    if msg.get("From") is None or not any(msg.get(h) is not None for h in
                                          ("Date", "Message-ID", "Subject", "To")):
        raise IntakeError(f"{name} is not an email (it has no From, Date or Subject "
                          "headers): save the email from your mail program as .eml and "
                          "try again.")
    mail = _read_message(msg, name, data)
    mail.raw = data
    return mail


#: an email larger than this is read in a child process by `read_mail_apart`
APART_OVER = 4 * 1024 * 1024


def read_mail_apart(data: bytes, name: str = "email.eml") -> Mail:
    """`read_mail` in a child Python process, for a large email read while the app runs:
    the standard library's parser holds the interpreter for long stretches on a big
    part (one regular-expression search over a 34 MB attachment took 0.3 s), which in a
    thread of the app's own process would stop the screen for as long. A small email,
    or a child that cannot start, is read here."""
    import os
    import pickle
    import subprocess
    import sys

    if len(data) <= APART_OVER:
        return read_mail(data, name)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    try:
        done = subprocess.run([sys.executable, "-c", _CHILD, name], input=data,
                              capture_output=True, env=env, timeout=600)
        kind, value = pickle.loads(done.stdout) if done.returncode == 0 else (None, None)
    except (OSError, subprocess.SubprocessError, pickle.UnpicklingError, EOFError, ValueError):
        kind, value = None, None
    if kind == "mail":
        return value
    if kind == "refused":
        raise IntakeError(value)
    return read_mail(data, name)  # no child: read it here after all


#: what the child process runs: this module imported by its own name (not run as
#: __main__), so the Mail it pickles is the parent's class
_CHILD = ("import sys; from clerkdesk.models.casework.intake import mail; "
          "sys.exit(mail._child())")


def _child() -> int:
    """In the child (`_CHILD`), NAME in argv and the email on stdin: the Mail, pickled."""
    import pickle
    import sys

    data = sys.stdin.buffer.read()
    try:
        out = ("mail", read_mail(data, sys.argv[1]))
    except IntakeError as exc:
        out = ("refused", str(exc))
    sys.stdout.buffer.write(pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL))
    return 0


def _read_message(msg: EmailMessage, name: str, raw: bytes) -> Mail:
    sender_name, sender_email = _sender(msg, name)
    subject = _header(msg, "Subject")
    date = _date(msg)
    message_id = _header(msg, "Message-ID").strip()
    if not re.fullmatch(r"<[^<>\s]+>", message_id or ""):
        ids = re.findall(r"<[^<>\s]+>", message_id or "")
        message_id = ids[0] if ids else ""
    if not message_id:  # none given: one made from the file itself, so it is still found twice
        message_id = f"<sha256.{hashlib.sha256(raw).hexdigest()[:40]}@clerkdesk.invalid>"
    references = re.findall(r"<[^<>\s]+>", _header(msg, "References") + " "
                            + _header(msg, "In-Reply-To"))
    for part in msg.walk():
        if part.get_content_type() in _TNEF_TYPES or \
                (part.get_filename() or "").lower() == "winmail.dat":
            raise IntakeError(f"{name} carries its attachments in winmail.dat (Outlook's "
                              "own format), which clerkdesk cannot open: ask the sender to "
                              "send it again as ordinary attachments (or save them from "
                              "Outlook and add them with `clerkdesk attach`).")
    notes: list[str] = []
    body_part = msg.get_body(preferencelist=("plain", "html"))
    body, html_only = "", False
    if body_part is not None:
        text = _text_of(body_part, name, notes)
        if body_part.get_content_type() == "text/html":
            body, html_only = html_to_text(text), True
        else:
            body = text
    body = _tidy(body)
    attachments, forwarded_parts = _attachments(msg, body_part, name, notes)
    mail = Mail(name=name, raw=raw, sender_name=sender_name, sender_email=sender_email,
                subject=subject, date=date, message_id=message_id, references=references,
                body=body, html_only=html_only, attachments=attachments, notes=notes)
    if html_only:
        notes.append("it had no plain text: its HTML was turned into text")
    fwd = mail.forwarded = _forwarded(forwarded_parts, mail, name)
    if fwd is not None and fwd.raw:  # forwarded as an attachment: filed as its own email,
        for att in attachments:       # its attachments as documents beside it
            if att.media_type == "message/rfc822" and att.data == fwd.raw:
                att.data = fwd.stored
                if fwd.subject:
                    att.name = _file_name(f"{fwd.subject}.eml", att.name)
                break
    mail.stored = _stored(msg, raw, attachments, body_part)
    if fwd is not None and fwd.raw:
        mail.attachments = attachments + fwd.attachments
    return mail


_C1 = re.compile("[\x80-\x9f]")


def _windows_latin(text: str) -> str:
    """Text read as ISO-8859-1 that holds C1 control characters was Windows-1252 (as
    mail programs and browsers treat it): its dashes, quotes and euro signs back."""
    if not _C1.search(text):
        return text
    try:
        return text.encode("latin-1").decode("cp1252")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return _C1.sub("", text)


def _header(msg, name: str) -> str:
    value = msg.get(name)
    if value is None:
        return ""
    text = _windows_latin(str(value))
    if any("\udc80" <= ch <= "\udcff" for ch in text):  # 8-bit bytes in a header
        raw = text.encode("utf-8", "surrogateescape")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", "replace")
    return " ".join(text.split())


def _sender(msg, name: str) -> tuple[str, str]:
    header = msg.get("From")
    try:
        addresses = list(getattr(header, "addresses", ()) or ())
    except Exception:  # a From line the parser could not make sense of
        addresses = []
    if addresses and addresses[0].addr_spec and "@" in addresses[0].addr_spec:
        return addresses[0].display_name or "", addresses[0].addr_spec.lower()
    display, addr = parseaddr(_header(msg, "From"))
    if not addr or "@" not in addr:
        raise IntakeError(f"{name} has no sender address in its From line, so nobody can be "
                          "matched to it.")
    return display, addr.lower()


def _date(msg) -> dt.datetime | None:
    header = msg.get("Date")
    when = getattr(header, "datetime", None) if header is not None else None
    if when is None and header is not None:
        try:
            when = parsedate_to_datetime(str(header))
        except (TypeError, ValueError, IndexError):
            when = None
    return _local(when)


def _local(when: dt.datetime | None) -> dt.datetime | None:
    if when is None:
        return None
    if when.tzinfo is not None:
        when = when.astimezone().replace(tzinfo=None)
    return when.replace(microsecond=0)


def _text_of(part, name: str, notes: list[str]) -> str:
    """A text part's words, in the character set it declares; a mislabelled UTF-8 or
    Windows text is read as what it is; an unknown character set is refused."""
    payload = part.get_payload(decode=True) or b""
    declared = (part.get_content_charset() or "us-ascii").strip().lower()
    try:
        codecs.lookup(declared)
        known = True
    except LookupError:
        known = False
    if known:
        try:
            return _windows_latin(payload.decode(declared))
        except UnicodeDecodeError:
            pass
    for fallback in ("utf-8", "cp1252"):
        if fallback == declared:
            continue
        if not known and fallback == "cp1252":
            break  # an unknown charset is not guessed at beyond UTF-8
        try:
            text = payload.decode(fallback)
        except UnicodeDecodeError:
            continue
        notes.append(f"its text said it was {declared} but was {fallback}: read as {fallback}")
        return text
    if not known:
        raise IntakeError(f"{name} is written in the character set '{declared}', which "
                          "clerkdesk cannot read: save it again from your mail program "
                          "(as UTF-8, if it asks) and try again.")
    raise IntakeError(f"{name} has text that is not valid {declared} as it says: save it "
                      "again from your mail program and try again.")


def _tidy(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    lines = [ln.rstrip() for ln in text.split("\n")]
    out: list[str] = []
    for ln in lines:
        if not ln and out and not out[-1]:
            continue
        out.append(ln)
    return "\n".join(out).strip()


def _alternatives(msg: EmailMessage, body_part) -> set[int]:
    """The ids of the body's other renderings: the text parts of the multipart/alternative
    that holds the body (its HTML beside the plain text), which are not attachments."""
    out: set[int] = set()
    if body_part is None:
        return out
    for part in msg.walk():
        if part.get_content_type() == "multipart/alternative" and any(
                p is body_part for p in part.iter_parts()):
            out.update(id(p) for p in part.iter_parts() if p.get_content_maintype() == "text")
    return out


def _attachments(msg: EmailMessage, body_part, name: str, notes: list[str]):
    """(attachments, forwarded message parts): every leaf that is not the body (or its
    other rendering in a multipart/alternative), and each message/rfc822 part."""
    alternatives = _alternatives(msg, body_part)
    out: list[Attachment] = []
    forwarded = []
    counter = 0

    def visit(part) -> None:
        nonlocal counter
        if part is body_part or id(part) in alternatives:
            return
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            inner = part.get_payload(0) if part.is_multipart() else None
            inner_bytes = inner.as_bytes(policy=policy.SMTP) if inner is not None else b""
            forwarded.append((inner, inner_bytes))
            counter += 1
            fname = part.get_filename() or f"forwarded-{counter}.eml"
            out.append(Attachment(_file_name(fname, "forwarded.eml"), "message/rfc822",
                                  inner_bytes))
            return
        if part.is_multipart():
            for sub in part.iter_parts():
                visit(sub)
            return
        disposition = part.get_content_disposition()
        filename = part.get_filename()
        if ctype in ("text/plain", "text/html") and not filename and disposition != "attachment":
            # a second text part (a signature, a footer a list server adds): its words go
            # with the body rather than becoming a document
            return
        data = _payload(part)
        counter += 1
        extension = {"text/plain": ".txt", "text/html": ".html", "image/png": ".png",
                     "image/jpeg": ".jpg", "image/gif": ".gif", "application/pdf": ".pdf"}
        fallback = f"attachment-{counter}{extension.get(ctype, '')}"
        out.append(Attachment(_file_name(filename or fallback, fallback), ctype, data))

    for part in (msg.iter_parts() if msg.is_multipart() else [msg]):
        visit(part)
    return out, forwarded


def _file_name(name: str, fallback: str) -> str:
    name = " ".join(str(name).split())
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name or fallback


# --- forwarded mail ---------------------------------------------------------------------------

_FORWARD_MARK = re.compile(
    r"^\s*(?:-{2,}\s*(?:Forwarded message|Original Message|Forwarded Message)\s*-{2,}"
    r"|Begin forwarded message:)\s*$", re.IGNORECASE | re.MULTILINE)

_FWD_HEADER = re.compile(r"^\s*(From|Date|Sent|Subject|To|Cc)\s*:\s*(.*)$", re.IGNORECASE)


def _forwarded(parts, outer: Mail, name: str) -> Mail | None:
    """The email forwarded inside *outer*: a message/rfc822 attachment, else a
    "Forwarded message" block in the text (Gmail, Outlook, Apple Mail)."""
    for inner, inner_bytes in parts:
        if inner is None or inner.get("From") is None:
            continue
        try:
            mail = _read_message(inner, name, inner_bytes)
        except IntakeError:
            continue
        mail.raw = inner_bytes
        return mail
    match = _FORWARD_MARK.search(outer.body)
    if not match:
        return None
    block = outer.body[match.end():].lstrip("\n").split("\n")
    headers: dict[str, str] = {}
    i = 0
    while i < len(block):
        line = block[i]
        m = _FWD_HEADER.match(line)
        if m:
            headers[m.group(1).lower()] = m.group(2).strip()
            i += 1
            continue
        if not line.strip() and headers:
            break
        if headers:  # a header continued on the next line
            break
        i += 1
    if "from" not in headers:
        return None
    pairs = getaddresses([headers["from"].replace("mailto:", "")])
    display, addr = pairs[0] if pairs else ("", "")
    if "@" not in addr:  # Outlook: "From: Cllr X" with the address in brackets or not at all
        m = re.search(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", headers["from"])
        addr = m.group(0) if m else ""
        display = re.sub(r"[<\[(].*$", "", headers["from"]).strip().strip('"')
    if "@" not in addr:
        return None
    when = _parse_loose_date(headers.get("date") or headers.get("sent") or "")
    body = _tidy("\n".join(block[i:]))
    return Mail(name=name, raw=b"", sender_name=display.strip().strip('"'),
                sender_email=addr.lower(), subject=" ".join(headers.get("subject", "").split()),
                date=when, message_id=outer.message_id, references=[], body=body)


def _parse_loose_date(text: str) -> dt.datetime | None:
    text = text.strip()
    if not text:
        return None
    try:
        return _local(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        pass
    try:
        from dateutil import parser as dparser

        return _local(dparser.parse(text.replace(" at ", " "), dayfirst=True, fuzzy=True))
    except (ValueError, OverflowError):
        return None


# --- the message as filed ------------------------------------------------------------------

def _stored(msg: EmailMessage, raw: bytes, attachments: list[Attachment], body_part) -> bytes:
    """The message as it goes on the case: as it came when it has no attachments; else
    with each attachment replaced by a line naming the document it became (the
    attachments are filed once, as documents of their own). *msg* is changed in place:
    everything has been read from it by now."""
    if not attachments:
        return raw
    try:
        _replace_parts(msg, body_part, iter(attachments))
        return msg.as_bytes(policy=policy.SMTP)
    except Exception:  # a message the library cannot write back: keep it as it came
        return raw


def _payload(part) -> bytes:
    """A part's bytes. A large base64 part is decoded a slice at a time: one call over
    34 MB of base64 held the interpreter (and so the app's screen) for 0.2 s."""
    cte = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    if cte == "base64" and not part.is_multipart():
        text = part.get_payload(decode=False)
        if isinstance(text, str) and len(text) > _SLICE:
            try:
                return _b64_in_slices(text)
            except (binascii.Error, ValueError):
                pass
    return part.get_payload(decode=True) or b""


_SLICE = 1 << 20


def _b64_in_slices(text: str) -> bytes:
    out = []
    start, n = 0, len(text)
    while start < n:
        end = min(n, start + _SLICE)
        if end < n:
            cut = text.rfind("\n", start, end)
            end = cut + 1 if cut > start else end
        chunk = text[start:end].encode("ascii", "ignore")
        out.append(binascii.a2b_base64(chunk))
        start = end
    return b"".join(out)


def _replace_parts(msg, body_part, attachments) -> None:
    alternatives = _alternatives(msg, body_part)

    def visit(part) -> None:
        if part is body_part or id(part) in alternatives:
            return
        ctype = part.get_content_type()
        if ctype != "message/rfc822" and part.is_multipart():
            for sub in part.iter_parts():
                visit(sub)
            return
        filename = part.get_filename()
        if ctype in ("text/plain", "text/html") and not filename and \
                part.get_content_disposition() != "attachment":
            return
        att = next(attachments, None)
        if att is None:
            return
        note = (f"[{att.name} ({len(att.data):,} bytes, SHA-256 {att.sha256}) is filed on the "
                "case as a document of its own.]\n")
        part.clear_content()
        part.set_content(note, disposition="attachment", filename=att.name + ".txt")

    for part in (msg.iter_parts() if msg.is_multipart() else []):
        visit(part)
