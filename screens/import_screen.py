"""Importing a register from a spreadsheet's CSV: choose the register and the file, see the
preview with every bad line explained, and only then add the rows (all or nothing)."""
from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from clerkdesk.models.casework.registers import REGISTERS
from clerkdesk.models.core.forms import FieldSpec, ValidationError, validate
from clerkdesk.models.output import csv_exchange

from .form import FormScreen


def import_fields() -> list[FieldSpec]:
    return [
        FieldSpec("register", "Add to", "choice", required=True,
                  choices={k: REGISTERS[k].title for k in csv_exchange.IMPORTABLE}, default="members"),
        FieldSpec("path", "CSV file", required=True, max_len=500,
                  placeholder="e.g. ~/Documents/councillors.csv",
                  help="Save the spreadsheet as CSV (UTF-8) first. The first row names the columns."),
    ]


def preview_from_form(raw: dict[str, str]) -> csv_exchange.ImportPreview:
    """The form's answer as a preview; a file that cannot be read is a sentence on its field."""
    clean = validate(import_fields(), raw)
    try:
        preview = csv_exchange.preview_import(clean["register"], clean["path"])
    except csv_exchange.ExchangeError as exc:
        raise ValidationError({"path": str(exc)}) from None
    if preview.file_errors and not preview.rows:  # unreadable: say so on the field
        raise ValidationError({"path": preview.file_errors[0]})
    return preview


class ImportPreviewScreen(ModalScreen[object]):
    """The preview: ctrl+s adds every row (only when all are right), esc leaves."""

    BINDINGS = [
        Binding("ctrl+s", "apply", "Add them", priority=True),
        Binding("escape", "dismiss(None)", "Cancel"),
    ]

    def __init__(self, preview: csv_exchange.ImportPreview) -> None:
        super().__init__()
        self.preview = preview

    def compose(self) -> ComposeResult:
        p = self.preview
        with Vertical(classes="modal-box form-box"):
            yield Label(f"Import into {p.register.title}", classes="form-title")
            yield Static(Text(p.summary(), style="bold" if p.ok else "bold red"))
            with VerticalScroll(id="import-body"):
                yield Static(self.body())
            hint = "ctrl+s add them   esc cancel" if p.ok else "esc back: put the file right and try again"
            yield Label(hint, classes="hint")

    def body(self) -> Text:
        p = self.preview
        out = Text()
        if p.ignored:
            out.append("Columns ignored: " + ", ".join(p.ignored) + "\n\n", style="yellow")
        if p.errors:
            out.append("What to put right\n", style="bold underline")
            for line in p.errors[:200]:
                out.append(f"  {line}\n", style="red")
            if len(p.errors) > 200:
                out.append(f"  … and {len(p.errors) - 200} more\n", style="red")
            out.append("\n")
        if p.rows:
            out.append("Rows\n", style="bold underline")
            for row in p.rows[:200]:
                mark, style = ("✓", "green") if row.ok else ("✗", "red")
                values = ", ".join(v for v in row.values.values() if v)[:100]
                out.append(f"  {mark} line {row.line}: ", style=style)
                out.append(values + "\n")
            if len(p.rows) > 200:
                out.append(f"  … and {len(p.rows) - 200} more rows\n", style="dim")
        return out

    def action_apply(self) -> None:
        if not self.preview.ok:
            self.app.notify("Nothing was added: every row must be right first.", severity="warning")
            return
        try:
            created = csv_exchange.apply_import(self.preview)
        except csv_exchange.ImportRefused as exc:
            self.app.notify("Nothing was added: " + "; ".join(exc.errors[:3]), severity="error",
                            timeout=12)
            return
        self.dismiss(created)


def start_import(app, done) -> None:
    """The palette's "Import a register from a CSV file": the form, then the preview."""
    specs = import_fields()

    def previewed(preview) -> None:
        if preview is not None:
            app.push_screen(ImportPreviewScreen(preview), done)

    app.push_screen(FormScreen("Import from a spreadsheet (CSV)", specs,
                               {s.name: s.initial() for s in specs}, preview_from_form), previewed)
