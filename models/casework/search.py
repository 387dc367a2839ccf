"""Finding any record by what it says: full-text search over cases (reference, subject,
details, timeline notes, the people on them), members, officers, party groups and
committees.

One public entry point for the command palette, `search(text, kinds=None, limit=20)`,
returning (kind, id, label, detail) tuples, and one for the case lists' filter,
`ids_matching(words, kind)`, a subquery of ids. Both hide how it is done: here with an
SQLite FTS5 table (`search_index`, trigram tokenizer: every word typed matches anywhere
inside a word, case-insensitively, like the lists' LIKE filter, but from an index) kept
current by triggers; on PostgreSQL the same table carries a `tsvector` column (generated
from the label and body, 'simple' configuration, GIN index) kept current by plpgsql
triggers, and each word typed matches as a word prefix (`word:*`).

Words shorter than the trigram's 3 characters (the palette's `bu`, `as`) are found by
word prefix from a second, small FTS5 table on SQLite, `search_index_words`: the labels
alone, tokenized by word, with a prefix index of 2 characters (`prefix='2'`), so
`bu` is one index lookup (`"bu"*`), never a scan of every label. The same triggers keep it
current (a case's label is its reference and subject: a timeline step leaves it alone).

`ensure_search(db)` creates the tables and their triggers if missing (idempotent) and
fills them when empty; the functions here call it on first use per database.
No Textual here.
"""
from __future__ import annotations

import threading
import weakref

from peewee import SQL

from clerkdesk.models.casework.privacy import HIDDEN, case_is_private
from clerkdesk.models.core.db import database
from clerkdesk.models.core.vocab import COMPLAINT_KINDS, KIND_SHORT, REQUEST_KINDS
from clerkdesk.models.store import backend

TABLE = "search_index"


#: the labels by word, for short words (SQLite only; named under TABLE so that what skips
#: the search index's own tables, `search_index%`, skips this one too)
WORDS = "search_index_words"


#: the kinds of record, their code in the index's rowid (rowid = id * 8 + code)
KINDS = {"case": 1, "member": 2, "officer": 3, "party_group": 4, "committee": 5, "advice": 6}


#: the kinds `search()` finds unless told otherwise (the palette, api.find): the advice
#: register's rows are found by `similar()`, for the "same matter" question
RECORD_KINDS = ("case", "member", "officer", "party_group", "committee")


#: the kinds of record, with the table each is made from
_TABLES = (("case", '"case"'), ("member", "member"), ("officer", "officer"),
           ("party_group", "party_group"), ("committee", "committee"), ("advice", "advice"))


#: words shorter than this cannot use the trigram index
MIN_WORD = 3


_lock = threading.Lock()


class _PerDatabase:
    """The databases a one-time step was done for, kept with the database objects
    themselves (weakly) and the file each was open on: a closed database's id, given to
    one opened later, or an object opened again on another file, is never taken for one
    the step was done for."""

    def __init__(self) -> None:
        self._done: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def __contains__(self, db) -> bool:
        return self._done.get(db) == str(getattr(db, "database", ""))

    def add(self, db) -> None:
        self._done[db] = str(getattr(db, "database", ""))

    def discard(self, db) -> None:
        self._done.pop(db, None)


#: the databases whose search table and triggers `ensure_search` has made sure of
_ready = _PerDatabase()


def _case_labels() -> str:
    """A SQL CASE giving each case kind's labels, so "inspection" finds document inspections."""
    whens = []
    for key in sorted({**REQUEST_KINDS, **COMPLAINT_KINDS}):
        labels = {REQUEST_KINDS.get(key) or COMPLAINT_KINDS.get(key), KIND_SHORT.get(key)}
        text = " ".join(sorted(x for x in labels if x)).replace("'", "''")
        whens.append(f"WHEN '{key}' THEN '{text}'")
    return f"(CASE c.kind {' '.join(whens)} ELSE '' END)"


