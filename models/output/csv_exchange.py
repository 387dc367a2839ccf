"""CSV export of every register and case list, and CSV import of registers (members,
officers, wards; contacts and party groups too) from a spreadsheet the clerk keeps.

Export (`export_csv`)
    One row per record, one column per form field, headed by the field's label (the
    names the forms show), then for cases the reference, status, stage, closing date and
    outcome. Dates are UK dates (23/11/2026); a ward, party group, line manager or member
    is given by name; roles by their labels. So an export of members can be imported
    again into another casebook: a round trip. Files are UTF-8 with a byte-order mark
    (`utf-8-sig`), which Excel needs to read accents and "£" correctly.

    CSV injection: a cell whose text starts with = + - @ (or a tab or carriage return) is
    written with a single quote in front ('=HYPERLINK(...)), so a spreadsheet shows it as
    text and never runs it as a formula. The import takes such a quote off again.

Import (`preview_import`, then `apply_import`)
    The preview reads the whole file and checks every row exactly as the register's form
    does (`forms.validate` and the register's own checks), without writing anything:
    each bad row gets one line per problem ("line 7: Term ends: The term cannot end
    before it starts."). Column headings are matched to fields by label or field name,
    in any case; other columns are listed as ignored. A ward, party group or line manager
    is given by name and must already exist (an import never creates wards); a line
    manager may also be another officer in the same file. Names repeated in the file, or
    already in the register, are errors: an import only adds. `apply_import` writes all
    the rows in one transaction through `records.save` (so each gets its audit entry),
    and only when the preview has no error at all: all or nothing.

Excel workbooks (.xlsx, models/output/xlsx.py) take the same two paths: `read_table` reads
a sheet into the header and rows a CSV file gives, so its rows get the same preview, line
numbers and all-or-nothing write; `export_xlsx` writes the same columns as `export_csv`.

No Textual here: the CLI (`clerkdesk export`, `clerkdesk import`) and the import screen
both call these functions.
"""
from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from peewee import ForeignKeyField

from clerkdesk.models.casework import records
from clerkdesk.models.casework.case_lists import COMPLAINTS, REQUESTS
from clerkdesk.models.casework.council import council_nation
from clerkdesk.models.casework.records import Register, form_values
from clerkdesk.models.casework.registers import REGISTERS
from clerkdesk.models.core import dates
from clerkdesk.models.core.db import DatabaseError, database
from clerkdesk.models.core.forms import FieldSpec, ValidationError, validate
from clerkdesk.models.core.roles import split
from clerkdesk.models.core.schema import Case, Member, Officer, PartyGroup, Ward
from clerkdesk.models.core.vocab import STATUSES
from clerkdesk.models.store import backend
from clerkdesk.models.store.files import replacing

#: every list that can be exported, by the key the CLI takes
EXPORTABLE: dict[str, Register] = {**REGISTERS, "requests": REQUESTS, "complaints": COMPLAINTS}


#: the registers that can be imported from CSV
IMPORTABLE = ("members", "officers", "wards", "contacts", "groups")


#: at most this many data rows in one import
MAX_ROWS = 10_000


#: and at most this many bytes
MAX_BYTES = 20 * 1024 * 1024


#: a longer cell is refused (the csv module's own limit is 131,072 characters)
MAX_CELL = 100_000


#: a cell starting with one of these could run as a formula in a spreadsheet
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


#: ref fields -> the table their names come from (names resolve to ids on import)
REF_MODELS = {
    "ward": Ward, "group": PartyGroup, "line_manager": Officer, "leader": Member,
    "deputy_leader": Member, "chair": Member, "vice_chair": Member, "owner": Officer,
    "member": Member, "complainant_member": Member, "complainant_officer": Officer,
    "subject_member": Member, "subject_officer": Officer,
}


_SINGULAR = {Ward: "ward", PartyGroup: "party group", Officer: "officer", Member: "member"}


class ExchangeError(Exception):
    """A file that cannot be read or written; the message is a sentence for the clerk."""


class ImportRefused(ExchangeError):
    """`apply_import` on a preview with errors: nothing was written."""

    def __init__(self, errors: list[str]):
        first = errors[0] if errors else "the import has errors"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(f"Nothing was imported: {first}{more}")
        self.errors = errors


def neutralise(text: str) -> str:
    """A cell as a spreadsheet may safely open it: a leading = + - @ (or tab/CR) gets a
    single quote in front, so it is shown as text and never evaluated as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def unneutralise(text: str) -> str:
    """Undo `neutralise` on import: '=x becomes =x again (which the app stores as text)."""
    return text[1:] if text.startswith("'") and text[1:2] and text[1] in "=+-@\t\r" else text


def _register(register_or_key) -> Register:
    if isinstance(register_or_key, Register):
        return register_or_key
    key = str(register_or_key).strip().lower()
    if key not in EXPORTABLE:
        raise ExchangeError(f"There is no list called '{key[:40]}': choose one of "
                            f"{', '.join(EXPORTABLE)}.")
    return EXPORTABLE[key]


