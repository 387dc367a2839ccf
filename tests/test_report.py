"""The committee report of progress on actions (002 §2.4): models/report.py and
`clerkdesk report`, on real casebooks."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from clerkdesk.models.casework import case_lists, cases, records, registers
from clerkdesk.models.core import dates
from clerkdesk.models.core.schema import Case, Council, Member, Officer
from clerkdesk.models.output import report
from clerkdesk.models.rules import rulebook
from clerkdesk.tui.__main__ import main

D = dt.date

#: the same domain tests on SQLite and on PostgreSQL (conftest.py)
BOTH_ENGINES = True


def _people():
    m = records.save(registers.MEMBERS, {"name": "Cllr Ada Lovelace"})
    o = records.save(registers.OFFICERS, {"name": "Grace Hopper", "job_title": "Town Clerk"})
    return m, o


def _request(member, subject="Cost of the bus shelter", *, received, kind="information",
             due="", confidential="no"):
    return records.save(case_lists.REQUESTS, {
        "kind": kind, "subject": subject, "member": str(member.id), "received": received,
        "due": due, "confidential": confidential})


def _at(monkeypatch, day: str):
    monkeypatch.setenv("CLERKDESK_TODAY", day)


# --- on the demo ---------------------------------------------------------------------------

def test_demo_counts_match_the_casebook(demo_db):
    r = report.build_report()
    open_q = cases.open_cases()
    assert r.open_requests == open_q.where(Case.type == "request").count()
    assert r.open_complaints == open_q.where(Case.type == "complaint").count()
    assert sum(k.total for k in r.requests_by_kind) == r.open_requests
    assert sum(r.status_totals.values()) == r.open_requests
    assert sum(len(s.complaints) for s in r.complaints_by_stage) == r.open_complaints
    assert len(r.overdue) == len(cases.overdue()) > 0


def test_demo_overdue_days_are_working_days(demo_db):
    r = report.build_report()
    today = dates.today()
    for item in r.overdue:
        assert item.working_days_over == dates.working_days_between(
            item.due, today, nation="england")
    days = [o.working_days_over for o in r.overdue]
    assert days == sorted(days, reverse=True)


def test_demo_report_has_no_names_and_no_private_subjects(demo_db):
    r = report.build_report()
    md, page = report.to_markdown(r), report.to_html(r)
    names = [m.name for m in Member.select()] + [o.name for o in Officer.select()]
    for name in names:
        surname = name.split()[-1]
        assert surname not in md, name
        assert surname not in page, name
    private = Case.select().where((Case.type == "complaint") | Case.confidential)
    for c in private:
        assert c.subject not in md and c.subject not in page, c.ref
    for item in r.overdue:
        assert (item.subject is None) == (item.case_type == "complaint" or
                                          Case.get(Case.ref == item.ref).confidential)


def test_demo_markdown_sections(demo_db):
    md = report.to_markdown(report.build_report())
    for heading in ("# Ashcombe Town Council", "## Open requests by kind and status",
                    "## Overdue", "## Complaints by stage",
                    "## Response times for information requests", "002 §2.4", "001 §5.9"):
        assert heading in md
    # every table row has the same number of cells as its header
    for block in re.split(r"\n\n", md):
        rows = [ln for ln in block.splitlines() if ln.startswith("|")]
        if rows:
            widths = {len(re.findall(r"(?<!\\)\|", ln)) for ln in rows}
            assert len(widths) == 1, block


def test_html_is_self_contained(demo_db):
    page = report.to_html(report.build_report())
    assert page.startswith("<!DOCTYPE html>")
    assert "<style>" in page
    for bad in ("<script", "<link", "src=", "http://", "https://", "@import", "url("):
        assert bad not in page


# --- on a small casebook -------------------------------------------------------------------

def test_response_times_against_the_target(db, monkeypatch, tmp_path):
    member, _ = _people()
    _at(monkeypatch, "02/11/2026")
    a = _request(member, "A", received="02/11/2026")
    b = _request(member, "B", received="02/11/2026")
    c = _request(member, "C", received="02/11/2026", kind="media", due="06/11/2026")
    _at(monkeypatch, "10/11/2026")  # 6 working days
    cases.close_case(a.id, "Answered")
    cases.close_case(c.id, "Done")  # not an information request: not counted
    _at(monkeypatch, "13/11/2026")  # 9 working days
    cases.close_case(b.id, "Answered late")
    rt = report.build_report().response
    assert (rt.target_days, rt.count, rt.median, rt.within, rt.longest) == (7, 2, 7.5, 1, 9)
    assert rt.share_within == 0.5
    md = report.to_markdown(report.build_report())
    assert "2 information requests closed: median 7.5 working days; 1 of 2 (50%)" in md

    copy = tmp_path / "ours.toml"
    copy.write_text(open(rulebook.load_profile("town").path, encoding="utf-8").read().replace(
        "info_response_days = 7", "info_response_days = 10"), encoding="utf-8")
    Council.update(profile=str(copy)).execute()  # the profile's number, the one source
    rt = report.build_report().response
    # the target is the profile's; each case is measured against its own due date, set
    # when it was received (a later change of the profile does not move it)
    assert (rt.target_days, rt.within) == (10, 1)

    since = report.build_report(since=D(2026, 11, 11))
    assert since.response.count == 1 and since.response.longest == 9
    assert since.closed_since == 1


def test_no_closed_requests_says_so(db):
    md = report.to_markdown(report.build_report())
    assert "No information request has been closed yet" in md
    assert "No open requests." in md and "Nothing is overdue." in md
    assert "No open complaints." in md


def test_overdue_skips_christmas_bank_holidays(db, monkeypatch):
    member, _ = _people()
    _at(monkeypatch, "21/12/2026")
    _request(member, received="21/12/2026", kind="media", due="24/12/2026")
    # Fri 25/12 Christmas, Sat, Sun, Mon 28/12 Boxing Day (substitute): one working day over
    item, = report.build_report(today=D(2026, 12, 29)).overdue
    assert item.working_days_over == 1
    assert item.subject == "Cost of the bus shelter"


def test_confidential_and_complaints_are_withheld(db, monkeypatch):
    member, officer = _people()
    _at(monkeypatch, "02/11/2026")
    _request(member, "Sickness of Mr Jones", received="02/11/2026", confidential="yes")
    records.save(case_lists.COMPLAINTS, {
        "kind": "member_about_officer", "subject": "Rudeness of Grace Hopper",
        "complainant_member": str(member.id), "subject_officer": str(officer.id),
        "received": "02/11/2026", "due": "03/11/2026"})
    r = report.build_report(today=D(2026, 11, 20))
    assert {o.subject for o in r.overdue} == {None}
    for text in (report.to_markdown(r), report.to_html(r)):
        assert "Jones" not in text and "Hopper" not in text and "Lovelace" not in text
        assert "withheld" in text
    assert r.complaints_by_stage[0].stage == "not yet routed"


def test_hostile_subjects_are_escaped(db, monkeypatch):
    member, _ = _people()
    _at(monkeypatch, "02/11/2026")
    _request(member, "<script>alert(1)</script> | *bold* & [link](http://x)",
             received="02/11/2026", kind="media", due="03/11/2026")
    r = report.build_report(today=D(2026, 11, 20))
    page = report.to_html(r)
    assert "<script>" not in page and "&lt;script&gt;" in page and "&amp;" in page
    md = report.to_markdown(r)
    row = next(ln for ln in md.splitlines() if "alert" in ln)
    assert len(re.findall(r"(?<!\\)\|", row)) == 8  # the subject's pipe does not add a cell
    assert "<script>" not in md


# --- files and the CLI -----------------------------------------------------------------------

def test_write_report_files(demo_db, tmp_path):
    out = tmp_path / "reports" / "nov"
    paths = report.write_report(out, today=D(2026, 11, 30))
    assert [p.name for p in paths] == ["committee-report-2026-11-30.md",
                                       "committee-report-2026-11-30.html"]
    assert paths[0].read_text(encoding="utf-8").startswith("# Ashcombe")
    assert not list(out.glob("*.part"))
    with pytest.raises(ValueError):
        report.write_report(out, ["docx"])


def test_cli_report(demo_db, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["--db", str(demo_db), "report", "--out", str(out), "--format", "md"])
    assert code == 0
    printed = capsys.readouterr().out.split()
    assert len(printed) == 1 and printed[0].endswith(".md")
    assert "## Overdue" in (out / printed[0].split("/")[-1]).read_text(encoding="utf-8")


def test_cli_report_bad_format_and_date(demo_db, tmp_path, capsys):
    assert main(["--db", str(demo_db), "report", "--format", "docx"]) == 2
    assert "not a report format" in capsys.readouterr().err
    assert main(["--db", str(demo_db), "report", "--since", "31/02/2026"]) == 2
    assert "not a real date" in capsys.readouterr().err


@pytest.mark.skipif(report.pdf_available(), reason="a PDF library is installed here")
def test_cli_pdf_without_a_library_says_how(demo_db, tmp_path, capsys):
    code = main(["--db", str(demo_db), "report", "--out", str(tmp_path / "o"), "--pdf"])
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Save as PDF" in err
    assert not (tmp_path / "o").exists()  # nothing half-written
