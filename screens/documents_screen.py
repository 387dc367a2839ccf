"""The documents on a case (`d` on a case): open one in the system's viewer, save a copy,
attach files, archive or restore; and making a letter (`l` on a case).

Every read and write of a document's bytes runs on a thread worker, so a 25 MB
attachment never holds the screen. In meeting mode a private case's document names are
hidden (privacy.py decides) and its documents are not opened.
"""
from __future__ import annotations

import atexit
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Label

from clerkdesk.models.casework import documents, privacy
from clerkdesk.models.core import dates
from clerkdesk.models.core.db import worker_connection
from clerkdesk.models.core.forms import FieldSpec, ValidationError, validate
from clerkdesk.models.core.schema import Case
from clerkdesk.models.store import outfile
from clerkdesk.screens.modal import Modal


def meeting_mode(app) -> bool:
    """Is meeting mode on? (The app's `meeting` holder where it has one, screens/meeting.py;
    else its `meeting_mode` flag.) What it hides is privacy.py's to say."""
    holder = getattr(app, "meeting", None)
    if holder is not None and hasattr(holder, "on"):
        return bool(holder.on)
    return bool(getattr(app, "meeting_mode", False))


def private_now(app, case: Case) -> bool:
    """Is the case's detail hidden on screen right now (meeting mode, a private case)?"""
    return meeting_mode(app) and privacy.case_is_private(case.type, case.confidential)


def case_heading(app, case: Case) -> str:
    return privacy.shown(case, meeting_mode(app)).title


# --- opening with the system's viewer ------------------------------------------------------------

_open_folder: Path | None = None


def _folder_for_opening() -> Path:
    """A private temporary folder for the documents opened this session, removed when
    clerkdesk closes."""
    global _open_folder
    if _open_folder is None or not _open_folder.is_dir():
        _open_folder = Path(tempfile.mkdtemp(prefix="clerkdesk-open-"))  # 0700
        atexit.register(shutil.rmtree, _open_folder, ignore_errors=True)
    return _open_folder


def opener_command() -> list[str] | None:
    """The program that opens a file the way the desktop would: $CLERKDESK_OPENER, else
    `open` (macOS), `xdg-open` (Linux and the BSDs); None when there is none."""
    env = os.environ.get("CLERKDESK_OPENER", "").strip()
    if env:
        return shlex.split(env)
    if sys.platform == "darwin":
        return ["open"]
    if os.name == "nt":
        return []  # os.startfile
    return ["xdg-open"] if shutil.which("xdg-open") else None


def open_document(app, doc_id: int) -> None:
    """Write the document to a private temporary file and hand it to the system's viewer
    (on a thread); a sentence if that cannot be done."""
    def job() -> None:
        try:
            with worker_connection():
                doc = documents.info(doc_id)
                folder = _folder_for_opening()
                path = documents.save_copy(doc_id, outfile.free_name(folder, doc.name))
            command = opener_command()
            if command is None:
                app.call_from_thread(app.notify, "There is no program to open documents with "
                                     "here (no xdg-open): s saves a copy instead.",
                                     severity="warning", timeout=10)
                return
            if command == []:
                os.startfile(path)  # type: ignore[attr-defined]  # (Windows)
            else:
                subprocess.Popen([*command, str(path)], stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 start_new_session=True)
            app.call_from_thread(app.notify, f"Opened {doc.name}.")
        except documents.DocumentError as exc:
            app.call_from_thread(app.notify, str(exc), severity="error", timeout=10)
        except OSError as exc:
            app.call_from_thread(app.notify, f"The document could not be opened: "
                                 f"{exc.strerror or exc}.", severity="error", timeout=10)

    app.run_worker(job, thread=True, group="documents", exit_on_error=False)