def _is_case_list(register: Register) -> bool:
    return register.model is Case


def _names(model) -> dict[int, str]:
    return dict(model.select(model.id, model.name).tuples())


class _Namer:
    """id -> name for every table refs point at, loaded once per export."""

    def __init__(self):
        self._cache: dict = {}

    def __call__(self, model, value: str) -> str:
        if not value:
            return ""
        if model not in self._cache:
            self._cache[model] = _names(model)
        try:
            return self._cache[model].get(int(value), "")
        except ValueError:
            return ""


def export_columns(register: Register, *, archived: bool = False) -> list[str]:
    heads = [s.label for s in register.fields()]
    if _is_case_list(register):
        heads = ["Ref"] + heads + ["Status"] + (["Stage"] if register is COMPLAINTS else []) + [
            "Closed", "Outcome"]
    if archived:
        heads.append("Archived")
    return heads


def export_rows(register: Register, *, archived: bool = False):
    """The export's rows as lists of strings (before CSV-injection neutralising).

    The field specs, their option tables and the names refs point at are built once per
    export, not once per row; and where every field is a column of the register's table
    (all but committees, whose members come from their seats), rows are read as plain
    values from the cursor, not loaded as models."""
    specs = register.fields()
    namer = _Namer()
    model = register.model
    q = model.select()
    if _is_case_list(register):
        q = q.where(Case.type == ("complaint" if register is COMPLAINTS else "request"))
    if not archived:
        q = q.where(~model.archived)
    q = q.order_by(*register.order())
    columns = _plain_columns(register, specs)
    if columns is None:
        yield from _model_rows(register, specs, namer, q, archived)
        return
    makers = [_cell_maker(s, namer) for s in specs]
    fields = [model._meta.fields[c] for c in columns]
    extra = []
    if _is_case_list(register):
        extra = [Case.ref, Case.status] + ([Case.stage] if register is COMPLAINTS else []) + [
            Case.closed_on, Case.outcome]
    if archived:
        extra.append(model.archived)
    sql, params = q.select(*fields, *extra).sql()
    cursor = database.execute_sql(sql, params)
    n = len(fields)
    case_list, complaints = _is_case_list(register), register is COMPLAINTS
    closed_fmt = _date_cell(Case.closed_on)
    for row in cursor:
        cells = [make(v) for make, v in zip(makers, row)]
        if case_list:
            status = row[n + 1]
            tail = [row[n], STATUSES.get(status, status)]
            i = n + 2
            if complaints:
                tail.append(row[i] or "")
                i += 1
            tail += [closed_fmt(row[i]), row[i + 1] or ""]
            cells = [tail[0]] + cells + tail[1:]
            i += 2
        else:
            i = n
        if archived:
            cells.append("yes" if row[i] else "no")
        yield cells


def _plain_columns(register: Register, specs) -> list[str] | None:
    """The table column behind each field, or None when a field is not simply a column
    (a register with its own form values; a field computed by the model)."""
    if register.to_form:
        return None
    fields = register.model._meta.fields
    names = []
    for s in specs:
        if s.name not in fields or (s.kind == "ref") != isinstance(fields[s.name], ForeignKeyField):
            return None
        names.append(s.name)
    return names


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _date_cell(model_field):
    """A stored date (text on SQLite, a date on PostgreSQL) as a UK date."""
    def cell(v):
        if v is None or v == "":
            return ""
        if type(v) is str:
            if _ISO_DATE.match(v):
                return f"{v[8:10]}/{v[5:7]}/{v[0:4]}"
            v = model_field.python_value(v)
            return dates.fmt(v) if isinstance(v, dt.date) else str(v)
        return dates.fmt(v)
    return cell


def _cell_maker(s: FieldSpec, namer):
    """A function from the stored value of field *s* to its cell, as `export_rows`'s model
    path writes it (the spec's options looked up once)."""
    if s.kind == "ref":
        model = REF_MODELS.get(s.name)
        if model:
            return lambda v: "" if v is None else namer(model, str(v))
        table = dict(s.options())
        return lambda v: "" if v is None else table.get(str(v), "")
    if s.kind == "refs":
        return lambda v: ""
    if s.kind == "roles":
        table = dict(s.options())
        return lambda v: ", ".join(table.get(k, k) for k in split("" if v is None else str(v)))
    if s.kind == "choice":
        table = dict(s.options())

        def choice(v):
            text = "" if v is None else str(v)
            return table.get(text, text) or ""
        return choice
    if s.kind == "bool":
        return lambda v: "yes" if v else "no"
    if s.kind == "date":
        return _date_cell(_DateLike)
    return lambda v: "" if v is None else (str(v) or "")


class _DateLike:
    """Peewee's reading of a date stored as text in some other form."""

    @staticmethod
    def python_value(v):
        from peewee import DateField

        return DateField().python_value(v)


