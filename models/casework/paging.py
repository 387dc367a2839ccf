"""Lists that never load everything: a register's rows a window at a time.

A `Pager` answers the three questions a virtual table asks: how many rows (one COUNT,
no joins it does not need), the rows from position *start* (keyset paging: the rows after
the last key it already has, in the register's order with the id as the final
tiebreaker, so the order is total and deterministic), and the position of a given id.

Keyset pages walk the ordering index (`ensure_indexes`) from a known key instead of
counting OFFSET rows from the top; a jump to a far position with no known key near it
uses OFFSET on the cheaper side (from the top, or backwards from the end).

Rows are plain tuples `(id, *columns, *order_keys)`; `Pager.row()` strips the keys.
No Textual here.

A Pager is used by one thread at a time: a worker builds it (count, first pages), then
hands it to the table, whose reader worker reads the further pages
(screens/widgets/pager_source.py). The UI thread never calls the methods that read.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

from peewee import SQL, Ordering, fn

from clerkdesk.models.casework import records
from clerkdesk.models.core.db import database
from clerkdesk.models.store import backend

#: CREATE INDEX statements for the list orders (idempotent); see `_case_order` in cases.py
INDEXES = [
    # requests and complaints: open before closed, by due date (none last), newest first
    'CREATE INDEX IF NOT EXISTS case_list_order ON "case" '
    "(type, archived, (status = 'closed'), (due IS NULL), due, received DESC, id DESC)",
    # the same with archived cases shown too
    'CREATE INDEX IF NOT EXISTS case_list_order_all ON "case" '
    "(type, (status = 'closed'), (due IS NULL), due, received DESC, id DESC)",
    # the dashboard's open cases (new, due soon, overdue, by kind and stage)
    'CREATE INDEX IF NOT EXISTS case_open ON "case" (type, status, due) '
    "WHERE status <> 'closed' AND NOT archived",
    'CREATE INDEX IF NOT EXISTS case_open_due ON "case" (due, status) '
    "WHERE status <> 'closed' AND NOT archived",
    # the people's names the case list joins and filters on are found by primary key
    "CREATE INDEX IF NOT EXISTS member_name_id ON member (name, id)",
    "CREATE INDEX IF NOT EXISTS officer_name_id ON officer (name, id)",
]


_lock = threading.Lock()


_ready: set[tuple] = set()


def ensure_indexes(db=None) -> None:
    """Create the indexes the list orders walk (idempotent; checked once per database).
    Creating them on a large casebook takes a moment: the lists call this on a worker."""
    db = db or database.obj
    key = (id(db), str(getattr(db, "database", "")))
    if key in _ready:
        return
    with _lock:
        if key in _ready:
            return
        con = backend.raw(db.connection())
        have = backend.indexes(con)
        wanted = [sql for sql in INDEXES if sql.split(" IF NOT EXISTS ")[1].split()[0] not in have]
        if wanted:
            with db.atomic():
                for sql in wanted:
                    con.execute(sql)
        _ready.add(key)


def order_keys(register: records.Register) -> list[tuple[object, bool]]:
    """The register's order as (expression, descending) pairs, ending with the id."""
    keys = []
    for item in register.order():
        if isinstance(item, Ordering):
            keys.append((item.node, item.direction.upper() == "DESC"))
        else:
            keys.append((item, False))
    pk = register.model.id
    if not any(expr is pk for expr, _ in keys):
        keys.append((pk, False))
    return keys


def _eq(expr, value):
    return expr.is_null() if value is None else (expr == value)


def _after(expr, value, desc: bool):
    """Rows strictly after *value* in this key's order (SQLite puts NULLs first when
    ascending, last when descending); None when no row can be."""
    if not desc:
        return expr.is_null(False) if value is None else (expr > value)
    if value is None:
        return None
    return (expr < value) | expr.is_null()


def _before(expr, value, desc: bool):
    if not desc:
        if value is None:
            return None
        return (expr < value) | expr.is_null()
    return expr.is_null(False) if value is None else (expr > value)