def _docs(pg: bool = False) -> dict[str, str]:
    """kind -> a SELECT of (rowid, kind, ref_id, label, detail, body); `{where}` is filled in."""
    return {
        "case": (
            "SELECT c.id * 8 + 1, 'case', c.id, c.ref || '  ' || c.subject, "
            "(CASE c.type WHEN 'request' THEN 'Request' ELSE 'Complaint' END) || ' · ' || c.status"
            " || (CASE WHEN COALESCE(m.name, '') <> '' THEN ' · ' || m.name ELSE '' END)"
            " || (CASE WHEN c.archived THEN ' · archived' ELSE '' END), "
            "c.kind || ' ' || " + _case_labels() + " || ' ' || c.status || ' ' || c.stage || ' ' || "
            "COALESCE(m.name, '') || ' ' || COALESCE(o.name, '') || ' ' || c.details || ' ' || "
            "COALESCE((SELECT " + ("string_agg(s.note, ' ')" if pg else "group_concat(s.note, ' ')")
            + " FROM step s WHERE s.case_id = c.id), '') "
            'FROM "case" c '
            "LEFT JOIN member m ON m.id = COALESCE(c.member_id, c.complainant_member_id) "
            "LEFT JOIN officer o ON o.id = c.owner_id WHERE {where}"),
        "member": (
            "SELECT x.id * 8 + 2, 'member', x.id, x.name, "
            "'Member' || COALESCE(' · ' || w.name, '') || ' · ' || COALESCE(g.name, 'Independent')"
            " || (CASE WHEN x.archived THEN ' · archived' ELSE '' END), "
            "COALESCE(w.name, '') || ' ' || COALESCE(g.name, '') || ' ' || x.roles || ' ' || x.email "
            "FROM member x LEFT JOIN ward w ON w.id = x.ward_id "
            "LEFT JOIN party_group g ON g.id = x.group_id WHERE {where}"),
        "officer": (
            "SELECT x.id * 8 + 3, 'officer', x.id, x.name, "
            "'Officer' || (CASE WHEN x.job_title <> '' THEN ' · ' || x.job_title ELSE '' END)"
            " || (CASE WHEN x.archived THEN ' · archived' ELSE '' END), "
            "x.job_title || ' ' || x.department || ' ' || x.roles || ' ' || x.email "
            "FROM officer x WHERE {where}"),
        "party_group": (
            "SELECT x.id * 8 + 4, 'party_group', x.id, x.name, 'Party group'"
            " || (CASE WHEN x.archived THEN ' · archived' ELSE '' END), x.notes "
            "FROM party_group x WHERE {where}"),
        "committee": (
            "SELECT x.id * 8 + 5, 'committee', x.id, x.name, 'Committee'"
            " || (CASE WHEN x.archived THEN ' · archived' ELSE '' END), x.functions "
            "FROM committee x WHERE {where}"),
        "advice": (
            "SELECT x.id * 8 + 6, 'advice', x.id, x.matter, 'Advice'"
            " || (CASE WHEN x.archived THEN ' · archived' ELSE '' END), x.summary "
            "FROM advice x WHERE {where}"),
    }


def _insert_doc(kind: str, where: str, pg: bool = False) -> str:
    return (f"INSERT INTO {TABLE} (rowid, kind, ref_id, label, detail, body) "
            + _docs(pg)[kind].format(where=where))


_PG_TABLE = (f"CREATE TABLE IF NOT EXISTS {TABLE} (rowid BIGINT PRIMARY KEY, kind TEXT NOT NULL, "
             "ref_id INTEGER NOT NULL, label TEXT, detail TEXT, body TEXT, "
             "tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', regexp_replace(coalesce(label, "
             "'') || ' ' || coalesce(body, ''), '[^[:alnum:]]+', ' ', 'g'))) STORED)")


_PG_INDEX = f"CREATE INDEX IF NOT EXISTS {TABLE}_tsv ON {TABLE} USING GIN (tsv)"


def _pg_redo(kind: str, id_expr: str) -> str:
    return (f"DELETE FROM {TABLE} WHERE rowid = ({id_expr}) * 8 + {KINDS[kind]}; "
            + _insert_doc(kind, ("c" if kind == "case" else "x") + f".id = {id_expr}", True) + ";")


