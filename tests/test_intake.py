"""Email intake from real saved emails (tests/data/*.eml) into the demo casebook: a new
case with the email and its attachments on it, a reply becoming a step, the same email
twice doing nothing, every bad file one sentence and no write, a batch written email by
email, all of each or none of it."""
from __future__ import annotations

import email
import json
from email import policy
from pathlib import Path

import pytest

from clerkdesk.models.casework import documents, intake
from clerkdesk.models.core import dates
from clerkdesk.models.core.db import close_database, database
from clerkdesk.models.core.schema import Audit, Case, Council, Document, Member, Step
from clerkdesk.models.store import audit, integrity
from clerkdesk.models.store.opening import open_database
from clerkdesk.tui.__main__ import main

DATA = Path(__file__).parent / "data"


def eml(name: str) -> Path:
    return DATA / name


def counts() -> tuple[int, ...]:
    return (Case.select().count(), Step.select().count(), Document.select().count(),
            Audit.select().count())


def give_ref(case: Case, ref: str) -> Case:
    """Renumber a case (with its audit entry), so a saved reply's reference is in the book."""
    with database.atomic():
        old = case.ref
        Case.update(ref=ref, version=Case.version + 1).where(Case.id == case.id).execute()
        audit.record("update", "case", case.id, {"ref": [old, ref]})
    return Case.get_by_id(case.id)


def test_a_multipart_email_becomes_a_case_with_the_email_and_its_attachments(demo_db):
    p = intake.plan_file(eml("request_multipart.eml"))
    assert p.action == "new" and p.case_type == "request" and p.kind == "information"
    assert p.sender.name == "Cllr Priya Raman"  # the From line's capitals do not matter
    assert p.received.isoformat() == "2026-03-02"
    assert p.lines()[0] == "a new request from Cllr Priya Raman, received 02/03/2026"
    result = intake.take_in(p)
    case = result.case
    assert result.created and case.ref.startswith("REQ-")
    assert case.subject == "Costs of the Millbrook play area refurbishment"
    assert case.member.name == "Cllr Priya Raman" and case.received.isoformat() == "2026-03-02"
    assert case.due == dates.add_working_days(case.received, 7, nation="england",
                                              closures=frozenset())
    docs = documents.documents_of(case.id)
    assert [(d.name, d.source) for d in docs] == [
        ("request_multipart.eml", "email"), ("Playsafe quote 2026.pdf", "attachment"),
        ("site-plan.png", "attachment"), ("costs.csv", "attachment")]
    pdf = documents.data_of(docs[1].id)
    assert pdf.startswith(b"%PDF-1.4") and docs[1].media_type == "application/pdf"
    # the email as filed: its text intact, each attachment replaced by a line naming it
    filed = email.message_from_bytes(documents.data_of(docs[0].id), policy=policy.default)
    assert filed["Message-ID"] == "<20260302094107.4711@mail.ashcombe-tc.example.org>"
    assert "figures for the Millbrook play area" in filed.get_body(("plain",)).get_content()
    assert "is filed on the case as a document of its own" in filed.as_string()
    entry = Audit.get((Audit.table == "document") & (Audit.row_id == docs[0].id))
    logged = json.loads(entry.changes)
    assert logged["original_sha256"][1] == p.mail.sha256
    # the first step carries the text
    step = Step.get((Step.case == case.id) & (Step.kind == "email"))
    assert step.action == "Email received"
    assert step.note.startswith("From: Cllr Priya Raman <cllr.priya.raman@")
    assert "Attachments: Playsafe quote 2026.pdf" in step.note
    assert "how much has been spent so far" in step.note
    close_database()
    assert integrity.check_path(demo_db).ok


def test_the_same_email_twice_does_nothing_the_second_time_and_says_so(demo_db):
    first = intake.take_in(intake.plan_file(eml("request_multipart.eml")))
    before = counts()
    again = intake.plan_file(eml("request_multipart.eml"))
    assert again.action == "duplicate" and not again.ok
    assert again.headline() == f"already taken in on {first.case.ref}: nothing to do"
    with pytest.raises(intake.Duplicate, match=f"taken in already, on {first.case.ref}"):
        intake.take_in(again)
    assert counts() == before


