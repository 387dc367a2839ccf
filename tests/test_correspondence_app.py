"""Correspondence in the app, driven through Pilot on the demo casebook: `i` takes in a
saved email (the form filled in from it, then the wizard), a reply becomes a step, `d`
lists a case's documents (open, attach, archive; names hidden in meeting mode), `l`
makes a letter, the palette's retention and subject-access export, the Dashboard's
count of emails waiting."""
from __future__ import annotations

import email.message
import stat
import sys
import zipfile
from pathlib import Path

from textual.widgets import DataTable, Input, OptionList, Static

from helpers import SIZE, make_app
from helpers import settle as settle_pilot

from clerkdesk.models.casework import documents, intake
from clerkdesk.models.core import dates
from clerkdesk.models.core.schema import Case, Document, Step
from clerkdesk.screens.confirm import ConfirmScreen
from clerkdesk.screens.documents_screen import DocumentsScreen
from clerkdesk.screens.file_picker import FilePickerScreen
from clerkdesk.screens.form import FormScreen
from clerkdesk.screens.picker import PickerScreen
from clerkdesk.screens.retention_screen import RetentionScreen
from clerkdesk.screens.wizard import WizardScreen

DATA = Path(__file__).parent / "data"


async def settle(app, pilot) -> None:
    for _ in range(3):
        await settle_pilot(pilot)


async def pick_file(app, pilot, path: Path) -> None:
    """In the file picker: type the file's path and press enter."""
    assert isinstance(app.screen, FilePickerScreen)
    box = app.screen.query_one("#files-path", Input)
    box.value = str(path)
    box.focus()
    await pilot.press("enter")
    await pilot.pause()


async def on_case(app, pilot, case_id: int, tab: str = "requests"):
    pane = await app.show_tab(tab)
    pane.load(keep=case_id)
    await settle(app, pilot)
    assert pane.selected_id() == case_id
    return pane


async def test_i_takes_in_an_email_then_the_wizard_opens(demo_db, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    target = inbox / "request_multipart.eml"
    target.write_bytes((DATA / "request_multipart.eml").read_bytes())
    before = Case.select().count()
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await app.show_tab("requests")
        await pilot.press("i")
        await pilot.pause()
        await pick_file(app, pilot, target)
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormScreen)
        assert form.query_one("#f-subject", Input).value == \
            "Costs of the Millbrook play area refurbishment"
        assert str(form.query_one("#f-kind").value) == "information"
        assert "3 attachments: Playsafe quote 2026.pdf" in str(
            form.query_one(".form-subtitle", Static).render())
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, WizardScreen)
    assert Case.select().count() == before + 1
    case = Case.select().order_by(Case.id.desc()).first()
    assert [d.source for d in documents.documents_of(case.id)] == [
        "email", "attachment", "attachment", "attachment"]
    assert intake.last_folder() == inbox


async def test_a_reply_is_added_as_a_step_after_a_question(demo_db, tmp_path):
    first = intake.take_in(intake.plan_file(DATA / "request_multipart.eml")).case
    steps = Step.select().where(Step.case == first.id).count()
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await app.show_tab("dashboard")
        await pilot.press("i")
        await pilot.pause()
        await pick_file(app, pilot, DATA / "reply_by_thread.eml")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert first.ref in str(app.screen.query_one("#confirm-question").render())
        await pilot.press("y")
        await settle(app, pilot)
    assert Step.select().where(Step.case == first.id).count() == steps + 1


async def test_a_bad_email_is_one_sentence_and_nothing_is_written(demo_db):
    before = Document.select().count(), Case.select().count()
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await app.show_tab("requests")
        await pilot.press("i")
        await pilot.pause()
        await pick_file(app, pilot, DATA / "winmail.eml")
        await settle(app, pilot)
        messages = [n.message for n in app._notifications]
        assert any(m.startswith("winmail.eml carries its attachments in winmail.dat")
                   for m in messages), messages
        assert not isinstance(app.screen, FormScreen)
    assert (Document.select().count(), Case.select().count()) == before


