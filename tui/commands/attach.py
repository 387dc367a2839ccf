"""`clerkdesk attach REF FILE...`: file documents on a case (their bytes in the casebook,
each with its SHA-256 in the audit log). All the files or none: each is checked (it
exists, it can be read, it is under the council's size limit) before anything is written,
then they are filed in one transaction with one step on the case's timeline. No Textual
here.
"""
from __future__ import annotations

from clerkdesk.tui.commands import CliError
from clerkdesk.tui.commands.check import add_passphrase_option, open_casebook


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "attach",
        help="file documents on a case (kept in the casebook, checked with it)",
        description="File one or more documents on a case: their bytes are kept in the "
                    "casebook (so they are encrypted, backed up and checked with it) and each "
                    "one's SHA-256 goes into the audit log. All the files or none: a file that "
                    "is missing, unreadable or over the council's size limit (Council "
                    "settings, 25 MB unless changed) stops the lot.",
    )
    p.add_argument("ref", metavar="REF", help="the case, e.g. REQ-2026-0042")
    p.add_argument("files", metavar="FILE", nargs="+", help="the files to attach")
    add_passphrase_option(p)


def run(args) -> int:
    from clerkdesk.models.casework import documents
    from clerkdesk.models.core import db

    open_casebook(args, write=True)  # it writes: the automatic backup first
    try:
        case = documents.case_by_ref(args.ref)
        files = [documents.read_file(path) for path in args.files]
        rows = documents.attach(case.id, files)
        for row in rows:
            print(f"{case.ref}  {row.name}  {documents.human_size(row.size)}  "
                  f"SHA-256 {row.sha256[:16]}…")
        print(f"Attached {len(rows)} document{'s' if len(rows) != 1 else ''} to {case.ref}.")
        return 0
    except documents.DocumentError as exc:
        raise CliError(str(exc), 1) from None
    except db.DatabaseError as exc:
        raise CliError(str(exc)) from None
    finally:
        db.close_database()
