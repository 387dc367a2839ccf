"""The app's commands, as the command palette lists them (tui/palette.py) and the keys run
them: the first run's set-up, a browser session's clerk, back up now, the committee report,
the due dates as a calendar file, importing a register from CSV or .xlsx, undo, and the help
screen with every key.

Each takes the running app (`ClerkDesk`: its `db_path`, `notify`, `refresh_all`) and
tells the clerk in one sentence what happened; none stops the clerk working when it
fails. Their modules are imported when a command runs, never at start-up.
"""
from __future__ import annotations

from pathlib import Path

from clerkdesk.models.core.db import current_passphrase

#: set in a browser session's environment (`clerkdesk serve`) when it must ask its clerk
ASK_CLERK_ENV = "CLERKDESK_ASK_CLERK"


def _beside_casebook(app, name: str) -> Path:
    """Where the app writes reports and exports: beside an SQLite casebook, in the clerk's
    data folder for a PostgreSQL one (never a folder named after its URL)."""
    from clerkdesk.models.store import files

    return files.output_folder(name)


def _busy(app, group: str) -> bool:
    from textual.worker import WorkerState

    return any(w.group == group and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
               for w in app.workers)


def _in_background(app, group: str, job, done, said: dict, *, busy: str,
                   begun: str = "") -> None:
    """Run *job()* on a worker of *group* (with a database connection of its own), then
    *done(result)* on the UI thread: the command's reads and writes never hold the desk
    (a backup, the report or an undo at 50,000 cases takes up to seconds). *said* maps
    the exceptions a job may raise to (sentence(exc), severity, title): each is told in
    one toast, and the desk goes on. While a job of *group* still runs, *busy* is said and
    nothing starts; *begun*, if given, is said as it starts."""
    from clerkdesk.models.core.db import worker_connection

    if _busy(app, group):
        app.notify(busy, severity="warning")
        return
    if begun:
        app.notify(begun, timeout=3)

    def work() -> None:
        try:
            with worker_connection():
                result = job()
        except tuple(said) as exc:
            sentence, severity, title = next(v for k, v in said.items() if isinstance(exc, k))
            app.call_from_thread(app.notify, sentence(exc), title=title, severity=severity,
                                 timeout=15 if severity == "error" else 8)
            return
        app.call_from_thread(done, result)

    app.run_worker(work, thread=True, group=group, exit_on_error=False)


def first_run(app) -> None:
    """An empty casebook: the council's name, kind and profile first."""
    from clerkdesk.screens.setup import SetupScreen

    def done(result) -> None:
        if result is not None:
            app.notify(f"Welcome, {result.name}. Your first steps are on the Dashboard; "
                       "? shows every key.")
            app.council_changed()
            app.refresh_all()
            app.focus_tab("dashboard")

    app.push_screen(SetupScreen(), done)


def name_the_clerk(app) -> None:
    """A browser session (`clerkdesk serve`) that was not given its clerk's name asks for
    it first; the audit log then carries it ($CLERKDESK_USER, this session's own)."""
    import os

    if os.environ.get(ASK_CLERK_ENV) != "1":
        return
    from clerkdesk.screens.clerk_name import ClerkNameScreen

    def named(name) -> None:
        os.environ["CLERKDESK_USER"] = name
        app.use_command_palette = True
        app.notify(f"Welcome, {name}: the audit log names you for this session's changes.")

    app.use_command_palette = False  # (its commands write: not before the clerk is named)
    app.push_screen(ClerkNameScreen(), named)


def backup_now(app) -> None:
    """Back up the open casebook: SQLite, a copy in the backups folder beside it (an
    encrypted casebook with the passphrase it was opened with); PostgreSQL, pg_dump or
    the sentence that backups are the server's job. On a worker (at 50,000 cases the
    copy takes most of a second)."""
    from clerkdesk.models.store import backup

    _in_background(app, "backup-now", backup.backup_now,
                   lambda said: app.notify(said, title="Backup"),
                   # a full disk, a read-only folder: say so, keep going
                   {Exception: (lambda exc: f"The backup failed: {exc}", "error", "Backup")},
                   busy="A backup is still being taken.", begun="Taking a backup…")


def automatic_backup(app) -> None:
    """The rotating backup taken on every open, on a worker after the first frame."""
    from clerkdesk.models.store import backup

    passphrase = current_passphrase()

    def take() -> None:
        try:
            backup.automatic_backup(app.db_path, passphrase=passphrase)
        except Exception as exc:  # it must never stop the clerk working: say so instead
            app.call_from_thread(app.notify, f"The automatic backup failed: {exc}",
                                 severity="warning", timeout=15)

    app.run_worker(take, thread=True, group="backup", exit_on_error=False)


def new_record(app, tab: str) -> None:
    """Show *tab* and open its form for a new record (the palette's New ... commands)."""
    async def go() -> None:
        (await app.show_tab(tab)).action_new()

    app.call_later(go)


def write_report(app) -> None:
    """The committee report (progress on actions), Markdown and HTML, names removed;
    read and written on a worker."""
    from clerkdesk.models.output import report

    folder = _beside_casebook(app, "reports")
    _in_background(app, "report", lambda: report.write_report(folder),
                   lambda paths: app.notify("Written: " + ", ".join(str(p) for p in paths),
                                            title="Committee report", timeout=10),
                   {OSError: (lambda exc: f"The report could not be written: {exc}", "error",
                             "Committee report")},
                   busy="The committee report is still being written.",
                   begun="Writing the committee report…")