def keyset(keys, values, *, after: bool = True):
    """The condition "comes after (or before) the row whose keys are *values*"."""
    terms = []
    prefix = []
    for (expr, desc), value in zip(keys, values):
        step = (_after if after else _before)(expr, value, desc)
        if step is not None:
            cond = step
            for p in prefix:
                cond = p & cond
            terms.append(cond)
        prefix.append(_eq(expr, value))
    if not terms:
        return SQL("0")
    out = terms[0]
    for t in terms[1:]:
        out = out | t
    return out


def _ordering(keys, reverse: bool = False):
    out = []
    for expr, desc in keys:
        d = desc != reverse
        out.append(expr.desc() if d else expr.asc())
    return out


def _uses_joins(node, model) -> bool:
    """Does this WHERE clause name a column of another (joined) table?"""
    from peewee import Expression, Field, Function, Negated, NodeList, WrappedNode

    seen = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if n is None or id(n) in seen:
            continue
        seen.add(id(n))
        if isinstance(n, Field):
            if n.model is not model:
                return True
        elif isinstance(n, Expression):
            stack.extend((n.lhs, n.rhs))
        elif isinstance(n, NodeList):
            stack.extend(n.nodes)
        elif isinstance(n, Function):
            stack.extend(n.arguments)
        elif isinstance(n, (Negated, WrappedNode)):
            stack.append(n.node)
    return False


def _count(query, register) -> int:
    """COUNT of a filtered register query, without its joins when the WHERE needs none
    (SQLite then counts from the ordering index alone)."""
    model = register.model
    where = query._where
    if where is not None and not _uses_joins(where, model):
        return model.select(fn.COUNT(model.id)).where(where).scalar()
    return query.select(fn.COUNT(model.id)).order_by().scalar()


