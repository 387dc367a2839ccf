"""The audit log's tamper evidence: row digests and the hash chain.

Just before a transaction commits, the database (`engines._ClerkMixin.commit`) calls
`seal()`, which fills in for each new entry:

- `row_digest`: sha256 of the recorded row's full state as committed (a case's digest
  covers its timeline steps too, which have no entries of their own);
- `changes_digest`: sha256 of the `changes` text;
- `prev_hash` and `hash`: hash = sha256 of a canonical JSON list of (id, at, who, action,
  table, row_id, changes_digest, row_digest, undoes, prev_hash).

So an edited or deleted entry breaks the chain, and a row changed, added or deleted with
no entry behind it no longer matches its latest entry's digest (`integrity.py` checks
both). Works on plain DB-API connections, so `check` needs no Peewee.

A write must never launder such a change (a new entry would vouch for the tampered row):
before clerkdesk writes a row, the database (`engines._ClerkMixin.execute`) calls
`verify_row`, which refuses (`Tampered`) a row that differs from its latest entry, and
before it appends the first entry of a transaction `verify_head`, which refuses a log
whose end is not the head the settings record.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import operator

from clerkdesk.models.core.db import Tampered
from clerkdesk.models.store import backend

#: tables whose rows the log vouches for (the `row_digest` of their latest entry);
#: `step` rows are covered by their case's digest.
ATTESTED = ["council", "ward", "member", "party_group", "interest", "training", "officer",
            "contact", "committee", "committee_seat", "case", "task", "advice", "document"]


HEAD_KEY = "audit.head"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _canon_value(v):
    return backend.canon(v)


#: values every engine gives the same way: no canonical form needed
_PLAIN = (str, int, float, type(None))


#: the one JSON form every digest and hash is taken of
_ENCODER = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), sort_keys=True)


def _make_encode():
    """`_ENCODER.encode`, with its C encoder made once: `JSONEncoder.encode` makes a new
    one (and a float formatter, and a dict for its circular-reference check) on every
    call, a third of the time of encoding one audit entry; `check` and `copy` encode
    every entry and every record. The same text (the same C encoder and options; rows
    and entries hold no cycles, so the check is left out); tests/test_chain_encode.py."""
    try:
        from json.encoder import c_make_encoder, encode_basestring_ascii
    except ImportError:  # pragma: no cover - an interpreter without the C accelerator
        return _ENCODER.encode
    if c_make_encoder is None:  # pragma: no cover
        return _ENCODER.encode
    e = _ENCODER
    make = c_make_encoder(None, e.default, encode_basestring_ascii, None, e.key_separator,
                          e.item_separator, e.sort_keys, e.skipkeys, e.allow_nan)
    join = "".join

    def encode(obj) -> str:
        if isinstance(obj, str):
            return encode_basestring_ascii(obj)
        return join(make(obj, 0))

    return encode


_ENCODE = _make_encode()


def _dumps(obj) -> str:
    return _ENCODE(obj)


def _canonizer(names, *, plain: bool = False):
    """A function turning one row (in *names*' order) into its canonical form: the
    (column, value) pairs sorted by column, each value in `backend.canon`'s one form.
    The order is worked out once per query, not once per row.

    *plain* (SQLite: every value is text, a number, NULL or bytes) pairs the values as
    they are, in C (`zip`); a row whose JSON then fails (bytes) is canonised by the
    caller with the full form (`_canonizer(names)`), which gives the same digest."""
    order = sorted(range(len(names)), key=names.__getitem__)
    pairs = [(i, names[i]) for i in order]
    canon = backend.canon
    if plain:
        sorted_names = [names[i] for i in order]
        if len(order) == 1:
            only = order[0]
            return lambda row: [(sorted_names[0], row[only])]
        getter = operator.itemgetter(*order)
        return lambda row: list(zip(sorted_names, getter(row)))

    def row_canon(row):
        return [(n, v if type(v) in _PLAIN else canon(v))
                for i, n in pairs for v in (row[i],)]

    return row_canon


def _canon_rows(cursor) -> list:
    row_canon = _canonizer([d[0] for d in cursor.description])
    return [row_canon(row) for row in cursor.fetchall()]


_CANONIZERS: dict = {}


def _canonizers(names) -> tuple:
    """(plain, full) `_canonizer`s for the columns *names*, made once per column list
    (a row read for every write would otherwise sort its columns again each time)."""
    key = tuple(names)
    pair = _CANONIZERS.get(key)
    if pair is None:
        if len(_CANONIZERS) > 256:  # tables x schema versions: a few dozen at most
            _CANONIZERS.clear()
        pair = _CANONIZERS[key] = (_canonizer(key, plain=True), _canonizer(key))
    return pair


#: the types whose values are equal only when their JSON is the same (an int and a float,
#: or a bool, can be equal with different texts: 1 == 1.0 == True, 0.0 == -0.0); only
#: values of these are ever looked up by value below
_EXACT_TYPES = frozenset({str, int, bytes, type(None)})


def _exact(row, steps) -> bool:
    """Whether every value of *row* (and of its *steps*) is of an `_EXACT_TYPES` type."""
    types = set(map(type, row))
    if steps:
        types.update(map(type, itertools.chain.from_iterable(steps)))
    return types <= _EXACT_TYPES


def _forget_oldest(kept: dict) -> None:
    """Drop the oldest of *kept* (the states written last stay); should another thread
    change *kept* meanwhile, drop all of it instead."""
    try:
        del kept[next(iter(kept))]
    except (RuntimeError, KeyError, StopIteration):
        kept.clear()


#: the JSON of one step's pairs, by (its column names, its row as the engine gave it): a
#: case's digest covers all its steps, and is taken twice on every write to the case
#: (before, to verify it; at commit, to seal it), while a step, once written, never
#: changes. The text is a function of the key alone (exact values only), so it holds for
#: any casebook. The newest `_STEP_TEXTS_MAX` are kept.
_STEP_TEXTS: dict = {}
_STEP_TEXTS_MAX = 4096


def _steps_text(snames, steps, sfast) -> str:
    """`_ENCODE([sfast(s) for s in steps])`, each step's text made once (`_STEP_TEXTS`);
    for steps whose values are all exact (`_exact`)."""
    texts = _STEP_TEXTS
    parts = []
    for s in steps:
        key = (snames, s)
        text = texts.get(key)
        if text is None:
            text = _ENCODE(sfast(s))
            if len(texts) >= _STEP_TEXTS_MAX:
                _forget_oldest(texts)
            texts[key] = text
        parts.append(text)
    return "[" + ",".join(parts) + "]"


def _state_text(names, row, snames=None, steps=None, *, plain: bool,
                exact: bool | None = None) -> str:
    """The JSON a row's digest is taken of: {"row": its pairs} (and a case's "steps"),
    the values paired as they are where the engine gives only plain values (SQLite),
    else (or when that fails: bytes) in `backend.canon`'s form: the same text either way.
    A case's exact steps (*exact*: `_exact(row, steps)`, worked out if not given) are put
    in as their texts, made once each (`_steps_text`): the same text as encoding the
    whole, since the one form has no spaces and "row" sorts first."""
    fast, full = _canonizers(names)
    if steps is not None:
        sfast, sfull = _canonizers(snames)
    if plain:
        try:
            if steps is None:
                return _ENCODE({"row": fast(row)})
            if exact is None:
                exact = _exact(row, steps)
            if exact:
                return ('{"row":' + _ENCODE(fast(row)) + ',"steps":'
                        + _steps_text(snames, steps, sfast) + "}")
            return _ENCODE({"row": fast(row), "steps": [sfast(s) for s in steps]})
        except TypeError:  # bytes (a document): the full canonical form
            pass
    if steps is None:
        return _ENCODE({"row": full(row)})
    return _ENCODE({"row": full(row), "steps": [sfull(s) for s in steps]})


#: digests by the state they were taken of, for SQLite's plain values: a case written
#: again is read as its last write left it, and the digest of that state (every step's
#: JSON, then sha256) was taken when that write was sealed. Only exact states are kept
#: (`_exact`): an equal state then has the same text, so the same digest.
_DIGESTS: dict = {}
_DIGESTS_MAX = 128


def _state_digest(names, row, snames=None, steps=None, *, plain: bool) -> str:
    """sha256 of `_state_text(...)`, kept for the newest `_DIGESTS_MAX` exact states."""
    if not plain or not _exact(row, steps):
        return sha256(_state_text(names, row, snames, steps, plain=plain, exact=False))
    key = (names, row, snames, None if steps is None else tuple(steps))
    digest = _DIGESTS.get(key)
    if digest is None:
        digest = sha256(_state_text(names, row, snames, steps, plain=plain, exact=True))
        if len(_DIGESTS) >= _DIGESTS_MAX:
            _forget_oldest(_DIGESTS)
        _DIGESTS[key] = digest
    return digest


def row_digest(con, table: str, row_id: int) -> str:
    """sha256 of the row's full state ("" when there is no such row or table)."""
    con = backend.raw(con)
    if table not in ATTESTED:
        return ""
    state = read_state(con, table, row_id)
    return state.digest if state is not None else ""


