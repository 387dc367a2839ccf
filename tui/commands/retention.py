"""`clerkdesk retention`: closed cases (requests and complaints) past the council's
retention period, listed for review; `--anonymise REF... --yes` (or `--all --yes`)
anonymises them, their documents included, audited. (The app's face is the palette's
"Retention": the same list, anonymising with a confirmation.) No Textual here.
"""
from __future__ import annotations

from clerkdesk.tui.commands import CliError, say
from clerkdesk.tui.commands.check import (
    add_passphrase_option,
    backup_warning,
    open_casebook,
    passphrase,
)


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "retention",
        help="list closed cases past the retention period; anonymise them",
        description="List the closed requests and complaints older than the council's "
                    "retention period (Council settings, default 6 years). With --anonymise "
                    "REF... or --all, and --yes to confirm, replace their names and free text "
                    "and empty their documents (the statistics are kept); each "
                    "anonymisation is recorded in the audit log.",
    )
    p.add_argument("--anonymise", metavar="REF", nargs="+", help="the cases to anonymise")
    p.add_argument("--all", action="store_true", help="anonymise every case listed")
    p.add_argument("--yes", action="store_true", help="confirm: anonymising cannot be undone")
    p.add_argument("--purge-backups", action="store_true",
                   help="after anonymising, take a fresh backup and delete every older one in "
                        "backups/ (they still hold the text that was anonymised)")
    add_passphrase_option(p)


def run(args) -> int:
    from clerkdesk.models.casework import retention
    from clerkdesk.models.core import dates, db
    from clerkdesk.models.core.schema import Case

    writes = bool(args.yes and (args.all or args.anonymise))
    path = open_casebook(args, write=writes)
    try:
        due = retention.due_for_review()
        wanted = None
        if args.all:
            wanted = due
        elif args.anonymise:
            by_ref = {c.ref.upper(): c for c in due}
            wanted = []
            for ref in args.anonymise:
                case = by_ref.get(ref.upper())
                if case is None:
                    exists = Case.get_or_none(Case.ref == ref.upper())
                    if exists is None:
                        raise CliError(f"There is no case {ref}.", 2)
                    raise CliError(f"{exists.ref} is not a closed case past the "
                                   f"{retention.retention_years()}-year retention period "
                                   "(or it is already anonymised).", 2)
                wanted.append(case)
        if wanted is None and args.purge_backups:
            _old_backups(args, path, True)
            return 0
        if wanted is None:
            say(f"Retention period: {retention.retention_years()} years (cases closed "
                  f"before {dates.fmt(retention.cutoff())}).")
            if not due:
                say("No closed case is past the retention period.")
            docs = retention.documents_count(c.id for c in due)
            for c in due:
                n = docs.get(c.id, 0)
                say(f"{c.ref}  closed {dates.fmt(c.closed_on)}  {c.kind}  {c.subject}"
                    + (f"  ({n} document{'s' if n != 1 else ''})" if n else ""))
            return 0
        if not args.yes:
            raise CliError(f"Anonymising {len(wanted)} case(s) cannot be undone: add --yes "
                           "to confirm.", 2)
        entries = (retention.anonymise_due() if args.all
                   else [retention.anonymise(c.id) for c in wanted])
        refs = {c.id: c.ref for c in wanted}
        for entry in entries:
            say(f"Anonymised {refs.get(entry.row_id) or Case.get_by_id(entry.row_id).ref}")
        backup_warning()
        _old_backups(args, path, bool(entries))
        return 0
    except (db.DatabaseError, retention.RetentionError) as exc:
        raise CliError(str(exc)) from None
    finally:
        db.close_database()


def _old_backups(args, path, anonymised: bool) -> None:
    """The backups taken before anonymising still hold the old text: purge them (with
    --purge-backups), or say how many there are and how to."""
    from clerkdesk.models.store import backend, backup

    if backend.is_url(path) or not anonymised:
        return
    older = backup.all_backups(path)
    if args.purge_backups:
        fresh, gone = backup.purge_older(path, passphrase=passphrase(args))
        say(f"Deleted {len(gone)} older backup{'s' if len(gone) != 1 else ''} that held the "
            f"anonymised text; the casebook as it is now is backed up as {fresh}.")
    elif older:
        say(f"{len(older)} backup{'s' if len(older) != 1 else ''} in {backup.backup_dir(path)} "
            "still hold the text just anonymised: run `clerkdesk retention --purge-backups` "
            "to delete them (a fresh backup is taken first). Copies kept elsewhere are yours "
            "to delete.")
