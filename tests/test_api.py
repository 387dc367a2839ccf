"""The Python facade (clerkdesk/api.py): every call goes through the domain's validation,
audit and checks, on a real casebook, on both engines."""
from __future__ import annotations

import datetime as dt

import pytest

from clerkdesk import api
from clerkdesk.models.core.db import close_database
from clerkdesk.models.core.schema import Audit, Case, Member, Officer, Step

#: every casebook test here runs on SQLite and on PostgreSQL (conftest.py)
BOTH_ENGINES = True


@pytest.fixture
def book(db):
    """The `db` casebook, closed by the fixture and opened through the facade."""
    from clerkdesk.models.casework import records, registers

    member = records.save(registers.MEMBERS, {"name": "Cllr Ann Archer", "email": "ann@x.org"})
    officer = records.save(registers.OFFICERS, {"name": "Carol Clerk", "roles": "town_clerk"})
    ids = {"member": member.id, "officer": officer.id}
    close_database()
    with api.open_casebook(db) as opened:
        yield opened, ids


def test_open_names_the_council_and_refuses_a_second_open(book):
    opened, _ids = book
    assert opened.council == "Testham Town Council"
    with pytest.raises(api.DatabaseError, match="already open"):
        with api.open_casebook(opened.where):
            pass


def test_a_new_request_is_validated_audited_and_due_as_the_protocol_says(book):
    _opened, ids = book
    ref = api.new_request(ids["member"], "information", "Cost of the Christmas lights",
                          received=dt.date(2026, 11, 2), owner=ids["officer"], confidential=True)
    case = Case.get(Case.ref == ref)
    assert ref.startswith("REQ-2026-") and case.confidential and case.owner_id == ids["officer"]
    assert case.due == dt.date(2026, 11, 11)  # 7 working days (001 §5.9 / the setting)
    assert Audit.select().where((Audit.table == "case") & (Audit.row_id == case.id)
                                & (Audit.action == "create")).count() == 1
    assert api.check().ok


def test_bad_values_are_the_forms_sentences(book):
    _opened, ids = book
    with pytest.raises(api.ValidationError) as exc:
        api.new_request(ids["member"], "information", "  ")
    assert "subject" in exc.value.errors
    with pytest.raises(api.ValidationError) as exc:
        api.new_request(ids["member"], "information", "Dates", received=dt.date(2026, 1, 5),
                        due=dt.date(2026, 1, 1))
    assert exc.value.errors["due"] == "The due date cannot be before the case was received."
    with pytest.raises(ValueError, match="no field 'colour'"):
        api.new_request(ids["member"], "information", "Lights", colour="red")
    with pytest.raises(api.ValidationError) as exc:
        api.new_complaint("member_about_officer", "Manner at the allotments",
                          complainant_member=ids["member"])
    assert exc.value.errors == {"subject_officer": "Which officer is it about?"}
    assert Case.select().count() == 0


def test_a_step_lands_on_the_timeline_as_one_audited_change(book):
    _opened, ids = book
    ref = api.new_complaint("member_about_officer", "Manner at the allotments",
                            complainant_member=ids["member"], subject_officer=ids["officer"])
    step_id = api.add_step(ref, "Spoke to both", action="Met the parties", status="waiting")
    step = Step.get_by_id(step_id)
    assert (step.action, step.note, step.case.status) == ("Met the parties", "Spoke to both",
                                                          "waiting")
    with pytest.raises(ValueError, match="There is no case CMP-1999-0001"):
        api.add_step("CMP-1999-0001", "nothing")
    with pytest.raises(ValueError, match="no field 'owner'"):
        api.add_step(ref, "x", owner=1)
    assert api.check().ok


def test_edit_changes_only_the_named_fields_and_archive_never_deletes(book):
    _opened, ids = book
    api.edit("members", ids["member"], email="ann.archer@x.org")
    member = Member.get_by_id(ids["member"])
    assert (member.name, member.email, member.version) == ("Cllr Ann Archer",
                                                           "ann.archer@x.org", 2)
    entry = Audit.select().where(Audit.table == "member").order_by(Audit.id.desc()).first()
    assert entry.action == "update" and "email" in entry.changes and "name" not in entry.changes
    ref = api.new_request(ids["member"], "media", "Radio interview")
    api.edit("requests", ref, priority="urgent")
    assert Case.get(Case.ref == ref).priority == "urgent"
    api.archive("officers", ids["officer"])
    assert Officer.get_by_id(ids["officer"]).archived
    with pytest.raises(ValueError, match="no register 'people'"):
        api.edit("people", 1, name="x")
    with pytest.raises(ValueError, match="There is no member 999"):
        api.edit("members", 999, name="x")
    assert api.check().ok


def test_find_and_route(book):
    _opened, ids = book
    ref = api.new_request(ids["member"], "information", "Allotment waiting list")
    hits = api.find("allotment")
    assert any(h.kind == "case" and h.label.startswith(ref) for h in hits)
    route = api.route("principal", {"case": "complaint", "complainant": "member",
                                    "subject_role": "corporate_director",
                                    "raised_with_officer": "unresolved"})
    assert route["steps"][0]["handler"] == "managing_director"
    assert route["steps"][0]["in_writing"] and route["steps"][0]["clause"] == "001 §11.2"


@pytest.mark.sqlite_only
def test_the_readme_example_runs_on_the_demo(demo_db, tmp_path, capsys):
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    section = readme[readme.index("## From Python"):]
    code = section[section.index("```python\n") + 10:section.index("```\n", section.index("```python"))]
    close_database()
    exec(compile(code.replace('"council.db"', repr(str(demo_db))), "README", "exec"), {})
    out = capsys.readouterr().out
    assert out.startswith("Ashcombe Town Council\n") and "all checks passed" in out
    assert "case" in out and Case.select().where(Case.subject == "Cost of the Christmas lights"
                                                 ).count() == 1
