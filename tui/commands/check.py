"""`clerkdesk check`: SQLite's integrity check, the foreign-key check, the audit chain and
the records against the audit log; one line per check, non-zero exit on any failure.

Also the helpers the data-safety subcommands share (the casebook path, the passphrase,
the synced-folder warning). No Textual here.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from clerkdesk.tui.commands import CliError, say


def add_passphrase_option(p) -> None:
    p.add_argument("--passphrase-env", metavar="VAR",
                   help="the environment variable holding an encrypted casebook's passphrase "
                        "(default: CLERKDESK_PASSPHRASE)")


def passphrase(args) -> str | None:
    from clerkdesk.models.core.db import PASSPHRASE_ENV

    var = getattr(args, "passphrase_env", None)
    if var:
        value = os.environ.get(var)
        if not value:
            raise CliError(f"${var} is empty or not set: put the passphrase in it.", 2)
        return value
    return os.environ.get(PASSPHRASE_ENV) or None


def open_casebook(args, *, write: bool = False) -> Path | str:
    """Open the casebook a command names and return its path or URL; one line (exit 1)
    when it cannot be opened.

    A command that only reads (*write* false) takes no backup and reads a read-only file;
    one that writes needs a writable file, has SQLite check the file's pages first (a
    damaged casebook is refused before anything is written to it) and takes the
    automatic backup just before its first change."""
    from clerkdesk.models.core import db
    from clerkdesk.models.store import opening

    path = casebook_path(args)
    try:
        opening.open_database(path, passphrase=passphrase(args), backup=write,
                              readonly=False if write else None)
        if write:
            opening.quick_check()
    except db.DatabaseError as exc:
        db.close_database()
        raise CliError(str(exc)) from None
    return path


def backup_warning() -> None:
    """Say (on stderr) if the automatic backup before this command's change failed."""
    from clerkdesk.models.core.db import database

    failed = getattr(database.obj, "clerk_backup_failed", None) if database.obj else None
    if failed:
        say(f"clerkdesk: warning: the automatic backup failed ({failed}); the change was "
            "made. Run `clerkdesk backup` to keep a copy.", file=sys.stderr)


def casebook_path(args, *, must_exist: bool = True) -> Path | str:
    """The casebook's path, or a PostgreSQL URL as given (postgresql://...)."""
    from clerkdesk.models.store import backend, files

    path = files.resolve_path(getattr(args, "db", None))
    if backend.is_url(path):
        return path
    if must_exist and not path.exists():
        raise CliError(f"There is no casebook at {path}: give --db PATH.")
    if must_exist and path.is_dir():
        raise CliError(f"{path} is a folder, not a casebook file.")
    warning = files.location_warning(path)
    if warning:
        say(f"clerkdesk: warning: {warning}", file=sys.stderr)
    return path


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "check",
        help="check the casebook: file integrity, references, audit chain, records",
        description="Run SQLite's integrity check and foreign-key check, verify the audit "
                    "log's hash chain, and compare every record with its latest audit entry. "
                    "Prints one verdict per check and names every record that fails; exits "
                    "with status 1 if any check fails. Reads only: changes nothing.",
    )
    p.add_argument("--since", metavar="HASH",
                   help="also prove that an earlier head of the audit chain (from "
                        "`clerkdesk anchor`, or a committee report) is still part of today's "
                        "chain: nothing recorded up to it was rewritten since")
    add_passphrase_option(p)


def run(args) -> int:
    from clerkdesk.models.core import db
    from clerkdesk.models.store import backend, files, integrity

    path = casebook_path(args)
    since = getattr(args, "since", None)
    try:
        if backend.is_url(path):
            report = integrity.check_path(path)
            shown_path = backend.display_url(path)
        else:
            files.check_path(path, writable=False,
                             encrypted=bool(passphrase(args)) or files.is_encrypted_file(path))
            report = integrity.check_path(path, passphrase=passphrase(args))
            shown_path = path
        anchored = None
        if since:
            from clerkdesk.models.store import anchor

            anchored = anchor.verify_since(path, since, passphrase=passphrase(args))
    except db.DatabaseError as exc:
        raise CliError(str(exc)) from None
    for line in report.lines():
        say(line)
    if anchored is not None:
        say(anchored.line())
    ok = report.ok and (anchored is None or anchored.ok)
    say(f"{shown_path}: {'all checks passed' if ok else 'CHECK FAILED'}")
    return 0 if ok else 1
