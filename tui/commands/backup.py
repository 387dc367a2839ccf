"""`clerkdesk backup [DEST]`: a copy of the casebook made with SQLite's online backup API
(safe while the app is open). DEST may be a new file or a folder; by default the copy goes
to backups/ beside the casebook. No Textual here.
"""
from __future__ import annotations

import time
from pathlib import Path

from clerkdesk.tui.commands import CliError
from clerkdesk.tui.commands.check import add_passphrase_option, casebook_path, passphrase


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "backup",
        help="copy the casebook safely (to DEST, or to backups/ beside it)",
        description="Copy the casebook with SQLite's online backup API, safe even while "
                    "clerkdesk is open. DEST is a new file or an existing folder; without it "
                    "the copy goes to the backups/ folder beside the casebook. The copy is "
                    "readable by you only. An existing file is never overwritten.",
    )
    p.add_argument("dest", metavar="DEST", nargs="?", help="a new file, or a folder")
    add_passphrase_option(p)


PG_BACKUP = ("A PostgreSQL casebook is backed up with the server's own tools, not by "
             "clerkdesk: pg_dump -Fc -f clerkdesk.dump DBNAME (and pg_restore to put it back); "
             "see docs/shared-office.md.")


def run(args) -> int:
    from clerkdesk.models.core import db
    from clerkdesk.models.store import backup, files

    path = casebook_path(args)
    from clerkdesk.models.store import backend

    if backend.is_url(path):
        raise CliError(PG_BACKUP)
    secret = passphrase(args)
    if args.dest:
        dest = Path(args.dest).expanduser()
        if dest.is_dir():
            dest = dest / backup.default_dest(path).name
        elif not dest.parent.is_dir():
            raise CliError(f"The folder {dest.parent} does not exist: create it first.")
    else:
        dest = backup.default_dest(path)
    start = time.perf_counter()
    try:
        files.check_path(path, encrypted=bool(secret) or files.is_encrypted_file(path))
        made = backup.backup(path, dest, passphrase=secret)
    except db.DatabaseError as exc:
        raise CliError(str(exc)) from None
    except PermissionError:
        raise CliError(f"Cannot write {dest}: check the folder's permissions.") from None
    except OSError as exc:
        raise CliError(f"Could not write the backup to {dest}: {exc.strerror or exc}") from None
    size = made.stat().st_size
    print(f"Backed up {path} to {made} ({size / 1024:.0f} KiB, "
          f"{time.perf_counter() - start:.2f} s)")
    return 0