def save_copy(app, case: Case, doc) -> None:
    """Ask where, then write a copy (on a thread)."""
    start = Path.home() / "Documents"
    start = start if start.is_dir() else Path.home()
    shown = documents.label(doc, case, meeting_mode=meeting_mode(app))
    specs = [FieldSpec("path", "Save a copy as", required=True, max_len=500,
                       default=str(start / (doc.name if shown == doc.name else "document")),
                       help="The copy is readable by you only; an existing file is never "
                            "written over.")]

    def check(raw):
        clean = validate(specs, raw)
        try:
            return outfile.check_target(clean["path"])
        except outfile.OutputError as exc:
            raise ValidationError({"path": str(exc)}) from None

    def chosen(path) -> None:
        if path is None:
            return

        def job() -> None:
            try:
                with worker_connection():
                    written = documents.save_copy(doc.id, path)
                app.call_from_thread(app.notify, f"Saved a copy as {written}.")
            except documents.DocumentError as exc:
                app.call_from_thread(app.notify, str(exc), severity="error", timeout=10)

        app.run_worker(job, thread=True, group="documents", exit_on_error=False)

    from .form import FormScreen

    app.push_screen(FormScreen(f"Save a copy of {shown}", specs,
                               {s.name: s.initial() for s in specs}, check), chosen)


# --- the list --------------------------------------------------------------------------------------

class DocumentsScreen(Modal[None]):
    """The documents of one case."""

    BINDINGS = [
        Binding("escape,q", "dismiss(None)", "Close"),
        Binding("o", "open", "Open"),
        Binding("s", "save", "Save a copy"),
        Binding("a", "attach", "Attach files"),
        Binding("x", "archive", "Archive/restore"),
        Binding("v", "toggle_archived", "Show archived"),
        Binding("l", "letter", "Letter"),
        Binding("m", "meeting", "Meeting mode"),
    ]

    def __init__(self, case_id: int) -> None:
        super().__init__()
        self.case_id = case_id
        self.case = Case.get_by_id(case_id)
        self.show_archived = False
        self.rows: dict[int, object] = {}
        self.changed = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box documents-box"):
            yield Label(f"Documents on {case_heading(self.app, self.case)}", classes="form-title")
            yield DataTable(id="docs-table", cursor_type="row", zebra_stripes=True)
            yield Label("", id="docs-empty")
            yield Label("enter/o open   s save a copy   a attach   x archive/restore   "
                        "v archived   l letter   esc close", classes="hint")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Name", "From", "Size", "Added", "By")
        self.load()
        table.focus()

    def load(self, keep: int | None = None) -> None:
        self.case = Case.get_by_id(self.case_id)
        table = self.query_one(DataTable)
        table.clear()
        self.rows = {}
        hide = meeting_mode(self.app)
        for doc in documents.documents_of(self.case_id, archived=self.show_archived):
            self.rows[doc.id] = doc
            name = documents.label(doc, self.case, meeting_mode=hide)
            table.add_row(name + ("  [archived]" if doc.archived else ""),
                          documents.SOURCES.get(doc.source, doc.source),
                          documents.human_size(doc.size),
                          f"{dates.fmt(doc.added_at.date())} {doc.added_at:%H:%M}",
                          doc.added_by, key=str(doc.id))
        empty = self.query_one("#docs-empty", Label)
        empty.update("" if self.rows else
                     "No documents yet: a attaches files; l makes a letter; i (on the list) "
                     "takes in an email.")
        if keep is not None and keep in self.rows:
            table.move_cursor(row=list(self.rows).index(keep))

    def current(self):
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row is None:
            return None
        keys = list(self.rows)
        return self.rows[keys[min(table.cursor_row, len(keys) - 1)]]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        doc = self.current()
        if doc is None:
            self.app.notify("There is no document to open.", severity="warning")
            return
        if private_now(self.app, self.case):
            self.app.notify("Meeting mode is on: this case's documents stay closed (m shows "
                            "them again).", severity="warning")
            return
        open_document(self.app, doc.id)

    def action_save(self) -> None:
        doc = self.current()
        if doc is not None:
            save_copy(self.app, self.case, doc)

    def action_attach(self) -> None:
        from .file_picker import FilePickerScreen

        def picked(path) -> None:
            if path is not None:
                self.attach_files([path])

        self.app.push_screen(FilePickerScreen(f"Attach a file to {self.case.ref}",
                                              Path.home()), picked)

    def attach_files(self, paths: list[Path]) -> None:
        case_id = self.case_id

        def job() -> None:
            try:
                with worker_connection():
                    files = [documents.read_file(p) for p in paths]
                    rows = documents.attach(case_id, files)
                self.app.call_from_thread(self._attached, rows)
            except documents.DocumentError as exc:
                self.app.call_from_thread(self.app.notify, str(exc), severity="error",
                                          timeout=12)

        self.app.notify("Attaching…", timeout=2)
        self.run_worker(job, thread=True, group="documents", exit_on_error=False)

    def _attached(self, rows) -> None:
        self.changed = True
        self.load(keep=rows[-1].id if rows else None)
        shown = ", ".join(documents.label(r, self.case, meeting_mode=meeting_mode(self.app))
                          for r in rows)
        self.app.notify(f"Attached to {self.case.ref}: {shown}.")

    def action_archive(self) -> None:
        doc = self.current()
        if doc is None:
            return
        from .confirm import ConfirmScreen

        shown = documents.label(doc, self.case, meeting_mode=meeting_mode(self.app))
        restore = bool(doc.archived)

        def archived() -> None:
            self.changed = True
            self.load(keep=doc.id)
            self.app.notify(f"{'Restored' if restore else 'Archived'} {shown} (it is kept, "
                            "never deleted).")

        def job() -> None:  # (sealing the change digests the document's bytes: a thread)
            with worker_connection():
                documents.archive(doc.id, restore=restore)
            self.app.call_from_thread(archived)

        def answer(yes) -> None:
            if yes:
                self.run_worker(job, thread=True, group="documents", exit_on_error=False)

        verb = "Restore" if restore else "Archive"
        self.app.push_screen(ConfirmScreen(f"{verb} {shown}? It stays in the casebook"
                                           f"{' and comes back to the list' if restore else '; v shows it'}."),
                             answer)

    def action_toggle_archived(self) -> None:
        self.show_archived = not self.show_archived
        self.load()

    def action_meeting(self) -> None:
        """m here too: meeting mode on or off, and the list drawn again at once."""
        self.app.action_toggle_meeting_mode()
        self.query_one(".form-title", Label).update(
            f"Documents on {case_heading(self.app, self.case)}")
        self.load()

    def action_letter(self) -> None:
        def done(letter) -> None:
            if letter is not None:
                self.changed = True
                self.load(keep=letter.document.id)

        make_letter(self.app, self.case, done)


