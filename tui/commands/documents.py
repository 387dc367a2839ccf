"""`clerkdesk documents REF`: the documents on a case (name, where it came from, size,
when and by whom it was filed); `--extract DIR` writes them into a folder (private files,
never over another: "name (2).pdf" when the name is taken); `--archive ID` / `--restore
ID` takes one out of the list or back (nothing is ever deleted). No Textual here.
"""
from __future__ import annotations

from clerkdesk.tui.commands import CliError
from clerkdesk.tui.commands.check import add_passphrase_option, open_casebook


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "documents",
        help="list a case's documents; --extract DIR writes them out",
        description="List the documents filed on a case. --extract DIR writes each into the "
                    "folder (made if need be), readable by you only; a name already there "
                    "gets a number, nothing is written over. --archive ID takes a document "
                    "off the list (it is kept, never deleted); --restore ID brings it back.",
    )
    p.add_argument("ref", metavar="REF", help="the case, e.g. REQ-2026-0042")
    p.add_argument("--extract", metavar="DIR", help="write the documents into this folder")
    p.add_argument("--archived", action="store_true", help="include archived documents")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--archive", metavar="ID", type=int, help="archive the document with this number")
    group.add_argument("--restore", metavar="ID", type=int, help="restore an archived document")
    add_passphrase_option(p)


def run(args) -> int:
    from clerkdesk.models.casework import documents
    from clerkdesk.models.core import dates, db

    open_casebook(args, write=args.archive is not None or args.restore is not None)
    try:
        case = documents.case_by_ref(args.ref)
        doc_id = args.archive if args.archive is not None else args.restore
        if doc_id is not None:
            row = documents.info(doc_id)
            if row.case_id != case.id:
                raise CliError(f"Document {doc_id} is not on {case.ref}.", 2)
            documents.archive(doc_id, restore=args.restore is not None)
            print(f"{'Restored' if args.restore is not None else 'Archived'} {row.name} on "
                  f"{case.ref}.")
            return 0
        if args.extract:
            paths = documents.extract(case.id, args.extract, archived=args.archived)
            for path in paths:
                print(path)
            print(f"Wrote {len(paths)} document{'s' if len(paths) != 1 else ''} of {case.ref} "
                  f"into {args.extract}.")
            return 0
        rows = documents.documents_of(case.id, archived=args.archived)
        if not rows:
            print(f"{case.ref} has no documents" + ("." if args.archived else
                                                     " (--archived shows archived ones)."))
            return 0
        width = max(len(r.name) for r in rows)
        for r in rows:
            added = r.added_at
            print(f"{r.id:>6}  {r.name:<{width}}  {documents.SOURCES.get(r.source, r.source):<16}  "
                  f"{documents.human_size(r.size):>9}  {dates.fmt(added.date())} "
                  f"{added:%H:%M}  {r.added_by}" + ("  [archived]" if r.archived else ""))
        return 0
    except documents.DocumentError as exc:
        raise CliError(str(exc), 1) from None
    except db.DatabaseError as exc:
        raise CliError(str(exc)) from None
    finally:
        db.close_database()
