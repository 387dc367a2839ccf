"""Excel workbooks as they are (models/output/xlsx.py through csv_exchange's preview):
`clerkdesk import REGISTER FILE.xlsx` and `clerkdesk export LIST --xlsx`, on real casebooks
and real .xlsx files written by openpyxl in tmp_path (two hostile samples are committed in
tests/data: a password-protected workbook and an old .xls)."""
from __future__ import annotations

import datetime as dt
import re
import stat
import zipfile
from pathlib import Path

import pytest

openpyxl = pytest.importorskip("openpyxl", reason="openpyxl (the [xlsx] extra) is not installed")

from helpers import SIZE, make_app, settle
from textual.widgets import Input

from clerkdesk.models.casework import records, registers
from clerkdesk.models.core.schema import Audit, Council, Member, Ward
from clerkdesk.models.output import csv_exchange, xlsx
from clerkdesk.models.store.opening import open_database
from clerkdesk.screens.form import FormScreen
from clerkdesk.screens.import_screen import ImportPreviewScreen
from clerkdesk.tui import actions
from clerkdesk.tui.__main__ import main

DATA = Path(__file__).parent / "data"


def workbook(path: Path, rows, *, title="Sheet1", more_sheets=(), edit=None) -> Path:
    """A real .xlsx at *path*: *rows* on the first sheet, then (title, rows) sheets;
    *edit(ws)* may change the first sheet before saving."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(list(row))
    if edit:
        edit(ws)
    for name, sheet_rows in more_sheets:
        other = wb.create_sheet(name)
        for row in sheet_rows:
            other.append(list(row))
    wb.save(path)
    return path


def patch_sheet(path: Path, change) -> Path:
    """Rewrite the first sheet's XML with *change(text) -> text* (what Excel would have
    saved: openpyxl itself never stores a formula's result)."""
    src = zipfile.ZipFile(path)
    parts = {info.filename: src.read(info.filename) for info in src.infolist()}
    src.close()
    name = "xl/worksheets/sheet1.xml"
    parts[name] = change(parts[name].decode("utf-8")).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for filename, data in parts.items():
            out.writestr(filename, data)
    return path


def first_error(preview) -> str:
    assert not preview.ok and preview.file_errors, preview
    return preview.file_errors[0]


def _fresh(tmp_path):
    open_database(tmp_path / "fresh.db")
    Council.create(name="Freshford Town Council", nation="england")


# --- import: the same path as CSV ---------------------------------------------------------------

def test_round_trip_through_xlsx(demo_db, tmp_path):
    for key in ("wards", "members", "officers"):
        assert csv_exchange.export_xlsx(key, tmp_path / f"{key}.xlsx") > 0
        assert stat.S_IMODE((tmp_path / f"{key}.xlsx").stat().st_mode) == 0o600
    members = sorted((m.name, m.ward.name if m.ward else "", m.term_start, m.term_end, m.email)
                     for m in Member.select().where(~Member.archived))
    groups = sorted({m.group.name for m in Member.select() if m.group})
    _fresh(tmp_path)
    for g in groups:
        records.save(registers.GROUPS, {"name": g})
    for key in ("wards", "officers", "members"):
        preview = csv_exchange.preview_import(key, tmp_path / f"{key}.xlsx")
        assert preview.ok, preview.errors
        assert preview.ignored == []
        csv_exchange.apply_import(preview)
    assert sorted((m.name, m.ward.name if m.ward else "", m.term_start, m.term_end, m.email)
                  for m in Member.select()) == members
    created = Audit.select().where((Audit.table == "member") & (Audit.action == "create"))
    assert created.count() == len(members)  # one audit entry per row, as from a CSV file


def test_excel_dates_numbers_and_booleans_become_text_the_form_reads(db, tmp_path):
    _wards_exist("Castle")
    path = workbook(tmp_path / "m.xlsx", [
        ("Name", "Ward", "Term starts", "Term ends", "Phone", "Notes"),
        ("Cllr Dated", "Castle", dt.date(2026, 5, 7), dt.datetime(2030, 5, 9), 1632960000, True),
    ])
    preview = csv_exchange.preview_import("members", path)
    assert preview.ok, preview.errors
    row, = preview.rows
    assert row.values["term_start"] == "07/05/2026"  # an Excel date becomes a UK date
    assert row.values["term_end"] == "09/05/2030"
    assert row.values["phone"] == "1632960000"  # not 1632960000.0
    assert row.values["notes"] == "yes"
    m, = csv_exchange.apply_import(preview)
    assert m.term_start == dt.date(2026, 5, 7)


def _wards_exist(*names):
    for n in names:
        records.save(registers.WARDS, {"name": n})