def test_html_only_mail_is_turned_into_text(demo_db):
    p = intake.plan_file(eml("request_html_only.eml"))
    assert p.mail.html_only and p.kind == "ward_assistance"
    body = p.source.body
    assert "garden waste & an old fridge" in body
    assert "- Could the district council's street scene team" in body
    assert "residents' page (https://photos.example.org/abbey)" in body
    assert "alert" not in body and "color" not in body and "<" not in body
    assert "its HTML was turned into text" in " ".join(p.lines())


def test_latin1_mail_reads_as_written(demo_db):
    p = intake.plan_file(eml("request_latin1.eml"))
    assert p.subject == "Café licence fee – how much is it?"
    assert "the café on the Abbey Green" in p.source.body and "£250" in p.source.body
    case = intake.take_in(p).case
    assert case.subject == "Café licence fee – how much is it?"


def test_a_mail_forwarded_by_the_clerk_is_the_members_own(demo_db):
    p = intake.plan_file(eml("forwarded_by_clerk.eml"))
    assert p.sender.name == "Cllr Susan Whitlock" and p.forwarded_by.name == "Helen Marsh"
    assert p.kind == "group_meeting" and p.received.isoformat() == "2026-03-02"
    assert p.subject == "Officer at our group meeting on the budget"
    case = intake.take_in(p).case
    assert case.member.name == "Cllr Susan Whitlock"
    step = Step.get((Step.case == case.id) & (Step.kind == "email"))
    assert "Forwarded by: Helen Marsh" in step.note
    assert step.note.rstrip().endswith("Regards,\nSusan")


def test_a_mail_forwarded_as_an_attachment_files_the_inner_email_and_its_attachment(demo_db):
    p = intake.plan_file(eml("forwarded_as_attachment.eml"))
    assert p.sender.name == "Cllr Aisha Patel" and p.kind == "motion_advice"
    result = intake.take_in(p)
    names = [d.name for d in result.documents]
    assert names == ["forwarded_as_attachment.eml",
                     "Motion on the twinning association grant.eml", "draft motion.txt"]
    assert documents.data_of(result.documents[2].id).startswith(b"Notice of motion")


def test_a_reply_carrying_a_reference_becomes_a_step_on_that_case(demo_db):
    case = Case.select().where(Case.type == "request").order_by(Case.id).first()
    case = give_ref(case, "REQ-2026-0042")
    before = Case.select().count()
    p = intake.plan_file(eml("reply_REQ-2026-0042.eml"))
    assert p.action == "reply" and p.case.id == case.id
    assert p.headline().startswith(f"a step on REQ-2026-0042 ({case.subject}) from Cllr "
                                   "Margaret Ellison")
    result = intake.take_in(p)
    assert not result.created and result.case.id == case.id
    assert Case.select().count() == before
    step = Step.select().where(Step.case == case.id).order_by(Step.id.desc()).first()
    assert step.action == "Email received (reply)" and "2023 ones" in step.note
    assert [d.source for d in documents.documents_of(case.id)] == ["email"]


def test_a_reply_by_its_thread_alone_goes_on_the_case_of_the_email_it_answers(demo_db):
    first = intake.take_in(intake.plan_file(eml("request_multipart.eml"))).case
    p = intake.plan_file(eml("reply_by_thread.eml"))
    assert p.action == "reply" and p.case.id == first.id
    assert f"it answers an email filed on {first.ref}" in p.notes
    intake.take_in(p)
    assert [d.name for d in documents.documents_of(first.id)][-1] == "reply_by_thread.eml"


def test_a_complaint_names_whom_it_is_about(demo_db):
    p = intake.plan_file(eml("complaint_about_officer.eml"))
    assert (p.case_type, p.kind) == ("complaint", "member_about_officer")
    assert p.about.name == "Mark Ingram" and p.ok
    case = intake.take_in(p).case
    assert case.ref.startswith("CMP-")
    assert case.complainant_member.name == "Cllr Robert Finch"
    assert case.subject_officer.name == "Mark Ingram"


