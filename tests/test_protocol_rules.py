"""Rules that lived outside the rulebook, now with one source each, the council's profile:
the information-request due date, the pre-election warning, "decided contrary to officer
advice", and the clauses the committee report cites."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from unaudited import adopt_unaudited

from clerkdesk.models.casework import case_lists, case_route, council, records, registers
from clerkdesk.models.core import dates
from clerkdesk.models.core.forms import ValidationError
from clerkdesk.models.core.schema import Case, Council
from clerkdesk.models.output import report
from clerkdesk.models.rules import rulebook
from clerkdesk.screens.wizard import render_route

D = dt.date
PROTOCOLS = Path(rulebook.__file__).parent / "protocols"


def edited(tmp_path, name: str, old: str, new: str, profile="town") -> str:
    text = (PROTOCOLS / f"{profile}.toml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return str(path)


def use_profile(name_or_path: str) -> None:
    Council.update(profile=name_or_path).execute()
    adopt_unaudited()  # (set straight in the table: the log vouches for it from here)


def member():
    return records.save(registers.MEMBERS, {"name": "Cllr Ada Lovelace"})


def request(kind="information", subject="Cost of the bus shelter", received="02/11/2026", **extra):
    return records.save(case_lists.REQUESTS, {"kind": kind, "subject": subject,
                                              "member": str(member().id), "received": received,
                                              **extra})


# --- the information-request due date ----------------------------------------------------

def test_a_council_that_edits_its_profile_to_10_days_gets_10_days_everywhere(db, tmp_path, monkeypatch):
    """001 §5.9's "seven working days" is the profile's `info_response_days`: the new
    case's date, the route, the wizard's due line, the Council tab and the report's target
    all read that one number."""
    monkeypatch.setenv("CLERKDESK_TODAY", "02/11/2026")
    use_profile(edited(tmp_path, "ours.toml", "info_response_days = 7", "info_response_days = 10"))
    Council.update(info_response_days=7).execute()  # the old column is not a second source
    adopt_unaudited()
    case = request()
    assert case.due == dates.add_working_days(D(2026, 11, 2), 10) == D(2026, 11, 16)
    profile = case_route.profile_for_council()
    route, resolved = case_route.route_for(case, profile, {"case": "information",
                                                           "to_junior_officer": False})
    assert route.due_working_days == 10
    shown = str(render_route(route, resolved, profile, case))
    assert "Due: 16/11/2026 (10 working days from receipt on 02/11/2026)" in shown
    assert ("Information answered in", "10 working days [001 §5.9] (from the protocol profile)") \
        in council.protocol_lines()
    assert "info_response_days" not in {s.name for s in council.settings_fields()}
    assert report.build_report().response.target_days == 10


def test_a_due_date_set_on_the_case_is_not_misreported_as_the_protocols(db, monkeypatch):
    monkeypatch.setenv("CLERKDESK_TODAY", "02/11/2026")
    case = request(due="20/11/2026")
    profile = case_route.profile_for_council()
    route, resolved = case_route.route_for(case, profile, {"case": "information",
                                                           "to_junior_officer": False})
    shown = str(render_route(route, resolved, profile, case))
    assert "Due: 20/11/2026 (set on the case; 7 working days from receipt would be 11/11/2026)" in shown


# --- the pre-election warning -------------------------------------------------------------

@pytest.fixture
def election_soon(db, monkeypatch):
    monkeypatch.setenv("CLERKDESK_TODAY", "02/11/2026")
    Council.update(next_election=D(2026, 11, 20), pre_election_days=42).execute()
    adopt_unaudited()


def test_the_town_warning_is_for_meetings_a_councillor_arranges(election_soon):
    """003 §11(b): "No such meetings should be arranged or held in the immediate run-up to
    Council elections": "such meetings" are those a local member arranges."""
    case = request("public_meeting", "Residents' meeting on the skate park")
    notices = case_lists.case_notices(case)
    assert len(notices) == 1 and notices[0].endswith("[003 §11(b)]")
    assert notices[0].startswith("pre-election period (election 20/11/2026): ")
    assert case_lists.pre_election_warning(case) == notices[0]
    profile = case_route.profile_for_council()
    for called_by, shown in (("council", False), ("member", True)):
        answers = {"case": "public_meeting", "called_by": called_by, "consultation": False,
                   "party_political": False, "in_pre_election_period": True,
                   "officer_requested": False, "decision_against_advice": False}
        route, resolved = case_route.route_for(case, profile, answers)
        case_route.apply_route(case.id, route, resolved, reasons="Not now", profile=profile)
        routed = Case.get_by_id(case.id)
        assert bool(case_lists.case_notices(routed)) is shown, called_by
        fields = dict(case_lists.REQUESTS.detail(routed).fields)
        assert ("Warning" in fields) is shown