def test_bad_rows_are_explained_by_row_number_and_nothing_is_written(db, tmp_path):
    _wards_exist("Castle")
    path = workbook(tmp_path / "m.xlsx", [
        (None,),  # a blank row above the headings: the headings are row 2
        ("Name", "Ward", "Term starts", "Term ends"),
        ("Cllr Good", "Castle", "01/05/2026", "01/05/2030"),
        ("Cllr Backwards", "Castle", dt.date(2026, 5, 1), dt.date(2020, 5, 1)),
        (None, None, None, None),  # blank between: skipped, the numbering keeps the sheet's
        ("Cllr Lost", "Atlantis"),
        ("Cllr Good",),
    ])
    preview = csv_exchange.preview_import("members", path)
    assert not preview.ok
    assert [r.line for r in preview.rows] == [3, 4, 6, 7]
    errors = "\n".join(preview.errors)
    assert "line 4: Term ends: The term cannot end before it starts." in errors
    assert "line 6: Ward: there is no ward called 'Atlantis'" in errors
    assert "line 7: Name: 'Cllr Good' is already on line 3." in errors
    with pytest.raises(csv_exchange.ImportRefused):
        csv_exchange.apply_import(preview)
    assert Member.select().count() == 0  # all or nothing


def test_blank_rows_at_the_end_are_ignored(db, tmp_path):
    def blanks(ws):
        for r in range(4, 3000):  # cells that exist but hold nothing (formatted, then cleared)
            ws.cell(row=r, column=1, value="")
            ws.cell(row=r, column=3, value=None).number_format = "DD/MM/YYYY"

    path = workbook(tmp_path / "w.xlsx", [("Ward name", "Notes"), ("North", ""), ("South", "x")],
                    edit=blanks)
    preview = csv_exchange.preview_import("wards", path)
    assert preview.ok, preview.errors
    assert [r.line for r in preview.rows] == [2, 3] and preview.ignored == []


def test_the_first_sheet_or_the_one_named(db, tmp_path):
    path = workbook(tmp_path / "book.xlsx", [("Ward name",), ("North",)], title="Wards",
                    more_sheets=[("Later", [("Ward name",), ("East",), ("West",)])])
    assert [r.name for r in csv_exchange.preview_import("wards", path).rows] == ["North"]
    later = csv_exchange.preview_import("wards", path, sheet="later")  # any case
    assert [r.name for r in later.rows] == ["East", "West"]
    missing = first_error(csv_exchange.preview_import("wards", path, sheet="Budget"))
    assert missing == "book.xlsx has no sheet called 'Budget': its sheets are 'Wards', 'Later'."


def test_a_formula_gives_its_saved_result_and_is_never_worked_out(db, tmp_path):
    path = workbook(tmp_path / "f.xlsx", [("Ward name", "Notes"), ("North", '="from "&A2')])
    # as Excel saves it: the formula and its result
    patch_sheet(path, lambda x: re.sub(r'<c r="B2"([^>]*)><f>(.*?)</f><v\s*/?>(</v>)?',
                                       r'<c r="B2" t="str"><f>\2</f><v>cached result</v>', x))
    preview = csv_exchange.preview_import("wards", path)
    assert preview.ok, preview.errors
    assert preview.rows[0].values["notes"] == "cached result"


def test_a_formula_without_a_saved_result_refuses_the_file(db, tmp_path):
    path = workbook(tmp_path / "f.xlsx", [("Ward name", "Notes"), ("North", "=1+1"),
                                          ("South", "=2+2")])
    error = first_error(csv_exchange.preview_import("wards", path))
    assert error.startswith("f.xlsx: cell B2 holds a formula with no saved result")
    assert "never works formulas out" in error and "save it" in error


def test_a_cell_showing_an_error_refuses_the_file(db, tmp_path):
    path = workbook(tmp_path / "e.xlsx", [("Ward name", "Notes"), ("North", "=1/0")])
    patch_sheet(path, lambda x: re.sub(r'<c r="B2"([^>]*)><f>(.*?)</f><v\s*/?>(</v>)?',
                                       r'<c r="B2" t="e"><f>\2</f><v>#DIV/0!</v>', x))
    assert first_error(csv_exchange.preview_import("wards", path)).startswith(
        "e.xlsx: cell B2 shows an error (#DIV/0!)")


