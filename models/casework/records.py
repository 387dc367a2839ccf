"""What a register is, and what every register's records go through: the list's rows and
filter, the detail pane, the form's values, saving with audit (one transaction), and
archiving (nothing is ever deleted).

Screens call `save`, `archive`, `rows`, `detail_for` and never build queries themselves.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from peewee import SQL, Model, NodeList, fn

from clerkdesk.models.casework import search
from clerkdesk.models.casework.council import council_nation
from clerkdesk.models.casework.privacy import case_is_private, mask_cells, mask_detail
from clerkdesk.models.casework.saved_views import ViewError, parse
from clerkdesk.models.core import dates
from clerkdesk.models.core.db import database
from clerkdesk.models.core.forms import FieldSpec, ValidationError, validate
from clerkdesk.models.core.roles import join
from clerkdesk.models.store import audit, backend
from clerkdesk.models.store.versions import check_version


@dataclass
class Detail:
    """What the detail pane shows: a title, label/value pairs and titled sections."""

    title: str
    subtitle: str = ""
    fields: list[tuple[str, str]] = field(default_factory=list)
    sections: list[tuple[str, list[str]]] = field(default_factory=list)
    archived: bool = False
    #: the labels of the fields whose values are alarming (a case overdue, a review
    #: missed, a pre-election warning): the screen shows them as warnings
    warnings: frozenset[str] = frozenset()

    def is_warning(self, label: str) -> bool:
        return label in self.warnings


class Column(NamedTuple):
    """A list's column as the lists declare it. When the screen is too narrow for all of
    them, the columns give way by *priority*: 1 stays longest, the highest number is the
    first to go; a column with *min_width* is first cut down to it (a subject loses its
    end before an owner loses its column). *width*: fixed, else fitted to what it shows."""

    label: str
    priority: int = 9
    min_width: int | None = None
    width: int | None = None


@dataclass
class Register:
    key: str
    title: str
    singular: str
    model: type[Model]
    fields: Callable[[], list[FieldSpec]]
    columns: list[str | Column]  # a plain label: priority 9, never cut down
    query: Callable[[], object]  # a select of (id, *columns) with the joins it needs
    search: Callable[[], list]  # expressions a filter matches against (LIKE)
    order: Callable[[], list]
    detail: Callable[[Model], Detail]
    to_form: Callable[[Model], dict[str, str]] | None = None
    check: Callable[[dict, Model | None], dict[str, str]] | None = None
    after_save: Callable[[Model, dict, bool], None] | None = None
    before_save: Callable[[Model, dict, bool], None] | None = None
    #: turns one row of `query` (without its id) into the strings the list shows
    format: Callable[[tuple], tuple] | None = None
    #: facets the filter box understands (`status:open`): name -> (help, value -> condition)
    facets: dict = field(default_factory=dict)
    #: ready-made views offered with the saved ones: (name, filter text)
    builtin_views: tuple = ()
    #: meeting mode: does this row (with its id) hide names, and which shown columns
    private: Callable[[tuple], bool] | None = None
    private_columns: tuple[int, ...] = ()
    #: meeting mode's filter: the condition that a row is private (SQL; None: every row
    #: is), and the expressions of the columns a private row still shows, which alone a
    #: filter may match on it (privacy.py: a filter must not find a row by what it hides)
    private_where: Callable[[], object] | None = None
    shown_search: Callable[[], list] | None = None
    #: the kind in the full-text index (search.py) whose matches a filter word of 3 or more
    #: characters uses instead of LIKE over `search` (the index covers those columns too)
    search_kind: str | None = None

    def get(self, row_id: int) -> Model:
        return self.model.get_by_id(row_id)


def like(expr, word: str):
    """`expr` contains `word`, case-insensitively, with % and _ taken literally."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    op = "ILIKE" if backend.is_postgres(database) else "LIKE"  # SQLite's LIKE ignores case
    return NodeList((fn.COALESCE(expr, ""), SQL(op), f"%{escaped}%", SQL("ESCAPE '\\'")))