def _pg_triggers() -> dict[str, tuple[str, str, str]]:
    """name -> (table, events, plpgsql body)."""
    out = {}
    for kind, table in _TABLES:
        body = (f"IF TG_OP = 'DELETE' THEN DELETE FROM {TABLE} WHERE rowid = OLD.id * 8 + "
                f"{KINDS[kind]}; RETURN OLD; END IF; {_pg_redo(kind, 'NEW.id')} ")
        if kind in ("member", "officer"):
            cond = ("(c.member_id = NEW.id OR c.complainant_member_id = NEW.id)"
                    if kind == "member" else "c.owner_id = NEW.id")
            body += (f"IF TG_OP = 'UPDATE' AND NEW.name IS DISTINCT FROM OLD.name THEN "
                     f"DELETE FROM {TABLE} WHERE rowid IN (SELECT c.id * 8 + 1 FROM \"case\" c "
                     f"WHERE {cond}); {_insert_doc('case', cond, True)}; END IF; ")
        out[f"search_{kind}_trg"] = (table, "INSERT OR UPDATE OR DELETE", body + "RETURN NEW;")
    out["search_step_trg"] = ("step", "INSERT OR UPDATE OR DELETE",
                              "IF TG_OP = 'DELETE' THEN " + _pg_redo("case", "OLD.case_id")
                              + " RETURN OLD; END IF; " + _pg_redo("case", "NEW.case_id")
                              + " RETURN NEW;")
    return out


def _ensure_pg(db, force: bool) -> None:
    con = backend.raw(db.connection())
    triggers = _pg_triggers()
    have_table = TABLE in backend.tables(con)
    have = {r[0] for r in con.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")}
    missing = [name for name in triggers if name not in have]
    if have_table and not missing and not force:
        return
    with db.atomic():
        con.execute(_PG_TABLE)
        con.execute(_PG_INDEX)
        for name, (table, events, body) in triggers.items():
            con.execute(f"CREATE OR REPLACE FUNCTION {name}_fn() RETURNS trigger "
                        f"LANGUAGE plpgsql AS $clerk$ BEGIN {body} END $clerk$")
            con.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            con.execute(f"CREATE TRIGGER {name} AFTER {events} ON {table} FOR EACH ROW "
                        f"EXECUTE FUNCTION {name}_fn()")
        empty = con.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {TABLE})").fetchone()[0]
        if empty or missing or force:
            rebuild(db)


def _tsquery(words: list[str]) -> str:
    """'word':* & 'other':* for to_tsquery('simple', ...): each word as a prefix."""
    parts = []
    for w in words:
        for piece in "".join(ch if ch.isalnum() else " " for ch in w.lower()).split():
            parts.append("'" + piece + "':*")
    return " & ".join(parts)


def _redo(kind: str, id_expr: str) -> str:
    """Trigger statements that rewrite the document of record *id_expr*."""
    return (f"DELETE FROM {TABLE} WHERE rowid = ({id_expr}) * 8 + {KINDS[kind]}; "
            + _insert_doc(kind, ("c" if kind == "case" else "x") + f".id = {id_expr}") + ";")


def _redo_words(kind: str, id_expr: str) -> str:
    """Trigger statements that copy record *id_expr*'s label into the words table."""
    rowid = f"({id_expr}) * 8 + {KINDS[kind]}"
    return (f"DELETE FROM {WORDS} WHERE rowid = {rowid}; "
            f"INSERT INTO {WORDS} (rowid, label) SELECT rowid, label FROM {TABLE} "
            f"WHERE rowid = {rowid};")


#: the columns of a case its document is made from (`_docs`): an update that changes
#: none of them (a step's version, updated_at, priority, dates...) leaves the index alone
CASE_COLUMNS = ("ref", "subject", "type", "kind", "status", "stage", "details", "archived",
                "member_id", "complainant_member_id", "owner_id")


def _case_update_event() -> str:
    """The case's update trigger's event: only when an indexed column changed (Peewee's
    save writes every column, so `UPDATE OF` alone would still fire; the WHEN compares).
    A step's own change of the case (version, updated_at) then rebuilds the case's
    document once, in the step's trigger, not twice."""
    cols = ", ".join(CASE_COLUMNS)
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in CASE_COLUMNS)
    return f'AFTER UPDATE OF {cols} ON "case" FOR EACH ROW WHEN {changed}'


