"""`clerkdesk report`: the committee report of progress on actions as Markdown
and a self-contained HTML page, written to a folder; prints the paths. `--pdf` only where a
PDF library (WeasyPrint) is installed; otherwise it says how to print the HTML to PDF and
exits 2. No Textual here.
"""
from __future__ import annotations

from clerkdesk.tui.commands import CliError, say
from clerkdesk.tui.commands.check import add_passphrase_option, open_casebook


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "report",
        help="write the committee report of progress on requests and complaints",
        description="Write the committee report of progress on actions: open "
                    "requests by kind and status, overdue cases with working days over, "
                    "complaints by stage (references and kinds only, no names), and response "
                    "times of information requests against the council's target (the report "
                    "cites the clauses of the council's protocol profile). "
                    "Written as Markdown and as a self-contained HTML page; prints the paths. "
                    "A report written again on the same day replaces that day's files.",
    )
    p.add_argument("--out", metavar="DIR", default=".",
                   help="the folder to write into (default: the current folder)")
    p.add_argument("--format", metavar="md,html", default="md,html",
                   help="which formats, comma-separated (default: md,html)")
    p.add_argument("--since", metavar="DATE",
                   help="count response times and closed cases from DATE (e.g. the last "
                        "meeting, 01/11/2026); default: all")
    p.add_argument("--pdf", action="store_true",
                   help="also write a PDF (needs WeasyPrint installed)")
    add_passphrase_option(p)


def run(args) -> int:
    from clerkdesk.models.core import dates, db
    from clerkdesk.models.output import report

    formats = [f.strip().lower().lstrip(".") for f in (args.format or "").split(",") if f.strip()]
    formats = ["md" if f == "markdown" else f for f in formats]
    bad = [f for f in formats if f not in report.FORMATS]
    if bad or not (formats or args.pdf):
        raise CliError(f"'{(bad or [''])[0][:20]}' is not a report format: use --format md,html "
                       "(or md, or html).", 2)
    since = None
    if args.since:
        try:
            since = dates.parse(args.since)
        except dates.DateInputError as exc:
            raise CliError(str(exc), 2) from None
    if args.pdf and not report.pdf_available():
        raise CliError(report.PDF_HELP, 2)
    open_casebook(args)
    try:
        written = report.write_report(args.out, formats, since=since, pdf=args.pdf)
    except db.DatabaseError as exc:
        raise CliError(str(exc)) from None
    except PermissionError:
        raise CliError(f"Cannot write in {args.out}: check the folder's permissions.") from None
    except (FileExistsError, NotADirectoryError):
        raise CliError(f"{args.out} is not a folder: give a folder with --out.") from None
    except OSError as exc:
        raise CliError(f"Could not write the report in {args.out}: {exc.strerror or exc}") from None
    finally:
        db.close_database()
    for p in written:
        say(p)
    return 0
