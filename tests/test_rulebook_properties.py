"""Property tests over the rulebook engine (hypothesis).

* every combination of facts gives a route or a FactError, never another exception;
* no route names the subject of the case, or a conflicted role, as a handler;
* every step, task and warning cites a clause that exists in the profile;
* walking the wizard's questions with any answers always ends in a route.
"""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clerkdesk.models.rules import rulebook

PROFILES = {name: rulebook.load_profile(name) for name in ("town", "principal")}


def _value(profile, fact):
    if fact.kind == "bool":
        return st.booleans()
    if fact.kind == "int":
        return st.integers(min_value=0, max_value=4)
    if fact.kind == "roles":
        return st.lists(st.sampled_from(sorted(profile.roles)), max_size=3, unique=True)
    return st.sampled_from(fact.choice_values())


JUNK = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.text(max_size=5),
                 st.lists(st.text(max_size=3), max_size=2), st.dictionaries(st.text(max_size=2), st.integers(), max_size=1))


@st.composite
def facts_for(draw, profile, junk: bool):
    facts = {"case": draw(st.sampled_from(profile.facts["case"].choice_values()))}
    for key, fact in profile.facts.items():
        if key == "case" or fact.derived:
            continue
        if draw(st.integers(0, 2)) == 0:
            continue
        facts[key] = draw(_value(profile, fact))
    if junk:
        for _ in range(draw(st.integers(0, 2))):
            key = draw(st.one_of(st.sampled_from(sorted(profile.facts)), st.text(min_size=1, max_size=8)))
            facts[key] = draw(JUNK)
    return facts


def _check_route(profile, r: rulebook.Route):
    assert r.outcome and r.clause in profile.clauses
    subject = r.facts.get("subject_role")
    conflicted = set(r.facts.get("conflicted_roles", ()))
    for s in r.steps:
        assert s.clause in profile.clauses
        assert s.handler in profile.roles
        assert s.handler != subject, f"{s.handler} is the subject"
        assert s.handler not in conflicted, f"{s.handler} is conflicted"
    for t in r.tasks:
        assert t.clause in profile.clauses
    for w in r.warnings:
        assert w.clause in profile.clauses
    assert r.due_working_days is None or r.due_working_days >= 0
    r.to_json()


def _route_or_fact_error(profile, facts):
    try:
        r = rulebook.route(profile, facts)
    except rulebook.FactError as exc:
        assert isinstance(exc.fact, str) and str(exc).startswith(f"fact '{exc.fact}'")
        return None
    _check_route(profile, r)
    return r


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_valid_facts_route_or_clear_error(data):
    for name, profile in PROFILES.items():
        _route_or_fact_error(profile, data.draw(facts_for(profile, junk=False), label=name))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_junk_facts_never_raise_anything_else(data):
    for name, profile in PROFILES.items():
        _route_or_fact_error(profile, data.draw(facts_for(profile, junk=True), label=name))


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_arbitrary_json_values(data):
    facts = data.draw(st.one_of(st.none(), st.lists(st.integers(), max_size=2),
                                st.dictionaries(st.text(max_size=12), JUNK, max_size=4)))
    for profile in PROFILES.values():
        _route_or_fact_error(profile, facts)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_wizard_walk_always_ends_in_a_route(data):
    for name, profile in PROFILES.items():
        answers = {}
        if data.draw(st.booleans(), label="history"):
            answers["previous_complaints"] = data.draw(st.integers(0, 3))
        for _ in range(40):
            q = rulebook.next_question(profile, answers)
            if q is None:
                break
            assert q.clause in profile.clauses and q.reason and q.choices
            answers[q.fact] = data.draw(st.sampled_from([c.value for c in q.choices]), label=q.key)
        else:  # pragma: no cover
            raise AssertionError("the wizard did not finish")
        if answers.get("previous_complaints") and answers.get("repeated") is False:
            continue  # the clerk ticked "not repeated" against the history: a FactError
        r = rulebook.route(profile, rulebook.applicable_answers(profile, answers))
        _check_route(profile, r)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_subject_never_handles_with_conflicts(data):
    for profile in PROFILES.values():
        facts = data.draw(facts_for(profile, junk=False))
        facts["case"] = "complaint"
        facts["conflicted_roles"] = data.draw(st.lists(st.sampled_from(sorted(profile.roles)),
                                                       max_size=4, unique=True))
        _route_or_fact_error(profile, facts)