def _triggers(words: bool = True) -> dict[str, str]:
    """The SQLite triggers; with *words*, keeping the words table current too."""
    out = {}
    for kind, table in _TABLES:
        redo = _redo(kind, "NEW.id") + (" " + _redo_words(kind, "NEW.id") if words else "")
        out[f"search_{kind}_ai"] = f"AFTER INSERT ON {table} BEGIN {redo} END"
        event = _case_update_event() if kind == "case" else f"AFTER UPDATE ON {table}"
        out[f"search_{kind}_au"] = f"{event} BEGIN {redo} END"
        out[f"search_{kind}_ad"] = (f"AFTER DELETE ON {table} BEGIN DELETE FROM {TABLE} "
                                    f"WHERE rowid = OLD.id * 8 + {KINDS[kind]}; "
                                    + (f"DELETE FROM {WORDS} WHERE rowid = OLD.id * 8 + "
                                       f"{KINDS[kind]}; " if words else "") + "END")
    for event, ref in (("ai", "NEW"), ("au", "NEW"), ("ad", "OLD")):
        verb = {"ai": "INSERT", "au": "UPDATE", "ad": "DELETE"}[event]
        out[f"search_step_{event}"] = (f"AFTER {verb} ON step BEGIN "
                                       f"{_redo('case', ref + '.case_id')} END")
    # a renamed person: the cases that name them
    redo_cases = ("DELETE FROM " + TABLE + " WHERE rowid IN (SELECT c.id * 8 + 1 FROM \"case\" c "
                  "WHERE {cond}); " + _insert_doc("case", "{cond}") + ";")
    out["search_member_name"] = (
        "AFTER UPDATE OF name ON member BEGIN "
        + redo_cases.format(cond="(c.member_id = NEW.id OR c.complainant_member_id = NEW.id)")
        + " END")
    out["search_officer_name"] = (
        "AFTER UPDATE OF name ON officer BEGIN "
        + redo_cases.format(cond="c.owner_id = NEW.id") + " END")
    return out


def _tokenizer(con) -> str:
    try:
        con.execute("CREATE VIRTUAL TABLE temp._clerk_probe USING fts5(x, tokenize='trigram')")
        con.execute("DROP TABLE temp._clerk_probe")
        return "trigram"
    except Exception:
        return "unicode61 remove_diacritics 2"


def ensure_search(db=None, *, force: bool = False) -> None:
    """Create the search table and its triggers if missing, and fill it when empty (or when
    a trigger had to be recreated, since rows may have changed without it). Idempotent."""
    db = db or database.obj
    if db in _ready and not force:
        return
    with _lock:
        if db in _ready and not force:
            return
        if backend.is_postgres(db):
            _ensure_pg(db, force)
            _ready.add(db)
            return
        con = db.connection()
        have = {r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")}
        # a new index (or a rebuilt one) has the words table; a casebook indexed before it
        # was added gets it from `ensure_words`, when a short word is first looked for
        words = WORDS in have or TABLE not in have or force
        triggers = _triggers(words)
        missing = [name for name in triggers if name not in have]
        if TABLE in have and not missing and not force:
            _replace_stale(db, con, triggers)
            _ready.add(db)
            return
        with db.atomic():
            if TABLE not in have:
                con.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5("
                            "kind UNINDEXED, ref_id UNINDEXED, label, detail UNINDEXED, body, "
                            f"tokenize='{_tokenizer(con)}')")
            if words and WORDS not in have:
                _create_words(con, triggers)
            for name, body in triggers.items():
                con.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")
            empty = con.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {TABLE})").fetchone()[0]
            if empty or missing or force:
                rebuild(db)
        _replace_stale(db, con, triggers)
        _ready.add(db)


#: the databases whose search triggers are today's
_current = _PerDatabase()


def _stale(con, triggers: dict[str, str]) -> list[str]:
    """The triggers present whose definition is not today's (SQLite keeps each as
    `CREATE TRIGGER name body`, as written, without IF NOT EXISTS)."""
    sql = {r[0]: r[1] for r in con.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'search\\_%' "
        "ESCAPE '\\'")}
    return [name for name, body in triggers.items()
            if name in sql and sql[name] != f"CREATE TRIGGER {name} {body}"]


