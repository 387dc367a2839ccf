"""The seed rules no profile routes: the ones that are decisions are case kinds or
checklist steps (premises visits, media enquiries, verifying attributed comments); the
rest are "what the protocol says", topics found from the palette, every line with its
clause, the profile's `[clauses]` quoting each."""
from __future__ import annotations

import html
import re

import pytest
from textual.command import CommandPalette
from textual.widgets import Static

from clerkdesk.models.casework import council
from clerkdesk.models.core.schema import Council
from clerkdesk.models.rules import rulebook
from clerkdesk.models.store import opening
from clerkdesk.screens.protocol_panel import ProtocolPanel
from clerkdesk.tui.app import ClerkDesk

SIZE = (120, 40)
PROFILES = {name: rulebook.load_profile(name) for name in ("town", "principal")}

#: the issue's list: topic -> the clauses it must show, per profile
EXPECTED = {
    "town": {
        "premises": ["003 §14(k)", "003 §14(l)", "003 §14(n)"],
        "media": ["003 §12", "003 §12(i)"],
        "ward_work": ["003 §11(c)"],
        "committees": ["003 §9"],
        "party_groups": ["003 §10"],
        "appointments": ["002 §2.9", "003 §7"],
        "instructions": ["000 §Political Groups", "002 §2.3", "003 §4", "003 §5", "003 §6"],
        "officer_interests": ["002 §3.3"],
    },
    "principal": {
        "premises": ["004 §1.6", "001 §5.10"],
        "media": ["001 §4.5"],
        "ward_work": ["001 §9.4"],
        "appointments": ["004 §Officers"],
    },
}


@pytest.mark.parametrize("pname", ["town", "principal"])
def test_every_topic_line_cites_a_quoted_clause(pname):
    profile = PROFILES[pname]
    topics = {g.key: g for g in profile.guidance}
    for key, clauses in EXPECTED[pname].items():
        assert set(clauses) <= {line.clause for line in topics[key].lines}, key
    for g, lines in council.guidance(profile):
        assert lines
        for text, clause, quote in lines:
            assert text and clause in profile.clauses and quote == profile.clauses[clause]


def test_the_decisions_are_case_kinds_and_checklist_steps():
    """003 §14(k) notify the manager, (n) outside own ward notify the ward members; 004
    sign in; 003 §12 "Before responding to enquiries from the media, officers will ensure
    they are authorised to do so"; 003 §10 "An officer should be given the opportunity of
    verifying comments and advice attributed to him/her"."""
    town, principal = PROFILES["town"], PROFILES["principal"]
    visit = rulebook.route(town, {"case": "premises_visit", "own_ward": False, "vulnerable_setting": True})
    assert [s.clause for s in visit.steps] == ["003 §14(k)", "003 §14(l)"]
    assert [t.clause for t in visit.tasks] == ["003 §14(n)"]
    assert {w.clause for w in visit.warnings} == {"003 §14(m)", "003 §14(o)"}
    signed = rulebook.route(principal, {"case": "premises_visit"})
    assert "Sign in" in signed.steps[0].action and signed.warnings[0].clause == "001 §5.10"
    enquiry = rulebook.route(town, {"case": "media", "media_action": "media_enquiry"})
    assert "authorise" in enquiry.steps[0].action.lower() and enquiry.steps[0].clause == "003 §12"
    meeting = rulebook.route(town, {"case": "group_meeting", "clerk_accepts": True})
    assert any("verify comments" in t.description for t in meeting.tasks)


def test_topics_are_found_by_their_words(db):
    found = council.guidance_matching("premises")
    assert [g.key for g, _ in found] == ["premises"]
    assert {g.key for g, _ in council.guidance_matching("interview")} == {"appointments"}
    Council.update(profile="principal").execute()
    assert [g.key for g, _ in council.guidance_matching("leaflet")] == ["ward_work"]


def screen_text(app) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", app.export_screenshot())).replace("\xa0", " ")


async def test_the_palette_opens_what_the_protocol_says(demo_db):
    opening.open_database(demo_db)
    app = ClerkDesk(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"protocol premises")
        for _ in range(10):
            await pilot.pause(0.1)
        assert "Protocol: Councillors visiting council premises" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause(0.3)
        panel = app.screen
        assert isinstance(panel, ProtocolPanel)
        shown = str(panel.query_one("#protocol-text", Static).render())
        assert "[003 §14(k)]" in shown and "notify and make advance arrangements" in shown
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ProtocolPanel)
