"""Excel workbooks (.xlsx) as they are: a register read from a sheet, a list written as one.

This module only turns a workbook into the header and rows a CSV file would give, and rows
into a workbook; the import's preview, its line-by-line checks and its all-or-nothing
write, and the export's columns, stay in csv_exchange.py, which calls these functions
(`read_table`, `export_xlsx`), so an .xlsx register goes through exactly the path a CSV
one does. openpyxl (the `[xlsx]` extra) is imported only when a workbook is read or
written.

Reading (`read_xlsx`)
    The first sheet, or the one named. Row numbers are the sheet's own (the heading row is
    usually line 1). A cell typed as a date becomes a UK date (23/11/2026); a whole number
    loses Excel's ".0"; TRUE/FALSE become yes/no. A formula is never worked out: its cached
    value (what the spreadsheet showed when it was last saved) is taken, and a formula with
    no cached value, or one showing an error (#REF!), refuses the file with a sentence.
    Merged cells, an old .xls workbook, a password-protected one, an OpenDocument
    spreadsheet or anything that is not a workbook: one sentence each (`XlsxError`). Blank
    rows (at the end or between) are skipped, as in a CSV file.

Writing (`write_xlsx`)
    A write-only workbook (it streams, so 50,000 cases are fine), headings in bold and
    frozen, date columns as real Excel dates shown DD/MM/YYYY. Text that starts with = + -
    @ is stored as text with Excel's quote prefix, never as a formula. The file is made
    with mkstemp in the destination folder (so it is 0600, readable by its owner only)
    and renamed into place once complete.
"""
from __future__ import annotations

import datetime as dt
import io
import os
import re
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

from clerkdesk.models.core.dates import fmt

#: a workbook may unpack to at most this many bytes (a small file can unpack to gigabytes)
MAX_UNPACKED = 50 * 1024 * 1024

#: the longest text Excel keeps in one cell
EXCEL_CELL_LIMIT = 32_767

#: text starting with one of these would be a formula if typed into Excel
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"

_SAVE_AGAIN = "open it in Excel or LibreOffice and save it as an Excel workbook (.xlsx)"
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class XlsxError(ValueError):
    """A workbook that cannot be read or written; the message is a sentence for the clerk."""


def is_workbook(data: bytes, name: str = "") -> bool:
    """True when *data* (or the file's *name*) is a workbook this module should read."""
    return data.startswith((ZIP_MAGIC, OLE_MAGIC)) or name.lower().endswith(
        (".xlsx", ".xlsm", ".xls"))


def _openpyxl():
    try:
        import openpyxl
    except ImportError:
        raise XlsxError("Reading and writing .xlsx files needs the optional openpyxl package: "
                        "install clerkdesk with the xlsx extra (pip install 'clerkdesk[xlsx]'), "
                        "or save the sheet as CSV.") from None
    return openpyxl