def _replace_stale(db, con, triggers: dict[str, str]) -> None:
    """Replace the search triggers an older clerkdesk made (the case's update trigger
    before it was narrowed to the indexed columns) with today's, in one transaction.
    The index is not rebuilt: every old trigger kept it current (the old ones did more
    work, never less). Never on a read-only casebook (the old trigger keeps working
    there); idempotent, once per database."""
    if db in _current or getattr(db, "clerk_readonly", False):
        return
    stale = _stale(con, triggers)
    if stale:
        with db.atomic():
            for name in stale:
                con.execute(f"DROP TRIGGER IF EXISTS {name}")
                con.execute(f"CREATE TRIGGER {name} {triggers[name]}")
    _current.add(db)


def current_triggers(db=None) -> None:
    """Bring an indexed casebook's search triggers up to date before a write that relies on
    them being narrow (`cases.add_step`), without building the index on one that has none
    (SQLite; PostgreSQL's are left as they are). Idempotent, once per database."""
    db = db or database.obj
    if db in _current or db in _unindexed or backend.is_postgres(db):
        return
    with _lock:
        con = db.connection()
        tables = backend.tables(backend.raw(con))
        if TABLE not in tables:
            # not asked again for this database (every step asked): an index made later
            # here is made with today's triggers (`ensure_search`), and an older trigger
            # only does more work, never less
            _unindexed.add(db)
            return
        _replace_stale(db, con, _triggers(WORDS in tables))


#: the databases `current_triggers` found without a search index (the objects
#: themselves, not their ids: a database opened later may be given a closed one's id)
_unindexed: weakref.WeakSet = weakref.WeakSet()


#: the databases whose words table `ensure_words` has made sure of
_words_ready = _PerDatabase()


def ensure_words(db=None) -> None:
    """The words table of a casebook indexed before it was added: created, filled from
    the search index (a few seconds at 200,000 cases, once), its triggers rewritten to
    keep it current. Idempotent; SQLite only."""
    db = db or database.obj
    ensure_search(db)
    if db in _words_ready or backend.is_postgres(db):
        return
    with _lock:
        con = db.connection()
        have = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if WORDS not in have:
            with db.atomic():
                _create_words(con, _triggers(True))
                for name, body in _triggers(True).items():
                    con.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")
                _fill_words(con)
        _words_ready.add(db)


def _create_words(con, triggers: dict[str, str]) -> None:
    """Create the words table; the triggers that keep the search index are dropped, to be
    created again keeping the words table too."""
    con.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {WORDS} USING fts5(label, "
                "tokenize='unicode61 remove_diacritics 2', prefix='2')")
    for name in triggers:
        con.execute(f"DROP TRIGGER IF EXISTS {name}")


def _fill_words(con) -> None:
    con.execute(f"DELETE FROM {WORDS}")
    con.execute(f"INSERT INTO {WORDS} (rowid, label) SELECT rowid, label FROM {TABLE}")


def rebuild(db=None) -> None:
    """Refill the search table from the records (inside the caller's transaction)."""
    db = db or database.obj
    pg = backend.is_postgres(db)
    con = backend.raw(db.connection())
    con.execute(f"DELETE FROM {TABLE}")
    for kind in KINDS:
        con.execute(_insert_doc(kind, "TRUE" if pg else "1", pg))
    if not pg and WORDS in backend.tables(con):
        _fill_words(con)


def forget(db=None) -> None:
    """Forget that *db* was made sure of (its triggers or tables changed since: a test, a
    migration); a database opened later is never taken for it (`_PerDatabase`)."""
    db = db or database.obj
    for done in (_ready, _words_ready, _current, _unindexed):
        done.discard(db)


def _words(text) -> list[str]:
    if isinstance(text, str):
        text = text.split()
    return [w for w in text if w]


def _phrase(words: list[str]) -> str:
    return " AND ".join('"' + w.replace('"', '""') + '"' for w in words)


def indexable(word: str) -> bool:
    return len(word) >= MIN_WORD