def _model_rows(register, specs, namer, q, archived):
    """The rows through the register's models (a register with its own form values)."""
    for row in q.iterator():
        raw = form_values(register, row)
        cells = []
        for s in specs:
            value = raw.get(s.name, "")
            if s.kind == "ref":
                model = REF_MODELS.get(s.name)
                value = namer(model, value) if model else dict(s.options()).get(value, "")
            elif s.kind == "refs":
                value = "; ".join(sorted(namer(Member, v) for v in split(value)))
            elif s.kind == "roles":
                table = dict(s.options())
                value = ", ".join(table.get(k, k) for k in split(value))
            elif s.kind == "choice":
                value = dict(s.options()).get(value, value)
            elif s.kind == "bool":
                value = "yes" if value == "yes" else "no"
            cells.append(value or "")
        if _is_case_list(register):
            cells = [row.ref] + cells + [STATUSES.get(row.status, row.status)]
            if register is COMPLAINTS:
                cells.append(row.stage or "")
            cells += [dates.fmt(row.closed_on), row.outcome or ""]
        if archived:
            cells.append("yes" if row.archived else "no")
        yield cells


def export_csv(register_or_key, path_or_stream, archived: bool = False, *,
               bom: bool = True) -> int:
    """Write one register or case list as CSV; returns the number of rows written.

    *path_or_stream* is a file path (written through a temporary file, UTF-8 with a BOM
    unless *bom* is false) or an open text stream (written as given). *archived* includes
    archived records, with an Archived column. Cells starting with = + - @ are
    neutralised (see `neutralise`).
    """
    register = _register(register_or_key)
    if isinstance(path_or_stream, (str, os.PathLike)):
        path = Path(path_or_stream).expanduser()
        if path.is_dir():
            raise ExchangeError(f"{path} is a folder: give a file name, e.g. "
                                f"{path / (register.key + '.csv')}")
        if not path.parent.is_dir():
            raise ExchangeError(f"The folder {path.parent} does not exist: create it first.")
        try:
            # owner-only (names and addresses), an exclusive temporary file, never the casebook
            with replacing(path, encoding="utf-8-sig" if bom else "utf-8") as fh:
                n = _write(register, fh, archived)
        except DatabaseError as exc:
            raise ExchangeError(str(exc)) from None
        except PermissionError:
            raise ExchangeError(f"Cannot write {path}: check the folder's permissions.") from None
        except OSError as exc:
            raise ExchangeError(f"Could not write {path}: {exc.strerror or exc}") from None
        return n
    return _write(register, path_or_stream, archived)


def export_xlsx(register_or_key, path, archived: bool = False) -> int:
    """Write one register or case list as an .xlsx workbook with the columns of
    `export_csv` (dates as Excel dates, formula-like text kept as text, the file 0600)."""
    from clerkdesk.models.output import xlsx

    register = _register(register_or_key)
    heads = export_columns(register, archived=archived)
    dated = {s.label for s in register.fields() if s.kind == "date"} | {"Closed"}
    try:
        return xlsx.write_xlsx(Path(path).expanduser(), register.title, heads,
                               export_rows(register, archived=archived),
                               date_columns=[i for i, h in enumerate(heads) if h in dated])
    except xlsx.XlsxError as exc:
        raise ExchangeError(str(exc)) from None


def read_table(data: bytes, name: str = "The file", sheet: str | None = None):
    """`read_csv`, or for an Excel workbook (or with a *sheet* named) the sheet's header
    and rows [(row number, cells)] read by models/output/xlsx.py. Raises ExchangeError."""
    from clerkdesk.models.output import xlsx

    if not (sheet or xlsx.is_workbook(data, name)):
        return read_csv(data, name)
    if len(data) > MAX_BYTES:
        return read_csv(data, name)  # (says how big, as for a CSV file)
    try:
        return xlsx.read_xlsx(data, name, sheet=sheet, max_rows=MAX_ROWS, max_cell=MAX_CELL)
    except xlsx.XlsxError as exc:
        raise ExchangeError(str(exc)) from None


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def _write(register: Register, stream, archived: bool) -> int:
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(export_columns(register, archived=archived))
    n = 0
    for cells in export_rows(register, archived=archived):
        writer.writerow([neutralise(c) for c in cells])
        n += 1
    return n


_EXCEL_HINT = ("In Excel choose File, Save As, 'CSV UTF-8 (Comma delimited)'; in LibreOffice "
               "tick 'Edit filter settings' and choose the character set 'Unicode (UTF-8)'.")


