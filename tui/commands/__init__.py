"""Subcommands of `clerkdesk`; each module has `add_parser(subparsers)` and `run(args)`."""


class CliError(Exception):
    """A one-line message for the user, with an exit status."""

    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.status = status
