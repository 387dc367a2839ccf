"""`clerkdesk letter REF TEMPLATE [--out FILE.docx]`: a letter from a template, merged from
the case, written as a .docx to edit in Word or LibreOffice, and filed on the case (a
document and a step "Letter sent"). Without TEMPLATE: the templates there are, and the
folder where a council's own go. Needs the optional extra (pip install
'clerkdesk[letters]'): without it, one sentence says so. No Textual here.
"""
from __future__ import annotations

from clerkdesk.tui.commands import CliError
from clerkdesk.tui.commands.check import add_passphrase_option, open_casebook


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "letter",
        help="make a letter (.docx) from a template and file it on the case",
        description="Merge a letter template with a case (the council, the member, the "
                    "case's reference and dates, the route's handler and clauses) and write "
                    "it as a Word document; the letter is filed on the case as a document "
                    "and a step \"Letter sent\". Templates: acknowledgement, holding, "
                    "outcome, refusal, referral, group_notice, or the path of a .docx. A "
                    "council's own NAME.docx in its letters folder replaces the shipped one "
                    "(run without TEMPLATE to see where). Needs: pip install "
                    "'clerkdesk[letters]'.",
    )
    p.add_argument("ref", metavar="REF", help="the case, e.g. REQ-2026-0042")
    p.add_argument("template", metavar="TEMPLATE", nargs="?",
                   help="which letter (leave out to list them)")
    p.add_argument("--out", metavar="FILE.docx",
                   help="where to write it (default: 'REF TEMPLATE.docx' here)")
    p.add_argument("--force", action="store_true", help="write over FILE if it exists")
    add_passphrase_option(p)


def run(args) -> int:
    from pathlib import Path

    from clerkdesk.models.casework import documents
    from clerkdesk.models.core import db
    from clerkdesk.models.output import letters
    from clerkdesk.models.store import outfile

    open_casebook(args, write=bool(args.template))  # files the letter: backup first
    try:
        case = documents.case_by_ref(args.ref)
        if not args.template:
            print(f"Letters for {case.ref} (clerkdesk letter {case.ref} TEMPLATE):")
            for name, text in letters.template_choices():
                print(f"  {name:<16} {text}")
            print(f"A council's own templates go in {letters.letters_folder()} "
                  "(NAME.docx replaces the shipped one of that name).")
            if not letters.available():
                print(letters.HOW_TO_GET_IT)
            return 0
        letter = letters.prepare_letter(case.id, args.template)
        out = Path(args.out).expanduser() if args.out else Path.cwd() / letter.name
        try:
            outfile.check_target(out, replace=args.force)
        except outfile.OutputError as exc:
            hint = " Add --force to replace it." if out.exists() and not out.is_dir() else ""
            raise CliError(f"{exc}{hint}", 1) from None
        letters.file_letter(letter)
        try:
            outfile.write_output(out, letter.data, replace=args.force)
        except outfile.OutputError as exc:
            raise CliError(f"The letter was filed on {case.ref}, but {exc} `clerkdesk documents "
                           f"{case.ref} --extract DIR` writes it out.", 1) from None
        print(f"{out}  ({documents.human_size(len(letter.data))})")
        print(f"Filed on {case.ref} as {letter.name}, with a step \"{letter.step.action}\".")
        return 0
    except (documents.DocumentError, letters.LetterError, outfile.OutputError) as exc:
        raise CliError(str(exc), 1) from None
    except db.DatabaseError as exc:
        raise CliError(str(exc)) from None
    finally:
        db.close_database()
