"""The `clerkdesk` command: open the app, or run one of the scriptable subcommands.

Each subcommand lives in `tui/commands/<name>.py` with `add_parser(subparsers)` and
`run(args) -> int`. Errors the clerk can fix print one sentence and exit non-zero.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from clerkdesk.tui.commands import CliError

#: subcommand name -> module under clerkdesk.tui.commands
SUBCOMMANDS = ["demo", "route", "due", "check", "backup", "restore", "retention", "report", "export",
               "importcsv", "copy"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clerkdesk",
        description="The clerk's desk for a council's Member/Officer Protocol.",
    )
    parser.add_argument("--db", metavar="PATH", help="the casebook file (default: $CLERKDESK_DB, "
                        "else clerkdesk.db in your data folder)")
    parser.add_argument("--demo", action="store_true",
                        help="open a fresh temporary copy of the demo town council")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        module = importlib.import_module(f"clerkdesk.tui.commands.{name}")
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
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


if __name__ == "__main__":
    sys.exit(main())
