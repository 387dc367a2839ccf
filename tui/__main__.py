"""The `clerkdesk` command: open the app, or run one of the scriptable subcommands.

Each subcommand lives in `tui/commands/<name>.py` with `add_parser(subparsers)` and
`run(args) -> int`. Errors the clerk can fix print one sentence and exit non-zero.
"""
from __future__ import annotations

import argparse
import gc
import importlib
import sys

from clerkdesk.tui.commands import CliError
from clerkdesk.tui.startup import pause_collector  # (paused for the app's start: see there)

#: subcommand name -> module under clerkdesk.tui.commands
SUBCOMMANDS = ["demo", "route", "due", "check", "backup", "restore", "retention", "report", "export",
               "importcsv", "copy", "serve",
               "intake",  # saved emails in
               "attach",  # documents on a case
               "documents",
               "letter",  # letters from templates
               "sar",  # subject-access export
               ]


def build_parser(subcommands: bool = True) -> argparse.ArgumentParser:
    """The command line; without *subcommands*, only the app's own options (a plain start
    then does not import the eleven subcommands' modules, about 20 ms)."""
    parser = argparse.ArgumentParser(
        prog="clerkdesk",
        description="The clerk's desk for a council's Member/Officer Protocol.",
    )
    parser.add_argument("--db", metavar="PATH", help="the casebook file (default: $CLERKDESK_DB, "
                        "else clerkdesk.db in your data folder)")
    parser.add_argument("--demo", action="store_true",
                        help="open a fresh temporary copy of the demo town council")
    parser.set_defaults(command=None)
    if not subcommands:
        return parser
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        module = importlib.import_module(f"clerkdesk.tui.commands.{name}")
        module.add_parser(sub)
    return parser


def opens_the_app(argv: list[str]) -> bool:
    """True when *argv* holds only the app's own options (`--db PATH`, `--demo`): no
    subcommand and no --help, so the subcommands need not be loaded to parse it."""
    rest = list(argv)
    while rest:
        token = rest.pop(0)
        if token == "--demo" or (token.startswith("--db=") and len(token) > 5):
            continue
        if token == "--db" and rest and not rest[0].startswith("-"):
            rest.pop(0)
            continue
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    app = opens_the_app(argv)
    if app:
        pause_collector()
    parser = build_parser(subcommands=not app)
    args = parser.parse_args(argv)
    try:
        if args.command:
            module = importlib.import_module(f"clerkdesk.tui.commands.{args.command}")
            return module.run(args)
        from clerkdesk.tui.commands.open import run_app

        return run_app(args)
    except CliError as exc:
        print(f"clerkdesk: {exc}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        return 130
    finally:
        gc.enable()


if __name__ == "__main__":
    sys.exit(main())
