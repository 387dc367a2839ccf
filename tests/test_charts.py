"""Charts in the committee report: the hand-written SVG (models/output/svg.py) escapes
every label and draws bars in proportion, for any values (hypothesis); the HTML report
holds its four charts inline, with no script and no URL; the Markdown report gives the
same figures as tables, and response times per kind and per ward against the target."""
from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clerkdesk.models.casework import case_lists, cases, records, registers, stats
from clerkdesk.models.core import dates
from clerkdesk.models.output import report, svg
from clerkdesk.tui.__main__ import main

D = dt.date
TODAY = D(2026, 11, 23)

#: any text, control characters too (the SVG drops those XML cannot hold); a label that
#: is only such characters and spaces is still a label
labels = st.text(min_size=1, max_size=40)


def _shown(label: str) -> str:
    return svg.xml_text(label)
values = st.integers(min_value=0, max_value=10_000)


def _parse(chart: str) -> ET.Element:
    """The chart as XML: it must be well-formed whatever its labels."""
    return ET.fromstring(chart)


def _bars(root: ET.Element) -> list[ET.Element]:
    return [el for el in root.iter("rect") if el.get("class") == "bar"]


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(labels, values), min_size=1, max_size=12), labels)
def test_bar_chart_escapes_any_label_and_is_proportional(rows, title):
    root = _parse(svg.bar_chart(title, rows))
    assert root.tag == "svg" and (root.find("title").text or "") == _shown(title)
    texts = [t.text or "" for t in root.iter("text")]
    for label, _v in rows:
        assert _shown(label) in texts  # the label itself, once parsed
    bars = _bars(root)
    assert len(bars) == len(rows)
    biggest = max(v for _, v in rows)
    widths = [float(b.get("width")) for b in bars]
    if biggest:
        full = max(widths)
        for (_label, v), w in zip(rows, widths):
            assert w == pytest.approx(full * v / biggest, abs=0.011)
    else:
        assert widths == [0] * len(rows)
    assert "<script" not in svg.bar_chart(title, rows).lower()


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(values, min_size=1, max_size=20), st.lists(values, min_size=1, max_size=20),
       labels)
def test_column_chart_heights_are_proportional(a, b, name):
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    week_labels = [f"{i:02d}/11" for i in range(n)]
    root = _parse(svg.column_chart("Per week", week_labels, [(name, a), ("Closed", b)]))
    bars = _bars(root)
    assert len(bars) == 2 * n
    heights = [float(r.get("height")) for r in bars]
    biggest = max(a + b)
    if biggest:
        full = max(heights)
        for v, h in zip(a + b, heights):
            assert h == pytest.approx(full * v / biggest, abs=0.011)
        # every bar stands on the same baseline
        bases = {round(float(r.get("y")) + float(r.get("height")), 1) for r in bars}
        assert len(bases) == 1
    assert any((t.text or "") == _shown(name) for t in root.iter("text"))


@given(st.lists(values, min_size=2, max_size=20))
def test_line_chart_has_a_point_per_value_the_highest_on_top(vals):
    root = _parse(svg.line_chart("Overdue", [str(i) for i in range(len(vals))], vals))
    points = [c for c in root.iter("circle") if c.get("class") == "point"]
    assert len(points) == len(vals)
    ys = [float(c.get("cy")) for c in points]
    if max(vals):
        assert ys[vals.index(max(vals))] == min(ys)


def test_characters_xml_cannot_hold_are_dropped():
    assert svg.xml_text("a\x00b\x1fc\td\ufffe") == "abc d"
    assert svg.xml_text(" two\r\nlines ") == "two lines"
    assert svg.esc("<\x07>") == "&lt;&gt;"


def test_a_hostile_label_is_text():
    chart = svg.bar_chart('<script>alert("x")</script> & "co"', [("</svg><b>", 3), ("A&B", None)],
                          missing="fewer than 3")
    assert "<script" not in chart and "</svg><b>" not in chart
    root = _parse(chart)
    assert [t.text for t in root.iter("text")] == ["</svg><b>", "3", "A&B", "fewer than 3"]
    assert len(_bars(root)) == 1  # None: no bar


# --- the report ----------------------------------------------------------------------------

def _people():
    abbey = records.save(registers.WARDS, {"name": "Abbey"})
    castle = records.save(registers.WARDS, {"name": "Castle"})
    a = records.save(registers.MEMBERS, {"name": "Cllr Ada Lovelace", "ward": str(abbey.id)})
    c = records.save(registers.MEMBERS, {"name": "Cllr Carl Castle", "ward": str(castle.id)})
    return a, c