def _not_a_workbook(data: bytes, name: str) -> str | None:
    """The sentence for a file that is not an .xlsx workbook, or None if it looks like one."""
    if data.startswith(OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data:
            return (f"{name} is protected with a password, so it cannot be read: open it, take "
                    "the password off (in Excel: File, Info, Protect Workbook, Encrypt with "
                    "Password, and clear it), save a copy and import that.")
        return (f"{name} is an old-style Excel workbook (.xls), which clerkdesk cannot read: "
                f"{_SAVE_AGAIN} or as CSV UTF-8, and import that.")
    if not data.startswith(ZIP_MAGIC):
        return (f"{name} is not an Excel workbook (.xlsx) even though its name says so: "
                f"{_SAVE_AGAIN}, or save it as CSV UTF-8 with a .csv name.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        unpacked = sum(info.file_size for info in archive.infolist())
        mimetype = archive.read("mimetype")[:80] if "mimetype" in names else b""
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        return (f"{name} is damaged or incomplete and cannot be read as a workbook: "
                f"{_SAVE_AGAIN} again.")
    if b"opendocument.spreadsheet" in mimetype:
        return (f"{name} is an OpenDocument spreadsheet (.ods): in LibreOffice choose File, "
                "Save As, 'Excel 2007-365 (.xlsx)' or 'Text CSV', and import that.")
    if "xl/workbook.xml" not in names:
        what = ("a Word document" if "word/document.xml" in names else
                "a PowerPoint file" if "ppt/presentation.xml" in names else "a zip archive")
        return f"{name} is {what}, not an Excel workbook: give the register's .xlsx or CSV file."
    if unpacked > MAX_UNPACKED:
        return (f"{name} unpacks to {unpacked // (1024 * 1024)} MB: an import takes a workbook of "
                f"at most {MAX_UNPACKED // (1024 * 1024)} MB unpacked. Split it into smaller "
                "files, or copy the register's own sheet into a new workbook.")
    return None


def _load(data: bytes, name: str, *, data_only: bool):
    openpyxl = _openpyxl()
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl's notes on styles and extensions
            return openpyxl.load_workbook(io.BytesIO(data), data_only=data_only,
                                          keep_links=False)
    except Exception as exc:  # a damaged or odd workbook: a sentence, never a traceback
        raise XlsxError(f"{name} cannot be read as an Excel workbook ({type(exc).__name__}): "
                        f"{_SAVE_AGAIN} again.") from None


def _sheet(workbook, name: str, wanted: str | None):
    sheets = workbook.worksheets
    if not sheets:
        raise XlsxError(f"{name} has no sheet with cells in it (only charts).")
    if wanted is None:
        return sheets[0]
    for match in (lambda s: s.title == wanted,
                  lambda s: s.title.casefold() == wanted.strip().casefold()):
        found = [s for s in sheets if match(s)]
        if found:
            return found[0]
    titles = ", ".join(f"'{s.title}'" for s in sheets[:10])
    raise XlsxError(f"{name} has no sheet called '{wanted[:40]}': its sheets are {titles}.")


def cell_text(value) -> str:
    """A cell's value as the text a CSV file would hold: UK dates, whole numbers without
    '.0', yes/no for TRUE/FALSE."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return fmt(value.date())
        return f"{fmt(value.date())} {value:%H:%M}"
    if isinstance(value, dt.date):
        return fmt(value)
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.15g}"
    return str(value)


def read_xlsx(data: bytes, name: str = "The file", *, sheet: str | None = None,
              max_rows: int = 10_000, max_cell: int = 100_000
              ) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the data rows [(row number, cells)] of a workbook's sheet, as
    csv_exchange.read_csv gives them for a CSV file. Raises XlsxError (a sentence)."""
    problem = _not_a_workbook(data, name)
    if problem:
        raise XlsxError(problem)
    book = _load(data, name, data_only=False)
    ws = _sheet(book, name, sheet)
    where = f"{name}, sheet '{ws.title}'" if len(book.worksheets) > 1 or sheet else name
    # the cells the file holds, by row (not ws.iter_rows(), which would make every cell of
    # the sheet's whole extent: one cell far down or across must not cost millions)
    by_row: dict[int, dict[int, object]] = {}
    for (r, col), c in ws._cells.items():
        if c.value is not None and str(c.value).strip():
            by_row.setdefault(r, {})[col] = c
    width = max((max(cells) for cells in by_row.values()), default=0)
    grid: list[tuple[int, list]] = []  # (row number, cells) of the non-blank rows
    formulas: dict[str, int] = {}  # coordinate -> row number
    for r in sorted(by_row):  # blank rows, at the end or between, are not in by_row
        if len(grid) > max_rows:  # (the first non-blank row is the heading row)
            raise XlsxError(f"{where} has more than {max_rows:,} rows: an import takes at most "
                            f"{max_rows:,} at a time. Split it into smaller files.")
        cells = [by_row[r].get(col) for col in range(1, width + 1)]
        formulas.update({c.coordinate: r for c in cells if c is not None and c.data_type == "f"})
        grid.append((r, cells))
    if not grid:
        raise XlsxError(f"{where} is empty: its first row must name the columns.")
    header_row = grid[0][0]
    for merged in sorted(ws.merged_cells.ranges, key=lambda r: (r.min_row, r.min_col)):
        if merged.min_col not in by_row.get(merged.min_row, {}):
            continue  # nothing in it: the merge hides no value
        if merged.min_row <= header_row <= merged.max_row:
            raise XlsxError(
                f"{where}: row {header_row} has merged cells ({merged.coord}): the first row "
                "with text must be the column headings, each in a cell of its own; unmerge "
                "them, and delete any title rows above the headings.")
        raise XlsxError(
            f"{where}: cells {merged.coord} are merged, so only the first of them holds a value: "
            "unmerge them and fill in each row, then import again.")
    values = {}
    if formulas:
        cached = _sheet(_load(data, name, data_only=True), name, ws.title)
        for coord in formulas:
            cell = cached[coord]
            if cell.value is None or cell.value == "":
                n = len(formulas)
                raise XlsxError(
                    f"{where}: cell {coord} holds a formula with no saved result"
                    f"{f' (and {n - 1} other formula cells may too)' if n > 1 else ''}; "
                    "clerkdesk never works formulas out: open the file in Excel or LibreOffice "
                    "and save it (which stores each result), or paste the values over the "
                    "formulas.")
            if cell.data_type == "e":
                raise XlsxError(f"{where}: cell {coord} shows an error ({cell.value}): put the "
                                "cell right in the spreadsheet, save it, and import again.")
            values[coord] = cell.value
    rows: list[tuple[int, list[str]]] = []
    for line, cells in grid:
        texts = []
        for c in cells:
            if c is None:
                texts.append("")
                continue
            value = values.get(c.coordinate, c.value) if c.data_type == "f" else c.value
            if c.data_type == "e":
                raise XlsxError(f"{where}: cell {c.coordinate} shows an error ({value}): put the "
                                "cell right in the spreadsheet, save it, and import again.")
            text = cell_text(value)
            if len(text) > max_cell:
                raise XlsxError(f"line {line}: cannot be read (cell {c.coordinate} is longer than "
                                f"{max_cell:,} characters).")
            texts.append(text)
        rows.append((line, texts))
    header = rows[0][1]
    return header, rows[1:]


def _sheet_title(title: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:31] or "Sheet1"


def write_xlsx(path: str | os.PathLike, title: str, header: list[str],
               rows: Iterable[list[str]], *, date_columns: Iterable[int] = ()) -> int:
    """Write *header* and *rows* (lists of text) as a one-sheet workbook at *path*; returns
    the number of rows. Columns in *date_columns* holding UK dates become Excel dates.
    Raises XlsxError for a cell too long for Excel; OSError from the file system."""
    openpyxl = _openpyxl()
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    path = Path(path)
    book = openpyxl.Workbook(write_only=True)
    ws = book.create_sheet(_sheet_title(title))
    ws.freeze_panes = "A2"
    for i, head in enumerate(header):
        ws.column_dimensions[openpyxl.utils.get_column_letter(i + 1)].width = max(
            12, min(40, len(head) + 4))
    bold = Font(bold=True)
    heads = []
    for head in header:
        cell = WriteOnlyCell(ws, value=head)
        cell.font = bold
        heads.append(cell)
    ws.append(heads)
    dated = set(date_columns)
    n = 0
    for n, cells in enumerate(rows, start=1):
        out = []
        for i, text in enumerate(cells):
            if i in dated and text:
                try:
                    cell = WriteOnlyCell(ws, value=dt.datetime.strptime(text, "%d/%m/%Y").date())
                    cell.number_format = "DD/MM/YYYY"
                    out.append(cell)
                    continue
                except ValueError:
                    pass  # not a date after all: written as the text it is
            text = _ILLEGAL.sub("?", text)
            if len(text) > EXCEL_CELL_LIMIT:
                raise XlsxError(f"Row {n + 1}, column '{header[i]}', holds {len(text):,} "
                                f"characters, more than an Excel cell keeps "
                                f"({EXCEL_CELL_LIMIT:,}): export this list as CSV instead.")
            cell = WriteOnlyCell(ws, value=text)
            if text.startswith(FORMULA_START):
                cell.data_type = "s"  # text, never a formula
                cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
            out.append(cell)
        ws.append(out)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            book.save(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return n