BAD = [
    ("unknown_sender.eml", "unknown_sender.eml is from resident1977@mail.example.net, which is "
     "not the registered email of any member or officer"),
    ("no_body.eml", "no_body.eml has no text and no attachments"),
    ("winmail.eml", "winmail.eml carries its attachments in winmail.dat"),
    ("not_an_email.eml", "not_an_email.eml is not an email"),
    ("unknown_charset.eml", "unknown_charset.eml is written in the character set "
     "'x-mac-klingon', which clerkdesk cannot read"),
    ("reply_REQ-2026-0042.eml", "its subject names REQ-2026-0042, which is not a case"),
]


@pytest.mark.parametrize("name, sentence", BAD, ids=[b[0] for b in BAD])
def test_a_bad_file_gets_one_sentence_a_non_zero_exit_and_no_write(demo_db, capsys, name,
                                                                    sentence):
    with pytest.raises(intake.IntakeError) as err:
        intake.plan_file(eml(name))
    assert sentence in str(err.value)
    assert str(err.value).count(". ") <= 1 and "\n" not in str(err.value)
    before = counts()
    close_database()
    status = main(["--db", str(demo_db), "intake", str(eml(name)), "--yes"])
    out, errors = capsys.readouterr()
    assert status == 1
    assert errors.strip().startswith("clerkdesk: ") and sentence in errors
    assert len(errors.strip().splitlines()) == 1 and out == ""
    open_database(demo_db)
    assert counts() == before


@pytest.mark.parametrize("data, sentence", [
    (b"", "is empty"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "is an Outlook .msg file"),
    (b"%PDF-1.7\n...", "is a PDF, not an email"),
    (b"From a@b Mon Mar  2 09:00:00 2026\nFrom: a@b\nSubject: x\n\nhi\n\n"
     b"From c@d Mon Mar  2 10:00:00 2026\nFrom: c@d\nSubject: y\n\nho\n",
     "is a mailbox holding several emails"),
    (b"\x00\x01\x02binary", "is not an email (it is a binary file)"),
])
def test_other_files_that_are_not_emails(demo_db, data, sentence):
    with pytest.raises(intake.IntakeError, match=sentence.replace("(", r"\(").replace(")", r"\)")):
        intake.plan("odd.eml", data)


def test_an_attachment_over_the_limit_is_refused_before_anything_is_written(demo_db):
    Council.update(document_limit_mb=1).execute()
    big = email.message.EmailMessage()
    big["From"] = "cllr.priya.raman@ashcombe-tc.example.org"
    big["Subject"] = "The survey"
    big["Date"] = "Mon, 02 Mar 2026 09:00:00 +0000"
    big["Message-ID"] = "<big@example.org>"
    big.set_content("The survey is attached.")
    big.add_attachment(b"\x01" * (1024 * 1024 + 10), maintype="application",
                       subtype="octet-stream", filename="survey.bin")
    before = counts()
    with pytest.raises(intake.IntakeError, match="survey.bin is 1.0 MB, over the 1.0 MB limit"):
        intake.plan("big.eml", big.as_bytes())
    assert counts() == before


def test_an_email_is_written_all_or_nothing(demo_db, monkeypatch):
    p = intake.plan_file(eml("request_multipart.eml"))
    before = counts()
    real = documents.file_document
    calls = []

    def fail_on_the_third(*args, **kw):
        calls.append(1)
        if len(calls) == 3:
            raise documents.DocumentError("the disk is full")
        return real(*args, **kw)

    monkeypatch.setattr(documents, "file_document", fail_on_the_third)
    with pytest.raises(documents.DocumentError):
        intake.take_in(p)
    assert counts() == before  # no case, no step, no document, no audit entry


