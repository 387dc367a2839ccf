"""`clerkdesk copy SRC DEST`: copy a whole council between engines (an SQLite file and a
PostgreSQL database, either way), in one transaction on the destination, then verify row
counts, every record's digest and the audit chain on both sides, and print the verdict.
Refuses a destination that is not empty."""
from __future__ import annotations

from clerkdesk.tui.commands import CliError, say


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
    p.add_argument("--passphrase-env", metavar="VAR",
                   help="the environment variable holding an encrypted SRC's passphrase "
                        "(default: CLERKDESK_PASSPHRASE)")
    p.add_argument("--dest-passphrase-env", metavar="VAR",
                   help="encrypt an SQLite DEST with the passphrase in this variable "
                        "(default: DEST is not encrypted)")


def run(args) -> int:
    import os
    from pathlib import Path

    from clerkdesk.models.casework import search
    from clerkdesk.models.core import db
    from clerkdesk.models.store import backend, engine_copy
    from clerkdesk.tui.commands.check import passphrase

    src = args.src if backend.is_url(args.src) else Path(args.src).expanduser()
    dest = args.dest if backend.is_url(args.dest) else Path(args.dest).expanduser()
    dest_secret = None
    if args.dest_passphrase_env:
        dest_secret = os.environ.get(args.dest_passphrase_env)
        if not dest_secret:
            raise CliError(f"${args.dest_passphrase_env} is empty or not set: put the "
                           "passphrase in it.", 2)
    try:
        result = engine_copy.copy(src, dest, passphrase=passphrase(args),
                                  dest_passphrase=dest_secret,
                                  finish=lambda ddb: search.ensure_search(ddb, force=True))
    except db.DatabaseError as exc:
        raise CliError(str(exc)) from None
    for line in result.lines():
        say(line)
    shown = backend.display_url(str(dest)) if backend.is_url(str(dest)) else dest
    say(f"{shown}: {'copy verified' if result.ok else 'COPY DOES NOT MATCH'}")
    return 0 if result.ok else 1