def show_documents(app, case: Case, done) -> None:
    """`d` on a case: its documents; `done(True)` when something changed."""
    screen = DocumentsScreen(case.id)
    app.push_screen(screen, lambda _result: done(True if screen.changed else None))


# --- letters ------------------------------------------------------------------------------------

def make_letter(app, case: Case, done) -> None:
    """`l` on a case: choose a template, make the letter on a thread, file it, offer to
    open it. `done(letter)` once it is filed."""
    from clerkdesk.models.output import letters

    if not letters.available():
        app.notify(letters.HOW_TO_GET_IT, severity="warning", timeout=15)
        return
    from .picker import PickerScreen

    options = [(name, f"{name.replace('_', ' ')}: {text}")
               for name, text in letters.template_choices()]

    def picked(template) -> None:
        if template is None:
            return

        def job() -> None:
            try:
                with worker_connection():
                    letter = letters.make_letter(case.id, template)
                app.call_from_thread(made, letter)
            except letters.LetterError as exc:
                app.call_from_thread(app.notify, str(exc), severity="error", timeout=15)
            except documents.DocumentError as exc:
                app.call_from_thread(app.notify, str(exc), severity="error", timeout=15)

        app.run_worker(job, thread=True, group="letters", exit_on_error=False)

    def made(letter) -> None:
        done(letter)
        from .confirm import ConfirmScreen

        shown = documents.label(letter.document, case, meeting_mode=meeting_mode(app))
        if private_now(app, case):
            app.notify(f"Letter filed on {case.ref}: {shown}.")
            return

        def answer(yes) -> None:
            if yes:
                open_document(app, letter.document.id)

        app.push_screen(ConfirmScreen(f"Letter filed on {case.ref} as {shown}, with a step "
                                      "\"Letter sent\". Open it now to check and print it?",
                                      yes="Open it", no="Not now"), answer)

    app.push_screen(PickerScreen(f"Letter on {case.ref}", options), picked)