def test_merged_cells_are_refused_with_a_sentence(db, tmp_path):
    head = workbook(tmp_path / "h.xlsx", [("Ward name", None, "Notes"), ("North", "", "x")],
                    edit=lambda ws: ws.merge_cells("A1:B1"))
    error = first_error(csv_exchange.preview_import("wards", head))
    assert error.startswith("h.xlsx: row 1 has merged cells (A1:B1): the first row with text "
                            "must be the column headings")
    title = workbook(tmp_path / "t.xlsx", [("Ashcombe wards 2026",), ("Ward name", "Notes"),
                                           ("North", "")],
                     edit=lambda ws: ws.merge_cells("A1:B1"))
    assert "delete any title rows above the headings" in first_error(
        csv_exchange.preview_import("wards", title))
    body = workbook(tmp_path / "b.xlsx", [("Ward name", "Notes"), ("North", "both"),
                                          ("South", None)],
                    edit=lambda ws: ws.merge_cells("B2:B3"))
    assert first_error(csv_exchange.preview_import("wards", body)).startswith(
        "b.xlsx: cells B2:B3 are merged, so only the first of them holds a value")
    empty = workbook(tmp_path / "e.xlsx", [("Ward name", "Notes"), ("North", "x")],
                     edit=lambda ws: ws.merge_cells("A5:C6"))  # merged, but nothing in it
    assert csv_exchange.preview_import("wards", empty).ok
    assert Ward.select().count() == 0


def test_one_cell_far_away_costs_nothing(db, tmp_path):
    def far(ws):
        ws.cell(row=1_048_576, column=16_384, value=None).number_format = "0.00"
        ws.cell(row=900_000, column=1, value="  ")

    path = workbook(tmp_path / "far.xlsx", [("Ward name",), ("North",)], edit=far)
    preview = csv_exchange.preview_import("wards", path)
    assert preview.ok and [r.line for r in preview.rows] == [2]


def test_files_that_are_not_xlsx_get_one_sentence_each(db, tmp_path):
    def error(path):
        return first_error(csv_exchange.preview_import("wards", path))

    assert error(DATA / "protected.xlsx").startswith(
        "protected.xlsx is protected with a password, so it cannot be read")
    assert error(DATA / "old-format.xls").startswith(
        "old-format.xls is an old-style Excel workbook (.xls), which clerkdesk cannot read")
    text = tmp_path / "renamed.xlsx"
    text.write_text("Ward name\nNorth\n", encoding="utf-8")
    assert error(text).startswith("renamed.xlsx is not an Excel workbook (.xlsx)")
    good = workbook(tmp_path / "good.xlsx", [("Ward name",), ("North",)])
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(good.read_bytes()[:700])
    assert error(cut).startswith("cut.xlsx is damaged or incomplete")

    def zipped(name, members):
        path = tmp_path / name
        with zipfile.ZipFile(path, "w") as z:
            for member, data in members.items():
                z.writestr(member, data)
        return path

    ods = zipped("wards.xlsx", {"mimetype": "application/vnd.oasis.opendocument.spreadsheet",
                                "content.xml": "<x/>"})
    assert error(ods).startswith("wards.xlsx is an OpenDocument spreadsheet (.ods)")
    docx = zipped("letter.xlsx", {"word/document.xml": "<x/>"})
    assert error(docx) == ("letter.xlsx is a Word document, not an Excel workbook: give the "
                           "register's .xlsx or CSV file.")
    odd = zipped("odd.xlsx", {"xl/workbook.xml": "not xml at all"})
    assert error(odd).startswith("odd.xlsx cannot be read as an Excel workbook")
    assert Ward.select().count() == 0


def test_limits_on_rows_cells_and_size(db, tmp_path, monkeypatch):
    monkeypatch.setattr(csv_exchange, "MAX_ROWS", 5)
    five = workbook(tmp_path / "5.xlsx", [("Ward name",)] + [(f"W{i}",) for i in range(5)])
    assert csv_exchange.preview_import("wards", five).ok
    six = workbook(tmp_path / "6.xlsx", [("Ward name",)] + [(f"W{i}",) for i in range(6)])
    error = first_error(csv_exchange.preview_import("wards", six))
    assert "more than 5 rows" in error and "Split it" in error
    monkeypatch.setattr(xlsx, "MAX_UNPACKED", 1000)
    assert "unpacks to 0 MB" in first_error(csv_exchange.preview_import("wards", five))
    monkeypatch.setattr(csv_exchange, "MAX_BYTES", 100)
    assert "an import takes at most 0 MB" in first_error(csv_exchange.preview_import(
        "wards", five.read_bytes()))


def test_an_xlsx_file_given_as_bytes(db, tmp_path):
    data = workbook(tmp_path / "w.xlsx", [("Ward name",), ("North",)]).read_bytes()
    preview = csv_exchange.preview_import("wards", data)
    assert preview.ok and preview.rows[0].name == "North"


# --- export ----------------------------------------------------------------------------------