class RowState:
    """One attested row as its digest covers it, read once: its columns' names and
    values as the engine gives them, for a case its steps' names and rows (in id order),
    and the digest."""

    __slots__ = ("names", "row", "digest", "snames", "steps")

    def __init__(self, names, row, digest: str, snames=None, steps=None):
        self.names, self.row, self.digest = names, row, digest
        self.snames, self.steps = snames, steps


def read_state(con, table: str, row_id) -> RowState | None:
    """The row *row_id* of attested *table* and its digest (`row_digest`'s), or None
    when there is no such row: the same two reads `row_digest` makes (a case's steps
    too), so a caller that needs the row as well reads it only once."""
    con = backend.raw(con)
    cur = con.execute(f'SELECT * FROM "{table}" WHERE id = ?', (row_id,))
    names = tuple(d[0] for d in cur.description)
    row = cur.fetchone()
    if row is None:
        return None
    plain = not backend.con_is_postgres(con)
    if table == "case":
        scur = con.execute('SELECT * FROM "step" WHERE case_id = ? ORDER BY id', (row_id,))
        snames = tuple(d[0] for d in scur.description)
        steps = scur.fetchall()
        return RowState(names, row, _state_digest(names, row, snames, steps, plain=plain),
                        snames, steps)
    return RowState(names, row, _state_digest(names, row, plain=plain))