def rows(register: Register, text: str = "", *, archived: bool = False, limit: int | None = None,
         offset: int = 0, meeting_mode: bool = False) -> list[tuple]:
    """The list's rows as tuples (id, *columns), filtered in SQL."""
    q = filtered(register, text, archived=archived, meeting_mode=meeting_mode).order_by(
        *register.order())
    if limit is not None:
        q = q.limit(limit).offset(offset)
    return list(q.tuples())


def plain(value) -> str:
    """A cell as text: UK dates, blank for nothing."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, dt.date):
        return dates.fmt(value)
    return str(value)


def display_row(register: Register, row: tuple, width: int = 34, *,
                meeting_mode: bool = False) -> tuple[str, ...]:
    """The strings the list shows for one row (row[0] is the id and is not shown);
    long text is cut to *width* characters with an ellipsis; in meeting mode the
    private columns of a private row are hidden."""
    values = row[1:]
    if register.format:
        values = register.format(values)
    cells = tuple(_cut(plain(v), width) for v in values)[: len(register.columns)]
    if meeting_mode and register.private and register.private(row):
        cells = mask_cells(cells, register.private_columns)
    return cells


def detail_for(register: Register, row_id: int, *, meeting_mode: bool = False) -> Detail:
    """The detail pane's content for one row, masked in meeting mode where private."""
    row = register.get(row_id)
    detail = register.detail(row)
    if meeting_mode and getattr(row, "ref", None):
        if case_is_private(row.type, row.confidential):
            detail = mask_detail(detail, row)
    return detail


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def count(register: Register, text: str = "", *, archived: bool = False,
          meeting_mode: bool = False) -> int:
    return filtered(register, text, archived=archived, meeting_mode=meeting_mode).count()


def filtered(register: Register, text: str = "", *, archived: bool = False,
             meeting_mode: bool = False):
    """The register's query narrowed by a filter: free words (every one must match) and
    facets (`status:open`); raises views.ViewError for a facet the list does not know.
    In meeting mode a private row matches a word only in the columns it shows."""
    q = register.query()
    if not archived:
        # an equality (not NOT archived), so an index with `archived` in it can serve it
        q = q.where(register.model.archived == False)  # noqa: E712
    wanted = parse(text, register.facets)
    for name, value in wanted.facets.items():
        condition = register.facets[name][1](value)
        if condition is None:
            raise ViewError(f"'{name}:{value}' means nothing here: {register.facets[name][0]}")
        q = q.where(condition)
    words = wanted.words
    if not words:
        return q
    matched = _words_condition(register, words)
    if meeting_mode and register.private_where and register.shown_search:
        private = register.private_where()
        on_shown = _all_words(register.shown_search(), words)
        if private is None:  # every row is private (complaints): only what is shown
            return q.where(on_shown)
        return q.where((~private & matched) | (private & on_shown))
    return q.where(matched)


def _all_words(exprs: list, words: list[str]):
    """Every word in one of *exprs* (LIKE)."""
    cond = None
    for word in words:
        any_of = None
        for expr in exprs:
            c = like(expr, word)
            any_of = c if any_of is None else (any_of | c)
        cond = any_of if cond is None else (cond & any_of)
    return cond


def _words_condition(register: Register, words: list[str]):
    """The condition that every word of a filter matches a row (the full-text index for
    the long words where the register has one, LIKE over `search` for the rest)."""
    cond = None
    if register.search_kind:
        indexed = [w for w in words if search.indexable(w)]
        if backend.is_postgres(database):
            # PostgreSQL's index finds word prefixes: a word with punctuation in it (h_w,
            # 100%) is found by the LIKE below alone
            indexed = [w for w in indexed if w.isalnum()]
        if indexed:
            column = register.model.id
            if search.many_matching(indexed, register.search_kind):
                # a common word: walk the list's order index, testing each row against the
                # matches (`+id`: the matches do not drive the query), never sort them all
                column = NodeList((SQL("+"), column), glue="")
            cond = column.in_(search.ids_matching(indexed, register.search_kind))
            if not backend.is_postgres(database):
                # SQLite's trigram index matches exactly; PostgreSQL's word prefixes only
                # narrow, and the LIKE below keeps the rows that hold the word as typed
                words = [w for w in words if not search.indexable(w)]
    if words:
        rest = _all_words(register.search(), words)
        cond = rest if cond is None else (cond & rest)
    return cond