def ids_matching(words, kind: str = "case"):
    """A subquery of the ids of *kind* records matching every word (each at least
    MIN_WORD characters long), for `Model.id.in_(...)`."""
    ensure_search()
    words = _words(words)
    if backend.is_postgres(database):
        return SQL(f"(SELECT ref_id FROM {TABLE} WHERE tsv @@ to_tsquery('simple', %s) "
                   "AND kind = %s)", [_tsquery(words) or "''", kind])
    # the id and the kind from the rowid (id * 8 + code): reading the kind column would
    # read every match's stored row (32 ms for `bus` at 200,000 cases, against 0.3 ms)
    return SQL(f"(SELECT rowid / 8 FROM {TABLE} WHERE {TABLE} MATCH ? AND rowid % 8 = ?)",
               [_phrase(words), KINDS[kind]])


#: from this many matches on, a list filtered by the index walks its order index and tests
#: each row against the matches (`many_matching`): the first page of `bus` at 200,000
#: cases in 2.6 ms, against 16 ms sorting its 6,625 matches; fewer matches are fetched and
#: sorted (`langley`, none: 0.1 ms, against 23 ms walking the whole list)
WALK_AT = 2000


def many_matching(words, kind: str = "case") -> bool:
    """Do at least WALK_AT records of *kind* match every word (each at least MIN_WORD
    long)? A bounded count from the index alone (SQLite; False on PostgreSQL)."""
    words = _words(words)
    if not words or backend.is_postgres(database):
        return False
    ensure_search()
    row = backend.raw(database.connection()).execute(
        f"SELECT count(*) FROM (SELECT 1 FROM {TABLE} WHERE {TABLE} MATCH ? AND rowid % 8 = ? "
        "LIMIT ?)", [_phrase(words), KINDS[kind], WALK_AT]).fetchone()
    return row[0] >= WALK_AT


def search(text: str, kinds=None, limit: int = 20, *, meeting_mode: bool = False
           ) -> list[tuple[str, int, str, str]]:
    """The records matching every word of *text*, best first: (kind, id, label, detail).

    *kinds* limits the kinds (see KINDS). Words shorter than 3 characters only narrow what
    the longer ones found (with a plain substring test), or, alone, match labels that
    start with them. In meeting mode a private case (confidential request, any complaint)
    is found only by its reference, and shows no subject or names.
    """
    ensure_search()
    words = _words(text)
    if not words:
        return []
    kinds = [k for k in (kinds or RECORD_KINDS) if k in KINDS]
    if not kinds:
        return []
    long = [w for w in words if indexable(w)]
    short = [w.lower() for w in words if not indexable(w)]
    marks = ", ".join("?" * len(kinds))
    con = backend.raw(database.connection())
    pg = backend.is_postgres(database)
    if long and pg:
        query = _tsquery(long)
        if not query:
            return []
        sql = (f"SELECT kind, ref_id, label, detail, label || ' ' || body FROM {TABLE} "
               f"WHERE tsv @@ to_tsquery('simple', ?) AND kind IN ({marks}) "
               f"ORDER BY ts_rank(tsv, to_tsquery('simple', ?)) DESC, rowid LIMIT ?")
        params = [query, *kinds, query, (limit + 50) * (4 if short or meeting_mode else 1)]
    elif long:
        sql = (f"SELECT kind, ref_id, label, detail, label || ' ' || body FROM {TABLE} "
               f"WHERE {TABLE} MATCH ? AND rowid % 8 IN ({marks}) ORDER BY rank LIMIT ?")
        params = [_phrase(long), *[KINDS[k] for k in kinds],
                  (limit + 50) * (4 if short or meeting_mode else 1)]
    elif pg:
        sql = (f"SELECT kind, ref_id, label, detail, label FROM {TABLE} "
               f"WHERE kind IN ({marks}) AND label ILIKE ? ESCAPE '\\' "
               "ORDER BY label LIMIT ?")
        first = short[0].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params = [*kinds, f"{first}%", (limit + 50) * 4]
    else:
        ensure_words()
        return _by_prefix(con, short, kinds, limit, meeting_mode)
    out = []
    private = _private_cases(meeting_mode)
    for kind, ref_id, label, detail, haystack in con.execute(sql, params):
        hay = haystack.lower()
        if any(w not in hay for w in short):
            continue
        if kind == "case" and private is not None and ref_id in private(ref_id):
            ref = label.split("  ", 1)[0]
            if not all(w.lower() in ref.lower() for w in words):
                continue

            label, detail = f"{ref}  {HIDDEN}", detail.split(" · ")[0]
        out.append((kind, int(ref_id), label, detail))
        if len(out) >= limit:
            break
    return out


