"""Importing a register from a spreadsheet (.xlsx or CSV): choose the register and the file,
see the preview with every bad line explained, and only then add the rows (all or nothing)."""
from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, Static

from clerkdesk.models.core.db import DatabaseError, worker_connection
from clerkdesk.models.output import csv_exchange
from clerkdesk.screens.modal import Modal

from .form import FormScreen
from .widgets.theme import component_style


class ImportPreviewScreen(Modal[object]):
    """The preview: ctrl+s adds every row (only when all are right), on a worker (10,000
    rows take a second or two: the desk stays live), esc leaves (not while they are
    being added: the write goes on, all or nothing)."""

    #: (import_screen.tcss)
    COMPONENT_CLASSES = {"import--summary", "import--refused", "import--ignored",
                         "import--heading", "import--error", "import--ok", "import--muted"}

    BINDINGS = [
        Binding("ctrl+s", "apply", "Add them", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, preview: csv_exchange.ImportPreview) -> None:
        super().__init__()
        self.preview = preview
        self.adding = False

    def compose(self) -> ComposeResult:
        p = self.preview
        with Vertical(classes="modal-box form-box"):
            yield Label(f"Import into {p.register.title}", classes="form-title")
            yield Static("", id="import-summary")
            with VerticalScroll(id="import-body"):
                yield Static("", id="import-rows")
            hint = "ctrl+s add them   esc cancel" if p.ok else "esc back: put the file right and try again"
            yield Label(hint, classes="hint")

    def on_mount(self) -> None:
        p = self.preview
        self.query_one("#import-summary", Static).update(
            Text(p.summary(), style=self.style("summary" if p.ok else "refused")))
        self.query_one("#import-rows", Static).update(self.body())

    def style(self, part: str):
        return component_style(self, f"import--{part}")

    def body(self) -> Text:
        p = self.preview
        out = Text()
        if p.ignored:
            out.append("Columns ignored: " + ", ".join(p.ignored) + "\n\n", style=self.style("ignored"))
        if p.errors:
            out.append("What to put right\n", style=self.style("heading"))
            for line in p.errors[:200]:
                out.append(f"  {line}\n", style=self.style("error"))
            if len(p.errors) > 200:
                out.append(f"  … and {len(p.errors) - 200} more\n", style=self.style("error"))
            out.append("\n")
        if p.rows:
            out.append("Rows\n", style=self.style("heading"))
            for row in p.rows[:200]:
                mark, style = ("✓", self.style("ok")) if row.ok else ("✗", self.style("error"))
                values = ", ".join(v for v in row.values.values() if v)[:100]
                out.append(f"  {mark} line {row.line}: ", style=style)
                out.append(values + "\n")
            if len(p.rows) > 200:
                out.append(f"  … and {len(p.rows) - 200} more rows\n", style=self.style("muted"))
        return out

    def action_apply(self) -> None:
        if self.adding:
            return  # said on the screen already
        if not self.preview.ok:
            self.app.notify("Nothing was added: every row must be right first.", severity="warning")
            return
        self.adding = True
        n = len(self.preview.rows)
        self.query_one(".hint", Label).update(f"Adding {n} row{'s' if n != 1 else ''}…")
        preview = self.preview

        def work() -> None:
            try:
                with worker_connection():
                    outcome = (csv_exchange.apply_import(preview), None)
            except csv_exchange.ImportRefused as exc:
                outcome = (None, "; ".join(exc.errors[:3]))
            except DatabaseError as exc:  # tampered, busy, read-only: nothing was added
                outcome = (None, str(exc))
            self.app.call_from_thread(self._added, *outcome)

        self.run_worker(work, thread=True, group="import", exit_on_error=False)

    def _added(self, created, refused: str | None) -> None:
        self.adding = False
        if refused is not None:
            self.query_one(".hint", Label).update("esc back: nothing was added")
            self.app.notify("Nothing was added: " + refused, severity="error", timeout=12)
            return
        self.dismiss(created)

    def action_cancel(self) -> None:
        if self.adding:
            self.app.notify("The rows are being added (all or nothing): this closes when "
                            "they are in.", severity="warning")
            return
        self.dismiss(None)


def start_import(app, done) -> None:
    """The palette's "Import a register from a CSV file or spreadsheet": form, preview."""
    specs = csv_exchange.import_fields()

    def previewed(preview) -> None:
        if preview is not None:
            app.push_screen(ImportPreviewScreen(preview), done)

    app.push_screen(FormScreen("Import from a spreadsheet (.xlsx or CSV)", specs,
                               {s.name: s.initial() for s in specs},
                               csv_exchange.preview_from_form,
                               background="Reading the file and checking every row…"),
                    previewed)
