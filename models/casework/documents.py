"""Documents on a case: an email taken in, its attachments, a letter sent, a file the
clerk attached. Their bytes are kept in the casebook itself (`Document.data`), so they are
encrypted, backed up, copied to PostgreSQL and checked with it: each document's row
digest, which covers its bytes, goes into its audit entry (`chain.ATTESTED`), so `check`
finds a document altered or removed behind clerkdesk's back.

Lists never read the bytes (`LIST_COLUMNS`); `data_of` reads one document's bytes and
refuses them if they no longer match their SHA-256. Nothing is deleted: a document is
archived (and restored). Every write is one transaction with its audit entries. No
Textual here.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

from clerkdesk.models.casework import cases, privacy
from clerkdesk.models.core import dates, user
from clerkdesk.models.core.db import database
from clerkdesk.models.core.schema import Case, Council, Document
from clerkdesk.models.store import audit, outfile

#: the size limit of one file when the council has not set one (MB)
DEFAULT_LIMIT_MB = 25

#: where a document came from, as the lists say it
SOURCES = {
    "attached": "attached",
    "email": "email",
    "attachment": "email attachment",
    "letter": "letter",
}

#: what a list reads of a document: everything but the bytes
LIST_COLUMNS = (Document.id, Document.case, Document.name, Document.media_type, Document.size,
                Document.sha256, Document.source, Document.message_id, Document.added_by,
                Document.added_at, Document.archived, Document.version)


class DocumentError(Exception):
    """Why a document cannot be filed, read or written, as a sentence for the clerk."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def limit_mb() -> int:
    row = Council.select(Council.document_limit_mb).first()
    return row.document_limit_mb if row and row.document_limit_mb else DEFAULT_LIMIT_MB


def limit_bytes() -> int:
    return limit_mb() * 1024 * 1024


def human_size(n: int) -> str:
    """1 byte, 340 bytes, 12 KB, 1.2 MB, 25 MB."""
    if n < 1024:
        return f"{n} byte{'s' if n != 1 else ''}"
    if n < 1024 * 1024:
        return f"{max(1, round(n / 1024))} KB"
    mb = n / (1024 * 1024)
    return f"{mb:.1f} MB" if mb < 10 else f"{round(mb)} MB"


def check_size(name: str, size: int, limit: int | None = None) -> None:
    """DocumentError when one file of *size* bytes is over the council's limit."""
    limit = limit_bytes() if limit is None else limit
    if size > limit:
        raise DocumentError(
            f"{name} is {human_size(size)}, over the {human_size(limit)} limit for one "
            "document (Council settings: Largest document on a case): nothing was filed.")


_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')


def safe_name(name: str, fallback: str = "document") -> str:
    """A file name safe to write anywhere: no folders, no control characters, no names
    Windows refuses; at most 150 characters (the extension kept)."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" .")
    if not name or set(name) <= {"_"}:
        name = fallback
    stem, suffix = Path(name).stem, Path(name).suffix
    if len(suffix) > 12:
        stem, suffix = name, ""
    if stem.upper() in {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                        *(f"LPT{i}" for i in range(1, 10))}:
        stem = "_" + stem
    return stem[: 150 - len(suffix)] + suffix


def media_type_for(name: str) -> str:
    import mimetypes

    guessed, _ = mimetypes.guess_type(name, strict=False)
    if not guessed and name.lower().endswith(".eml"):
        guessed = "message/rfc822"
    return guessed or "application/octet-stream"


# --- filing ----------------------------------------------------------------------------------

def file_document(case_id: int, name: str, data: bytes, *, media_type: str | None = None,
                  source: str = "attached", message_id: str | None = None,
                  who: str | None = None, changes: dict | None = None,
                  limit: int | None = None) -> Document:
    """File *data* on the case as a document, with its audit entry (in the caller's
    transaction, or one of its own). *changes* adds to what the entry records; *limit*
    is the size limit when the caller has read it already."""
    if source not in SOURCES:
        raise DocumentError(f"Unknown document source {source}.")
    data = bytes(data)
    name = safe_name(name)
    check_size(name, len(data), limit)
    media_type = media_type or media_type_for(name)
    digest = sha256(data)
    who = who or user.current_user()
    with database.atomic():
        row = Document.create(case=case_id, name=name, media_type=media_type, size=len(data),
                              sha256=digest, source=source, message_id=message_id,
                              added_by=who, data=data)
        logged = {"case": [None, case_id], "name": [None, name], "media_type": [None, media_type],
                  "size": [None, len(data)], "sha256": [None, digest], "source": [None, source]}
        if message_id:
            logged["message_id"] = [None, message_id]
        logged.update(changes or {})
        audit.record("create", "document", row.id, logged, who=who)
    return row


def read_file(path) -> tuple[str, bytes]:
    """(name, bytes) of a file to attach, refused with a sentence when it is not a file,
    cannot be read, or is over the size limit (checked before it is read)."""
    path = Path(path).expanduser()
    if path.is_dir():
        raise DocumentError(f"{path} is a folder: give the files in it.")
    if not path.exists():
        raise DocumentError(f"There is no file {path}.")
    try:
        size = path.stat().st_size
        check_size(path.name, size)
        with path.open("rb") as fh:
            data = fh.read(size + 1)
    except PermissionError:
        raise DocumentError(f"{path} cannot be read: check its permissions.") from None
    except OSError as exc:
        raise DocumentError(f"{path} cannot be read: {exc.strerror or exc}.") from None
    check_size(path.name, len(data))
    return path.name, data


def case_by_ref(ref: str) -> Case:
    """The case with reference *ref* (any case), or DocumentError."""
    text = (ref or "").strip().upper()
    case = Case.get_or_none(Case.ref == text)
    if case is None:
        raise DocumentError(f"There is no case {ref}.")
    return case


def attach(case_id: int, files: list[tuple[str, bytes]], *, who: str | None = None) -> list[Document]:
    """File several (name, bytes) on one case, all or none, with one timeline step."""
    if not files:
        raise DocumentError("Give at least one file to attach.")
    limit = limit_bytes()
    for name, data in files:
        check_size(name, len(data), limit)
    who = who or user.current_user()
    with database.atomic():
        case = Case.get_by_id(case_id)
        if case.archived:
            raise DocumentError(f"{case.ref} is archived: restore it before attaching to it.")
        rows = [file_document(case_id, name, data, who=who, limit=limit) for name, data in files]
        # (the names go in the note: meeting mode shows a private case's actions, not notes)
        cases.add_step(case_id, f"{len(rows)} document{'s' if len(rows) != 1 else ''} added",
                       note="\n".join(f"{r.name} ({human_size(r.size)}, SHA-256 {r.sha256[:16]}…)"
                                      for r in rows),
                       kind="document", who=who)
    return rows


# --- reading -------------------------------------------------------------------------------

def documents_of(case_id: int, *, archived: bool = False) -> list[Document]:
    """The case's documents, oldest first, without their bytes."""
    q = Document.select(*LIST_COLUMNS).where(Document.case == case_id)
    if not archived:
        q = q.where(Document.archived == False)  # noqa: E712
    return list(q.order_by(Document.added_at, Document.id))