def _decode(data: bytes, name: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ExchangeError(f"{name} looks like UTF-16 text but cannot be read as it. "
                                + _EXCEL_HINT) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ExchangeError(f"{name} is not UTF-8 text (the first character that is not is on "
                            f"line {line}). {_EXCEL_HINT}") from None


def _delimiter(text: str) -> str:
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv(data: bytes, name: str = "The file") -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the data rows [(line, cells)] of a CSV file's bytes; lines count
    records as a spreadsheet shows rows (the header is line 1). Raises ExchangeError."""
    if len(data) > MAX_BYTES:
        raise ExchangeError(f"{name} is {len(data) // (1024 * 1024)} MB: an import takes at most "
                            f"{MAX_BYTES // (1024 * 1024)} MB. Split it into smaller files.")
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise ExchangeError(f"{name} is a spreadsheet workbook (Excel or LibreOffice), not a "
                            "CSV file: save it as CSV first. " + _EXCEL_HINT)
    head = data[:4096]
    if head.count(b"\x00") > 2 + len(head) // 100 and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ExchangeError(f"{name} is not a CSV file (it holds binary data): save the "
                            "spreadsheet as CSV first. " + _EXCEL_HINT)
    text = _decode(data, name).replace("\x00", "")
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    line = 0
    old_limit = csv.field_size_limit()
    csv.field_size_limit(MAX_CELL)
    try:
        for cells in reader:
            line += 1
            if header is None:
                if not any(c.strip() for c in cells):
                    continue
                header = cells
                continue
            if len(rows) >= MAX_ROWS:
                raise ExchangeError(f"{name} has more than {MAX_ROWS:,} rows: an import takes at "
                                    f"most {MAX_ROWS:,} at a time. Split it into smaller files.")
            rows.append((line, cells))
    except csv.Error as exc:
        reason = str(exc)
        if "field larger" in reason:
            reason = f"a cell is longer than {MAX_CELL:,} characters"
        elif "unexpected end of data" in reason:
            reason = 'a quote (") opens a cell and is never closed'
        elif "expected after" in reason:
            reason = 'a cell\'s closing quote (") is followed by more text: double a quote ' \
                     'inside a quoted cell ("")'
        elif "new-line character" in reason:
            reason = "a line break inside a cell that is not in quotes"
        raise ExchangeError(f"line {line + 1}: cannot be read as CSV ({reason}).") from None
    finally:
        csv.field_size_limit(old_limit)
    if header is None:
        raise ExchangeError(f"{name} is empty: the first line must name the columns.")
    return header, rows


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").replace("\ufeff", "")
    return " ".join(text.replace("_", " ").split()).lower()


def _name_key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text or "").split()).casefold()


@dataclass
class ImportRow:
    """One data row of the file, as the preview found it."""

    line: int
    values: dict[str, str]  # what the file says, by field name (shown in the preview)
    raw: dict[str, str] = field(default_factory=dict)  # what `records.save` will get
    clean: dict | None = None  # the validated values, when the row is good
    errors: dict[str, str] = field(default_factory=dict)  # field label (or "") -> sentence
    refs_in_file: dict[str, int] = field(default_factory=dict)  # field -> line it names

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def name(self) -> str:
        return self.values.get("name", "")

    def error_lines(self) -> list[str]:
        return [f"line {self.line}: {label}: {msg}" if label else f"line {self.line}: {msg}"
                for label, msg in self.errors.items()]


@dataclass
class ImportPreview:
    """What an import would add, and every problem, before anything is written.

    `.rows` (ImportRow, each with `.ok`, `.values`, `.error_lines()`), `.errors` (all
    problems as lines), `.ok`, `.summary()`; `.columns` are the fields the file's
    headings matched, `.ignored` the headings that matched none.
    """

    key: str
    source: str
    columns: list[FieldSpec] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    rows: list[ImportRow] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    #: the field specs the rows were validated with (each pick-list read once), and the
    #: nation and day they were validated on: the write reuses the rows' validation when
    #: all three are still the same, and validates again when any has changed
    specs: list[FieldSpec] = field(default_factory=list)
    basis: tuple = ()

    @property
    def register(self) -> Register:
        return REGISTERS[self.key]

    @property
    def errors(self) -> list[str]:
        out = list(self.file_errors)
        for row in self.rows:
            out += row.error_lines()
        return out

    @property
    def bad_rows(self) -> list[ImportRow]:
        return [r for r in self.rows if not r.ok]

    @property
    def ok(self) -> bool:
        return not self.file_errors and bool(self.rows) and all(r.ok for r in self.rows)

    def summary(self) -> str:
        reg = self.register
        noun = reg.singular if len(self.rows) == 1 else reg.title.lower()
        if self.file_errors:
            return f"Nothing can be imported from {self.source}: {self.file_errors[0]}"
        bad = len(self.bad_rows)
        src = "The file" if self.source == "the file" else self.source
        if not self.rows:
            return f"{src}: no rows to import."
        if bad:
            return (f"{src}: {len(self.rows)} {noun}; {bad} "
                    f"row{'s' if bad != 1 else ''} with errors: nothing will be imported until "
                    "every row is right.")
        return f"{src}: {len(self.rows)} {noun} to add to the {reg.title.lower()} register."


def _read_source(source) -> tuple[bytes, str]:
    if isinstance(source, (bytes, bytearray)):
        return bytes(source), "The file"
    path = Path(source).expanduser()
    name = path.name
    if not path.exists():
        raise ExchangeError(f"There is no file {path}.")
    if path.is_dir():
        raise ExchangeError(f"{path} is a folder: give the CSV or .xlsx file.")
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ExchangeError(f"{name} is {size // (1024 * 1024)} MB: an import takes at most "
                                f"{MAX_BYTES // (1024 * 1024)} MB. Split it into smaller files.")
        with open(path, "rb") as fh:
            return fh.read(MAX_BYTES + 1), name
    except PermissionError:
        raise ExchangeError(f"Cannot read {path}: check its permissions.") from None
    except OSError as exc:
        raise ExchangeError(f"Could not read {path}: {exc.strerror or exc}") from None


def _match_columns(register: Register, header: list[str], preview: ImportPreview,
                   rows) -> dict[int, FieldSpec]:
    specs = [s for s in register.fields() if s.kind != "refs"]
    lookup: dict[str, FieldSpec] = {}
    for s in specs:
        lookup[_norm(s.name)] = s
        lookup[_norm(s.label)] = s
    matched: dict[int, FieldSpec] = {}
    seen: dict[str, int] = {}
    for i, head in enumerate(header):
        spec = lookup.get(_norm(head))
        if spec is None:
            if _norm(head):
                preview.ignored.append(_printable(head.strip())[:60])
            elif any(i < len(cells) and cells[i].strip() for _, cells in rows):
                preview.ignored.append(f"column {i + 1} (no heading)")
            continue
        if spec.name in seen:
            preview.file_errors.append(
                f"line 1: columns {seen[spec.name] + 1} and {i + 1} are both {spec.label}: "
                "keep one.")
            continue
        seen[spec.name] = i
        matched[i] = spec
    preview.columns = [matched[i] for i in sorted(matched)]
    for s in specs:
        if s.required and s.name not in seen:
            preview.file_errors.append(
                f"line 1: there is no '{s.label}' column. The first line must name the columns, "
                f"e.g. {', '.join(x.label for x in specs[:4])}.")
    return matched


def _printable(text: str) -> str:
    return re.sub(r"[\x00-\x1f\x7f]", "?", text)


class _Refs:
    """Names -> ids for the ref fields of an import (non-archived rows, as the forms)."""

    def __init__(self):
        self._maps: dict = {}

    def lookup(self, model, name: str) -> list[int]:
        if model not in self._maps:
            table: dict[str, list[int]] = {}
            for row_id, row_name in model.select(model.id, model.name).where(~model.archived).tuples():
                table.setdefault(_name_key(row_name), []).append(row_id)
            self._maps[model] = table
        return self._maps[model].get(_name_key(name), [])


def _existing_names(register: Register) -> dict[str, bool]:
    """Names already in the register (case-insensitive) -> archived?"""
    model = register.model
    out: dict[str, bool] = {}
    for name, archived in model.select(model.name, model.archived).tuples():
        key = _name_key(name)
        out[key] = out.get(key, True) and bool(archived)
    return out


def preview_import(key: str, source, *, sheet: str | None = None) -> ImportPreview:
    """Read and check a CSV file or an .xlsx workbook's sheet (the first, or *sheet*; a
    path, or its bytes) for the register *key*, writing nothing. Problems with the file as
    a whole are in `.file_errors`; each row's in its `.errors`. Never raises for bad
    content: only an unknown *key* raises ValueError."""
    key = (key or "").strip().lower()
    if key not in IMPORTABLE:
        raise ValueError(f"Cannot import {key[:40]!r}: choose one of {', '.join(IMPORTABLE)}.")
    register = REGISTERS[key]
    is_bytes = isinstance(source, (bytes, bytearray))
    preview = ImportPreview(key=key, source="the file" if is_bytes else Path(source).name)
    try:
        data, _ = _read_source(source)
        header, rows = read_table(data, "The file" if is_bytes else preview.source, sheet)
    except ExchangeError as exc:
        preview.file_errors.append(str(exc))
        return preview
    matched = _match_columns(register, header, preview, rows)
    if preview.file_errors:
        return preview

    specs = frozen_specs(register.fields())
    preview.specs = specs
    nation = council_nation()
    preview.basis = _basis(specs, nation)
    refs = _Refs()
    existing = _existing_names(register)
    first_line: dict[str, int] = {}  # name in this file -> its first line
    width = len(header)
    for line, cells in rows:
        if not any(c.strip() for c in cells):
            continue
        values = {s.name: unneutralise(cells[i]) if i < len(cells) else ""
                  for i, s in matched.items()}
        row = ImportRow(line=line, values=values)
        preview.rows.append(row)
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            row.errors[""] = (f"this row has {len(cells)} cells but the first line names only "
                              f"{width} columns: check for a stray comma or an unclosed quote.")
        _check_row(register, specs, row, refs, nation)
        name = row.name.strip()
        if name:
            k = _name_key(name)
            label = next((s.label for s in specs if s.name == "name"), "Name")
            if k in first_line:
                row.errors.setdefault(label, f"{_short(name)} is already on line {first_line[k]}.")
            else:
                first_line[k] = line
                if k in existing:
                    row.errors.setdefault(label, _already(register, name, existing[k]))
    _resolve_in_file(register, preview, first_line)
    return preview


def frozen_specs(specs: list[FieldSpec]) -> list[FieldSpec]:
    """*specs* with each pick-list read once (the wards, the party groups...), so checking
    10,000 rows queries each list once, not once a row."""
    out = []
    for s in specs:
        if callable(s.choices):
            options = s.options()
            s = dataclasses.replace(s, choices=lambda options=options: options)
        out.append(s)
    return out


def _basis(specs: list[FieldSpec], nation: str) -> tuple:
    """What a row's validation depends on besides the row: every pick-list, the nation
    (bank holidays) and today's date."""
    return (tuple((s.name, tuple(s.options())) for s in specs), nation, dates.today())