def prefix_queries(words: list[str], kinds, limit: int) -> list[tuple[str, list]]:
    """The SQL (with its parameters) that finds labels with a word starting with each of
    *words* (short words, SQLite): first the labels that begin with the first of them
    (people's and groups' names), then any; each a lookup in the words table's prefix
    index, in rowid order, at most *limit* rows. [] when the words hold no letter or digit."""
    terms = []
    for w in words:
        pieces = "".join(ch if ch.isalnum() else " " for ch in w.lower()).split()
        terms += ['"' + p + '"*' for p in pieces]
    if not terms:
        return []
    marks = ", ".join("?" * len(kinds))
    sql = (f"SELECT i.kind, i.ref_id, i.label, i.detail FROM {WORDS} w "
           f"JOIN {TABLE} i ON i.rowid = w.rowid "
           f"WHERE {WORDS} MATCH ? AND w.rowid % 8 IN ({marks}) LIMIT ?")
    starting = " AND ".join(["^ " + terms[0], *terms[1:]])
    anywhere = " AND ".join(terms)
    codes = [KINDS[k] for k in kinds]
    return [(sql, [starting, *codes, limit]), (sql, [anywhere, *codes, limit])]


def _by_prefix(con, short: list[str], kinds, limit: int, meeting_mode: bool):
    """Short words alone: the labels holding a word that starts with each (index lookups,
    see `prefix_queries`); in meeting mode a private case only by its reference."""
    out: list[tuple[str, int, str, str]] = []
    seen = set()
    private = _private_cases(meeting_mode)
    for sql, params in prefix_queries(short, kinds, (limit + 50) * 4):
        for kind, ref_id, label, detail in con.execute(sql, params):
            if (kind, ref_id) in seen:
                continue
            seen.add((kind, ref_id))
            if kind == "case" and private is not None and ref_id in private(ref_id):
                ref = label.split("  ", 1)[0]
                ref_words = "".join(ch if ch.isalnum() else " " for ch in ref.lower()).split()
                if not all(any(r.startswith(w) for r in ref_words) for w in short):
                    continue
                label, detail = f"{ref}  {HIDDEN}", detail.split(" · ")[0]
            out.append((kind, int(ref_id), label, detail))
            if len(out) >= limit:
                return out
    return out


def _private_cases(meeting_mode: bool):
    if not meeting_mode:
        return None

    def private(case_id):
        row = backend.raw(database.connection()).execute(
            'SELECT type, confidential FROM "case" WHERE id = ?', (case_id,)).fetchone()

        return {case_id} if row and case_is_private(row[0], bool(row[1])) else set()

    return private


def similar(words, kind: str, limit: int = 10) -> list[tuple[int, float]]:
    """Records of *kind* sharing any of *words* (each at least MIN_WORD long), most alike
    first: (id, score), the score the index's own (bm25 on SQLite, ts_rank on PostgreSQL;
    higher is closer). For "has another group been advised on the same matter?"."""
    ensure_search()
    words = [w for w in _words(words) if indexable(w)]
    if not words or kind not in KINDS:
        return []
    con = backend.raw(database.connection())
    if backend.is_postgres(database):
        parts = [p for w in words for p in "".join(ch if ch.isalnum() else " " for ch in w.lower()).split()]
        query = " | ".join("'" + p + "':*" for p in parts)
        if not query:
            return []
        sql = (f"SELECT ref_id, ts_rank(tsv, to_tsquery('simple', ?)) FROM {TABLE} "
               "WHERE tsv @@ to_tsquery('simple', ?) AND kind = ? ORDER BY 2 DESC, rowid LIMIT ?")
        rows = con.execute(sql, [query, query, kind, limit]).fetchall()
        return [(int(r[0]), float(r[1])) for r in rows]
    sql = (f"SELECT ref_id, -rank FROM {TABLE} WHERE {TABLE} MATCH ? AND kind = ? "
           "ORDER BY rank LIMIT ?")
    match = " OR ".join('"' + w.replace('"', '""') + '"' for w in words)
    return [(int(r[0]), float(r[1])) for r in con.execute(sql, [match, kind, limit])]