def _request(member, received: D, kind="information", due: D | None = None):
    return records.save(case_lists.REQUESTS, {
        "kind": kind, "subject": "Bus shelter", "member": str(member.id),
        "received": dates.fmt(received), "due": dates.fmt(due) if due else ""})


def _closed(monkeypatch, member, received: D, closed: D, **kw):
    monkeypatch.setenv("CLERKDESK_TODAY", dates.fmt(received))
    case = _request(member, received, **kw)
    monkeypatch.setenv("CLERKDESK_TODAY", dates.fmt(closed))
    cases.close_case(case.id, "Answered")
    return case


@pytest.fixture
def book(db, monkeypatch):
    """Abbey: three information requests answered in 1, 2 and 9 working days (the last
    late); Castle: one correspondence answered in 3; one open request in each ward."""
    a, c = _people()
    _closed(monkeypatch, a, D(2026, 11, 2), D(2026, 11, 3))
    _closed(monkeypatch, a, D(2026, 11, 2), D(2026, 11, 4))
    _closed(monkeypatch, a, D(2026, 11, 2), D(2026, 11, 13))
    _closed(monkeypatch, c, D(2026, 11, 9), D(2026, 11, 12), kind="correspondence")
    monkeypatch.setenv("CLERKDESK_TODAY", dates.fmt(TODAY))
    for m in (a, c):
        _request(m, D(2026, 11, 20))
    return a, c


def test_the_report_holds_the_figures(book):
    r = report.build_report(TODAY)
    f = r.figures
    assert f.flow.opened[-4:] == [3, 1, 0, 2] and f.flow.closed[-3:] == [2, 2, 0]
    assert [(w.ward, w.total) for w in f.wards] == [("Abbey", 1), ("Castle", 1)]
    assert r.answers.count == 4 and r.answers.within == 3 and r.answers.median == 2.5


def test_markdown_gives_the_charts_as_tables_and_times_per_kind_and_ward(book):
    md = report.to_markdown(report.build_report(TODAY))
    assert "## Response times by kind and by ward" in md
    assert "| Information | 3 | 2 | 2 | 67% |" in md
    assert "| Correspondence | 1 | 3 | 1 | 100% |" in md
    assert "| **All requests** | **4** | **2.5** | **3** | **75%** |" in md
    # a ward's times only from 3 requests up: Castle's one is not given
    assert "| Abbey | 3 | 2 | 2 | 67% |" in md
    assert "| Castle | fewer than 3 | — | — | — |" in md
    assert "within 7 working days of receipt where it had none (001 §5.9)" in md
    assert "## The last 13 weeks at a glance" in md
    assert "| 17/11/2026 | 2 | 0 | 0 |" in md  # week from, opened, closed, overdue
    # the published report shows wards as meeting mode does: 1 open case is "fewer than 3"
    assert "| Abbey | fewer than 3 |" in md and "| Castle | fewer than 3 |" in md
    assert "| 9 | 1 | no |" in md  # 9 working days taken, over the limit of 7


def test_html_holds_four_inline_svg_charts_and_nothing_fetched(book):
    page = report.to_html(report.build_report(TODAY))
    charts = re.findall(r"<svg\b.*?</svg>", page, flags=re.S)
    assert len(charts) == 4
    for chart in charts:
        root = _parse(chart)
        assert root.find("title").text and root.find("desc").text
        assert root.get("role") == "img"
    assert "<script" not in page.lower()
    assert not re.search(r"https?://", page)
    assert not re.search(r"\b(src|href)\s*=", page)  # no image, font or sheet to fetch
    assert "<figcaption>" in page and "limit 7" in page


def test_the_demo_report_page_opens_offline(demo_db, tmp_path):
    out = tmp_path / "out"
    assert main(["--db", str(demo_db), "report", "--out", str(out), "--format", "html"]) == 0
    page = next(out.glob("*.html")).read_text(encoding="utf-8")
    assert page.count("<svg") == 4
    assert "<script" not in page.lower() and not re.search(r"https?://", page)


def test_no_closed_request_says_so_in_the_charts(db):
    md = report.to_markdown(report.build_report(TODAY))
    assert "No request has been closed yet." in md
    assert "No request was closed in these 13 weeks" in md
    page = report.to_html(report.build_report(TODAY))
    assert page.count("<svg") == 4


def test_stats_week_label():
    assert stats.week_label(stats.quarter(TODAY)[-1]) == "17/11"