def import_fields() -> list[FieldSpec]:
    """The form that starts an import in the app: the register and the file."""
    return [
        FieldSpec("register", "Add to", "choice", required=True,
                  choices={k: REGISTERS[k].title for k in IMPORTABLE}, default="members"),
        FieldSpec("path", "File", required=True, max_len=500,
                  placeholder="e.g. ~/Documents/councillors.xlsx or councillors.csv",
                  help="An Excel workbook (.xlsx) or a CSV file (UTF-8). The first row names "
                       "the columns."),
        FieldSpec("sheet", "Sheet", max_len=100, placeholder="the first sheet",
                  help="Only for a workbook with several sheets: the sheet's name."),
    ]


def preview_from_form(raw: dict[str, str]) -> ImportPreview:
    """The `import_fields` form's answer as a preview; a file that cannot be read is a
    sentence on its field (ValidationError)."""
    clean = validate(import_fields(), raw)
    try:
        preview = preview_import(clean["register"], clean["path"],
                                 sheet=clean.get("sheet") or None)
    except ExchangeError as exc:
        raise ValidationError({"path": str(exc)}) from None
    if preview.file_errors and not preview.rows:  # unreadable: say so on the field
        raise ValidationError({"path": preview.file_errors[0]})
    return preview


def _named(field: str, value, message: str) -> str:
    """A validation message about a record chosen by id, with the record's name instead
    of the id ("'6' is not one of the choices" names nobody)."""
    model = REF_MODELS.get(field)
    text = str(value or "").strip()
    if model is None or not text.isdigit() or f"'{text}'" not in message:
        return message
    row = model.get_or_none(model.id == int(text))
    if row is None:
        return message.replace(f"'{text}'", "that record")
    why = ("has left" if getattr(row, "left_on", None)
           else "is archived" if getattr(row, "archived", False) else "cannot be chosen")
    return f"{_short(row.name)} {why}, so cannot be chosen here."