def digest_after(con, table: str, row_id, before: RowState) -> str:
    """`row_digest` of a row that this transaction read as *before* (`read_state`) and
    may have written since, without reading again what cannot have changed: the row is
    read again, and for a case only the steps added after those *before* holds (a step
    is written once and never changed; the engine forgets *before* on any other write
    to the case's steps: `engines._ClerkMixin`). The same digest as `row_digest`."""
    con = backend.raw(con)
    cur = con.execute(f'SELECT * FROM "{table}" WHERE id = ?', (row_id,))
    names = tuple(d[0] for d in cur.description)
    row = cur.fetchone()
    if row is None:
        return ""
    plain = not backend.con_is_postgres(con)
    if table != "case":
        return _state_digest(names, row, plain=plain)
    if before.steps is None:  # pragma: no cover - read_state gives a case its steps
        return row_digest(con, table, row_id)
    snames, steps = before.snames, before.steps
    last = steps[-1][snames.index("id")] if steps else 0
    scur = con.execute('SELECT * FROM "step" WHERE case_id = ? AND id > ? ORDER BY id',
                       (row_id, last))
    if tuple(d[0] for d in scur.description) != snames:  # pragma: no cover - no schema
        return row_digest(con, table, row_id)          # changes inside a write
    return _state_digest(names, row, snames, steps + scur.fetchall(), plain=plain)


def table_digests(con, table: str) -> dict[int, str]:
    """{id: digest} for every row of an attested table, as `row_digest` computes it."""
    return dict(iter_table_digests(con, table))


