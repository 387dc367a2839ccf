"""`clerkdesk import REGISTER FILE.csv [--yes]`: add members, officers, wards (or contacts,
party groups) from a CSV file kept in a spreadsheet.

Always shows the preview first: the rows read, and every problem line by line ("line 7:
Term ends: The term cannot end before it starts."). Writes only with --yes, and only if
every row is right, all in one transaction (each record with its audit entry). Exit 1
with the errors otherwise. (The module is importcsv because `import` is a Python keyword;
the subcommand is `import`.) No Textual here.
"""
from __future__ import annotations

from clerkdesk.tui.commands import CliError, say
from clerkdesk.tui.commands.check import add_passphrase_option, backup_warning, open_casebook

#: rows of the preview printed before "... and N more"
SHOWN = 25


def add_parser(subparsers) -> None:
    from clerkdesk.models.output.csv_exchange import IMPORTABLE, MAX_ROWS

    p = subparsers.add_parser(
        "import",
        help="add members, officers or wards from a CSV or .xlsx file (preview; --yes to write)",
        description="Read a CSV file (UTF-8) or an .xlsx workbook's sheet (first line = column "
                    "headings matching the form's labels, e.g. Name, Ward, Party group, Roles, "
                    "Term starts, Term ends) and show what would be added and every problem, line by line. Nothing is "
                    "written unless you add --yes and every row is right; then all rows are "
                    f"added in one go. An import only adds (at most {MAX_ROWS:,} rows): names "
                    "already in the register are errors. Wards, party groups and line "
                    "managers are given by name and must exist already.",
    )
    p.add_argument("register", metavar="REGISTER", choices=list(IMPORTABLE),
                   help="one of: " + ", ".join(IMPORTABLE))
    p.add_argument("file", metavar="FILE", help="the CSV file, or an Excel workbook (.xlsx)")
    p.add_argument("--sheet", metavar="NAME", help="the workbook's sheet (default: the first)")
    p.add_argument("--yes", action="store_true", help="write the rows if every one is right")
    add_passphrase_option(p)
    p.set_defaults(command="importcsv")


def run(args) -> int:
    from clerkdesk.models.core import db
    from clerkdesk.models.output import csv_exchange

    open_casebook(args, write=args.yes)
    try:
        preview = csv_exchange.preview_import(args.register, args.file, sheet=args.sheet)
        say(preview.summary())
        if preview.columns:
            say("Columns: " + ", ".join(s.label for s in preview.columns))
        if preview.ignored:
            say("Ignored columns (not fields of this register): " + ", ".join(preview.ignored))
        for row in preview.rows[:SHOWN]:
            mark = "ok " if row.ok else "ERR"
            say(f"  line {row.line:>5}  {mark}  {_cut(row.name or '(no name)', 60)}")
        if len(preview.rows) > SHOWN:
            say(f"  ... and {len(preview.rows) - SHOWN} more")
        errors = preview.errors
        if errors:
            say("Errors:")
            for line in errors:
                say("  " + line)
            n = len(preview.bad_rows)
            what = (f"{n} row{'s' if n != 1 else ''} {'have' if n != 1 else 'has'} errors"
                    if n else "the file cannot be used")
            raise CliError(f"Nothing was imported: {what}. Correct the file and run the "
                           "import again.", 1)
        if not preview.ok:
            raise CliError("Nothing was imported: the file has no rows under its headings.", 1)
        if not args.yes:
            say(f"Nothing written yet: run again with --yes to add "
                  f"{_count(len(preview.rows), preview.register)}.")
            return 0
        created = csv_exchange.apply_import(preview)
        say(f"Imported {_count(len(created), preview.register)}.")
        backup_warning()
        return 0
    except csv_exchange.ImportRefused as exc:
        for line in exc.errors:
            say("  " + line)
        raise CliError(str(exc), 1) from None
    except db.DatabaseError as exc:
        raise CliError(str(exc)) from None
    finally:
        db.close_database()


def _count(n: int, register) -> str:
    return f"{n} {register.singular if n == 1 else register.title.lower()}"


def _cut(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