def test_the_principal_profile_shows_no_election_clause_it_does_not_have(election_soon):
    """The principal profile (001, 004) has no pre-election rule: no warning, and never
    "003 §11/§12", a clause of another protocol."""
    use_profile("principal")
    for kind in ("public_meeting", "media"):
        case = request(kind, "A meeting about the ring road")
        assert case_lists.case_notices(case) == []
        detail = case_lists.REQUESTS.detail(case)
        assert "003" not in str(detail.fields)


def test_no_warning_outside_the_pre_election_period(db, monkeypatch):
    monkeypatch.setenv("CLERKDESK_TODAY", "02/11/2026")
    Council.update(next_election=D(2027, 5, 6)).execute()
    assert case_lists.case_notices(request("public_meeting", "Skate park")) == []


def test_media_notices_follow_who_speaks(election_soon):
    """003 §12(j): the councillor "take[s] particular care ... in the run-up to local or
    national elections"; officers' publicity follows the publicity code (003 §12)."""
    case = request("media", "Radio interview")
    clauses = [re.search(r"\[(.*)\]$", n).group(1) for n in case_lists.case_notices(case)]
    assert clauses == ["003 §12(j)", "003 §12"]  # not routed yet: either may apply


# --- decided contrary to officer advice ---------------------------------------------------

def test_contrary_to_advice_is_offered_under_each_profiles_own_clause(db):
    """004's addendum ("Officers should respect the right of members to make decisions
    that may be contrary to officer advice") for principal councils; 003 §5 ("respecting
    the decisions made, regardless of any different advice given") for towns."""
    for name, clause in (("town", "003 §5"), ("principal", "004 §Addendum")):
        use_profile(name)
        specs = {s.name: s for s in case_route.step_fields()}
        assert specs["contrary"].label == f"Decided contrary to officer advice ({clause})"


def test_a_profile_without_the_rule_offers_no_contrary_field_and_refuses_it(db, tmp_path):
    text = (PROTOCOLS / "town.toml").read_text(encoding="utf-8")
    text = text.replace('[facts.decision_against_advice]\nkind = "bool"\ndefault = false\n', "")
    start = text.index('[[questions]]\nkey = "decision_against_advice"')
    text = text[:start] + text[text.index("\n\n", start) + 2:]
    start = text.index('[[addenda]]\nkey = "against_advice"')
    text = text[:start] + text[text.index("# ----", start):]
    path = tmp_path / "no-contrary.toml"
    path.write_text(text, encoding="utf-8")
    rulebook.load_profile(str(path))  # still a valid profile
    use_profile(str(path))
    assert "contrary" not in {s.name for s in case_route.step_fields()}
    case = request()
    with pytest.raises(ValidationError) as exc:
        case_route.record(case.id, "outcome", "Decided", contrary_to_advice=True)
    assert "contrary" in exc.value.errors


# --- the report's clauses ------------------------------------------------------------------

def test_the_report_cites_the_profiles_clauses(db):
    use_profile("town")
    md = report.to_markdown(report.build_report())
    assert "(002 §2.4)" in md and "(001 §5.9)" in md
    use_profile("principal")
    md = report.to_markdown(report.build_report())
    assert "002 §2.4" not in md  # 001 and 004 have no such clause
    assert "(001 §5.9)" in md