def _number(v) -> bool:
    return type(v) in (int, float)


def iter_table_digests(con, table: str):
    """(id, digest) for every row of an attested table in id order, as `row_digest`
    computes it, streamed: one row (and, for a case, its steps) held at a time. A case's
    steps come from a second cursor in case order, merged as the cases go by."""
    con = backend.raw(con)
    plain = not backend.con_is_postgres(con)
    cur = con.execute(f'SELECT * FROM "{table}" ORDER BY id')
    names = [d[0] for d in cur.description]
    id_index = names.index("id")
    fast, full = _canonizer(names, plain=plain), _canonizer(names)
    encode, digest = _ENCODE, hashlib.sha256
    if table != "case":
        for row in cur:
            try:
                text = encode({"row": fast(row)})
            except TypeError:  # bytes (a document): the full canonical form
                text = encode({"row": full(row)})
            yield row[id_index], digest(text.encode("utf-8")).hexdigest()
        return
    # the steps of every case, in case then id order (the index on step.case_id), so
    # each case's steps are read as its row goes by; steps of no case are skipped
    scur = con.execute('SELECT * FROM "step" WHERE case_id IS NOT NULL ORDER BY case_id, id')
    snames = [d[0] for d in scur.description]
    ci = snames.index("case_id")
    sfast, sfull = _canonizer(snames, plain=plain), _canonizer(snames)
    scur = iter(scur)
    pending = next(scur, None)
    for row in cur:
        row_id = row[id_index]
        steps = []
        while pending is not None and _number(pending[ci]) and pending[ci] < row_id:
            pending = next(scur, None)  # a step whose case is gone
        while pending is not None and _number(pending[ci]) and pending[ci] == row_id:
            steps.append(pending)
            pending = next(scur, None)
        try:
            text = encode({"row": fast(row), "steps": [sfast(s) for s in steps]})
        except TypeError:
            text = encode({"row": full(row), "steps": [sfull(s) for s in steps]})
        yield row_id, digest(text.encode("utf-8")).hexdigest()


def entry_hash(id, at, who, action, table, row_id, changes_digest, row_digest, undoes,
               prev_hash) -> str:
    if type(at) is not str:
        at = backend.canon(at)  # text on SQLite, a datetime on PostgreSQL: the same string
    return hashlib.sha256(_ENCODE([id, at, who, action, table, row_id, changes_digest,
                                   row_digest, undoes, prev_hash]).encode("utf-8")).hexdigest()


_ENTRY_SQL = ('SELECT id, at, who, action, "table", row_id, changes, undoes FROM audit '
              'WHERE id = ?')


def seal_entries(con, ids, *, prev: str | None = None, digests: dict | None = None,
                 before: dict | None = None) -> str:
    """Fill in the digests and chain hashes of entries *ids* (ascending), inside the
    caller's transaction; returns the last hash. *digests* may give ready row digests;
    *before*, {(table, id): RowState}, rows the transaction read before it wrote them
    (their digests are taken with `digest_after`).

    In batches: the entries are read a few hundred at a time, the digests of the rows
    they name taken together (one query per table, the cases' steps with them), and the
    entries updated with one executemany, the same values as one at a time."""
    con = backend.raw(con)
    ids = sorted(ids)
    if not ids:
        return prev or ""
    cache: dict = dict(digests or {})
    last_id = None
    for start in range(0, len(ids), _SEAL_BATCH):
        batch = ids[start:start + _SEAL_BATCH]
        marks = ", ".join("?" * len(batch))
        if prev is None:
            # the first batch's read brings the hash of the entry before the first one
            rows = con.execute(f"{_ENTRIES_AND_PREV_SQL} ({marks})",
                               [batch[0], *batch]).fetchall()
            if rows:
                prev = rows[0][-1] or ""
                rows = [r[:-1] for r in rows]
            else:
                r = con.execute(_PREV_SQL, (ids[0],)).fetchone()
                prev = r[0] if r else ""
        else:
            rows = con.execute(f"{_ENTRIES_SQL} ({marks})", batch).fetchall()
        found = {r[0]: r for r in rows}
        wanted: dict[str, set] = {}
        for r in found.values():
            key = (r[4], r[5])
            if key in cache:
                continue
            if before and key in before and r[4] in ATTESTED:
                cache[key] = digest_after(con, r[4], r[5], before[key])
            else:
                wanted.setdefault(r[4], set()).add(r[5])
        for table, row_ids in wanted.items():
            cache.update(_digests_of(con, table, row_ids))
        updates = []
        for entry_id in batch:
            r = found.get(entry_id)
            if r is None:  # rolled back with a savepoint
                continue
            id_, at, who, action, table, row_id, changes, undoes = r
            rd = cache[(table, row_id)]
            cd = sha256(changes or "")
            h = entry_hash(id_, at, who, action, table, row_id, cd, rd, undoes, prev or "")
            updates.append((cd, rd, prev or "", h, id_))
            prev, last_id = h, id_
        if updates:
            con.executemany("UPDATE audit SET changes_digest = ?, row_digest = ?, "
                            "prev_hash = ?, hash = ? WHERE id = ?", updates)
    if last_id is not None:
        set_head(con, f"{last_id} {prev}")
    return prev


