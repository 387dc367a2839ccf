"""`clerkdesk retention`: closed complaints past the council's retention period, listed
for review; `--anonymise REF... --yes` (or `--all --yes`) anonymises them, audited.
(The app will get a screen for this later; this is the scriptable face.) No Textual here.
"""
from __future__ import annotations

from clerkdesk.tui.commands import CliError
from clerkdesk.tui.commands.check import add_passphrase_option, open_casebook


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "retention",
        help="list closed complaints past the retention period; anonymise them",
        description="List the closed complaints older than the council's retention period "
                    "(Council settings, default 6 years). With --anonymise REF... or --all, "
                    "and --yes to confirm, replace their names and free text (the statistics "
                    "are kept); each anonymisation is recorded in the audit log.",
    )
    p.add_argument("--anonymise", metavar="REF", nargs="+", help="the complaints to anonymise")
    p.add_argument("--all", action="store_true", help="anonymise every complaint listed")
    p.add_argument("--yes", action="store_true", help="confirm: anonymising cannot be undone")
    add_passphrase_option(p)


def run(args) -> int:
    from clerkdesk.models.casework import retention
    from clerkdesk.models.core import dates, db
    from clerkdesk.models.core.schema import Case

    open_casebook(args)
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
                    raise CliError(f"{exists.ref} is not a closed complaint past the "
                                   f"{retention.retention_years()}-year retention period "
                                   "(or it is already anonymised).", 2)
                wanted.append(case)
        if wanted is None:
            print(f"Retention period: {retention.retention_years()} years (complaints closed "
                  f"before {dates.fmt(retention.cutoff())}).")
            if not due:
                print("No closed complaint is past the retention period.")
            for c in due:
                print(f"{c.ref}  closed {dates.fmt(c.closed_on)}  {c.kind}  {c.subject}")
            return 0
        if not args.yes:
            raise CliError(f"Anonymising {len(wanted)} complaint(s) cannot be undone: add --yes "
                           "to confirm.", 2)
        entries = (retention.anonymise_due() if args.all
                   else [retention.anonymise(c.id) for c in wanted])
        refs = {c.id: c.ref for c in wanted}
        for entry in entries:
            print(f"Anonymised {refs.get(entry.row_id) or Case.get_by_id(entry.row_id).ref}")
        return 0
    except (db.DatabaseError, retention.RetentionError) as exc:
        raise CliError(str(exc)) from None
    finally:
        db.close_database()
