"""`clerkdesk copy SRC DEST`: copy a whole council between engines (an SQLite file and a
PostgreSQL database, either way), in one transaction on the destination, then verify row
counts, every record's digest and the audit chain on both sides, and print the verdict.
Refuses a destination that is not empty."""
from __future__ import annotations

from clerkdesk.tui.commands import CliError


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "copy",
        help="copy a whole council between SQLite and PostgreSQL, then verify both sides",
        description="Copy the casebook SRC into DEST (each an SQLite file or a "
                    "postgresql://user@host:port/name URL). DEST must be new or empty. The "
                    "copy is one transaction; afterwards row counts, every record and the "
                    "audit chain are verified on both sides. Exit status 1 if they differ.",
    )
    p.add_argument("src", metavar="SRC", help="the casebook to copy (path or postgresql:// URL)")
    p.add_argument("dest", metavar="DEST", help="an empty destination (path or postgresql:// URL)")


def run(args) -> int:
    from pathlib import Path

    from clerkdesk.models.core import db
    from clerkdesk.models.store import backend, engine_copy

    src = args.src if backend.is_url(args.src) else Path(args.src).expanduser()
    dest = args.dest if backend.is_url(args.dest) else Path(args.dest).expanduser()
    try:
        result = engine_copy.copy(src, dest)
    except db.DatabaseError as exc:
        raise CliError(str(exc)) from None
    for line in result.lines():
        print(line)
    shown = backend.display_url(str(dest)) if backend.is_url(str(dest)) else dest
    print(f"{shown}: {'copy verified' if result.ok else 'COPY DOES NOT MATCH'}")
    return 0 if result.ok else 1