#: entries sealed per round trip (well under SQLite's limit of bound parameters)
_SEAL_BATCH = 500


_ENTRIES_SQL = ('SELECT id, at, who, action, "table", row_id, changes, undoes FROM audit '
                'WHERE id IN')

#: the hash of the entry before entry ? (the one a new entry chains onto)
_PREV_SQL = "SELECT hash FROM audit WHERE id < ? ORDER BY id DESC LIMIT 1"

#: `_ENTRIES_SQL` with, in each row, the hash of the entry before the first of them
_ENTRIES_AND_PREV_SQL = ('SELECT id, at, who, action, "table", row_id, changes, undoes, '
                         '(SELECT p.hash FROM audit p WHERE p.id < ? ORDER BY p.id DESC '
                         'LIMIT 1) FROM audit WHERE id IN')


def _digests_of(con, table: str, row_ids) -> dict:
    """{(table, id): digest} for the rows *row_ids* of *table*, as `row_digest` takes
    them ("" for a row that is not there, or a table that is not attested)."""
    out = {(table, i): "" for i in row_ids}
    if table not in ATTESTED:
        return out
    plain = not backend.con_is_postgres(con)
    keys = [i for i in row_ids if isinstance(i, int)]
    for i in row_ids:
        if not isinstance(i, int):
            out[(table, i)] = row_digest(con, table, i)
    for start in range(0, len(keys), _SEAL_BATCH):
        part = keys[start:start + _SEAL_BATCH]
        marks = ", ".join("?" * len(part))
        cur = con.execute(f'SELECT * FROM "{table}" WHERE id IN ({marks}) ORDER BY id', part)
        names = tuple(d[0] for d in cur.description)
        rows = cur.fetchall()
        id_index = names.index("id")
        steps: dict = {}
        snames = None
        if table == "case" and rows:
            scur = con.execute(f'SELECT * FROM "step" WHERE case_id IN ({marks}) ORDER BY id',
                               part)
            snames = tuple(d[0] for d in scur.description)
            ci = snames.index("case_id")
            for srow in scur.fetchall():
                steps.setdefault(srow[ci], []).append(srow)
        for row in rows:
            if table == "case":
                text = _state_text(names, row, snames or (), steps.get(row[id_index], []),
                                   plain=plain)
            else:
                text = _state_text(names, row, plain=plain)
            out[(table, row[id_index])] = sha256(text)
    return out


#: one upsert for both engines (SQLite 3.24+ and PostgreSQL)
UPSERT_SETTING = ("INSERT INTO setting (key, value) VALUES (?, ?) "
                  "ON CONFLICT (key) DO UPDATE SET value = excluded.value")


def set_head(con, value: str) -> None:
    backend.raw(con).execute(UPSERT_SETTING, (HEAD_KEY, value))


