"""Hostile input through every form's validation and save path (and the CLI's import
path, the JSON facts of `clerkdesk route` being the only one so far): very long text,
control characters, emoji, SQL-looking strings, impossible dates. Each is a clear
rejection (ValidationError with a sentence per field) or a faithful round trip; never
another exception, and once a test's examples are done every check passes on the
casebook they fuzzed (`fuzzed_db`). `clerkdesk route` is fuzzed with fact objects built
from the profiles' own facts, so the rulebook is reached, not only the JSON parser."""
from __future__ import annotations

import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clerkdesk.models.casework import case_lists, cases, choices, council, records, registers
from clerkdesk.models.rules import rulebook
from clerkdesk.models.core.forms import ValidationError, clean_text
from clerkdesk.models.store import integrity

HOSTILE = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x1F), max_size=50),
    st.sampled_from([
        "'; DROP TABLE member; --", "\" OR 1=1 --", "Robert'); DELETE FROM audit;--",
        "%_\\", "😀👩‍⚖️🏛️", "\u202etxet desrever", "\x00\x1b[31mred", "x" * 25000,
        "31/02/2026", "00/00/0000", "29/02/2025", "32/13/2026", "01/01/99999", "-1", "+99999",
        "today", "yesterday", "1e9", "NaN", "", "   ", "\n\n", "Cllr O'Brien", "Zoë Ñúñez",
    ]),
)

@pytest.fixture
def fuzzed_db(demo_db):
    """The demo casebook every example of a fuzz test writes into; once the test's
    examples are done, every check must pass on it (the casebook as fuzzed, not a fresh
    one)."""
    yield demo_db
    report = integrity.check_path(demo_db)
    assert report.ok, report.lines()


FUZZ = settings(max_examples=30, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


def _forms():
    forms = {key: reg for key, reg in registers.REGISTERS.items()}
    forms["requests"] = case_lists.REQUESTS
    forms["complaints"] = case_lists.COMPLAINTS
    return forms


def _check_round_trip(register, raw, row):
    """What was saved reads back as the cleaned input."""
    back = records.form_values(register, register.get(row.id))
    for spec in register.fields():
        if spec.kind in ("text", "longtext") and spec.name in raw:
            expected = clean_text(raw[spec.name], multiline=spec.kind == "longtext")
            assert back[spec.name] == expected, spec.name


_KEYS = list(_forms())


@pytest.mark.parametrize("key", _KEYS)
@FUZZ
@given(data=st.data())
def test_every_register_form_rejects_clearly_or_round_trips(fuzzed_db, key, data):
    register = _forms()[key]
    base = records.form_values(register, None)
    if key == "requests":
        base["member"] = choices.member_choices()[0][0]
    if key == "complaints":
        base["complainant_member"] = choices.member_choices()[0][0]
        base["subject_officer"] = choices.officer_choices()[0][0]
    raw = dict(base)
    for spec in register.fields():
        if data.draw(st.booleans()):
            raw[spec.name] = data.draw(HOSTILE)
    if "name" in raw and data.draw(st.booleans()):
        raw["name"] = data.draw(HOSTILE) + data.draw(st.uuids()).hex
    try:
        row = records.save(register, raw)
    except ValidationError as exc:
        assert exc.errors and all(isinstance(m, str) and m for m in exc.errors.values())
        return
    _check_round_trip(register, raw, row)


@FUZZ
@given(action=HOSTILE, note=HOSTILE, clause=HOSTILE)
def test_steps_reject_or_keep_hostile_text(fuzzed_db, action, note, clause):
    case = case_lists.REQUESTS.model.select().first()
    try:
        step = cases.add_step(case.id, action, note=note, clause=clause)
    except ValidationError as exc:
        assert exc.errors
        return
    assert step.action == action.strip() and step.note == note


@FUZZ
@given(field=st.sampled_from([s.name for s in council.settings_fields()]), value=HOSTILE)
def test_council_settings_reject_or_keep(fuzzed_db, field, value):
    raw = council.form_values(council.get())
    raw[field] = value
    try:
        council.save_settings(raw)
    except ValidationError as exc:
        assert exc.errors


def _fact_values(profile, fact, *, valid: bool):
    """A strategy of values for one fact: the kinds it takes, or (not *valid*) anything a
    script might send instead."""
    if fact.kind == "choice":
        good = st.sampled_from(fact.choice_values())
    elif fact.kind == "bool":
        good = st.booleans()
    elif fact.kind == "int":
        good = st.integers(min_value=0, max_value=40)
    else:  # roles
        good = st.lists(st.sampled_from(sorted(profile.roles)), max_size=3, unique=True)
    if valid:
        return good
    return st.one_of(good, HOSTILE, st.integers(), st.floats(allow_nan=True),
                     st.none(), st.lists(HOSTILE, max_size=3),
                     st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))