def _short(text: str) -> str:
    text = _printable(text.strip())
    return f"'{text[:60]}…'" if len(text) > 60 else f"'{text}'"


def _already(register: Register, name: str, archived: bool) -> str:
    if archived:
        return (f"there is already an archived {register.singular} called {_short(name)}: "
                "restore them instead of importing them again.")
    return f"there is already a {register.singular} called {_short(name)}: an import only adds."


def _check_row(register: Register, specs: list[FieldSpec], row: ImportRow, refs: _Refs,
               nation: str) -> None:
    raw: dict[str, str] = {}
    for s in specs:
        if s.kind == "refs":
            raw[s.name] = ""
            continue
        if s.name not in row.values:
            raw[s.name] = s.initial()
            continue
        value = row.values[s.name]
        if s.kind == "ref" and value.strip():
            model = REF_MODELS.get(s.name)
            if model is None:
                raw[s.name] = value
                continue
            ids = refs.lookup(model, value)
            if not ids and model is PartyGroup and _name_key(value) in ("independent", "none"):
                raw[s.name] = ""  # the way a spreadsheet says "no group"
                continue
            noun = _SINGULAR.get(model, "record")
            if len(ids) == 1:
                raw[s.name] = str(ids[0])
            elif len(ids) > 1:
                row.errors[s.label] = (f"more than one {noun} is called {_short(value)}: "
                                       "rename one of them first.")
                raw[s.name] = ""
            elif model is register.model:
                row.refs_in_file[s.name] = -1  # resolved against the file's own names below
                raw[s.name] = ""
            else:
                hint = {Ward: " (an import does not create wards: add it under Council, Wards "
                              "first)",
                        PartyGroup: " (add the group under Party groups first, or leave it "
                                    "blank for an Independent)"}.get(model, "")
                row.errors[s.label] = f"there is no {noun} called {_short(value)}{hint}."
                raw[s.name] = ""
            continue
        raw[s.name] = value
    row.raw = raw
    try:
        clean = validate(specs, raw, nation=nation)
    except ValidationError as exc:
        labels = {s.name: s.label for s in specs}
        for name, msg in exc.errors.items():
            row.errors.setdefault(labels.get(name, name), _named(name, raw.get(name), msg))
        return
    except Exception as exc:  # a validator that trips on odd text: report, never raise
        row.errors.setdefault("", f"this row cannot be read ({type(exc).__name__}).")
        return
    if register.check:
        labels = {s.name: s.label for s in specs}
        for name, msg in (register.check(clean, None) or {}).items():
            if name == "name":
                continue  # duplicates are reported by the import itself, with line numbers
            row.errors.setdefault(labels.get(name, name), msg)
    if row.ok:
        row.clean = clean


