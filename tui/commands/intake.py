"""`clerkdesk intake FILE.eml [FILE.eml ...] [--yes]`: saved emails become cases (or steps
on the case they answer), with the email and its attachments filed on the case.

Always shows the preview first: for each email who sent it, which case it goes on, what
kind of case it looks like, what is filed. Writes only with --yes, each email in its own
transaction (all of it or none of it), printing the reference of the case it made or
updated. An email taken in before (the same Message-ID) is skipped, saying so. A file
that cannot be taken in gets one sentence and nothing is written for it; the exit status
is then 1. No Textual here.
"""
from __future__ import annotations

import sys
import time

from clerkdesk.tui.commands import CliError
from clerkdesk.tui.commands.check import add_passphrase_option, open_casebook

#: with more emails than this the preview is one line each
DETAILED = 25


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "intake",
        help="take in saved emails (.eml): a new case each, or a step on the case they "
             "answer (preview; --yes to write)",
        description="Read saved emails (.eml) and show, for each, who sent it (a member's or "
                    "officer's registered email), which case it goes on (a new one, or the "
                    "case its subject names, e.g. [REQ-2026-0042], or whose email it "
                    "answers), the kind of case it looks like, and what is filed. Nothing is "
                    "written unless you add --yes; then each email is written in one go, "
                    "with its attachments, and the reference printed. An email taken in "
                    "before is skipped.",
    )
    p.add_argument("files", metavar="FILE", nargs="+", help="saved emails (.eml)")
    p.add_argument("--yes", action="store_true", help="write what the preview shows")
    p.add_argument("--kind", metavar="KIND",
                   help="the kind of each new case instead of the guess (e.g. information, "
                        "document_inspection, member_about_officer)")
    p.add_argument("--about", metavar="NAME",
                   help="for a complaint: the officer or member it is about")
    add_passphrase_option(p)


def run(args) -> int:
    from clerkdesk.models.casework import documents, intake
    from clerkdesk.models.core import db
    from clerkdesk.models.core.forms import ValidationError

    open_casebook(args, write=bool(args.yes))  # --yes writes: the automatic backup first
    try:
        directory = intake.Directory()
        seen: dict = {}
        plans, refused = [], 0
        total = len(args.files)
        detailed = total <= DETAILED
        progress = _Progress(total, "Reading")
        for i, path in enumerate(args.files, start=1):
            progress.show(i)
            try:
                p = intake.plan_file(path, kind=args.kind, about=args.about,
                                     directory=directory, seen=seen)
            except intake.IntakeError as exc:
                if total == 1:
                    raise CliError(_named(path, exc), 1) from None  # the one sentence
                refused += 1
                progress.clear()
                print(_named(path, exc), file=sys.stderr)
                continue
            plans.append((path, p))
            progress.clear()
            if detailed:
                lines = p.lines()
                print(f"{path}: {lines[0]}")
                for line in lines[1:]:
                    print(f"    {line}")
            else:
                print(f"{path}: {p.headline()}" + (f"  [{p.problems[0]}]" if p.problems else ""))
        progress.clear()
        blocked = [(path, p) for path, p in plans if p.problems and p.action != "duplicate"]
        ready = [(path, p) for path, p in plans if p.ok]
        duplicates = sum(1 for _, p in plans if p.action == "duplicate")
        if total == 1 and blocked:
            raise CliError(f"{_name(path)}: {blocked[0][1].problems[0]} Nothing was written.", 1)
        if not args.yes:
            if ready:
                print(f"Nothing written yet: run again with --yes to take in "
                      f"{_emails(len(ready))}.")
            _summary_of_skips(duplicates, len(blocked), refused)
            if refused or blocked:
                raise CliError(f"{_emails(refused + len(blocked))} cannot be taken in as "
                               "they are: see above.", 1)
            return 0
        made = updated = failed = 0
        progress = _Progress(len(ready), "Taking in")
        for i, (path, p) in enumerate(ready, start=1):
            progress.show(i)
            try:
                result = intake.take_in(p)
            except intake.Duplicate as exc:
                duplicates += 1
                progress.clear()
                print(f"{path}: {exc}")
                continue
            except (intake.IntakeError, documents.DocumentError, ValidationError) as exc:
                failed += 1
                progress.clear()
                print(f"{path}: {_sentence(exc)} Nothing was written for it.", file=sys.stderr)
                continue
            progress.clear()
            n = len(result.documents)
            if result.created:
                made += 1
                print(f"{result.case.ref}  new {result.case.type}  {_cut(result.case.subject)}"
                      f"  ({n} document{'s' if n != 1 else ''})  <- {path}")
            else:
                updated += 1
                print(f"{result.case.ref}  email added to the timeline  ({n} "
                      f"document{'s' if n != 1 else ''})  <- {path}")
        progress.clear()
        parts = []
        if made:
            parts.append(f"{made} new case{'s' if made != 1 else ''}")
        if updated:
            parts.append(f"{updated} email{'s' if updated != 1 else ''} added to "
                         f"{'their cases' if updated != 1 else 'its case'}")
        print("Took in " + (" and ".join(parts) if parts else "nothing") + ".")
        _summary_of_skips(duplicates, len(blocked), refused + failed)
        if refused or failed or blocked:
            raise CliError(f"{_emails(refused + failed + len(blocked))} not taken in: see "
                           "above.", 1)
        return 0
    except db.DatabaseError as exc:
        raise CliError(str(exc)) from None
    finally:
        db.close_database()


def _summary_of_skips(duplicates: int, blocked: int, refused: int) -> None:
    if duplicates:
        print(f"{_emails(duplicates)} taken in before: nothing to do for "
              f"{'them' if duplicates != 1 else 'it'}.")


def _emails(n: int) -> str:
    return f"{n} email{'s' if n != 1 else ''}"


def _named(path, exc) -> str:
    text = str(exc)
    return text if text.startswith(_name(path)) else f"{path}: {text}"


def _name(path) -> str:
    from pathlib import Path

    return Path(path).name


def _sentence(exc) -> str:
    errors = getattr(exc, "errors", None)
    if isinstance(errors, dict) and errors:
        return " ".join(str(v) for v in errors.values())
    return str(exc)


def _cut(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


class _Progress:
    """`[ 37/1000] Taking in` on the terminal (stderr), rewritten in place; nothing when
    stderr is not a terminal (a log, a test)."""

    def __init__(self, total: int, what: str) -> None:
        self.total = total
        self.what = what
        self.on = total > 1 and sys.stderr.isatty()
        self.last = 0.0
        self.width = 0

    def show(self, i: int) -> None:
        if not self.on:
            return
        now = time.monotonic()
        if i != self.total and now - self.last < 0.1:
            return
        self.last = now
        text = f"[{i:>{len(str(self.total))}}/{self.total}] {self.what}…"
        self.width = len(text)
        sys.stderr.write("\r" + text)
        sys.stderr.flush()

    def clear(self) -> None:
        if self.on and self.width:
            sys.stderr.write("\r" + " " * self.width + "\r")
            sys.stderr.flush()
            self.width = 0
