"""`clerkdesk backup [DEST]`: a copy of the casebook made with SQLite's online backup API
(safe while the app is open). DEST may be a new file or a folder; by default the copy goes
to backups/ beside the casebook. A PostgreSQL casebook is dumped with pg_dump (custom
format) when it is installed. A read-only casebook can be backed up. No Textual here.
"""
from __future__ import annotations

import time
from pathlib import Path

from clerkdesk.tui.commands import CliError, say
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


def run(args) -> int:
    from clerkdesk.models.core import db
    from clerkdesk.models.store import backend, backup, files, opening

    path = casebook_path(args)
    if backend.is_url(path):
        # a shared casebook: pg_dump when it is installed, or say it is the server's job
        try:
            said = backup.pg_dump(path, args.dest)
        except db.DatabaseError as exc:
            raise CliError(str(exc)) from None
        if said == backup.PG_BACKUP_IS_THE_SERVERS:
            raise CliError(said)
        say(said)
        return 0
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
        files.check_path(path, writable=False,
                         encrypted=bool(secret) or files.is_encrypted_file(path))
        opening.recognise(path, secret)  # another program's file is left alone
        made = backup.backup(path, dest, passphrase=secret)
    except db.DatabaseError as exc:
        raise CliError(str(exc)) from None
    except PermissionError:
        raise CliError(f"Cannot write {dest}: check the folder's permissions.") from None
    except OSError as exc:
        raise CliError(f"Could not write the backup to {dest}: {exc.strerror or exc}") from None
    size = made.stat().st_size
    say(f"Backed up {path} to {made} ({size / 1024:.0f} KiB, "
        f"{time.perf_counter() - start:.2f} s)")
    return 0