@st.composite
def fact_objects(draw, *, valid: bool = False):
    """A fact object as `clerkdesk route` takes it, built from a profile's own facts (so
    the rulebook is reached, not the JSON parser), sometimes with wrong values or
    unknown facts."""
    name = draw(st.sampled_from(["town", "principal"]))
    profile = rulebook.load_profile(name)
    keys = sorted(profile.facts)
    chosen = draw(st.lists(st.sampled_from(keys), min_size=1, max_size=8, unique=True))
    if "case" not in chosen and draw(st.booleans()):
        chosen.append("case")
    facts = {k: draw(_fact_values(profile, profile.facts[k], valid=valid)) for k in chosen}
    if not valid and draw(st.booleans()):
        facts[draw(HOSTILE)] = draw(HOSTILE)  # a fact no profile knows
    return name, facts


def _route(profile: str, facts) -> tuple[int, str]:
    from clerkdesk.tui.commands import CliError, route

    class Args:
        compact = True

    Args.profile = profile
    out = io.StringIO()
    try:
        route.run(Args(), stdin=io.StringIO(json.dumps(facts)), stdout=out)
    except CliError as exc:
        assert str(exc) and exc.status == 2
        return 2, str(exc)
    return 0, out.getvalue()


@FUZZ
@given(case=fact_objects())
def test_route_fuzz_reaches_the_rulebook_and_never_raises(case):
    profile, facts = case
    status, said = _route(profile, facts)
    if status == 0:
        route = json.loads(said)
        assert route["outcome"] and isinstance(route["steps"], list)


def test_valid_fact_objects_mostly_give_a_route():
    """The fuzz above reaches the rulebook: well-formed facts give routes, not only
    refusals (a fact object that reads as nonsense is refused, saying which fact)."""
    outcomes = set()
    routed = 0
    for seed in range(120):
        profile, facts = _valid(seed)
        status, said = _route(profile, facts)
        if status == 0:
            routed += 1
            outcomes.add(json.loads(said)["outcome"])
        else:
            assert "fact" in said or "facts" in said, said
    assert routed >= 40 and len(outcomes) >= 10, (routed, sorted(outcomes))


def _valid(seed: int):
    """Well-formed facts for one case, answered the way the wizard asks: each fact the
    rulebook says is missing gets an answer drawn from its own values."""
    import random
    import re

    rnd = random.Random(seed)
    name = rnd.choice(["town", "principal"])
    profile = rulebook.load_profile(name)

    def answer(fact):
        if fact.kind == "choice":
            return rnd.choice(fact.choice_values())
        if fact.kind == "bool":
            return rnd.random() < 0.5
        if fact.kind == "int":
            return rnd.randint(0, 5)
        return rnd.sample(sorted(profile.roles), k=rnd.randint(0, 2))

    facts = {"case": rnd.choice(profile.facts["case"].choice_values())}
    for _ in range(25):
        try:
            rulebook.route(profile, facts)
            break
        except rulebook.FactError as exc:
            m = re.match(r"fact '([^']+)': missing", str(exc))
            if not m or m.group(1) not in profile.facts:
                break
            facts[m.group(1)] = answer(profile.facts[m.group(1)])
    return name, facts
