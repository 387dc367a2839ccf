"""Letters as .docx from templates, opened with python-docx to read what they say: the
acknowledgement names the member, the case and the due date; the holding reply the
agreed date; refusals their reasons and the route's clauses; a council's own template
wins; a field that does not exist is a sentence; the letter is filed on the case."""
from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import docx
import pytest

from clerkdesk.models.casework import case_lists, case_route, documents, records
from clerkdesk.models.core import dates
from clerkdesk.models.core.db import close_database, database
from clerkdesk.models.core.schema import Advice, Case, Member, Step
from clerkdesk.models.output import letters
from clerkdesk.models.rules import rulebook
from clerkdesk.models.store import audit, integrity
from clerkdesk.models.store.opening import open_database
from clerkdesk.tui.__main__ import main


def text_of(data: bytes) -> str:
    return "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)


def new_request(kind="information", subject="Cost of the Christmas lights contract", **extra):
    member = Member.get(Member.name == "Cllr Priya Raman")
    raw = {"kind": kind, "subject": subject, "member": str(member.id), "received": "today",
           **extra}
    return records.save(case_lists.REQUESTS, raw)


def route(case, **answers):
    profile = case_route.profile_for_council()
    begin = case_route.start(case, profile)
    facts = {**begin.fixed, **answers}
    while (q := rulebook.next_question(profile, facts)) is not None:
        facts[q.fact] = begin.prefill.get(q.fact, q.default if q.default is not None
                                          else (q.choices[0].value if q.choices else False))
    r, resolved = case_route.route_for(case, profile, facts)
    return case_route.apply_route(case.id, r, resolved,
                                  reasons="The councillor owns the land next to the site."
                                  if r.refusal else "")


def test_the_acknowledgement_names_the_member_the_case_and_the_due_date(demo_db):
    case = new_request()
    letter = letters.make_letter(case.id, "acknowledgement")
    text = text_of(letter.data)
    assert "Ashcombe Town Council" in text
    assert "Dear Cllr Raman," in text
    assert f"Our reference: {case.ref}" in text
    due = Case.get_by_id(case.id).due
    assert f"You will have a reply by {letters.long_date(due)}, 7 working days" in text
    assert "Cost of the Christmas lights contract" in text
    assert "Helen Marsh" in text and "Town Clerk, Ashcombe Town Council" in text
    # filed on the case: a document and a step "Letter sent"
    (doc,) = documents.documents_of(case.id)
    assert (doc.source, doc.name) == ("letter", f"{case.ref} acknowledgement.docx")
    assert documents.data_of(doc.id) == letter.data
    step = Step.select().where(Step.case == case.id).order_by(Step.id.desc()).first()
    assert step.action == "Letter sent: acknowledgement" and step.kind == "letter"
    assert Case.get_by_id(case.id).status == "open"
    close_database()
    assert integrity.check_path(demo_db).ok


def test_a_routed_acknowledgement_cites_the_route_and_its_handler(demo_db):
    case = route(new_request(), to_junior_officer=False)
    text = text_of(letters.make_letter(case.id, "acknowledgement").data)
    kept = case_route.kept_route(Case.get_by_id(case.id))
    clause = kept["route"]["clause"]
    profile = case_route.profile_for_council()
    assert f"{clause}: “{profile.clause_text(clause)[:40]}" in text
    assert "It is now with" in text


def test_the_holding_letter_merges_the_date_agreed_with_the_member(demo_db):
    case = new_request()
    with pytest.raises(letters.LetterError, match="no date agreed with the member yet"):
        letters.make_letter(case.id, "holding")
    agreed = dates.add_working_days(case.received, 15, nation="england")
    with database.atomic():  # (the agreed extension, as the case's clock records it)
        Case.update(agreed_due=agreed, version=Case.version + 1).where(Case.id == case.id).execute()
        audit.record("update", "case", case.id, {"agreed_due": [None, agreed.isoformat()]})
    text = text_of(letters.make_letter(case.id, "holding").data)
    assert f"As agreed with you, the reply will now come by {letters.long_date(agreed)}" in text
    assert f"rather than {letters.long_date(Case.get_by_id(case.id).due)}" in text


def test_the_outcome_letter_gives_the_outcome_and_its_clauses_with_their_text(demo_db):
    case = Case.select().where((Case.status == "closed") & (Case.type == "request") &
                               Case.outcome.startswith("Refused: an exempt")).get()
    text = text_of(letters.make_letter(case.id, "outcome").data)
    assert case.outcome in text
    assert "002 §2.6: “A Councillor may not knowingly inspect" in text  # from the profile
    assert "003 §8: “" in text


def test_a_refusal_gives_the_reasons_and_the_clauses_recorded_on_the_route(demo_db):
    case = route(new_request("document_inspection", "Inspect the Abbey Green lease"),
                 member_has_interest=True)
    text = text_of(letters.make_letter(case.id, "refusal").data)
    assert "The councillor owns the land next to the site." in text
    assert "Refused: a councillor may not inspect documents" in text  # the route's outcome
    assert "002 §2.6: “A Councillor may not knowingly inspect" in text
    assert "Freedom of Information Act 2000" in text  # the route's warning, with its clause
    plain = new_request()
    with pytest.raises(letters.LetterError, match="no reasons recorded for a refusal"):
        letters.make_letter(plain.id, "refusal")


