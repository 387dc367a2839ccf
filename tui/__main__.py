"""The `clerkdesk` command: open the app, or run one of the scriptable subcommands.

Each subcommand lives in `tui/commands/<name>.py` with `add_parser(subparsers)` and
`run(args) -> int`. Errors the clerk can fix print one sentence and exit non-zero.
"""
from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys

from clerkdesk.tui.commands import CliError, say
from clerkdesk.tui.startup import pause_collector  # (paused for the app's start: see there)

#: subcommand name -> module under clerkdesk.tui.commands
SUBCOMMANDS = ["demo", "route", "due", "check", "anchor", "backup", "restore", "retention",
               "report", "export", "importcsv", "copy", "serve",
               "intake",  # saved emails in
               "attach",  # documents on a case
               "documents",
               "letter",  # letters from templates
               "sar",  # subject-access export
               ]


class _Parser(argparse.ArgumentParser):
    """argparse's own messages (an unknown choice echoes what was typed) through `shown`."""

    def _print_message(self, message, file=None):
        if message:
            from clerkdesk.tui.commands import shown

            super()._print_message(shown(message), file)


def build_parser(subcommands: bool = True) -> argparse.ArgumentParser:
    """The command line; without *subcommands*, only the app's own options (a plain start
    then does not import the subcommands' modules, about 20 ms)."""
    parser = _Parser(
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
    for command in sub.choices.values():
        _db_after_the_command(command)
    return parser


def _db_after_the_command(command: argparse.ArgumentParser) -> None:
    """`--db PATH` after the subcommand too (`clerkdesk report --db X`), for every one. Its
    default is SUPPRESS, so a --db given before the subcommand stands unless another is
    given after it (the later one wins, as options do)."""
    if "--db" in command._option_string_actions:  # (serve says more about it)
        return
    command.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS,
                         help="the casebook file, as the --db before the command")


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
    try:
        parser = build_parser(subcommands=not app)
        args = parser.parse_args(argv)
        _today_is_a_date()
        if args.command:
            module = importlib.import_module(f"clerkdesk.tui.commands.{args.command}")
            status = module.run(args)
        else:
            from clerkdesk.tui.commands.open import run_app

            status = run_app(args)
        sys.stdout.flush()  # a reader gone away (| head) is met here, not at exit
        return status
    except CliError as exc:
        _complain(str(exc))
        return exc.status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # the reader of standard output went away (`| head`): stop quietly, as cat does
        _quiet_stdout()
        return 141
    except Exception as exc:  # a sentence, never a traceback
        if os.environ.get("CLERKDESK_DEBUG"):
            raise
        _complain(_sentence(exc))
        return 1
    finally:
        gc.enable()


def _today_is_a_date() -> None:
    """A bad $CLERKDESK_TODAY is one sentence before any command starts (status 2)."""
    from clerkdesk.models.core import dates

    try:
        dates.today()
    except dates.DateInputError as exc:
        raise CliError(str(exc), 2) from None


def _complain(message: str) -> None:
    from clerkdesk.models.store.backend import redact

    try:
        say(f"clerkdesk: {redact(message)}", file=sys.stderr)
    except BrokenPipeError:
        pass


def _quiet_stdout() -> None:
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _sentence(exc: Exception) -> str:
    """The one line for an error no command turned into a sentence itself."""
    import errno

    from clerkdesk.models.core.db import DatabaseError

    if isinstance(exc, DatabaseError):
        return str(exc)
    if isinstance(exc, OSError) and exc.errno == errno.ENAMETOOLONG:
        return (f"A name in {exc.filename or 'the path'} is longer than the filesystem allows "
                "(255 bytes for one folder or file name): choose a shorter one. Nothing was "
                "changed.")
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        return f"Could not use a file{where}: {exc.strerror or exc}. Nothing more was changed."
    text = " ".join(str(exc).split())[:160]
    if type(exc).__module__.startswith(("sqlite3", "peewee", "psycopg", "sqlcipher3")):
        return (f"The casebook could not be read or written ({text}): it may be damaged. "
                "Run `clerkdesk check`; nothing more was changed.")
    return (f"Something went wrong that clerkdesk did not expect ({type(exc).__name__}: "
            f"{text}); nothing more was changed. Please report it.")


if __name__ == "__main__":
    sys.exit(main())
