"""A VirtualTable source over a `Pager` (models/casework/paging.py): a register's rows as
its pane shows them (cut, masked), a page at a time.

The source is split by thread. On the UI thread it answers only from the pages it holds
(`row`, `row_count`, `has_page`, `index_of`, `put_page`): no query. On the table's reader
worker it reads (`read_page`, `locate`): the Pager's keyset pages and positions. A pane
builds it from a Pager a worker has already started (counted, or its first pages read),
so the rows on screen when the list opens are there at once.
"""
from __future__ import annotations

from collections import OrderedDict
from contextlib import contextmanager

from clerkdesk.models.casework import paging
from clerkdesk.models.core.db import worker_connection
from clerkdesk.models.store import backend


class PagerSource:
    """The rows of a Pager for a VirtualTable, read by the table's reader worker."""

    #: rows are read by the table's reader, not here (see VirtualTable)
    paged = True

    def __init__(self, pager: paging.Pager, cells, *, keep_pages: int = 64) -> None:
        self.pager = pager
        self.cells = cells
        self.page_size = pager.page_size
        self.keep_pages = keep_pages
        # the pages this source holds for the UI thread (the Pager has its own cache, for
        # its keyset steps, on the reader's thread)
        self._pages: OrderedDict[int, list[tuple]] = OrderedDict(pager.cached_rows())
        # before the count: as far as the rows read go (from the top, or a row looked up)
        self._extent = max((p * self.page_size + len(rows) for p, rows in self._pages.items()
                            if rows), default=0)

    # --- the UI thread: no query --------------------------------------------------------

    @property
    def row_count(self) -> int:
        """The rows counted; before the count arrives, the rows as far as those read."""
        counted = self.pager.counted
        if counted is not None:
            return counted
        return self._extent

    def has_page(self, page: int) -> bool:
        return page in self._pages

    def row(self, index: int):
        """(id, cells) of row *index*, or None when beyond the end or not read yet."""
        if index < 0:
            return None
        page = self._pages.get(index // self.page_size)
        if page is None:
            return None
        offset = index % self.page_size
        if offset >= len(page):
            return None
        raw = page[offset]
        return raw[0], self.cells(raw)

    def index_of(self, key) -> int | None:
        """The position of the row with this id among the rows held (see `locate`)."""
        try:
            row_id = int(key)
        except (TypeError, ValueError):
            return None
        for p, rows in self._pages.items():
            for i, raw in enumerate(rows):
                if raw[0] == row_id:
                    return p * self.page_size + i
        return None

    def put_page(self, page: int, rows: list[tuple]) -> None:
        """Hold page *page* (read by the reader), forgetting the least recently read."""
        self._pages[page] = rows
        self._pages.move_to_end(page)
        if rows:
            self._extent = max(self._extent, page * self.page_size + len(rows))
        while len(self._pages) > self.keep_pages:
            self._pages.popitem(last=False)

    # --- the reader's thread: queries -----------------------------------------------------

    @contextmanager
    def reading(self):
        """A connection of the reader's own while it reads (Textual runs thread workers on
        a pool, and Peewee keeps a connection per thread); gives what interrupts its query
        (SQLite's interrupt, PostgreSQL's cancel)."""
        with worker_connection() as con:
            yield lambda: backend.interrupt(con)

    @staticmethod
    def interrupted(exc: Exception) -> bool:
        return backend.is_interrupted(exc)

    def read_page(self, page: int) -> list[tuple]:
        return self.pager.page_rows(page)

    def locate(self, key) -> int | None:
        """The position of the row with this id in the whole list (a query), or None."""
        try:
            return self.pager.index_of(int(key))
        except (TypeError, ValueError):
            return None
