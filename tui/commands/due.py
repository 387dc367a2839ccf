"""`clerkdesk due DATE N`: the date N working days after DATE.

Uses the same working-day clock as the app (weekends and the nation's bank holidays
skipped; day 0 is DATE itself), so the clerk can check a deadline from the shell. Needs
no database, so the council's own closure days are not counted.
"""
from __future__ import annotations

from clerkdesk.tui.commands import CliError

#: beyond this many working days (about 40 years) the answer means nothing
MAX_DAYS = 10_000


def add_parser(subparsers) -> None:
    from clerkdesk.models.core.dates import NATIONS

    p = subparsers.add_parser(
        "due",
        help="the date N working days after DATE (e.g. due 23/12/2026 7)",
        description="Print the date N working days after DATE, skipping weekends and bank "
                    "holidays, as the app counts a due date. DATE is typed the UK way "
                    "(23/12/2026), or today, tomorrow, +3.",
    )
    p.add_argument("date", metavar="DATE", help="e.g. 23/12/2026, today, tomorrow")
    p.add_argument("n", metavar="N", help="working days to add (negative counts back)")
    p.add_argument("--nation", choices=list(NATIONS), default="england",
                   help="whose bank holidays to skip (default: england)")


def run(args) -> int:
    from clerkdesk.models.core import dates

    try:
        start = dates.parse(args.date, nation=args.nation)
    except dates.DateInputError as exc:
        raise CliError(str(exc), 2) from None
    text = str(args.n).strip()
    try:
        n = int(text)
    except ValueError:
        raise CliError(f"'{text[:40]}' is not a number of working days: type a whole number, "
                       "e.g. 7.", 2) from None
    if abs(n) > MAX_DAYS:
        raise CliError(f"{n} working days is too far: at most {MAX_DAYS}.", 2)
    try:
        result = dates.add_working_days(start, n, nation=args.nation)
    except (OverflowError, ValueError, KeyError, NotImplementedError):
        raise CliError(f"Cannot count {n} working day{'s' if abs(n) != 1 else ''} from "
                       f"{dates.fmt(start)}: it runs off the calendar.", 2) from None
    print(dates.fmt(result))
    return 0
