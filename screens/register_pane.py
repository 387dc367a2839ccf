"""One register or case list: a live filter, the table, and the detail pane beside it.

The pane is generic over a `Register` from the domain; keys: `/` filter, `n` new,
`e` edit, `enter` open, `x` archive (or restore), `v` show archived too.
"""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label

from clerkdesk.models import registers
from clerkdesk.models.registers import Register

from .confirm import ConfirmScreen
from .form import FormScreen
from .widgets.detail import DetailView


class ListTable(DataTable):
    """A row-cursor table whose enter key shows in the footer as "Open"."""

    BINDINGS = [Binding("enter", "select_cursor", "Open")]


class DetailScreen(ModalScreen[None]):
    """A record opened full size."""

    BINDINGS = [Binding("escape,enter,q", "dismiss(None)", "Close")]

    def __init__(self, detail: registers.Detail) -> None:
        super().__init__()
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box detail-box"):
            yield DetailView(id="detail-full")
            yield Label("esc  close", classes="hint")

    def on_mount(self) -> None:
        view = self.query_one(DetailView)
        view.show(self.detail)
        view.focus()


class RegisterPane(Vertical):
    """The list, filter and detail of one register."""

    BINDINGS = [
        Binding("slash", "filter", "Filter"),
        Binding("n", "new", "New"),
        Binding("e", "edit", "Edit"),
        Binding("x,delete", "archive", "Archive"),
        Binding("v", "toggle_archived", "Show archived"),
    ]

    def __init__(self, register: Register, **kwargs) -> None:
        super().__init__(classes="register-pane", **kwargs)
        self.register = register
        self.show_archived = False
        self.filter_text = ""

    # --- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(classes="filter-bar"):
            yield Input(placeholder=f"/ filter {self.register.title.lower()}…",
                        classes="filter", id=f"filter-{self.register.key}")
            yield Label("", classes="list-count")
        with Vertical(classes="list-and-detail"):
            table = ListTable(cursor_type="row", zebra_stripes=True, classes="register-table",
                              id=f"table-{self.register.key}")
            table.add_columns(*self.register.columns)
            yield table
            yield DetailView(classes="detail")

    @property
    def table(self) -> DataTable:
        return self.query_one(DataTable)

    def on_mount(self) -> None:
        self.load()

    # --- data -------------------------------------------------------------------------------

    def selected_id(self) -> int | None:
        table = self.table
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return int(key.value)

    @property
    def meeting_mode(self) -> bool:
        return bool(getattr(self.app, "meeting_mode", False))

    def cells(self, row: tuple) -> tuple[str, ...]:
        """One list row as shown: cut to width, masked in meeting mode."""
        return registers.display_row(self.register, row, meeting_mode=self.meeting_mode)

    def detail(self, row_id: int) -> registers.Detail:
        return registers.detail_for(self.register, row_id, meeting_mode=self.meeting_mode)

    def load(self, keep: int | None = None) -> None:
        """(Re)read the rows from the database, keeping the cursor on *keep* or the current row."""
        keep = keep if keep is not None else self.selected_id()
        table = self.table
        data = registers.rows(self.register, self.filter_text, archived=self.show_archived)
        table.clear()
        for row in data:
            table.add_row(*self.cells(row), key=str(row[0]))
        total = len(data)
        noun = self.register.title.lower() if total != 1 else self.register.singular
        extra = " (archived shown)" if self.show_archived else ""
        filt = f" matching “{self.filter_text}”" if self.filter_text else ""
        self.query_one(".list-count", Label).update(f"{total} {noun}{filt}{extra}")
        if keep is not None:
            try:
                table.move_cursor(row=table.get_row_index(str(keep)))
            except Exception:
                pass
        self.show_detail()

    def show_detail(self) -> None:
        row_id = self.selected_id()
        view = self.query_one(".detail", DetailView)
        view.show(self.detail(row_id) if row_id else None)

    def refresh_data(self) -> None:
        self.load()

    def focus_default(self) -> None:
        self.table.focus()

    # --- events -----------------------------------------------------------------------------

    @on(Input.Changed, ".filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self.load()

    @on(Input.Submitted, ".filter")
    def filter_done(self) -> None:
        self.table.focus()

    @on(DataTable.RowHighlighted)
    def highlighted(self) -> None:
        self.show_detail()

    @on(DataTable.RowSelected)
    def selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def on_key(self, event) -> None:
        if event.key == "escape" and self.screen.focused is self.query_one(".filter", Input):
            event.stop()
            inp = self.query_one(".filter", Input)
            if inp.value:
                inp.value = ""
            else:
                self.table.focus()

    # --- actions ----------------------------------------------------------------------------

    def action_filter(self) -> None:
        self.query_one(".filter", Input).focus()

    def action_open(self) -> None:
        row_id = self.selected_id()
        if row_id is None:
            self.app.bell()
            return
        self.app.push_screen(DetailScreen(self.detail(row_id)))

    def form_title(self, row) -> str:
        if row is None:
            return f"New {self.register.singular}"
        return f"Edit {self.register.singular}: {getattr(row, 'ref', None) or row.name}"

    def open_form(self, row_id: int | None) -> None:
        row = self.register.get(row_id) if row_id else None
        values = registers.form_values(self.register, row)

        def save(raw):
            return registers.save(self.register, raw, row_id)

        def done(saved) -> None:
            if saved is not None:
                label = getattr(saved, "ref", None) or getattr(saved, "name", "")
                self.app.notify(f"Saved {self.register.singular} {label}.")
                self.load(keep=saved.id)
                self.table.focus()

        self.app.push_screen(FormScreen(self.form_title(row), self.register.fields(), values, save),
                             done)

    def action_new(self) -> None:
        self.open_form(None)

    def action_edit(self) -> None:
        row_id = self.selected_id()
        if row_id is None:
            self.app.notify("Nothing to edit: the list is empty.", severity="warning")
            return
        self.open_form(row_id)

    def action_archive(self) -> None:
        row_id = self.selected_id()
        if row_id is None:
            self.app.notify("Nothing to archive: the list is empty.", severity="warning")
            return
        row = self.register.get(row_id)
        label = getattr(row, "ref", None) or row.name
        restoring = bool(row.archived)
        question = (f"Restore {self.register.singular} {label} to the lists?" if restoring else
                    f"Archive {self.register.singular} {label}? It leaves the lists but is kept "
                    "on record (v shows archived).")

        def answered(yes: bool | None) -> None:
            if yes:
                registers.archive(self.register, row_id, restore=restoring)
                self.app.notify(f"{'Restored' if restoring else 'Archived'} {label}.")
                self.load()

        self.app.push_screen(ConfirmScreen(question, yes="Restore" if restoring else "Archive",
                                           no="Cancel"), answered)

    def action_toggle_archived(self) -> None:
        self.show_archived = not self.show_archived
        self.load()
        self.app.notify("Archived records shown." if self.show_archived else "Archived records hidden.")