def export_calendar(app) -> None:
    """The open cases' due dates as an .ics file beside the casebook, on a worker."""
    from clerkdesk.models.output import ical

    path = _beside_casebook(app, "exports") / "clerkdesk-due-dates.ics"

    def done(n: int) -> None:
        app.notify(f"{n} due date{'s' if n != 1 else ''} written to {path}", title="Calendar")

    _in_background(app, "calendar", lambda: ical.export_ics(path), done,
                   {OSError: (lambda exc: f"The calendar could not be written: {exc}",
                              "error", "Calendar")},
                   busy="The calendar file is still being written.")


def import_csv(app) -> None:
    """A register from a CSV file: the form, the preview, then all rows or none."""
    from clerkdesk.screens.import_screen import start_import

    def done(created) -> None:
        if created is not None:
            app.notify(f"{len(created)} record{'s' if len(created) != 1 else ''} added.",
                       title="Import")
            app.refresh_all()

    start_import(app, done)


def masked_toast(app, message, title: str) -> tuple[str, str]:
    """A toast's message and title through meeting mode's mask: a sentence about a
    private case never names its subject or people while the mode is on (privacy.scrub)."""
    if not app.meeting.on:
        return message, title
    from clerkdesk.models.casework import privacy

    return privacy.scrub(str(message), True), (privacy.scrub(title, True) if title else title)


def toggle_meeting_mode(app) -> None:
    """m: every pane and open screen redraws now (they watch app.meeting)."""
    from clerkdesk.models.casework import privacy

    app.meeting.set(not app.meeting.on)
    privacy.set_mode(app.meeting.on)
    app.notify("Meeting mode on: confidential names hidden." if app.meeting.on
               else "Meeting mode off.")


#: a batch of more entries than this is said to have begun when its undo starts
SAY_UNDO_BEGUN_OVER = 50


def undo(app) -> None:
    """Undo the last change (the audit log says what it was), on a worker: undoing a
    batch of hundreds of cases takes seconds, and the desk stays live meanwhile (a long
    one is said to have begun). A second ctrl+z while one runs is told to wait: it
    would undo the change before."""
    from clerkdesk.models.core import schema
    from clerkdesk.models.core.db import DatabaseError
    from clerkdesk.models.store import undo as undoing

    def begun(entry) -> None:  # on the worker, before the undo writes anything
        if undoing.batch_size(entry) > SAY_UNDO_BEGUN_OVER:
            app.call_from_thread(app.notify, f"Undoing {undoing.describe(entry)}…",
                                 title="Undo", timeout=5)

    def job() -> str:
        entry = undoing.undo_last(on_start=begun)
        return undoing.describe(schema.Audit.get_by_id(entry.undoes))

    def done(said: str) -> None:
        app.notify(f"Undone: {said}", title="Undo")
        app.refresh_all()

    _in_background(app, "undo", job, done, {
        undoing.UndoError: (str, "warning", ""),
        # the change to undo was tampered with: refused, said
        DatabaseError: (str, "error", "Not undone"),
    }, busy="An undo is still running: press ctrl+z again once it is done, to undo the "
            "change before it.")


def help_groups(app_bindings: list) -> list[tuple[str, list]]:
    """The keys, by where they work, from the bindings themselves (so they stay true);
    *app_bindings*: the app's own keys, after the number keys."""
    from clerkdesk.screens.case_pane import CasePane
    from clerkdesk.screens.council_pane import SettingsPane
    from clerkdesk.screens.dashboard import DashboardPane
    from clerkdesk.screens.first_run import FIRST_RUN_BINDINGS
    from clerkdesk.screens.form import FormScreen
    from clerkdesk.screens.marking_pane import MarkingPane
    from clerkdesk.screens.member_pane import MemberPane
    from clerkdesk.screens.register_pane import RegisterPane
    from clerkdesk.screens.widgets.virtual_table import VirtualTable

    return [
        ("Everywhere", [("1 … 7", "", "switch tab (Dashboard, Members, Officers, Requests, "
                         "Party groups, Complaints, Council)"),
                        ("ctrl+p", "", "find any record by name, reference or words; run a command"),
                        *app_bindings]),
        ("Dashboard (the triage desk)",
         [b for b in DashboardPane.BINDINGS if b not in FIRST_RUN_BINDINGS
          and b not in MarkingPane.BINDINGS]),
        ("Dashboard, while its first-steps checklist shows", FIRST_RUN_BINDINGS),
        ("Every list", VirtualTable.BINDINGS + RegisterPane.BINDINGS
         + [("esc", "", "in the filter: clear it, then back to the list")]),
        ("Members", MemberPane.BINDINGS),
        ("Requests and complaints", CasePane.BINDINGS),
        ("Council tab", [("←, →", "", "the previous / next sub-tab: Settings, Committees, "
                          "Wards, External contacts")]),
        ("Marking cases (Dashboard, Requests, Complaints)", MarkingPane.BINDINGS
         + [("c a p z s", "", "with cases marked: close, assign, set the priority, snooze "
             "or record a step on all of them, after a preview (one ctrl+z undoes it)")]),
        ("Council settings", SettingsPane.BINDINGS),
        ("Forms", FormScreen.BINDINGS + [("tab, shift+tab", "", "next / previous field")]),
    ]


def show_help(app) -> None:
    """`?`: every key of the app."""
    from clerkdesk.screens.help import HelpScreen
    from clerkdesk.tui.tabs import TABS

    app.push_screen(HelpScreen(help_groups(app.BINDINGS[len(TABS):])))