def _resolve_in_file(register: Register, preview: ImportPreview, first_line: dict[str, int]) -> None:
    """Refs to another row of the same file (an officer's line manager): the row must be
    in the file and good, not the row itself, and the chain must not go round in a loop."""
    specs = {s.name: s for s in register.fields()}
    by_line = {r.line: r for r in preview.rows}
    for row in preview.rows:
        for name in list(row.refs_in_file):
            label = specs[name].label
            target = row.values.get(name, "")
            line = first_line.get(_name_key(target))
            if line is None:
                row.errors.setdefault(label, f"there is no {register.singular} called "
                                             f"{_short(target)}, here or in the file.")
                row.refs_in_file.pop(name)
            elif line == row.line:
                row.errors.setdefault(label, f"a {register.singular} cannot be their own "
                                             f"{label.lower()}.")
                row.refs_in_file.pop(name)
            else:
                row.refs_in_file[name] = line
                named = by_line[line]
                if not named.ok:
                    row.errors.setdefault(label, f"{_short(target)} (line {line}) has errors "
                                                 "of their own.")
                elif named.clean and (named.clean.get("left_on") or named.clean.get("archived")):
                    # the form offers only serving officers: the write would refuse this
                    left = named.clean.get("left_on")
                    when = f" on {dates.fmt(left)}" if left else ""
                    row.errors.setdefault(label, f"{_short(target)} (line {line}) has left"
                                                 f"{when}, so cannot be the {label.lower()}: "
                                                 "leave it blank or name a serving officer.")
    # loops: A's manager is B and B's manager is A
    for row in preview.rows:
        seen, current = {row.line}, row
        while current.refs_in_file:
            nxt = next(iter(current.refs_in_file.values()))
            if nxt in seen:
                name = next(iter(row.refs_in_file), None)
                if name:
                    row.errors.setdefault(specs[name].label, "these rows name each other in a "
                                                             "loop.")
                break
            seen.add(nxt)
            current = by_line[nxt]
    for row in preview.rows:
        if not row.ok:
            row.clean = None


#: rows written per INSERT in the bulk path (12 columns each: far under SQLite's limit)
_BULK_ROWS = 500


def _bulk_ok(register: Register, preview: ImportPreview) -> bool:
    """Can the rows go in as multi-row INSERTs, each with its audit entry, exactly as
    `records.save` would write them one by one? On SQLite (ids are max + 1, in order),
    for a register with no hooks of its own and no row naming another row of the file."""
    return (not backend.is_postgres(database) and hasattr(database.obj, "insert_rows")
            and register.before_save is None
            and register.after_save is None and not register.to_form
            and all(r.clean is not None and not r.refs_in_file for r in preview.rows))


def _write_in_bulk(register: Register, specs: list[FieldSpec], preview: ImportPreview) -> list:
    """Write every row of a good preview (already validated, inside the caller's
    transaction): the values `records.save` would set, `_BULK_ROWS` rows an INSERT (the
    database verifies the log's head and that each new id is new to the log, as for any
    insert), then one `create` audit entry per row with the changes `records.save` would
    log, queued to be sealed into the chain at commit. Returns the new rows, in the
    file's order."""
    from clerkdesk.models.core.roles import join
    from clerkdesk.models.core.schema import Audit
    from clerkdesk.models.store import audit

    model = register.model
    table = model._meta.table_name
    fields = [s for s in specs if s.kind != "refs"]
    plain = audit._plain
    values, changes = [], []
    for row in preview.rows:
        clean = row.clean
        if register.check:
            problems = register.check(clean, None)
            if problems:
                labels = {s.name: s.label for s in specs}
                raise ImportRefused([f"line {row.line}: {labels.get(k, k)}: {v}"
                                     for k, v in problems.items()])
        data, after = {}, {}
        for s in fields:
            value = clean[s.name]
            if s.kind == "roles":
                value = join(value)
            data[s.name] = value  # a ref's id, by the field's own name
            after[s.name] = value
        after.update({s.name: None for s in specs if s.kind == "refs"})
        values.append(data)
        # audit.diff({}, after), as records.save logs a new row: each value set, [None, it]
        changes.append({k: [None, p] for k, v in after.items()
                        if (p := plain(v)) is not None})
    db = database.obj
    ids = list(db.insert_rows(model, values))
    who = audit._who(db)
    pending = db._pending() if hasattr(db, "_pending") else None
    entries = [{"action": "create", "table": table, "row_id": row_id,
                "changes": json.dumps(change, default=str, ensure_ascii=False),
                "who": who, "undoes": None} for row_id, change in zip(ids, changes)]
    if pending is not None and not pending:
        # nothing else of this transaction waits to be sealed: the entries go in sealed,
        # their digests and hashes computed here exactly as the commit's seal would
        _insert_sealed(db, table, ids, entries)
        return [model(id=row_id, **data) for row_id, data in zip(ids, values)]
    logged = list(db.insert_rows(Audit, entries))
    if pending is not None:
        pending.extend(logged)  # sealed into the chain at commit
    else:  # a database not opened by open_database: seal at once, as audit.record does
        from clerkdesk.models.store.chain import seal

        seal(db, logged)
    # the new rows as the models `records.save` returns (made from the values written,
    # not read back)
    return [model(id=row_id, **data) for row_id, data in zip(ids, values)]