def info(doc_id: int) -> Document:
    row = Document.select(*LIST_COLUMNS).where(Document.id == doc_id).first()
    if row is None:
        raise DocumentError(f"There is no document {doc_id}.")
    return row


def find_message(message_id: str) -> Document | None:
    """The email taken in with this Message-ID (archived or not), without its bytes."""
    if not message_id:
        return None
    return (Document.select(*LIST_COLUMNS)
            .where((Document.message_id == message_id) & (Document.source == "email"))
            .order_by(Document.id).first())


def data_of(doc_id: int) -> bytes:
    """One document's bytes, refused if they no longer match the SHA-256 filed with them."""
    row = Document.select(Document.id, Document.name, Document.sha256, Document.data).where(
        Document.id == doc_id).first()
    if row is None:
        raise DocumentError(f"There is no document {doc_id}.")
    data = bytes(row.data or b"")
    if sha256(data) != row.sha256:
        raise DocumentError(f"{row.name} no longer matches the fingerprint it was filed with: "
                            "it was changed behind clerkdesk's back (clerkdesk check names it).")
    return data


def label(doc: Document, case: Case, *, meeting_mode: bool = False) -> str:
    """A document's name as a screen may show it (hidden in meeting mode when the case
    is private: privacy.py decides)."""
    return privacy.document_name(doc.name, case.type, case.confidential, meeting_mode)


def describe(doc: Document) -> str:
    return (f"{doc.name}  ({SOURCES.get(doc.source, doc.source)}, {human_size(doc.size)}, "
            f"{dates.fmt(doc.added_at.date() if hasattr(doc.added_at, 'date') else doc.added_at)})")


def detail_lines(case: Case) -> list[str]:
    """The Documents section of a case's detail: one line a document (d opens the list)."""
    return [describe(d) for d in documents_of(case.id)]


# --- archive ---------------------------------------------------------------------------------

def archive(doc_id: int, *, restore: bool = False, who: str | None = None) -> Document:
    """Archive (or restore) a document: it leaves the lists, its bytes stay."""
    who = who or user.current_user()
    with database.atomic():
        row = info(doc_id)
        if bool(row.archived) == (not restore):
            return row
        Document.update(archived=not restore, version=Document.version + 1).where(
            Document.id == doc_id).execute()
        audit.record("restore" if restore else "archive", "document", doc_id,
                     {"archived": [restore, not restore]}, who=who)
        case = Case.get_by_id(row.case_id)
        cases.add_step(case.id, f"Document {'restored' if restore else 'archived'}",
                       note=row.name, kind="document", who=who)
    return info(doc_id)


# --- out of the casebook ----------------------------------------------------------------------

def save_copy(doc_id: int, path, *, replace: bool = False) -> Path:
    """Write one document's bytes to *path* (private, never half-written)."""
    data = data_of(doc_id)
    try:
        return outfile.write_output(path, data, replace=replace)
    except outfile.OutputError as exc:
        raise DocumentError(str(exc)) from None


def extract(case_id: int, folder, *, archived: bool = False) -> list[Path]:
    """Write each of the case's documents into *folder* under its own name ("name (2)"
    when two share one, or a file of that name is there already); returns the paths."""
    folder = Path(folder).expanduser()
    if folder.exists() and not folder.is_dir():
        raise DocumentError(f"{folder} is a file, not a folder.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DocumentError(f"The folder {folder} cannot be made: {exc.strerror or exc}.") from None
    written = []
    for doc in documents_of(case_id, archived=archived):
        written.append(save_copy(doc.id, outfile.free_name(folder, doc.name)))
    return written
