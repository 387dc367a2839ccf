"""Due dates as iCalendar (models/calendar_export.py, `clerkdesk export calendar`):
RFC 5545 folding, escaping and CRLF; no names of anyone, ever."""
from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from clerkdesk.models.casework import case_lists, cases, records, registers
from clerkdesk.models.core.schema import Case, Member, Officer
from clerkdesk.models.output import ical
from clerkdesk.tui.__main__ import main

STAMP = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.timezone.utc)


def unfold(text: str) -> list[str]:
    assert text.endswith("\r\n")
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def events(text: str) -> list[dict[str, str]]:
    out, current = [], None
    for line in unfold(text):
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            out.append(current)
            current = None
        elif current is not None:
            name, _, value = line.partition(":")
            current[name] = value
    return out


def test_escaping():
    assert ical.escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    assert ical.escape_text("x\r\ny\rz") == "x\\ny\\nz"
    assert ical.escape_text("bell\x07 tab\t") == "bell tab "


def test_folding_at_75_octets_never_splits_a_character():
    line = "SUMMARY:" + "Zoë’s café £ 😀 " * 20
    folded = ical.fold(line)
    for i, physical in enumerate(folded.split("\r\n")):
        raw = physical.encode("utf-8")
        assert len(raw) <= 75
        raw.decode("utf-8")  # every physical line is whole UTF-8
        if i:
            assert physical.startswith(" ")
    assert folded.replace("\r\n ", "") == line
    assert ical.fold("X" * 75) == "X" * 75
    assert ical.fold("X" * 76) == "X" * 75 + "\r\n X"


@given(st.text(max_size=300))
def test_fold_round_trips(text):
    folded = ical.fold("DESCRIPTION:" + ical.escape_text(text))
    assert all(len(p.encode("utf-8")) <= 75 for p in folded.split("\r\n"))
    assert "\n" not in folded.replace("\r\n", "")


def test_demo_calendar(demo_db):
    text = ical.calendar_text(stamp=STAMP)
    lines = text.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and lines[-1] == ""
    assert "\n" not in text.replace("\r\n", "")  # CRLF only
    assert all(len(ln.encode("utf-8")) <= 75 for ln in lines)
    evs = events(text)
    due = cases.open_cases().where(Case.due.is_null(False))
    assert len(evs) == due.count() > 0
    by_uid = {e["UID"]: e for e in evs}
    assert len(by_uid) == len(evs)
    for c in due:
        e = by_uid[f"{c.ref}@clerkdesk"]
        assert e["DTSTART;VALUE=DATE"] == c.due.strftime("%Y%m%d")
        assert e["DTEND;VALUE=DATE"] == (c.due + dt.timedelta(days=1)).strftime("%Y%m%d")
        assert e["DTSTAMP"] == "20261130T090000Z"
        assert e["SUMMARY"].startswith(f"{c.ref} due: ")
    # stable: the same case keeps its UID from one export to the next
    assert [e["UID"] for e in events(ical.calendar_text(stamp=STAMP))] == [e["UID"] for e in evs]


def test_no_names_and_no_private_subjects(demo_db):
    text = "\n".join(unfold(ical.calendar_text(stamp=STAMP)))
    for person in list(Member.select()) + list(Officer.select()):
        assert person.name not in text, person.name
        assert person.name.split()[-1] not in text, person.name
    private = Case.select().where((Case.type == "complaint") | Case.confidential)
    assert private.count() > 0
    for c in private:
        assert ical.escape_text(c.subject) not in text, c.ref
    summaries = [e["SUMMARY"] for e in events(ical.calendar_text(stamp=STAMP))]
    assert any("(complaint)" in s for s in summaries)
    assert any("(confidential request)" in s for s in summaries)


def test_hostile_subject_is_escaped_and_folded(db, monkeypatch):
    monkeypatch.setenv("CLERKDESK_TODAY", "02/11/2026")
    m = records.save(registers.MEMBERS, {"name": "Cllr Ada Lovelace"})
    subject = "Hall hire; rates, refunds \\ deposits — réservations " * 3
    records.save(case_lists.REQUESTS, {"kind": "media", "subject": subject[:200].strip(),
                                    "member": str(m.id), "received": "02/11/2026",
                                    "due": "05/11/2026"})
    text = ical.calendar_text(stamp=STAMP)
    ev, = events(text)
    assert ev["SUMMARY"] == ical.escape_text("REQ-2026-0001 due: " + subject[:200].strip())
    assert "Lovelace" not in text
    assert all(len(ln.encode()) <= 75 for ln in text.split("\r\n"))
    # closed and archived cases leave the calendar
    cases.close_case(Case.get().id, "Done")
    assert events(ical.calendar_text(stamp=STAMP)) == []


def test_cli_export_calendar(demo_db, tmp_path, capsys):
    path = tmp_path / "due.ics"
    assert main(["--db", str(demo_db), "export", "calendar", str(path)]) == 0
    n = cases.open_cases().where(Case.due.is_null(False)).count()
    assert f"Wrote {n} due dates to" in capsys.readouterr().out
    raw = path.read_bytes()
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.count(b"BEGIN:VEVENT") == n
    assert not list(tmp_path.glob("*.part"))
