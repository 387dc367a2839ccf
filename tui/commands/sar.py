"""`clerkdesk sar "NAME or EMAIL" --out FILE.zip`: a subject-access export (UK GDPR
Art. 15): every record about one person as JSON and CSV, their cases' documents, and a
summary (Markdown and HTML) listing what is included and, for the clerk to redact before
sending, the other people the records name. The export is recorded in the audit log.
No Textual here.
"""
from __future__ import annotations

from clerkdesk.tui.commands import CliError
from clerkdesk.tui.commands.check import add_passphrase_option, open_casebook


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "sar",
        help="subject-access export: everything about one person, in a zip",
        description="Find one person by name or email (members, officers and contacts, "
                    "archived ones too, or someone named in the casework) and write a zip "
                    "of every record about them: their register entry, the cases where they "
                    "are the member, complainant, subject or owner or are named, with the "
                    "steps, tasks, documents and audit entries, as JSON and CSV, and a "
                    "summary of what is included. Other people the records name are listed "
                    "in the summary for you to redact: nothing is removed. The export is "
                    "recorded in the audit log.",
    )
    p.add_argument("person", metavar="NAME_OR_EMAIL", help="whose records")
    p.add_argument("--out", metavar="FILE.zip",
                   help="where to write it (default: sar-NAME-DATE.zip here)")
    p.add_argument("--force", action="store_true", help="write over FILE if it exists")
    add_passphrase_option(p)


def run(args) -> int:
    from pathlib import Path

    from clerkdesk.models.core import db
    from clerkdesk.models.output import sar
    from clerkdesk.models.store import outfile

    open_casebook(args, write=True)  # the export is recorded in the audit log: backup first
    try:
        person = sar.find_person(args.person)
        out = Path(args.out).expanduser() if args.out else Path.cwd() / sar.default_name(person)
        try:
            outfile.check_target(out, replace=args.force)
        except outfile.OutputError as exc:
            hint = " Add --force to replace it." if out.exists() and not out.is_dir() else ""
            raise CliError(f"{exc}{hint}", 1) from None
        done = sar.export(person, out, query=args.person, replace=args.force)
        c = done.collected
        print(f"{done.path}: {person.label}")
        print(f"  {len(c.cases)} case{'s' if len(c.cases) != 1 else ''}, "
              f"{c.count('steps')} steps, {len(c.docs)} documents, "
              f"{c.count('audit')} audit entries")
        if c.redact:
            print(f"  {len(c.redact)} item{'s' if len(c.redact) != 1 else ''} for you to "
                  "redact before sending: see summary.md in the zip")
        print(f"Recorded in the audit log (entry #{done.entry.id}).")
        return 0
    except (sar.SarError, outfile.OutputError) as exc:
        raise CliError(str(exc), 1) from None
    except db.DatabaseError as exc:
        raise CliError(str(exc)) from None
    finally:
        db.close_database()