def record_label(con, table: str, row_id) -> str:
    """How a message names a record: 'case 3 (REQ-2026-0003)', 'member 2 (Cllr Pryce)'."""
    con = backend.raw(con)
    what = f"{table.replace('_', ' ')} {row_id}"
    try:
        if table == "case":
            r = con.execute('SELECT ref FROM "case" WHERE id = ?', (row_id,)).fetchone()
        elif table in _NAMED:
            r = con.execute(f'SELECT name FROM "{table}" WHERE id = ?', (row_id,)).fetchone()
        else:
            r = None
    except Exception:  # a damaged or missing table: the bare name will do
        r = None
    return f"{what} ({r[0]})" if r and r[0] else what


#: the attested tables with a `name` column
_NAMED = {"council", "ward", "member", "party_group", "officer", "contact", "committee",
          "document"}


_LATEST_SQL = ('SELECT id, at, who, action, "table", row_id, changes_digest, row_digest, '
               'undoes, prev_hash, hash, changes FROM audit WHERE "table" = ? AND row_id = ? '
               'ORDER BY id DESC LIMIT 1')


#: a row's latest entry and, in the same read, the entries either side of it in the
#: chain: the one before (its id, to know there is one, and its hash) and the one after
#: (its id and prev_hash); each a lookup by id
_LATEST_AND_NEIGHBOURS_SQL = (
    'SELECT e.id, e.at, e.who, e.action, e."table", e.row_id, e.changes_digest, '
    'e.row_digest, e.undoes, e.prev_hash, e.hash, e.changes, '
    '(SELECT b.id FROM audit b WHERE b.id < e.id ORDER BY b.id DESC LIMIT 1), '
    '(SELECT b.hash FROM audit b WHERE b.id < e.id ORDER BY b.id DESC LIMIT 1), '
    '(SELECT a.id FROM audit a WHERE a.id > e.id ORDER BY a.id LIMIT 1), '
    '(SELECT a.prev_hash FROM audit a WHERE a.id > e.id ORDER BY a.id LIMIT 1) '
    'FROM (' + _LATEST_SQL + ') e')


TAMPERED_ADVICE = ("nothing was saved; run `clerkdesk check` to see what differs, and "
                   "restore a backup or ask for advice before changing it")


def redaction_ok(con, entry_id: int, changes: str) -> bool:
    """*changes* is the marker retention leaves in an entry it redacted: it names a later
    `anonymise` entry, and that entry lists *entry_id* among those it redacted."""
    try:
        by = int(json.loads(changes)["_redacted"])
    except (ValueError, KeyError, TypeError):
        return False
    if by <= entry_id:
        return False
    row = backend.raw(con).execute("SELECT action, changes FROM audit WHERE id = ?",
                                   (by,)).fetchone()
    if not row or row[0] != "anonymise":
        return False
    try:
        listed = json.loads(row[1]).get("_redacts", [None, []])[1]
    except (ValueError, AttributeError, IndexError, TypeError):
        return False
    return isinstance(listed, list) and entry_id in listed


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def verify_row(con, table: str, row_id, pending=(), *, state: RowState | None = None,
               read: bool = False) -> None:
    """Refuse (Tampered) to write a row that no longer matches its latest audit entry:
    changed, added or deleted behind clerkdesk's back; or whose latest entry was edited
    (its hash, its changes' digest) or cut out of the chain (its links to the entries
    either side). A row with neither an entry nor a row (not made yet) is fine. Called
    inside the writer's transaction, before the row is written (see engines); *pending*
    are the ids of the entries this transaction appended (they are sealed at its commit).
    *read* says the caller read the row already in this transaction (*state*, `read_state`,
    None when there was no row), so it is not read again."""
    con = backend.raw(con)
    if table not in ATTESTED:
        return
    entry = con.execute(_LATEST_AND_NEIGHBOURS_SQL, (table, row_id)).fetchone()
    if not read:
        state = read_state(con, table, row_id)
    current = state.digest if state is not None else ""
    if entry is None:
        if current:
            raise Tampered(f"{_capital(record_label(con, table, row_id))} has no audit "
                           f"entry: it was added outside clerkdesk, so {TAMPERED_ADVICE}.")
        return
    (id_, at, who, action, tbl, rid, cd, rd, undoes, ph, h, changes,
     before_id, before_hash, after_id, after_prev) = entry
    edited = (entry_hash(id_, at, who, action, tbl, rid, cd, rd, undoes, ph) != h
              or (sha256(changes or "") != cd and not redaction_ok(con, id_, changes or "")))
    if not edited:
        # an entry this transaction appended is linked (sealed) at its commit, not before
        after_sealed = after_id is not None and after_id not in pending
        edited = ((ph != (before_hash if before_id is not None else ""))
                  or (after_sealed and after_prev != h))
    if edited:
        raise Tampered(f"The audit entry #{id_} of {record_label(con, table, row_id)} was "
                       f"edited, or the entries beside it, outside clerkdesk, so "
                       f"{TAMPERED_ADVICE}.")
    if rd != current:
        how = "deleted" if not current else "changed"
        raise Tampered(f"{_capital(record_label(con, table, row_id))} was {how} outside "
                       f"clerkdesk after its last recorded change (audit entry #{id_}), so "
                       f"{TAMPERED_ADVICE}.")


