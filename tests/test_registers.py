"""The registers (models/registers.py): saving with validation and audit, archiving
without deleting, filtering, committee seats; and hostile text through every form."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from clerkdesk.models.casework import case_forms, case_route, records, registers
from clerkdesk.models.casework.records import archive, count, rows, save
from clerkdesk.models.casework.registers import (
    COMMITTEES,
    CONTACTS,
    GROUPS,
    MEMBERS,
    OFFICERS,
    REGISTERS,
    WARDS,
)
from clerkdesk.models.core import forms
from clerkdesk.models.core.forms import ValidationError
from clerkdesk.models.core.schema import (
    Audit,
    Committee,
    CommitteeSeat,
    Contact,
    Interest,
    Member,
    Training,
    Ward,
)

#: the same domain tests on SQLite and on PostgreSQL (conftest.py)
BOTH_ENGINES = True


def audits(table, row_id=None):
    q = Audit.select().where(Audit.table == table)
    if row_id is not None:
        q = q.where(Audit.row_id == row_id)
    return list(q.order_by(Audit.id))


def names(register, text="", **kw):
    return [r[1] for r in rows(register, text, **kw)]


def member(name, **extra):
    return save(MEMBERS, {"name": name, **extra})


# --- saving -----------------------------------------------------------------------------------

def test_save_creates_a_row_with_clean_values_and_an_audit_entry(db):
    ward = save(WARDS, {"name": "  Abbey\x07 ", "notes": "Town centre\nand market"})
    assert Ward.get_by_id(ward.id).name == "Abbey"  # trimmed, control characters dropped
    assert Ward.get_by_id(ward.id).notes == "Town centre\nand market"  # longtext keeps lines
    [entry] = audits("ward", ward.id)
    assert entry.action == "create" and entry.who == "Test Clerk"
    assert json.loads(entry.changes)["name"] == [None, "Abbey"]


def test_update_records_old_and_new_values_and_a_no_op_records_nothing(db):
    ward = save(WARDS, {"name": "Abbey"})
    save(WARDS, {"name": "Abbey North"}, ward.id)
    save(WARDS, {"name": "Abbey North"}, ward.id)  # nothing changed
    entries = audits("ward", ward.id)
    assert [e.action for e in entries] == ["create", "update"]
    assert json.loads(entries[1].changes) == {"name": ["Abbey", "Abbey North"]}


def test_required_field_is_explained(db):
    with pytest.raises(ValidationError) as err:
        save(WARDS, {"name": "   "})
    assert err.value.errors == {"name": "Ward name is needed."}
    assert Ward.select().count() == 0 and not audits("ward")


def test_every_bad_field_is_reported_at_once(db):
    with pytest.raises(ValidationError) as err:
        member("", term_start="31/02/2026", email="not-an-email", ward="999")
    assert set(err.value.errors) == {"name", "term_start", "email", "ward"}
    assert "not a real date" in err.value.errors["term_start"]


@pytest.mark.parametrize("register, extra", [
    (WARDS, {}), (GROUPS, {}), (COMMITTEES, {}),
])
def test_names_are_unique_ignoring_case(db, register, extra):
    first = save(register, {"name": "St Mary's", **extra})
    with pytest.raises(ValidationError) as err:
        save(register, {"name": "st mary's", **extra})
    assert "already one called" in err.value.errors["name"]
    save(register, {"name": "St Mary's"}, first.id)  # saving itself again is fine
    assert count(register) == 1


def test_members_may_share_a_name(db):
    member("Cllr John Smith")
    member("Cllr John Smith")
    assert count(MEMBERS) == 2


def test_term_cannot_end_before_it_starts(db):
    with pytest.raises(ValidationError) as err:
        member("Cllr A", term_start="08/05/2023", term_end="07/05/2023")
    assert err.value.errors == {"term_end": "The term cannot end before it starts."}
    member("Cllr A", term_start="08/05/2023", term_end="08/05/2023")  # one day is fine


def test_member_status_follows_the_term(db):
    m = member("Cllr B", term_start="08/05/2023", term_end="10/05/2027")
    assert registers.member_status(m, dt.date(2026, 1, 1)) == "serving"
    assert registers.member_status(m, dt.date(2027, 6, 1)) == "term ended"
    assert registers.member_status(m, dt.date(2023, 1, 1)) == "not yet serving"


def test_refs_and_roles(db):
    ward = save(WARDS, {"name": "Castle"})
    m = member("Cllr C", ward=str(ward.id), roles="Mayor / Chair of the Council, group leader")
    assert m.ward_id == ward.id and m.roles == "chair,group_leader"
    with pytest.raises(ValidationError) as err:
        member("Cllr D", roles="emperor")
    assert "'emperor' is not a role" in err.value.errors["roles"]
    archive(WARDS, ward.id)
    with pytest.raises(ValidationError) as err:  # an archived ward is not a choice any more
        member("Cllr E", ward=str(ward.id))
    assert "ward" in err.value.errors


def test_group_deputy_must_differ_from_leader(db):
    m = member("Cllr F")
    with pytest.raises(ValidationError) as err:
        save(GROUPS, {"name": "Green Group", "leader": str(m.id), "deputy_leader": str(m.id)})
    assert "deputy_leader" in err.value.errors


def test_officer_checks(db):
    boss = save(OFFICERS, {"name": "Helen Marsh", "roles": "town_clerk,proper_officer"})
    with pytest.raises(ValidationError) as err:
        save(OFFICERS, {"name": "Helen Marsh", "line_manager": str(boss.id)}, boss.id)
    assert "own line manager" in err.value.errors["line_manager"]
    with pytest.raises(ValidationError) as err:
        save(OFFICERS, {"name": "X", "started_on": "01/05/2024", "left_on": "30/04/2024"})
    assert "left_on" in err.value.errors
    save(OFFICERS, {"name": "Lucy", "line_manager": str(boss.id), "roles": "junior_officer"})
    assert names(OFFICERS) == ["Helen Marsh", "Lucy"]


def test_interests_and_training_are_audited(db):
    m = member("Cllr G")
    registers.add_interest(m.id, {"kind": "pecuniary", "description": "Owns 2 Market Place",
                                  "declared_on": "01/06/2023"})
    registers.add_training(m.id, {"course": "Code of conduct", "taken_on": "today"})
    with pytest.raises(ValidationError):
        registers.add_interest(m.id, {"kind": "romantic", "description": "x"})
    assert Interest.select().count() == 1 and Training.select().count() == 1
    assert [a.action for a in audits("interest")] == ["create"]
    assert [a.action for a in audits("training")] == ["create"]
    detail = MEMBERS.detail(Member.get_by_id(m.id))
    sections = dict(detail.sections)
    assert sections["Declared interests"] == ["Pecuniary: Owns 2 Market Place (declared 01/06/2023)"]


# --- archive, never delete ------------------------------------------------------------------

def test_archive_hides_from_the_list_but_never_deletes_and_restore_brings_back(db):
    a = save(WARDS, {"name": "Abbey"})
    save(WARDS, {"name": "Castle"})
    archive(WARDS, a.id)
    assert names(WARDS) == ["Castle"]
    assert count(WARDS) == 1
    assert Ward.get_by_id(a.id).archived  # still there
    assert names(WARDS, archived=True) == ["Abbey", "Castle"]
    archive(WARDS, a.id)  # archiving twice changes nothing and records nothing new
    archive(WARDS, a.id, restore=True)
    assert names(WARDS) == ["Abbey", "Castle"]
    assert [e.action for e in audits("ward", a.id)] == ["create", "archive", "restore"]
    assert Ward.select().count() == 2


def test_archived_member_leaves_counts_but_keeps_history(db):
    ward = save(WARDS, {"name": "Abbey"})
    m = member("Cllr H", ward=str(ward.id))
    member("Cllr I", ward=str(ward.id))
    assert rows(WARDS)[0][2] == 2  # the Members column is a number, not True
    archive(MEMBERS, m.id)
    assert rows(WARDS)[0][2] == 1
    assert Member.select().count() == 2


# --- filtering ---------------------------------------------------------------------------------

def test_filter_takes_like_wildcards_literally(db):
    for name in ("100% Club", "1000 Club", "Ward_1", "WardX1", "Back\\slash", "Backslash"):
        save(CONTACTS, {"name": name, "role": "other"})
    assert names(CONTACTS, "%") == ["100% Club"]
    assert names(CONTACTS, "0%") == ["100% Club"]
    assert names(CONTACTS, "_") == ["Ward_1"]
    assert names(CONTACTS, "d_1") == ["Ward_1"]
    assert names(CONTACTS, "k\\s") == ["Back\\slash"]
    assert sorted(names(CONTACTS, "club")) == ["100% Club", "1000 Club"]  # case-insensitive


def test_filter_words_must_all_match_across_columns(db):
    ward = save(WARDS, {"name": "Millbrook"})
    member("Cllr Priya Raman", ward=str(ward.id))
    member("Cllr Tom Haworth")
    assert names(MEMBERS, "raman millbrook") == ["Cllr Priya Raman"]
    assert names(MEMBERS, "raman castle") == []
    assert names(MEMBERS, "'; DROP TABLE member; --") == []
    assert count(MEMBERS) == 2


# --- committees and seats ---------------------------------------------------------------------

def test_committee_seats_include_chairs_and_are_archived_not_deleted(db):
    a, b, c, d = (member(f"Cllr {x}") for x in "ABCD")
    com = save(COMMITTEES, {"name": "Policy & Resources Committee", "chair": str(a.id),
                            "vice_chair": str(b.id), "staffing": "yes", "seats": f"{c.id}"})
    assert com.staffing is True
    assert sorted(registers.committee_seat_ids(com)) == [a.id, b.id, c.id]
    assert rows(COMMITTEES)[0][3] == 3
    # drop C, add D
    save(COMMITTEES, {"name": com.name, "chair": str(a.id), "vice_chair": str(b.id),
                      "seats": f"{d.id}"}, com.id)
    assert sorted(registers.committee_seat_ids(com)) == [a.id, b.id, d.id]
    assert CommitteeSeat.select().count() == 4  # C's seat archived, not deleted
    # and C back again restores the old seat
    save(COMMITTEES, {"name": com.name, "chair": str(a.id), "vice_chair": str(b.id),
                      "seats": f"{c.id},{d.id}"}, com.id)
    assert CommitteeSeat.select().count() == 4
    assert sorted(registers.committee_seat_ids(com)) == [a.id, b.id, c.id, d.id]
    actions = [e.action for e in audits("committee_seat")]
    assert actions.count("create") == 4 and "archive" in actions and "restore" in actions
    assert records.form_values(COMMITTEES, Committee.get_by_id(com.id))["seats"]
    with pytest.raises(ValidationError) as err:
        save(COMMITTEES, {"name": "Planning", "chair": str(a.id), "vice_chair": str(a.id)})
    assert "vice_chair" in err.value.errors
    with pytest.raises(ValidationError) as err:
        save(COMMITTEES, {"name": "Planning", "seats": "99999"})
    assert "seats" in err.value.errors


def test_every_change_is_audited(db):
    before = Audit.select().count()
    w = save(WARDS, {"name": "Abbey"})
    m = member("Cllr J", ward=str(w.id))
    g = save(GROUPS, {"name": "Independents", "leader": str(m.id)})
    save(MEMBERS, {"name": "Cllr J", "group": str(g.id), "ward": str(w.id)}, m.id)
    o = save(OFFICERS, {"name": "Clerk"})
    ct = save(CONTACTS, {"name": "MO", "role": "principal_monitoring_officer"})
    archive(CONTACTS, ct.id)
    archive(OFFICERS, o.id)
    tables = [(a.table, a.action) for a in Audit.select().where(Audit.id > before).order_by(Audit.id)]
    assert tables == [("ward", "create"), ("member", "create"), ("party_group", "create"),
                      ("member", "update"), ("officer", "create"), ("contact", "create"),
                      ("contact", "archive"), ("officer", "archive")]
    assert Contact.select().count() == 1


# --- hostile text through every form ---------------------------------------------------------

SQLISH = ["'; DROP TABLE member; --", "Robert'); DROP TABLE case;--", "1 OR 1=1", "%", "_",
          "\\", "NULL", "0x00", "<script>alert(1)</script>", "${jndi:ldap://x}"]
IMPOSSIBLE = ["31/02/2026", "00/00/0000", "99/99/9999", "29/02/2027", "32 Nov 2026",
              "31 Feb 2026", "+9999", "-9999w", "+9999wd", "0/0/0", "1/1/0000", "Feb 30 2026"]
CONTROL = st.text(st.characters(max_codepoint=0x1F) | st.sampled_from("\x7f\u200b\u202e\ufeff"))
EMOJI = st.text(st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF))
hostile = st.one_of(
    st.text(),
    CONTROL,
    EMOJI,
    st.sampled_from(SQLISH + IMPOSSIBLE),
    st.builds(lambda c, n: c * n, st.sampled_from("aé👍%\n "), st.integers(9_000, 11_000)),
    st.integers(-10**6, 10**6).map(str),
    st.sampled_from(["yes", "no", "", " ", "1", "0", "1,2", "2,,3", " 3 "]),
)


def _form_specs():
    out = [(key, reg.fields) for key, reg in REGISTERS.items()]
    out += [("requests", case_forms.request_fields), ("complaints", case_forms.complaint_fields),
            ("interest", registers.interest_fields), ("training", registers.training_fields),
            ("step", case_route.step_fields)]
    return out


def _check_clean(spec, value):
    kind = spec.kind
    if kind in forms.TEXT_KINDS:
        assert isinstance(value, str)
        assert not forms._CONTROL.search(value)
        if kind == "text":
            assert "\n" not in value and len(value) <= spec.max_len
    elif kind == "date":
        assert value is None or isinstance(value, dt.date)
    elif kind in ("int", "ref"):
        assert value is None or isinstance(value, int)
    elif kind == "bool":
        assert isinstance(value, bool)
    elif kind == "refs":
        assert isinstance(value, list) and all(isinstance(v, int) for v in value)
    elif kind == "choice":
        assert value == "" or value in {str(k) for k, _ in spec.options()}
    elif kind == "roles":
        # an empty roles field comes back as "", a filled one as a list of keys
        assert value == "" or (isinstance(value, list)
                               and set(value) <= {str(k) for k, _ in spec.options()})
    if spec.required:
        assert value not in ("", None, [])


@pytest.mark.parametrize("key, specs", _form_specs(), ids=[k for k, _ in _form_specs()])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(data=st.data())
@example(data=None)
def test_hostile_text_is_cleaned_or_refused_with_a_sentence(demo_db, key, specs, data):
    fields = specs()
    if data is None:  # every field fed the same impossible date / SQL at once
        raws = [{f.name: text for f in fields} for text in IMPOSSIBLE + SQLISH]
    else:
        raws = [{f.name: data.draw(hostile, label=f.name) for f in fields}]
    for raw in raws:
        try:
            clean = forms.validate(fields, raw)
        except ValidationError as exc:
            assert exc.errors and set(exc.errors) <= {f.name for f in fields}
            assert all(isinstance(m, str) and 0 < len(m) < 300 for m in exc.errors.values())
            continue
        assert set(clean) == {f.name for f in fields}
        for f in fields:
            _check_clean(f, clean[f.name])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.one_of(st.text(min_size=1, max_size=120), st.sampled_from(SQLISH)))
def test_hostile_names_round_trip_through_save_and_filter(db, name):
    try:
        row = save(CONTACTS, {"name": name, "role": "other"})
    except ValidationError as exc:
        assert set(exc.errors) == {"name"}
        return
    stored = Contact.get_by_id(row.id).name
    assert stored == forms.clean_text(name)
    assert row.id in [r[0] for r in rows(CONTACTS, stored)]


def test_unique_names_ignore_case_beyond_ascii(db):
    records.save(registers.WARDS, {"name": "ZOË"})
    with pytest.raises(ValidationError) as err:
        records.save(registers.WARDS, {"name": "Zoë"})
    assert "already one called" in err.value.errors["name"]
