"""The palette's "Subject-access export": whose records (a name or an email) and where the
zip goes (the exports folder beside the casebook unless another is given); the export is
made on a thread, and the toast says what it holds and how much there is to redact."""
from __future__ import annotations

from pathlib import Path

from clerkdesk.models.core.db import worker_connection
from clerkdesk.models.core.forms import FieldSpec, ValidationError, validate


def exports_folder(app) -> Path:
    db_path = getattr(app, "db_path", None)
    if db_path is not None and "://" not in str(db_path) and not str(db_path).startswith(
            "postgresql:"):
        return Path(db_path).expanduser().resolve().parent / "exports"
    return Path.home()


def fields(app) -> list[FieldSpec]:
    return [
        FieldSpec("person", "Whose records (name or email)", required=True, max_len=200,
                  placeholder="e.g. Cllr Priya Raman, or cllr.priya.raman@…",
                  help="Members, officers and contacts (archived ones too), or someone named "
                       "in a case."),
        FieldSpec("out", "Save the zip as", max_len=500,
                  placeholder=f"blank: {exports_folder(app)}/sar-NAME-DATE.zip",
                  help="A private file; other people the records name are listed in its "
                       "summary for you to redact before sending."),
    ]


def subject_access(app) -> None:
    from clerkdesk.models.output import sar
    from clerkdesk.models.store import outfile

    from .form import FormScreen

    specs = fields(app)

    def check(raw):
        clean = validate(specs, raw)
        try:
            person = sar.find_person(clean["person"])
        except sar.SarError as exc:
            raise ValidationError({"person": str(exc)}) from None
        if clean["out"]:
            path = Path(clean["out"]).expanduser()
        else:
            folder = exports_folder(app)
            folder.mkdir(parents=True, exist_ok=True)
            path = outfile.free_name(folder, sar.default_name(person))
        try:
            outfile.check_target(path)
        except outfile.OutputError as exc:
            raise ValidationError({"out": str(exc)}) from None
        return person, path, clean["person"]

    def chosen(answer) -> None:
        if answer is None:
            return
        person, path, query = answer

        def job() -> None:
            try:
                with worker_connection():
                    done = sar.export(person, path, query=query)
            except sar.SarError as exc:
                app.call_from_thread(app.notify, str(exc), severity="error", timeout=12)
                return
            c = done.collected
            text = (f"{done.path}: {len(c.cases)} case(s), {len(c.docs)} document(s), "
                    f"{c.count('audit')} audit entries. "
                    + (f"{len(c.redact)} item(s) to redact before sending: see summary.md."
                       if c.redact else "No other person is named."))
            app.call_from_thread(app.notify, text, title="Subject-access export", timeout=15)

        app.notify("Making the export…", timeout=2)
        app.run_worker(job, thread=True, group="sar", exit_on_error=False)

    app.push_screen(FormScreen("Subject-access export (UK GDPR Art. 15)", specs,
                               {s.name: s.initial() for s in specs}, check), chosen)
