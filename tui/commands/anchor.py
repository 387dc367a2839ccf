"""`clerkdesk anchor`: one short line naming the audit chain's head now, to paste into an
email or the minutes. Kept where nobody with the casebook file can reach it, it is what
`clerkdesk check --since TOKEN` proves later: that nothing recorded up to it was
rewritten, even by someone who recomputed every hash. Reads only. No Textual here.
"""
from __future__ import annotations

from clerkdesk.tui.commands import CliError, say
from clerkdesk.tui.commands.check import add_passphrase_option, casebook_path, passphrase


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "anchor",
        help="print the audit chain's head as one line for an email or the minutes",
        description="Print one line naming the audit chain's head now (its entry, date and "
                    "hash). Put it where the casebook cannot reach it (an email, the "
                    "minutes); later, `clerkdesk check --since TOKEN` proves that nothing "
                    "recorded up to it has been rewritten. Reads only.",
    )
    add_passphrase_option(p)


def run(args) -> int:
    from clerkdesk.models.core import db
    from clerkdesk.models.store import anchor, backend, files

    path = casebook_path(args)
    try:
        if not backend.is_url(path):
            files.check_path(path, writable=False,
                             encrypted=bool(passphrase(args)) or files.is_encrypted_file(path))
        head = anchor.head_of(path, passphrase=passphrase(args))
    except db.DatabaseError as exc:
        raise CliError(str(exc)) from None
    if head is None:
        raise CliError("The casebook has no audit entries yet: there is nothing to anchor.")
    say(head.line())
    return 0