def _insert_sealed(db, table: str, ids: list[int], entries: list[dict]) -> None:
    """Insert the audit *entries* of the new rows *ids* already sealed into the chain:
    each row's digest (as stored), each entry's changes digest, its link to the one
    before and its hash, as `chain.seal_entries` fills them in at commit (one write per
    entry instead of an insert and then an update), and the chain's new head."""
    from clerkdesk.models.core.schema import Audit, now
    from clerkdesk.models.store import chain

    con = backend.raw(db.connection())
    digests = chain._digests_of(con, table, ids)
    last = con.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    first_id, prev = (last[0] + 1, last[1] or "") if last else (1, "")
    when = now()
    at = str(when)  # as SQLite stores the datetime, and as the seal reads it back
    for entry_id, entry in enumerate(entries, start=first_id):
        rd = digests[(table, entry["row_id"])]
        cd = chain.sha256(entry["changes"])
        h = chain.entry_hash(entry_id, at, entry["who"], entry["action"], table,
                             entry["row_id"], cd, rd, None, prev)
        entry.update(at=when, changes_digest=cd, row_digest=rd, prev_hash=prev, hash=h)
        prev = h
    written = db.insert_rows(Audit, entries)
    if written and written[0] != first_id:  # pragma: no cover - the write lock is held
        raise DatabaseError("The audit log moved while the import was written; nothing "
                            "was imported.")
    if written:
        chain.set_head(con, f"{written[-1]} {prev}")


def _save_order(preview: ImportPreview) -> list[ImportRow]:
    done: set[int] = set()
    order: list[ImportRow] = []
    pending = list(preview.rows)
    while pending:
        ready = [r for r in pending if all(t in done for t in r.refs_in_file.values())]
        if not ready:  # pragma: no cover - loops are errors in the preview
            raise ImportRefused(["the rows name each other in a loop."])
        for r in ready:
            order.append(r)
            done.add(r.line)
        pending = [r for r in pending if r.line not in done]
    return order


def apply_import(preview: ImportPreview) -> list:
    """Write every row of a good preview in ONE transaction, each through
    `records.save` (validation and audit entry as in the form). Raises ImportRefused,
    writing nothing, when the preview (or a re-check inside the transaction) finds any
    error. Returns the new rows."""
    if not preview.ok:
        raise ImportRefused(preview.errors or ["there is nothing to import."])
    register = preview.register
    created: dict[int, object] = {}
    with database.atomic():
        existing = _existing_names(register)  # the casebook may have changed since
        label = next((s.label for s in register.fields() if s.name == "name"), "Name")
        clashes = [f"line {r.line}: {label}: "
                   f"{_already(register, r.name, existing[_name_key(r.name)])}"
                   for r in preview.rows if _name_key(r.name) in existing]
        if clashes:
            raise ImportRefused(clashes)
        # the pick-lists as they are now, inside the transaction: when they (and the
        # nation, and the day) are those the preview validated with, each row's
        # validation stands; otherwise every row is validated again against them
        specs = frozen_specs(register.fields())
        same = bool(preview.basis) and _basis(specs, council_nation()) == preview.basis
        if same and _bulk_ok(register, preview):
            return _write_in_bulk(register, specs, preview)
        for row in _save_order(preview):
            raw = dict(row.raw)
            for name, line in row.refs_in_file.items():
                raw[name] = str(created[line].id)
            try:
                if row.refs_in_file:  # a ref to a row made just now: its own lists
                    created[row.line] = records.save(register, raw)
                else:
                    created[row.line] = records.save(
                        register, raw, specs=specs,
                        validated=row.clean if same and row.clean is not None else None)
            except ValidationError as exc:
                labels = {s.name: s.label for s in register.fields()}
                raise ImportRefused([f"line {row.line}: {labels.get(k, k)}: "
                                     f"{_named(k, raw.get(k), v)}"
                                     for k, v in exc.errors.items()]) from None
    return [created[r.line] for r in preview.rows]