def form_values(register: Register, row: Model | None) -> dict[str, str]:
    """The raw strings a form starts with: the row's values, or the fields' defaults."""
    specs = register.fields()
    if row is None:
        return {s.name: s.initial() for s in specs}
    if register.to_form:
        return register.to_form(row)
    return generic_form_values(specs, row)


def generic_form_values(specs: list[FieldSpec], row: Model) -> dict[str, str]:
    out: dict[str, str] = {}
    for s in specs:
        if s.kind == "ref":
            value = getattr(row, f"{s.name}_id", None)
            out[s.name] = "" if value is None else str(value)
        elif s.kind == "date":
            out[s.name] = dates.fmt(getattr(row, s.name))
        elif s.kind == "bool":
            out[s.name] = "yes" if getattr(row, s.name) else "no"
        elif s.kind == "refs":
            out[s.name] = ""
        else:
            value = getattr(row, s.name)
            out[s.name] = "" if value is None else str(value)
    return out


def save(register: Register, raw: dict[str, str], row_id: int | None = None, *,
         expected_version: int | None = None, specs: list[FieldSpec] | None = None,
         validated: dict | None = None) -> Model:
    """Validate *raw* and create or update the row, with its audit entry, in one transaction.

    *expected_version* is the row's version when the form was opened: if someone else has
    saved it since, nothing is written and ConflictError says who changed what and when.
    Every update moves the version on by one.

    An import passes the register's *specs* (built once for the whole file) and, for a row
    its preview has already put through this same `validate`, the result as *validated*,
    so a row is validated once, not twice; the register's own check still runs here."""
    specs = specs if specs is not None else register.fields()
    clean = validated if validated is not None else validate(specs, raw, nation=council_nation())
    with database.atomic():
        row = register.get(row_id) if row_id else None
        if row is not None:
            check_version(row, expected_version)
        if register.check:
            problems = register.check(clean, row)
            if problems:
                raise ValidationError(problems)
        before = {s.name: _current(row, s) for s in specs} if row else {}
        if row is None:
            row = register.model()
        for s in specs:
            if s.kind == "refs":
                continue
            value = clean[s.name]
            if s.kind == "roles":
                value = join(value)
            setattr(row, f"{s.name}_id" if s.kind == "ref" else s.name, value)
        created = row.id is None
        if register.before_save:
            register.before_save(row, clean, created)
        changes = audit.diff(before, {s.name: _current(row, s) for s in specs})
        if not created and not changes:
            # nothing of the record itself changed, so it is not written (a write with no
            # entry would leave it differing from its latest entry); what hangs off it (a
            # committee's seats) still is, each with its own entry
            if register.after_save and any(s.kind == "refs" for s in specs):
                register.after_save(row, clean, created)
            return row
        if not created and "version" in row._meta.fields:
            row.version = (row.version or 0) + 1
        row.save()
        if register.after_save:
            register.after_save(row, clean, created)
        audit.record("create" if created else "update", register.model._meta.table_name,
                     row.id, changes)
    return row


def _current(row, spec: FieldSpec):
    if row is None:
        return None
    if spec.kind == "ref":
        return getattr(row, f"{spec.name}_id")
    if spec.kind == "refs":
        return None
    return getattr(row, spec.name)


def archive(register: Register, row_id: int, *, restore: bool = False) -> Model:
    """Archive (or restore) a row: it leaves the lists but is never deleted."""
    with database.atomic():
        row = register.get(row_id)
        if row.archived != (not restore):
            row.archived = not restore
            if "version" in row._meta.fields:
                row.version = (row.version or 0) + 1
            row.save()
            audit.record("restore" if restore else "archive", register.model._meta.table_name,
                         row.id, {"archived": [restore, not restore]})
    return row
