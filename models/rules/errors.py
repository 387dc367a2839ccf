"""The rulebook's two errors, apart from it: code that only catches them (a broken
profile never stops the clerk recording a step) need not import the rulebook, whose
dataclasses take 8-10 ms to build, before the desk's first frame. `rulebook` gives the
same classes."""
from __future__ import annotations


class ProfileError(Exception):
    """A profile file that cannot be used; str() is "FILE line N: what is wrong"."""

    def __init__(self, message: str, *, path: str = "", line: int | None = None):
        self.path = path
        self.line = line
        self.problem = message
        where = path or "profile"
        if line:
            where = f"{where} line {line}"
        super().__init__(f"{where}: {message}")


class FactError(ValueError):
    """An unknown, contradictory or missing fact of a case; names the fact."""

    def __init__(self, fact: str, message: str):
        self.fact = fact
        self.message = message
        super().__init__(f"fact '{fact}': {message}")
