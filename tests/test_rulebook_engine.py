"""The rulebook engine: loading and validating profiles, the wizard API, routes."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from clerkdesk.models.rules import rulebook
from clerkdesk.models.rules.rulebook import FactError, ProfileError

PROTOCOLS = Path(rulebook.__file__).parent / "protocols"


@pytest.fixture(scope="module")
def principal():
    return rulebook.load_profile("principal")


@pytest.fixture(scope="module")
def town():
    return rulebook.load_profile("town")


# --- loading ------------------------------------------------------------------------------

def test_bundled_profiles_load():
    assert {"town", "principal"} <= set(rulebook.bundled_profiles())
    for name in ("town", "principal"):
        p = rulebook.load_profile(name)
        assert p.name == name and p.rules and p.question_list
        assert p.settings["info_response_days"] == 7


def test_every_clause_cited_is_in_the_table_and_quoted(principal, town):
    for p in (principal, town):
        for c, text in p.clauses.items():
            assert re.match(r"^\d{3} §", c) and len(text) > 20
        for q in p.question_list:
            assert q.clause in p.clauses and q.reason
        for r in p.rules:
            assert r.clause in p.clauses


def test_profiles_cite_their_own_seeds(principal, town):
    assert {c[:3] for c in principal.clauses} == {"001", "004"}
    assert {c[:3] for c in town.clauses} == {"000", "001", "002", "003"}
    # the town profile borrows from 001 only where it says so
    for c, text in town.clauses.items():
        if c.startswith("001"):
            assert text.startswith("(borrowed from 001)")


def test_load_a_copy_by_path(tmp_path):
    copy = tmp_path / "ours.toml"
    text = (PROTOCOLS / "town.toml").read_text(encoding="utf-8")
    copy.write_text(text.replace("info_response_days = 7", "info_response_days = 10"), encoding="utf-8")
    p = rulebook.load_profile(str(copy))
    assert p.settings["info_response_days"] == 10
    assert rulebook.route(p, {"case": "information"}).due_working_days == 10
    assert rulebook.load_profile(copy).path == str(copy)


def _broken(tmp_path, old: str, new: str, base="principal") -> str:
    text = (PROTOCOLS / f"{base}.toml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "broken.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ProfileError) as exc:
        rulebook.load_profile(str(path))
    msg = str(exc.value)
    assert msg.startswith(str(path))
    return msg


def _line_of(tmp_path, needle: str) -> int:
    lines = (tmp_path / "broken.toml").read_text(encoding="utf-8").splitlines()
    return next(i + 1 for i, line in enumerate(lines) if needle in line)


def test_toml_syntax_error_gives_line(tmp_path):
    msg = _broken(tmp_path, 'key = "case"\nprompt', 'key = "case\nprompt')
    assert re.search(r"broken\.toml line \d+: not valid TOML", msg)


def test_unknown_step_field_gives_line(tmp_path):
    msg = _broken(tmp_path, 'action = "Receive the complaint in writing."\nin_writing = true\nclause = "001 §11.2"',
                  'action = "Receive the complaint in writing."\nin_writing = true\nclause = "001 §11.2"\nhandlr = "x"')
    assert "unknown field 'handlr'" in msg
    assert f"line {_line_of(tmp_path, 'handlr')}:" in msg


def test_missing_clause_gives_line(tmp_path):
    msg = _broken(tmp_path, 'clause = "001 §11.2"\n\n[[rules]]', 'clause = "001 §99.9"\n\n[[rules]]')
    assert "clause '001 §99.9' is not in the [clauses] table" in msg
    assert f"line {_line_of(tmp_path, '001 §99.9')}:" in msg


def test_step_without_clause(tmp_path):
    msg = _broken(tmp_path, 'action = "Advise as necessary."\nin_writing = false\nclause = "001 §1.3"',
                  'action = "Advise as necessary."\nin_writing = false')
    assert "missing field 'clause'" in msg and " line " in msg


def test_unknown_role_gives_line(tmp_path):
    msg = _broken(tmp_path, 'handler = "monitoring_officer"', 'handler = "monitoring_oficer"')
    assert "role 'monitoring_oficer' is not declared" in msg
    assert f"line {_line_of(tmp_path, 'monitoring_oficer')}:" in msg


def test_unknown_fact_value_in_condition(tmp_path):
    msg = _broken(tmp_path, 'key = "service_request"\nwhen = { case = "service_request" }',
                  'key = "service_request"\nwhen = { case = "service_reqest" }')
    assert '"service_reqest" is not one of' in msg and " line " in msg


def test_question_condition_must_use_earlier_fact(tmp_path):
    msg = _broken(tmp_path, 'key = "complainant"\nwhen = { case = "complaint" }',
                  'key = "complainant"\nwhen = { case = "complaint", serious = true }')
    assert "no earlier question sets" in msg


def test_alternate_must_be_a_role_with_clause(tmp_path):
    msg = _broken(tmp_path, 'alternate = "deputy_group_leader"\nalternate_clause = "001 §11.4"',
                  'alternate = "deputy_group_leader"')
    assert "alternate_clause" in msg


def test_unknown_section_and_missing_file(tmp_path):
    msg = _broken(tmp_path, "[settings]", "[setings]")
    assert "unknown section 'setings'" in msg
    with pytest.raises(ProfileError, match="no such profile file"):
        rulebook.load_profile(str(tmp_path / "nope.toml"))
    with pytest.raises(ProfileError, match="no bundled profile called 'parish'"):
        rulebook.load_profile("parish")


def test_bad_clause_reference_format(tmp_path):
    msg = _broken(tmp_path, '"001 §1.1" = ', '"1.1" = ')
    assert "is not a clause reference" in msg


# --- the wizard's questions ----------------------------------------------------------------

def test_first_question_is_the_case_kind(principal):
    q = rulebook.next_question(principal, {})
    assert q.key == "case" and q.clause == "001 §1.1" and q.reason
    assert [c.value for c in q.choices][:2] == ["complaint", "information"]


def test_questions_follow_answers(principal):
    a = {"case": "complaint", "complainant": "member"}
    q = rulebook.next_question(principal, a)
    assert q.fact == "subject_role" and q.clause == "001 §11.1"
    assert "member" in [c.value for c in q.choices]
    a["subject_role"] = "managing_director"
    keys = [q.key for q in rulebook.questions(principal, a)]
    assert keys[:3] == ["case", "complainant", "subject_role_member"]
    # 001 §11.1: "any officer ... (including any Corporate Director)": the MD too
    assert "financial_irregularity" in keys and "raised_with_officer" in keys


def test_officer_complainant_gets_the_officer_question(principal):
    q = rulebook.next_question(principal, {"case": "complaint", "complainant": "officer"})
    assert q.key == "subject_role_officer" and q.clause == "001 §11.4"


def test_wizard_stops_when_the_route_is_decided(principal):
    a = {"case": "document_inspection", "disputed": False, "other_group_internal": True,
         "decision_against_advice": False}
    assert rulebook.next_question(principal, a) is None
    assert rulebook.route(principal, a).outcome_key == "inspection_other_group"


def test_applicable_answers_drops_stale_answers(principal):
    a = {"case": "information", "complainant": "member", "about_policy": True, "conflicted_roles": []}
    out = rulebook.applicable_answers(principal, a)
    assert "complainant" not in out and out["about_policy"] is True


# --- routes ---------------------------------------------------------------------------------

def test_route_json_shape(principal):
    r = rulebook.route(principal, {"case": "complaint", "complainant": "member",
                                   "subject_role": "corporate_director",
                                   "raised_with_officer": "unresolved"})
    d = json.loads(r.to_json())
    assert d["outcome"] and d["outcome_key"] == "complaint_about_director"
    assert d["steps"][0]["handler"] == "managing_director"
    assert set(d["steps"][0]) >= {"handler", "action", "in_writing", "clause", "reason"}
    assert d["tasks"] == [] and d["due_working_days"] is None
    assert d["clauses"]["001 §11.2"].startswith("If the complaint is against a Corporate Director")


def test_conflicted_handler_takes_alternate(principal):
    r = rulebook.route(principal, {"case": "complaint", "complainant": "officer",
                                   "subject_role": "member", "conflicted_roles": ["managing_director"]})
    assert r.steps[0].handler == "monitoring_officer" and r.steps[0].replaces == "managing_director"
    assert "001 §11.7" in r.steps[0].reason


def test_alternate_chain(town):
    r = rulebook.route(town, {"case": "complaint", "complainant": "member", "subject_role": "officer",
                              "raised_with_officer": "unresolved",
                              "conflicted_roles": ["town_clerk", "staffing_committee_chair"]})
    assert r.steps[0].handler == "personnel_panel"


def test_no_alternate_left_is_a_fact_error(principal):
    with pytest.raises(FactError) as exc:
        rulebook.route(principal, {"case": "complaint", "complainant": "member",
                                   "subject_role": "managing_director",
                                   "raised_with_officer": "unable",
                                   "conflicted_roles": ["monitoring_officer"]})
    assert exc.value.fact in ("subject_role", "conflicted_roles")
    assert "no one is left" in str(exc.value)


def test_skip_when_conflicted(principal):
    r = rulebook.route(principal, {"case": "complaint", "complainant": "member",
                                   "subject_role": "section_151_officer", "serious": True,
                                   "raised_with_officer": "unresolved"})
    assert "section_151_officer" not in r.handlers
    assert any("Section 151 Officer is the subject" in w.text for w in r.warnings)


@pytest.mark.parametrize("facts,fact,words", [
    ({"case": "complaint", "sevrity": 1}, "sevrity", "unknown fact"),
    ({"case": "complaint", "serious": "yes"}, "serious", "true or false"),
    ({"case": "party"}, "case", "is not one of"),
    ({"case": "complaint", "complainant": "member"}, "subject_role", "missing"),
    ({"case": "complaint", "complainant": "member", "subject_role": "corporate_director",
      "repeated": False, "previous_complaints": 1}, "repeated", "history"),
    ({"case": "information", "exempt_category": "employees"}, "exempt_category", "does not apply"),
    ({"case": "information", "conflicted_roles": ["mayor"]}, "conflicted_roles", "not a role"),
    ({"case": "information", "repeated_or_serious": True}, "repeated_or_serious", "worked out"),
])
def test_fact_errors_name_the_fact(principal, facts, fact, words):
    with pytest.raises(FactError) as exc:
        rulebook.route(principal, facts)
    assert exc.value.fact == fact and words in str(exc.value)


def test_town_contradiction_not_yet_but_serious(town):
    with pytest.raises(FactError) as exc:
        rulebook.route(town, {"case": "complaint", "complainant": "member", "subject_role": "officer",
                              "raised_with_officer": "not_yet", "serious": True})
    assert exc.value.fact == "raised_with_officer"


def test_inapplicable_fact_at_default_is_ignored(principal):
    r = rulebook.route(principal, {"case": "information", "serious": False, "conflicted_roles": []})
    assert r.outcome_key == "information"


def test_repeated_computed_from_history(principal):
    r = rulebook.route(principal, {"case": "complaint", "complainant": "member",
                                   "subject_role": "corporate_director", "previous_complaints": 1,
                                   "raised_with_officer": "unresolved"})
    assert r.facts["repeated"] is True and r.outcome_key == "complaint_about_director_serious"


def test_need_to_know_refusal_records_reasons(principal, town):
    for p, facts in ((principal, {"case": "document_inspection", "meeting_business": False,
                                  "need_shown": False}),
                     (town, {"case": "document_inspection", "meeting_business": False,
                             "need_shown": False})):
        r = rulebook.route(p, facts)
        assert r.outcome_key == "inspection_refused" and r.refusal
        # recorded on the case, but not "in writing": 001 §5.5 and 003 §8 do not say so
        assert not r.steps[0].in_writing and "reasons" in r.steps[0].action
