"""Subcommands of `clerkdesk`; each module has `add_parser(subparsers)` and `run(args)`.

Everything a subcommand prints to the terminal goes through `shown` (`say` prints with
it): a control character (an escape sequence from a CSV name that would retitle the
window or clear the screen, a raw control character from a fact name) is shown escaped,
never sent to the terminal.
"""
from __future__ import annotations

import re
import sys


class CliError(Exception):
    """A one-line message for the user, with an exit status."""

    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.status = status


#: C0 and C1 control characters but the newline, DEL, and the bidirectional overrides
#: that make text read differently from what it is
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e"
                      "\u2066-\u2069]")


def _escape(m: re.Match) -> str:
    ch = m.group(0)
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown(text) -> str:
    """*text* as it is safe to print: control characters shown escaped (`\\x1b`), lines
    kept as lines."""
    return _CONTROL.sub(_escape, str(text))


def say(text="", *, file=None) -> None:
    """print() for the terminal: the text through `shown`."""
    print(shown(text), file=file if file is not None else sys.stdout)