def test_the_command_previews_then_writes_a_batch_email_by_email(demo_db, capsys, tmp_path):
    files = [eml(n) for n in ("request_multipart.eml", "winmail.eml", "reply_by_thread.eml",
                              "request_latin1.eml", "request_multipart.eml")]
    close_database()
    status = main(["--db", str(demo_db), "intake", *map(str, files)])
    out, errors = capsys.readouterr()
    assert status == 1  # winmail.eml cannot be taken in
    assert "Nothing written yet: run again with --yes to take in 3 emails." in out
    assert "a step on the case request_multipart.eml makes" in out
    assert "winmail.eml carries its attachments in winmail.dat" in errors
    open_database(demo_db)
    assert Document.select().count() == 0
    close_database()
    status = main(["--db", str(demo_db), "intake", *map(str, files), "--yes"])
    out, errors = capsys.readouterr()
    assert status == 1
    lines = [ln for ln in out.splitlines() if ln.startswith("REQ-")]
    assert len(lines) == 3 and "new request  Costs of the Millbrook" in lines[0]
    assert "email added to the timeline" in lines[1]
    assert "Took in 2 new cases and 1 email added to its case." in out
    assert "1 email taken in before: nothing to do for it." in out
    status = main(["--db", str(demo_db), "intake", str(eml("request_latin1.eml")), "--yes"])
    out, _ = capsys.readouterr()
    assert status == 0 and "already taken in on REQ-" in out


def test_a_batch_of_many_emails_takes_each_in_its_own_transaction(demo_db, capsys, tmp_path):
    members = list(Member.select().where(Member.archived == False).limit(5))  # noqa: E712
    paths = []
    for i in range(60):
        m = email.message.EmailMessage()
        m["From"] = members[i % 5].email
        m["Subject"] = f"Question {i} about the precept"
        m["Date"] = "Mon, 02 Mar 2026 09:00:00 +0000"
        m["Message-ID"] = f"<batch.{i}@example.org>"
        m.set_content(f"How much is the precept for item {i}?")
        path = tmp_path / f"mail-{i:03d}.eml"
        path.write_bytes(m.as_bytes() if i != 30 else b"not an email at all")
        paths.append(str(path))
    before = Case.select().count()
    close_database()
    status = main(["--db", str(demo_db), "intake", *paths, "--yes"])
    out, errors = capsys.readouterr()
    assert status == 1 and "mail-030.eml is not an email" in errors
    assert "Took in 59 new cases." in out
    open_database(demo_db)
    assert Case.select().count() == before + 59
    close_database()
    assert integrity.check_path(demo_db).ok


def test_the_intake_folder_counts_the_emails_not_yet_taken_in(demo_db, tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    for name in ("request_multipart.eml", "request_latin1.eml", "request_html_only.eml"):
        (folder / name).write_bytes(eml(name).read_bytes())
    (folder / "notes.txt").write_text("not an email")
    assert intake.waiting(folder) == sorted(folder.glob("*.eml"))
    intake.take_in(intake.plan_file(folder / "request_latin1.eml"))
    assert [p.name for p in intake.waiting(folder)] == ["request_html_only.eml",
                                                        "request_multipart.eml"]
    intake.remember_folder(folder)
    assert intake.last_folder() == folder
    # the clerk's own state (state.json), not a row of the council's casebook
    from clerkdesk.models.core.schema import Setting
    assert not Setting.select().where(Setting.key == intake.LAST_FOLDER_KEY).exists()


def test_a_large_email_read_apart_in_a_child_process_reads_the_same(monkeypatch):
    from clerkdesk.models.casework.intake import mail

    monkeypatch.setattr(mail, "APART_OVER", 0)  # every email in a child, for the test
    data = eml("request_multipart.eml").read_bytes()
    here, apart = mail.read_mail(data, "a.eml"), mail.read_mail_apart(data, "a.eml")
    assert apart == here and [a.data for a in apart.attachments] == \
        [a.data for a in here.attachments]
    with pytest.raises(intake.IntakeError, match="winmail.dat"):
        mail.read_mail_apart(eml("winmail.eml").read_bytes(), "winmail.eml")