class Pager:
    """The rows of *register* matching *text*, a page at a time, with a small page cache.

    Each call that reads uses the calling thread's connection. Only `counted` and
    `cached_rows` read nothing: those are what the UI thread may ask.
    """

    def __init__(self, register: records.Register, text: str = "", *, archived: bool = False,
                 page_size: int = 100, cache_pages: int = 24, meeting_mode: bool = False) -> None:
        self.register = register
        self.text = text or ""
        self.archived = archived
        self.meeting_mode = meeting_mode  # (a filter matches only what is shown)
        self.page_size = page_size
        self.cache_pages = cache_pages
        self.keys = order_keys(register)
        self._n = len(self.keys)
        self._pages: OrderedDict[int, list[tuple]] = OrderedDict()
        self._count: int | None = None

    # queries
    def _base(self):
        ensure_indexes()
        q = records.filtered(self.register, self.text, archived=self.archived,
                                 meeting_mode=self.meeting_mode)
        return q.select_extend(*[expr.alias(f"_k{i}") for i, (expr, _) in
                                 enumerate(self.keys)])

    @property
    def counted(self) -> int | None:
        """The number of rows once counted (by `count`, or `head` finding them all), else None."""
        return self._count

    def cached_rows(self) -> list[tuple[int, list[tuple]]]:
        """The pages read so far as (page, rows without their order keys): what a table
        can show at once, without a query."""
        return [(p, [r[:-self._n] for r in rows]) for p, rows in list(self._pages.items())]

    def page_rows(self, p: int) -> list[tuple]:
        """Page *p* as (id, *columns) tuples (from the cache or the database)."""
        return [r[:-self._n] for r in self.page(p)]

    def count(self) -> int:
        if self._count is None:
            self._count = _count(records.filtered(self.register, self.text, archived=self.archived,
                                                  meeting_mode=self.meeting_mode),
                                 self.register) or 0
        return self._count

    def _fetch(self, *, after=None, before=None, offset: int = 0, from_end: bool = False,
               limit: int | None = None) -> list[tuple]:
        limit = limit or self.page_size
        q = self._base()
        reverse = before is not None or from_end
        if after is not None:
            q = q.where(keyset(self.keys, after, after=True))
        if before is not None:
            q = q.where(keyset(self.keys, before, after=False))
        q = q.order_by(*_ordering(self.keys, reverse)).limit(limit)
        if offset:
            q = q.offset(offset)
        rows = list(q.tuples())
        if reverse:
            rows.reverse()
        return rows

    def key_of(self, row: tuple) -> tuple:
        return row[-self._n:]

    @staticmethod
    def row(raw: tuple, n_keys: int) -> tuple:
        return raw[:-n_keys]

    def page(self, p: int) -> list[tuple]:
        """Page *p* (rows p*size .. p*size+size-1), from the cache or the database."""
        if p in self._pages:
            self._pages.move_to_end(p)
            return self._pages[p]
        size, total = self.page_size, self._count  # None while a worker counts
        if p < 0 or (total is not None and p > max(0, (total - 1) // size)):
            return []
        rows = None
        if p - 1 in self._pages and self._pages[p - 1]:
            rows = self._fetch(after=self.key_of(self._pages[p - 1][-1]))
        elif p + 1 in self._pages and self._pages[p + 1]:
            rows = self._fetch(before=self.key_of(self._pages[p + 1][0]))
        elif total is None:
            rows = self._fetch(offset=p * size)
        else:
            start = p * size
            n = min(size, total - start)
            tail = total - start - n  # rows after this page
            if tail < start:
                rows = self._fetch(from_end=True, offset=tail, limit=n)
            else:
                rows = self._fetch(offset=start, limit=n)
        self._pages[p] = rows
        while len(self._pages) > self.cache_pages:
            self._pages.popitem(last=False)
        return rows

    def rows(self, start: int, stop: int) -> list[tuple]:
        """Rows start..stop-1 as (id, *columns) tuples."""
        out = []
        size = self.page_size
        for p in range(max(0, start) // size, (max(start, stop - 1)) // size + 1):
            page = self.page(p)
            lo = max(start - p * size, 0)
            hi = min(stop - p * size, len(page))
            out.extend(r[:-self._n] for r in page[lo:hi])
        return out

    def index_of(self, row_id: int) -> int | None:
        """The position of the row with this id in the list, or None when it is not in it."""
        for p, page in self._pages.items():
            for i, r in enumerate(page):
                if r[0] == row_id:
                    return p * self.page_size + i
        q = self._base().where(self.register.model.id == row_id)
        found = list(q.limit(1).tuples())
        if not found:
            return None
        keys = self.key_of(found[0])
        before = records.filtered(self.register, self.text, archived=self.archived,
                                 meeting_mode=self.meeting_mode).where(
            keyset(self.keys, keys, after=False))
        return _count(before, self.register) or 0

    def head(self, pages: int = 2) -> bool:
        """Read the first *pages* pages in one query, without counting. True when that is
        every row (the count is then known); else the count is left to `count()`."""
        if self._count is not None:
            self.page(0)
            return True
        rows = self._fetch(limit=pages * self.page_size)
        for p in range(pages):
            chunk = rows[p * self.page_size:(p + 1) * self.page_size]
            if chunk:
                self._pages[p] = chunk
        if len(rows) < pages * self.page_size:
            self._count = len(rows)
            return True
        return False

    @property
    def known_rows(self) -> int:
        """The rows counted, or, before the count, those read from the top so far."""
        if self._count is not None:
            return self._count
        n = 0
        while n // self.page_size in self._pages and len(self._pages[n // self.page_size]) == self.page_size:
            n += self.page_size
        return n + len(self._pages.get(n // self.page_size, []))

    def prefetch(self, start: int = 0) -> None:
        """Read the page holding *start* (a worker does this before handing over). A page
        read already (the head) is not read again, and nothing is counted for it: a filter
        of one letter at 200,000 cases counts for ~0.3 s, which the rows need not wait for."""
        if max(0, start) // self.page_size in self._pages:
            return
        self.count()
        if self._count:
            self.page(max(0, min(start, self._count - 1)) // self.page_size)