def test_a_referral_goes_to_whoever_handles_the_routes_step(demo_db):
    case = new_request()
    with pytest.raises(letters.LetterError, match="not routed yet"):
        letters.make_letter(case.id, "referral")
    case = route(case, to_junior_officer=False)
    fields = letters.context(Case.get_by_id(case.id), "referral")
    text = text_of(letters.make_letter(case.id, "referral").data)
    assert fields["handler"]["role"]
    assert f"{fields['recipient']['name']}" in text.splitlines()[2]
    assert "the next step is yours" in text and fields["handler"]["action"] in text


def test_the_group_notice_tells_the_other_groups_leaders_about_the_advice(demo_db):
    case = Case.get(Case.subject.startswith("Officer attendance at the Liberal Democrat Group"))
    matter = Advice.get(Advice.case == case.id).matter
    text = text_of(letters.make_letter(case.id, "group_notice").data)
    assert "Cllr Susan Whitlock, Leader of the Conservative Group" in text
    assert "Cllr Aisha Patel, Leader of the Ashcombe Independents" in text
    assert "Leader of the Liberal Democrat Group" not in text
    assert "the Liberal Democrat Group was given advice" in text and matter in text
    assert "Dear Group Leaders," in text


def test_a_councils_own_template_wins_and_a_bad_field_is_a_sentence(demo_db, tmp_path,
                                                                   monkeypatch):
    folder = tmp_path / "letters"
    folder.mkdir()
    monkeypatch.setenv("CLERKDESK_LETTERS", str(folder))
    own = docx.Document()
    own.add_paragraph("Ashcombe's own: {{ ref }} for {{ member.name }}, due {{ due }}.")
    own.save(folder / "acknowledgement.docx")
    case = new_request()
    assert "(the council's own)" in dict(letters.template_choices())["acknowledgement"]
    text = text_of(letters.make_letter(case.id, "acknowledgement").data)
    assert text == (f"Ashcombe's own: {case.ref} for Cllr Priya Raman, due "
                    f"{dates.fmt(Case.get_by_id(case.id).due)}.")
    step = Step.select().where(Step.case == case.id).order_by(Step.id.desc()).first()
    assert "the council's own template acknowledgement.docx" in step.note
    bad = docx.Document()
    bad.add_paragraph("Dear {{ member.nickname }},")
    bad.save(folder / "thanks.docx")
    before = documents.documents_of(case.id)
    with pytest.raises(letters.LetterError) as err:
        letters.make_letter(case.id, "thanks")
    assert str(err.value) == ("The template thanks.docx uses 'nickname', which is not a merge "
                              "field: the fields are listed in the README (Letters).")
    assert documents.documents_of(case.id) == before


def test_the_command_writes_a_private_docx_and_files_it(demo_db, tmp_path, capsys):
    case = new_request()
    out = tmp_path / "ack.docx"
    close_database()
    assert main(["--db", str(demo_db), "letter", case.ref, "acknowledgement",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"Filed on {case.ref} as {case.ref} acknowledgement.docx" in printed
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert "Dear Cllr Raman," in text_of(out.read_bytes())
    assert main(["--db", str(demo_db), "letter", case.ref, "acknowledgement",
                 "--out", str(out)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert main(["--db", str(demo_db), "letter", case.ref, "acknowledgement",
                 "--out", str(out), "--force"]) == 0
    assert main(["--db", str(demo_db), "letter", case.ref, "nope"]) == 1
    assert "There is no letter template 'nope'" in capsys.readouterr().err
    open_database(demo_db)
    assert [d.source for d in documents.documents_of(case.id)] == ["letter", "letter"]


def test_without_the_extra_one_sentence_says_how_to_get_it(demo_db, tmp_path):
    case = new_request()
    close_database()
    code = ("import sys; sys.modules['docxtpl'] = None; "
            "from clerkdesk.tui.__main__ import main; "
            f"sys.exit(main(['--db', {str(demo_db)!r}, 'letter', {case.ref!r}, "
            f"'acknowledgement', '--out', {str(tmp_path / 'x.docx')!r}]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stderr.strip() == f"clerkdesk: {letters.HOW_TO_GET_IT}"
    assert not (tmp_path / "x.docx").exists()


def test_nothing_of_the_letters_is_imported_until_a_letter_is_made():
    code = ("import sys, clerkdesk.tui.app, clerkdesk.models.output.letters, "
            "clerkdesk.tui.commands.letter; "
            "print(sorted(m for m in ('docxtpl', 'docx', 'jinja2', 'lxml') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"


def test_the_shipped_templates_are_the_ones_the_script_builds(tmp_path):
    sys.path.insert(0, str(Path(__file__).parent.parent / "scripts"))
    try:
        import build_letter_templates as build
    finally:
        sys.path.pop(0)
    for name in letters.TEMPLATES:
        shipped = [p.text for p in docx.Document(letters.SHIPPED / f"{name}.docx").paragraphs]
        made = [p.text for p in build.build(name).paragraphs]
        assert shipped == made, name


def test_the_readme_lists_every_merge_field_and_template():
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    for key in letters.FIELDS:
        assert f"| `{key}` |" in readme, key
    for name in letters.TEMPLATES:
        assert f"| `{name}` |" in readme, name
