"""`clerkdesk export LIST [PATH]`: a register or case list as CSV (members, officers,
wards, contacts, groups, committees, requests, complaints), UTF-8 for Excel, UK dates,
formula-like cells neutralised; `clerkdesk export calendar PATH.ics`: the due dates of open
cases as an iCalendar file (no names). Without PATH (or with -) the CSV goes to standard
output. An existing file is replaced only with --force. No Textual here.
"""
from __future__ import annotations

import sys
from pathlib import Path

from clerkdesk.tui.commands import CliError, say
from clerkdesk.tui.commands.check import add_passphrase_option, open_casebook


def add_parser(subparsers) -> None:
    from clerkdesk.models.output.csv_exchange import EXPORTABLE

    p = subparsers.add_parser(
        "export",
        help="write a register or case list as CSV, or the due dates as a calendar (.ics)",
        description="Write one list as CSV: " + ", ".join(EXPORTABLE) + ". Columns are the "
                    "form's fields (so members, officers and wards can be imported again), dates "
                    "are UK dates, and a cell starting with = + - @ gets a ' in front so a "
                    "spreadsheet never runs it as a formula. 'calendar PATH.ics' writes the due "
                    "dates of open cases as an iCalendar file, without names.",
    )
    p.add_argument("what", metavar="LIST", choices=[*EXPORTABLE, "calendar"],
                   help="one of: " + ", ".join([*EXPORTABLE, "calendar"]))
    p.add_argument("path", metavar="PATH", nargs="?",
                   help="the file to write (default: standard output)")
    p.add_argument("--archived", action="store_true",
                   help="include archived records (with an Archived column)")
    p.add_argument("--no-bom", action="store_true",
                   help="no UTF-8 byte-order mark (Excel needs it; some tools do not want it)")
    p.add_argument("--force", action="store_true", help="replace PATH if it exists")
    p.add_argument("--xlsx", nargs="?", const="", metavar="PATH", help="an Excel workbook instead "
                   "(the same columns; PATH defaults to LIST.xlsx here), readable by you only")
    add_passphrase_option(p)


def run(args) -> int:
    from clerkdesk.models.core import db
    from clerkdesk.models.output import csv_exchange

    if args.xlsx is not None:  # --xlsx [PATH]: a workbook, always to a file
        if args.what == "calendar" or "-" in (args.path, args.xlsx) or args.path and args.xlsx:
            raise CliError("--xlsx writes one list to one workbook file: e.g. export members "
                           "--xlsx members.xlsx", 2)
        args.path = args.path or args.xlsx or f"{args.what}.xlsx"
    target = None if args.path in (None, "-") else Path(args.path).expanduser()
    if target is not None:
        if target.is_dir():
            suffix = (".ics" if args.what == "calendar" else
                      ".xlsx" if args.xlsx is not None else ".csv")
            raise CliError(f"{target} is a folder: give a file name, e.g. "
                           f"{target / (args.what + suffix)}", 2)
        if target.exists() and not target.is_file():
            raise CliError(f"{target} is not an ordinary file, so nothing was written to it: "
                           "give the name of a new file.", 2)
        if (target.exists() or target.is_symlink()) and not args.force:
            raise CliError(f"{target} already exists and was left untouched: choose another "
                           "name, or add --force to replace it.", 2)
        if not target.parent.is_dir():
            raise CliError(f"The folder {target.parent} does not exist: create it first.", 2)
    open_casebook(args)
    try:
        if target is not None:
            from clerkdesk.models.store import files

            files.refuse_output_target(target)  # never the casebook, its WAL, a device
        if args.what == "calendar":
            from clerkdesk.models.output import ical

            if target is None:
                sys.stdout.write(ical.calendar_text())
                return 0
            n = ical.export_ics(target)
            say(f"Wrote {n} due date{'s' if n != 1 else ''} to {target}")
            return 0
        if target is None:
            csv_exchange.export_csv(args.what, sys.stdout, args.archived)
            return 0
        n = (csv_exchange.export_xlsx(args.what, target, args.archived) if args.xlsx is not None
             else csv_exchange.export_csv(args.what, target, args.archived, bom=not args.no_bom))
        say(f"Wrote {n} row{'s' if n != 1 else ''} of {args.what} to {target}")
        return 0
    except csv_exchange.ExchangeError as exc:
        raise CliError(str(exc)) from None
    except db.DatabaseError as exc:
        raise CliError(str(exc)) from None
    except PermissionError:
        raise CliError(f"Cannot write {target}: check the folder's permissions.") from None
    except BrokenPipeError:
        raise  # the reader went away (| head): main stops quietly
    except OSError as exc:
        raise CliError(f"Could not write {target}: {exc.strerror or exc}") from None
    finally:
        db.close_database()
