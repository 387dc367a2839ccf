"""`clerkdesk demo PATH`: write the demo town council into a new casebook file.

Never overwrites anything: an existing file (or folder) at PATH is refused and left
untouched. No Textual here: this runs as a plain command.
"""
from __future__ import annotations

from pathlib import Path

from clerkdesk.tui.commands import CliError, say


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "demo",
        help="write the demo town council (Ashcombe) into a new casebook file",
        description="Write a realistic demo town council, with members, officers, committees, "
                    "requests and complaints, into a NEW casebook file. Dates are relative to "
                    "today, so some cases are always overdue. An existing file is never "
                    "overwritten.",
    )
    p.add_argument("path", metavar="PATH", help="the new casebook file to write, e.g. demo.db")


def run(args) -> int:
    from clerkdesk.fixtures.demo import COUNCIL_NAME, build_demo, summary
    from clerkdesk.models.core.db import DatabaseError, close_database
    from clerkdesk.models.store.opening import open_database

    path = Path(args.path).expanduser()
    if path.is_dir():
        raise CliError(f"{path} is a folder: give the name of a new file, e.g. {path / 'demo.db'}")
    if path.exists() or path.is_symlink():
        raise CliError(f"{path} already exists; the demo is only written to a new file, "
                       "so it was left untouched. Choose another name.")
    if not path.parent.is_dir():
        raise CliError(f"The folder {path.parent} does not exist: create it first or choose "
                       "another path.")
    try:
        build_demo(path)
    except FileExistsError:
        raise CliError(f"{path} already exists; it was left untouched. Choose another name.") from None
    except FileNotFoundError:
        raise CliError(f"The folder {path.parent} does not exist: create it first or choose "
                       "another path.") from None
    except PermissionError:
        raise CliError(f"Cannot write in {path.parent}: check its permissions or choose another "
                       "path.") from None
    except (DatabaseError, OSError) as exc:
        raise CliError(f"Could not write the demo to {path}: {exc}") from None
    try:
        open_database(path)
        n = summary()
    finally:
        close_database()
    say(f"Wrote the demo council ({COUNCIL_NAME}) to {path}")
    say(f"{n['members']} members in {n['wards']} wards, {n['groups']} party groups, "
          f"{n['officers']} officers, {n['committees']} committees; {n['requests']} requests and "
          f"{n['complaints']} complaints ({n['overdue']} overdue).")
    say(f"Open it with: clerkdesk --db {path}")
    return 0
