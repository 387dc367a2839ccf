"""Hostile input through every form's validation and save path (and the CLI's import
path, the JSON facts of `clerkdesk route` being the only one so far): very long text,
control characters, emoji, SQL-looking strings, impossible dates. Each is a clear
rejection (ValidationError with a sentence per field) or a faithful round trip; never
another exception, and the casebook's checks still pass afterwards."""
from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clerkdesk.models.casework import case_lists, cases, choices, council, records, registers
from clerkdesk.models.core.forms import ValidationError, clean_text
from clerkdesk.models.store import audit, integrity

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
def test_every_register_form_rejects_clearly_or_round_trips(demo_db, key, data):
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
def test_steps_reject_or_keep_hostile_text(demo_db, action, note, clause):
    case = case_lists.REQUESTS.model.select().first()
    try:
        step = cases.add_step(case.id, action, note=note, clause=clause)
    except ValidationError as exc:
        assert exc.errors
        return
    assert step.action == action.strip() and step.note == note


@FUZZ
@given(field=st.sampled_from([s.name for s in council.settings_fields()]), value=HOSTILE)
def test_council_settings_reject_or_keep(demo_db, field, value):
    raw = council.form_values(council.get())
    raw[field] = value
    try:
        council.save_settings(raw)
    except ValidationError as exc:
        assert exc.errors
    assert integrity.check_path(demo_db).ok


@FUZZ
@given(text=HOSTILE)
def test_route_facts_import_never_raises(text):
    from clerkdesk.tui.commands import CliError, route

    class Args:
        profile = "town"
        compact = True

    try:
        route.run(Args(), stdin=io.StringIO(text), stdout=io.StringIO())
    except CliError as exc:
        assert str(exc)


def test_after_the_fuzzing_the_casebook_checks(demo_db):
    records.save(registers.WARDS, {"name": "'; DROP TABLE audit; --😀", "notes": "\x00x"})
    assert audit.history("ward", 5)
    assert integrity.check_path(demo_db).ok
