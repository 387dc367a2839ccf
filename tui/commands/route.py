"""`clerkdesk route`: the protocol's route for the facts of one case, JSON in and out.

    echo '{"case": "complaint", "complainant": "member", "subject_role": "corporate_director",
          "raised_with_officer": "unresolved"}' | clerkdesk route --profile principal

Reads one JSON object of facts on standard input and prints the route as JSON on standard
output. Unknown or contradictory facts, bad JSON or a broken profile print one line
`clerkdesk: ...` and exit with status 2. No Textual here: this is the scriptable face.
The README's "Routes from the command line" lists the facts and role keys.
"""
from __future__ import annotations

import json
import sys

from clerkdesk.tui.commands import CliError


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "route",
        help="print the protocol's route for the facts of one case (JSON on stdin)",
        description="Read the facts of one case as a JSON object on standard input and print "
                    "the protocol's route as JSON: outcome, steps (handler, action, in_writing, "
                    "clause), tasks, due_working_days, warnings. The README's section 'Routes from the command line' lists the facts.",
    )
    p.add_argument("--profile", metavar="NAME_OR_PATH", default="town",
                   help="a bundled profile (town, principal) or the path of a .toml copy "
                        "(default: town)")
    p.add_argument("--compact", action="store_true", help="print the JSON on one line")
    p.set_defaults(command="route")


def run(args, stdin=None, stdout=None) -> int:
    from clerkdesk.models.rules import rulebook

    stdin = stdin if stdin is not None else sys.stdin
    stdout = stdout if stdout is not None else sys.stdout
    try:
        profile = rulebook.load_profile(args.profile)
    except rulebook.ProfileError as exc:
        raise CliError(f"profile {exc}", status=2) from None
    text = _read(stdin)
    if not text.strip():
        raise CliError("no facts on standard input: give a JSON object such as "
                       '{"case": "information"}', status=2)
    try:
        facts = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(f"the facts are not valid JSON: {exc.msg} (line {exc.lineno}, "
                       f"column {exc.colno})", status=2) from None
    except ValueError:  # an integer of thousands of digits
        raise CliError("the facts hold a number too long to read: a fact's value is a "
                       "word, true or false, or a short number", status=2) from None
    except RecursionError:
        raise CliError("the facts are nested too deeply to read: give one flat JSON object "
                       'of fact: value, such as {"case": "information"}', status=2) from None
    if not isinstance(facts, dict):
        raise CliError("the facts must be a JSON object of fact: value, "
                       'such as {"case": "information"}', status=2)
    try:
        result = rulebook.route(profile, facts)
    except rulebook.FactError as exc:
        raise CliError(str(exc), status=2) from None
    except (TypeError, ValueError, RecursionError):
        raise CliError("the facts could not be used: each fact's value is a word, true or "
                       "false, or a number (the README's section 'Routes from the command line' lists them)", status=2) from None
    if getattr(args, "compact", False):
        stdout.write(result.to_json(indent=None) + "\n")
    else:
        stdout.write(result.to_json() + "\n")
    return 0


def _read(stdin) -> str:
    """Standard input as text: UTF-8, or one sentence saying it is not."""
    raw = getattr(stdin, "buffer", None)
    try:
        data = raw.read() if raw is not None else stdin.read()
    except UnicodeDecodeError:
        data = None
    if isinstance(data, bytes):
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            data = None
    if data is None:
        raise CliError("the facts are not UTF-8 text: save them as UTF-8 JSON", status=2)
    return data
