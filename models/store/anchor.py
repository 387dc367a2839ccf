"""Anchoring the audit chain outside the casebook.

`check` proves that every entry links to the one before and every row matches its latest
entry, but someone with the file could rewrite the whole log and recompute every hash:
the chain would verify again. What they cannot change is a head written down somewhere
they cannot reach. So:

- `current(con)`: the chain's head now (its entry, hash and date), which the committee
  report prints and `clerkdesk anchor` gives as one short line for an email or the
  minutes (`line`);
- `verify_since(where, token)`: `clerkdesk check --since TOKEN` proves that the anchored
  head is still in today's chain, its hash recomputed from the first entry, and that
  every entry after it links back to it: nothing recorded up to it was rewritten since.

The token is `<entry id>:<the head's hash, at least 16 hex digits>`; a bare hash (or a
prefix of 16 or more digits) will do too. Works on plain DB-API connections.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from clerkdesk.models.core.db import DatabaseError
from clerkdesk.models.store import backend, chain
from clerkdesk.models.store.engines import connect_raw

#: hex digits of the hash in an anchor line (128 bits: short enough to copy, far too
#: many to forge)
SHOWN = 32

#: the fewest hex digits `--since` accepts
FEWEST = 16


@dataclass(frozen=True)
class Head:
    entry: int
    hash: str
    at: str  # the entry's time, as the log holds it (ISO)
    council: str = ""

    @property
    def token(self) -> str:
        return f"{self.entry}:{self.hash[:SHOWN]}"

    @property
    def when(self) -> str:
        """The entry's time the UK way: 28/11/2026 14:02."""
        text = backend.canon(self.at) or ""
        m = re.match(r"(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d)", str(text))
        return f"{m[3]}/{m[2]}/{m[1]} {m[4]}:{m[5]}" if m else str(text)

    def line(self) -> str:
        """One line to paste into an email or the minutes."""
        who = f"{self.council}: " if self.council else ""
        return (f"{who}clerkdesk audit chain head #{self.entry} of {self.when}: {self.token} "
                f"(verify with: clerkdesk check --since {self.token})")


def current(con) -> Head | None:
    """The chain's head now (None for a casebook with no entries yet)."""
    con = backend.raw(con)
    row = con.execute("SELECT id, hash, at FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    if row is None or not row[1]:
        return None
    try:
        council = con.execute("SELECT name FROM council ORDER BY id LIMIT 1").fetchone()
    except Exception:
        council = None
    return Head(row[0], row[1], row[2], council[0] if council else "")


def head_of(where, *, passphrase: str | None = None) -> Head | None:
    """The head of the casebook at a path or postgresql:// URL (read only)."""
    con = _connect(where, passphrase)
    try:
        return current(con)
    finally:
        con.close()


@dataclass
class Since:
    ok: bool
    summary: str

    def line(self) -> str:
        return f"anchor: {'ok' if self.ok else 'FAILED'} ({self.summary})"


_TOKEN = re.compile(r"^#?(?:(\d+)\s*[: ]\s*)?([0-9a-fA-F]+)$")


def parse(token: str) -> tuple[int | None, str]:
    """(entry id or None, hash prefix, lower case) from an anchor token; DatabaseError
    saying what was expected otherwise."""
    m = _TOKEN.match((token or "").strip())
    if not m or len(m.group(2)) < FEWEST or len(m.group(2)) > 64:
        raise DatabaseError(f"'{(token or '')[:80]}' is not an anchor: give what `clerkdesk "
                            "anchor` printed, e.g. 213:1c0a0ef7bd36f0a1... (the entry number, "
                            f"a colon and at least {FEWEST} digits of the hash).")
    return (int(m.group(1)) if m.group(1) else None), m.group(2).lower()


def verify(con, token: str) -> Since:
    """Is the anchored head still in this chain, with every hash up to it recomputing and
    every later entry linking back to it?"""
    con = backend.raw(con)
    entry_id, prefix = parse(token)
    if entry_id is None:
        found = [r[0] for r in con.execute("SELECT id FROM audit WHERE hash LIKE ? ORDER BY id",
                                           (prefix + "%",)).fetchall()]
        if len(found) != 1:
            return Since(False, f"no entry of today's chain has the anchored hash {prefix[:12]}: "
                                "the log was rewritten since, or this is another casebook")
        entry_id = found[0]
    prev = ""
    anchored = None
    n_after = 0
    for (id_, at, who, action, table, row_id, cd, rd, undoes, ph, h) in con.execute(
            'SELECT id, at, who, action, "table", row_id, changes_digest, row_digest, undoes, '
            "prev_hash, hash FROM audit ORDER BY id").fetchall():
        if anchored is None:
            if ph != prev or chain.entry_hash(id_, at, who, action, table, row_id, cd, rd,
                                              undoes, ph) != h:
                if id_ <= entry_id:
                    return Since(False, f"entry #{id_}, before the anchored head #{entry_id}, "
                                        "was changed since: its hash no longer recomputes")
            if id_ == entry_id:
                if not h.startswith(prefix):
                    return Since(False, f"entry #{entry_id} no longer has the anchored hash "
                                        f"{prefix[:12]} (it is {h[:12]} now): the log up to it "
                                        "was rewritten since")
                anchored = h
            elif id_ > entry_id:
                break
        else:
            if n_after == 0 and ph != anchored:
                return Since(False, f"the entry after the anchored head #{entry_id} no longer "
                                    "links to it: entries were inserted or rewritten after it")
            n_after += 1
        prev = h
    if anchored is None:
        return Since(False, f"today's chain has no entry #{entry_id}: entries were deleted "
                            "since the anchor was taken")
    return Since(True, f"head #{entry_id} {prefix[:12]} is still in the chain, every hash up "
                       f"to it recomputed; {n_after} entr{'y' if n_after == 1 else 'ies'} "
                       "since")


def _connect(where, passphrase):
    if backend.is_url(where):
        return backend.connect_url(str(where))
    return connect_raw(Path(where), passphrase, readonly=True)


def verify_since(where, token: str, *, passphrase: str | None = None) -> Since:
    parse(token)  # a bad token is a sentence before anything is opened
    con = _connect(where, passphrase)
    try:
        return verify(con, token)
    finally:
        con.close()