def verify_new_row(con, table: str, row_id) -> None:
    """Refuse (Tampered) a new row whose id the log already knows: its row was deleted
    outside clerkdesk, and a `create` entry for the new one would hide that."""
    con = backend.raw(con)
    entry = con.execute('SELECT id, row_digest FROM audit WHERE "table" = ? AND row_id = ? '
                        "ORDER BY id DESC LIMIT 1", (table, row_id)).fetchone()
    if entry is not None and entry[1]:
        what = f"{table.replace('_', ' ')} {row_id}"
        raise Tampered(f"The {what} in the audit log (entry #{entry[0]}) was deleted outside "
                       f"clerkdesk, and a new record would take its place, so "
                       f"{TAMPERED_ADVICE}.")


#: the log's last entry and, in the same read, the head the settings record
_LAST_AND_HEAD_SQL = ('SELECT id, at, who, action, "table", row_id, changes_digest, '
                      'row_digest, undoes, prev_hash, hash, '
                      '(SELECT value FROM setting WHERE key = ?) FROM audit '
                      'ORDER BY id DESC LIMIT 1')


def verify_head(con) -> None:
    """Refuse (Tampered) to extend a log whose last entry is not the head recorded in the
    settings (entries deleted from its end, or the head edited), or whose last entry was
    edited: a new entry chained onto it would hide that."""
    con = backend.raw(con)
    last = con.execute(_LAST_AND_HEAD_SQL, (HEAD_KEY,)).fetchone()
    if last is None:
        row = con.execute("SELECT value FROM setting WHERE key = ?", (HEAD_KEY,)).fetchone()
        if row and row[0]:
            raise Tampered("The audit log is empty but its head says it held entries: they "
                           f"were deleted outside clerkdesk, so {TAMPERED_ADVICE}.")
        return
    id_, at, who, action, tbl, rid, cd, rd, undoes, ph, h, head = last
    if head != f"{id_} {h}":
        raise Tampered(f"The end of the audit log does not match its recorded head (entry "
                       f"{(head or 'none').split()[0]}, the log ends at #{id_}): entries were "
                       f"deleted or edited outside clerkdesk, so {TAMPERED_ADVICE}.")
    if entry_hash(id_, at, who, action, tbl, rid, cd, rd, undoes, ph) != h:
        raise Tampered(f"The last audit entry #{id_} was edited outside clerkdesk, so "
                       f"{TAMPERED_ADVICE}.")


def seal(db, ids, before: dict | None = None) -> None:
    """Called by the database just before COMMIT with the entries this transaction added
    (and the rows it read before writing them: `seal_entries`)."""
    seal_entries(db.connection(), ids, before=before)