async def test_a_25_mb_attachment_is_read_and_written_on_workers(demo_db, tmp_path,
                                                               monkeypatch):
    import threading

    threads = []
    for name in ("plan_file", "take_in"):
        real = getattr(intake, name)

        def spy(*args, _real=real, _name=name, **kw):
            threads.append((_name, threading.current_thread() is threading.main_thread()))
            return _real(*args, **kw)

        monkeypatch.setattr(intake, name, spy)
    big = email.message.EmailMessage()
    big["From"] = "cllr.priya.raman@ashcombe-tc.example.org"
    big["Subject"] = "The flood survey"
    big["Date"] = "Mon, 02 Mar 2026 09:00:00 +0000"
    big["Message-ID"] = "<flood-survey@example.org>"
    big.set_content("Could I have the figures from the attached survey?")
    payload = bytes(range(256)) * (25 * 1024 * 1024 // 256 - 8)
    big.add_attachment(payload, maintype="application", subtype="pdf", filename="survey.pdf")
    path = tmp_path / "survey.eml"
    path.write_bytes(big.as_bytes())
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await app.show_tab("requests")
        await pilot.press("i")
        await pilot.pause()
        await pick_file(app, pilot, path)
        await settle(app, pilot)
        assert isinstance(app.screen, FormScreen)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    # the email was read, and written, on threads: never on the screen's own
    assert threads == [("plan_file", False), ("take_in", False)]
    doc = Document.select(*documents.LIST_COLUMNS).where(Document.name == "survey.pdf").get()
    assert doc.size == len(payload)
    assert documents.data_of(doc.id) == payload


async def test_d_lists_the_documents_and_opens_one_with_the_system_viewer(demo_db, tmp_path,
                                                                         monkeypatch):
    case = Case.select().where(Case.type == "request").first()
    (doc,) = documents.attach(case.id, [("minutes.txt", b"the minutes")])
    seen = tmp_path / "opened.txt"
    opener = tmp_path / "opener.py"
    opener.write_text(f"import sys, shutil; shutil.copy(sys.argv[1], {str(seen)!r})\n")
    monkeypatch.setenv("CLERKDESK_OPENER", f"{sys.executable} {opener}")
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await on_case(app, pilot, case.id)
        await pilot.press("d")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DocumentsScreen)
        table = screen.query_one(DataTable)
        assert table.row_count == 1 and "minutes.txt" in str(table.get_row_at(0)[0])
        await pilot.press("enter")
        await settle(app, pilot)
    for _ in range(50):
        if seen.exists():
            break
        import time
        time.sleep(0.1)  # (the viewer is another process)
    assert seen.read_bytes() == b"the minutes"


async def test_attach_and_archive_from_the_documents_list(demo_db, tmp_path):
    case = Case.select().where(Case.type == "request").first()
    f = tmp_path / "photo.jpg"
    f.write_bytes(b"\xff\xd8\xff a photo")
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await on_case(app, pilot, case.id)
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        await pick_file(app, pilot, f)
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, DocumentsScreen)
        assert screen.query_one(DataTable).row_count == 1
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("y")
        await settle(app, pilot)
        assert screen.query_one(DataTable).row_count == 0
        await pilot.press("v")
        await pilot.pause()
        assert "[archived]" in str(screen.query_one(DataTable).get_row_at(0)[0])
    (doc,) = documents.documents_of(case.id, archived=True)
    assert doc.archived and documents.data_of(doc.id) == b"\xff\xd8\xff a photo"