def test_export_has_the_csv_columns_dates_and_formula_text_kept_as_text(demo_db, tmp_path):
    member = Member.select().first()
    records.save(registers.MEMBERS, {**records.form_values(registers.MEMBERS, member),
                                     "notes": '=HYPERLINK("http://x.example","click")'},
                 member)
    csv_exchange.export_csv("members", tmp_path / "m.csv")
    n = csv_exchange.export_xlsx("members", tmp_path / "m.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "m.xlsx").worksheets[0]
    rows = [[c for c in r] for r in ws.iter_rows()]
    assert len(rows) == n + 1
    assert ws.title == "Members"
    assert [c.value for c in rows[0]] == csv_exchange.export_columns(registers.MEMBERS)
    by_name = {r[0].value: r for r in rows[1:]}
    notes = by_name[member.name][9]
    assert notes.value == '=HYPERLINK("http://x.example","click")'
    assert notes.data_type == "s" and notes.quotePrefix  # text, never a formula
    sheet = zipfile.ZipFile(tmp_path / "m.xlsx").read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet
    start = by_name[member.name][4]
    assert start.is_date and start.value.date() == member.term_start
    assert start.number_format == "DD/MM/YYYY"


def test_every_list_exports_to_xlsx(demo_db, tmp_path):
    for key in csv_exchange.EXPORTABLE:
        n = csv_exchange.export_xlsx(key, tmp_path / f"{key}.xlsx", archived=True)
        ws = openpyxl.load_workbook(tmp_path / f"{key}.xlsx").worksheets[0]
        assert ws.max_row == n + 1, key
        assert [c.value for c in ws[1]] == csv_exchange.export_columns(
            csv_exchange.EXPORTABLE[key], archived=True)


def test_cli_export_xlsx_and_import_it(demo_db, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["--db", str(demo_db), "export", "wards", "--xlsx"]) == 0
    assert "Wrote 4 rows of wards to wards.xlsx" in capsys.readouterr().out
    assert stat.S_IMODE((tmp_path / "wards.xlsx").stat().st_mode) == 0o600
    assert main(["--db", str(demo_db), "export", "wards", "--xlsx"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["--db", str(demo_db), "export", "wards", "--xlsx", "w2.xlsx"]) == 0
    assert main(["--db", str(demo_db), "export", "wards", "w3.xlsx", "--xlsx"]) == 0
    assert main(["--db", str(demo_db), "export", "calendar", "--xlsx"]) == 2
    capsys.readouterr()
    assert not list(tmp_path.glob(".*.part"))  # no temporary file left behind

    fresh = tmp_path / "fresh.db"
    _fresh(tmp_path)
    assert main(["--db", str(fresh), "import", "wards", "wards.xlsx"]) == 0
    assert "4 wards to add" in capsys.readouterr().out
    assert main(["--db", str(fresh), "import", "wards", "wards.xlsx", "--sheet", "Wards",
                 "--yes"]) == 0
    assert "Imported 4 wards." in capsys.readouterr().out
    open_database(fresh)
    assert Ward.select().count() == 4
    assert main(["--db", str(fresh), "import", "wards", str(DATA / "old-format.xls")]) == 1
    out = capsys.readouterr()
    assert "old-style Excel workbook" in out.out and "Nothing was imported" in out.err


async def test_the_app_imports_a_workbook(demo_db, tmp_path):
    path = workbook(tmp_path / "wards.xlsx", [("Ward name", "Notes"), ("Riverside", "new"),
                                              ("Hilltop", None)], title="Wards",
                    more_sheets=[("Other", [("Ward name",), ("Nowhere",)])])
    before = Ward.select().count()
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        actions.import_csv(app)  # the palette's "Import a register from a CSV file or workbook"
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FormScreen)
        form.query_one("#f-register").value = "wards"
        form.query_one("#f-path", Input).value = str(path)
        form.query_one("#f-sheet", Input).value = "Wards"
        await pilot.press("ctrl+s")
        await settle(pilot)  # (the preview and the import run on workers)
        assert isinstance(app.screen, ImportPreviewScreen)
        assert app.screen.preview.ok and len(app.screen.preview.rows) == 2
        await pilot.press("ctrl+s")
        await settle(pilot)  # (the preview and the import run on workers)
    assert Ward.select().count() == before + 2


def test_openpyxl_is_imported_only_for_a_workbook(db, tmp_path):
    import subprocess
    import sys

    code = ("import sys; from clerkdesk.models.output import csv_exchange; "
            "from clerkdesk.models.store.opening import open_database; "
            f"open_database({str(db)!r}); "
            "csv_exchange.preview_import('wards', b'Ward name\\r\\nNorth\\r\\n'); "
            "print('openpyxl' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"


def test_without_openpyxl_a_sentence_says_which_extra(db, tmp_path, monkeypatch):
    import sys

    path = workbook(tmp_path / "w.xlsx", [("Ward name",), ("North",)])
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # as on an install without [xlsx]
    assert "pip install 'clerkdesk[xlsx]'" in first_error(csv_exchange.preview_import("wards",
                                                                                      path))
    with pytest.raises(csv_exchange.ExchangeError, match=r"clerkdesk\[xlsx\]"):
        csv_exchange.export_xlsx("wards", tmp_path / "out.xlsx")
    assert not (tmp_path / "out.xlsx").exists()
