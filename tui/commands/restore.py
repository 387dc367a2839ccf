"""`clerkdesk restore SRC`: replace the casebook with a backup, after checking the backup
(integrity, a clerkdesk casebook, a schema this clerkdesk knows) and keeping the current
casebook in backups/. No Textual here.
"""
from __future__ import annotations

from pathlib import Path

from clerkdesk.tui.commands import CliError, say
from clerkdesk.tui.commands.check import add_passphrase_option, casebook_path, passphrase


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "restore",
        help="replace the casebook with a backup (the current one is kept in backups/)",
        description="Check the backup SRC (SQLite integrity check, a clerkdesk casebook, a "
                    "schema this clerkdesk can open), keep the current casebook as a copy in "
                    "backups/, then copy SRC over it with SQLite's backup API. Close the app "
                    "first.",
    )
    p.add_argument("src", metavar="SRC", help="the backup file to restore")
    add_passphrase_option(p)


def run(args) -> int:
    from clerkdesk.models.core import db
    from clerkdesk.models.store import backup, files

    path = casebook_path(args, must_exist=False)
    from clerkdesk.models.store import backend

    if backend.is_url(path):
        raise CliError("A PostgreSQL casebook is restored with the server's own tools: "
                       "pg_restore into a new database (createdb), then point clerkdesk at it; "
                       "see the README, A shared office. Nothing was changed.")
    src = Path(args.src).expanduser()
    if not src.exists():
        raise CliError(f"There is no file {src}.")
    secret = passphrase(args)
    try:
        files.check_path(src, writable=False,  # a read-only backup can be restored
                         encrypted=bool(secret) or files.is_encrypted_file(src))
        if path.exists():
            files.check_path(path, encrypted=bool(secret) or files.is_encrypted_file(path))
        facts = backup.restore(src, path, passphrase=secret)
    except db.DatabaseError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"Could not restore: {exc.strerror or exc}") from None
    say(f"Restored {path} from {src} ({facts['council'] or 'no council'}, schema "
        f"{facts['version']}, {facts['audit_entries']} audit entries).")
    if facts["kept"]:
        say(f"The casebook as it was is kept as {facts['kept']}")
    if facts["version"] < db.SCHEMA_VERSION:
        say("It was made by an older clerkdesk: it is upgraded (after a backup) when next opened.")
    return 0