async def test_meeting_mode_hides_a_private_cases_document_names_and_keeps_them_shut(
        demo_db, tmp_path, monkeypatch):
    complaint = Case.select().where(Case.type == "complaint").first()
    documents.attach(complaint.id, [("Statement of K Doyle.pdf", b"%PDF")])
    monkeypatch.setenv("CLERKDESK_OPENER", "false")
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m")
        await on_case(app, pilot, complaint.id, "complaints")
        await pilot.press("d")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DocumentsScreen)
        row = screen.query_one(DataTable).get_row_at(0)
        assert str(row[0]) == "(hidden)"
        assert "Doyle" not in str(screen.query_one(".form-title").render())
        await pilot.press("enter")
        await pilot.pause()
        assert any("Meeting mode is on" in n.message for n in app._notifications)
        assert not any("Doyle" in n.message for n in app._notifications)


async def test_l_makes_a_letter_and_files_it(demo_db):
    case = Case.select().where((Case.type == "request") & (Case.status != "closed")).first()
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await on_case(app, pilot, case.id)
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, PickerScreen)
        await pilot.press(*"acknow", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "Letter filed on" in str(app.screen.query_one("#confirm-question").render())
        await pilot.press("n")
        await pilot.pause()
    (doc,) = [d for d in documents.documents_of(case.id) if d.source == "letter"]
    assert doc.name == f"{case.ref} acknowledgement.docx"


async def test_the_palettes_retention_anonymises_after_a_confirmation(demo_db, monkeypatch):
    case = Case.select().where((Case.type == "request") & (Case.status == "closed")).first()
    later = case.closed_on.replace(year=case.closed_on.year + 7)
    monkeypatch.setenv("CLERKDESK_TODAY", dates.fmt(later))
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        from clerkdesk.tui import correspondence

        correspondence.retention(app)
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, RetentionScreen)
        refs = [str(screen.query_one(DataTable).get_row_at(i)[0])
                for i in range(screen.query_one(DataTable).row_count)]
        assert case.ref in refs
        screen.query_one(DataTable).move_cursor(row=refs.index(case.ref))
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(app, pilot)
        assert case.ref not in [str(screen.query_one(DataTable).get_row_at(i)[0])
                                for i in range(screen.query_one(DataTable).row_count)]
    assert Case.get_by_id(case.id).subject == "Anonymised request"


async def test_the_palettes_subject_access_export(demo_db, tmp_path):
    out = tmp_path / "raman.zip"
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        from clerkdesk.tui import correspondence

        correspondence.subject_access(app)
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FormScreen)
        form.query_one("#f-person", Input).value = "Cllr Priya Raman"
        form.query_one("#f-out", Input).value = str(out)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert any(n.message.startswith(f"{out}:") for n in app._notifications)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert any(n.endswith("summary.md") for n in zipfile.ZipFile(out).namelist())


async def test_the_dashboard_counts_the_emails_waiting_in_the_intake_folder(demo_db, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("request_latin1.eml", "request_html_only.eml"):
        (inbox / name).write_bytes((DATA / name).read_bytes())
    from clerkdesk.models.casework import council

    raw = council.form_values(council.get())
    council.save_settings({**raw, "intake_folder": str(inbox)})  # as the Council tab saves it
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        line = app.query_one("#dash-intake", Static)
        assert line.display
        assert f" 2  saved emails waiting in {inbox}: i takes one in" in str(line.render())
        await pilot.press("i")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, FilePickerScreen) and picker.folder == inbox
        assert picker.query_one("#files-list", OptionList).option_count == 3  # .. and 2


async def test_m_in_the_documents_list_hides_the_names_at_once(demo_db):
    complaint = Case.select().where(Case.type == "complaint").first()
    documents.attach(complaint.id, [("Statement of K Doyle.pdf", b"%PDF")])
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await on_case(app, pilot, complaint.id, "complaints")
        await pilot.press("d")
        await pilot.pause()
        screen = app.screen
        assert "Doyle" in str(screen.query_one(DataTable).get_row_at(0)[0])
        await pilot.press("m")
        await pilot.pause()
        assert str(screen.query_one(DataTable).get_row_at(0)[0]) == "(hidden)"
        assert complaint.subject not in str(screen.query_one(".form-title").render())
