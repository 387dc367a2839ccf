"""Opening the full-screen app on a casebook (the default command)."""
from __future__ import annotations

import os
from pathlib import Path

from clerkdesk.models.core import db
from clerkdesk.models.store import files, opening
from clerkdesk.tui.commands import CliError


def run_app(args) -> int:
    demo = bool(getattr(args, "demo", False))
    if demo:
        from clerkdesk.fixtures.demo import make_temp_demo

        path = make_temp_demo()
    else:
        path = files.resolve_path(args.db)
    create_parent = not demo and not args.db and not os.environ.get("CLERKDESK_DB")
    try:
        # the automatic backup runs after the first frame, on a worker (see the app)
        opening.open_database(path, create_parent=create_parent, backup=False)
    except db.DatabaseError as exc:
        raise CliError(str(exc)) from None
    warnings = [w for w in [files.location_warning(path)] if w]
    from clerkdesk.models.store import backend
    from clerkdesk.tui.app import ClerkDesk

    shared = backend.is_url(path)  # a server's database: backups are pg_dump's
    try:
        ClerkDesk(path if shared else Path(path), demo=demo, warnings=warnings,
                  backup_on_start=not demo and not shared).run()
    finally:
        db.close_database()
    if demo:
        print(f"The demo copy was at {path}; your own casebook was not touched.")
    return 0
