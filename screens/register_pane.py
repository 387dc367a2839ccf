"""One register or case list: a live filter, the table, and the detail pane beside it.

The pane is generic over a `Register` from the domain; keys: `/` filter, `n` new,
`e` edit, `enter` open, `x` archive (or restore), `v` show archived too, `h` hide or show
the detail pane (on a screen under 30 rows it starts hidden, so the list has the room:
register_pane.tcss; the choice holds for every list).

The table is a `VirtualTable` over a `Pager` (models/paging.py): it reads only the rows
on screen, a page at a time, as tuples, on its reader worker. Opening the list and every
filter run in a thread worker, one per pane and exclusive, so each keystroke cancels the
last one's query: the first rows are shown as soon as they are read, the count follows.
The UI thread never waits on the list's queries.
"""
from __future__ import annotations

from collections.abc import Callable

from peewee import OperationalError
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import ContentSwitcher, Input, Label
from textual.worker import get_current_worker

from clerkdesk.models.casework import paging, privacy, records, saved_views
from clerkdesk.models.casework.records import Register
from clerkdesk.models.core.db import database, worker_connection
from clerkdesk.models.store import backend
from clerkdesk.screens.modal import Modal

from .confirm import ConfirmScreen
from .form import FormScreen
from .meeting import mode_of
from .widgets.detail import DetailView
from .widgets.pager_source import PagerSource
from .widgets.virtual_table import ListSource, VirtualTable


class DetailScreen(Modal[None]):
    """A record opened full size; *detail(meeting_mode)* reads it, again whenever meeting
    mode changes while it is open."""

    BINDINGS = [Binding("escape,enter,q", "dismiss(None)", "Close")]

    def __init__(self, detail: Callable[[bool], records.Detail]) -> None:
        super().__init__()
        self.read_detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box detail-box"):
            yield DetailView(id="detail-full")
            yield Label("esc  close", classes="hint")

    def on_mount(self) -> None:
        view = self.query_one(DetailView)
        self.meeting_mode_changed(mode_of(self).watch(self, self.meeting_mode_changed))
        view.focus()

    def on_unmount(self) -> None:
        mode_of(self).unwatch(self)

    def meeting_mode_changed(self, on: bool) -> None:
        self.query_one(DetailView).show(self.read_detail(on))


class RegisterPane(Vertical):
    """The list, filter and detail of one register."""

    BINDINGS = [
        Binding("slash", "filter", "Filter"),
        Binding("f", "views", "Views"),
        Binding("n", "new", "New"),
        Binding("e", "edit", "Edit"),
        Binding("x,delete", "archive", "Archive"),
        Binding("v", "toggle_archived", "Show archived"),
        Binding("h", "toggle_detail", "Hide/show detail"),
    ]

    def __init__(self, register: Register, **kwargs) -> None:
        super().__init__(classes="register-pane", **kwargs)
        self.register = register
        self.show_archived = False
        self.filter_text = ""
        self._worker_con = None
        self._pending_keep: int | None = None
        self._generation = 0  # each load's number: a worker's late result for an older one is dropped
        self._loaded = False
        self.meeting_mode = False  # (screens/meeting.py: kept up to date while mounted)

    # --- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(classes="filter-bar"):
            yield Input(placeholder=f"/ filter {self.register.title.lower()}…",
                        classes="filter", id=f"filter-{self.register.key}")
            yield Label("", classes="list-count")
            # (shown while the detail is hidden: register_pane.tcss)
            yield Label("h shows the detail", classes="detail-hint")
        # a filter the list cannot use is said on a line of its own: never beside the
        # input, which a long sentence would squeeze
        yield Label("", classes="filter-problem")
        with Vertical(classes="list-and-detail"):
            yield VirtualTable(self.register.columns, classes="register-table",
                               id=f"table-{self.register.key}")
            yield DetailView(classes="detail")

    @property
    def table(self) -> VirtualTable:
        return self.query_one(VirtualTable)

    def on_mount(self) -> None:
        self.meeting_mode = mode_of(self).watch(self, self.meeting_mode_changed)
        # the view this tab had when clerkdesk was last closed
        last = saved_views.last_filter(self.register.key)
        if last:
            self.filter_text = last
            self.query_one(".filter", Input).value = last
        # a pane loads when first shown (the app refreshes a tab as it is activated), so
        # starting up costs only the first tab's query
        if self._is_shown():
            self.load()

    def _is_shown(self) -> bool:
        """Is this pane in the shown page of every tab set (content switcher) above it?"""
        node = self
        while node.parent is not None:
            parent = node.parent
            if isinstance(parent, ContentSwitcher) and parent.current != node.id:
                return False
            if not node.display:
                return False
            node = parent
        return True

    # --- data -------------------------------------------------------------------------------

    def selected_id(self) -> int | None:
        key = self.table.cursor_key
        return int(key) if key is not None else None

    def on_unmount(self) -> None:
        mode_of(self).unwatch(self)

    def meeting_mode_changed(self, on: bool) -> None:
        """Draw the rows and the detail again, masked (or not): the rows read stay."""
        self.meeting_mode = on
        if self._loaded and self.filter_text:
            # a filter matches only what is shown: it runs again; coming on, what it found
            # by hidden fields (the rows, their count) goes at once, before the new read
            keep = self.selected_id()
            if on:
                self.table.set_source(ListSource([]))
                self.query_one(".list-count", Label).update("")
                self.show_detail()
            self.load(keep=keep)
        elif self._loaded:
            self.table.refresh_rows()
            self.show_detail()

    def cells(self, row: tuple) -> tuple[str, ...]:
        """One list row as shown: cut to width, masked in meeting mode."""
        return records.display_row(self.register, row, meeting_mode=self.meeting_mode)

    def detail(self, row_id: int) -> records.Detail:
        return records.detail_for(self.register, row_id, meeting_mode=self.meeting_mode)

    def _pager(self) -> paging.Pager:
        return paging.Pager(self.register, self.filter_text, archived=self.show_archived,
                            meeting_mode=self.meeting_mode)

    def load(self, keep: int | None = None) -> None:
        """(Re)read the list, keeping the cursor on *keep* or the current row, in a worker
        (the rows shown stay until the new ones are read)."""
        if keep is None:
            # a load still in flight was asked to keep a row: this one keeps it instead
            keep = self._pending_keep if self._pending_keep is not None else (
                self.selected_id() if self._loaded else None)
        if self.filter_text:
            try:  # a facet the list does not know: say so, keep the rows shown
                records.filtered(self.register, self.filter_text, archived=self.show_archived,
                                 meeting_mode=self.meeting_mode)
            except saved_views.ViewError as exc:
                self._generation += 1  # a load still running for an earlier text is stale
                self._interrupt()
                self._pending_keep = None
                self.show_filter_problem(f"⚠ {exc}")
                return
        self.show_filter_problem("")
        self._generation += 1
        self._loaded = True
        self._interrupt()
        self.table.refresh_rows()  # meeting mode may have changed: never show stale cells
        self.table.expect_source()  # a first load: the tab is shown with its rows
        self._pending_keep = keep
        self._load_in_worker(self._generation, self._pager(), keep)

    def show_filter_problem(self, text: str) -> None:
        """Say why the filter cannot be used (or clear it, once it can)."""
        problem = self.query_one(".filter-problem", Label)
        problem.update(text)
        problem.set_class(bool(text), "shown")
        if text:
            self.query_one(".list-count", Label).update("")

    def _interrupt(self) -> None:
        """Stop the last keystroke's query in SQLite itself (its worker is cancelled too)."""
        con, self._worker_con = self._worker_con, None
        if con is not None:
            try:
                backend.interrupt(con)  # SQLite's interrupt, PostgreSQL's cancel
            except Exception:  # that worker has finished and its connection is gone
                pass

    @work(thread=True, exclusive=True, group="list-load")
    def _load_in_worker(self, generation: int, pager: paging.Pager, keep: int | None) -> None:
        try:
            # a connection of this job's own: the interrupt of a later keystroke must reach
            # this query and never another job that lands on the same pooled thread
            with worker_connection():
                self._load_pages(generation, pager, keep)
        except OperationalError as exc:
            if not backend.is_interrupted(exc):
                raise

    def _load_pages(self, generation: int, pager: paging.Pager, keep: int | None) -> None:
        worker = get_current_worker()
        self._worker_con = database.connection()  # this thread's own: load() may interrupt it
        paging.ensure_indexes()
        if pager.text and pager.register.search_kind:
            from clerkdesk.models.casework import search

            search.ensure_search()
        if worker.is_cancelled:
            return
        if not pager.text:
            pager.count()  # the whole list is counted from an index at once: show it counted
        exact = pager.head()
        index = None
        if keep is not None and not worker.is_cancelled:
            index = pager.index_of(keep)
            if index is not None:
                pager.prefetch(index)
        if worker.is_cancelled:
            return
        self.app.call_from_thread(self._show, generation, pager, index, keep)
        if not exact and not worker.is_cancelled:
            pager.count()
            if not worker.is_cancelled:
                self.app.call_from_thread(self._counted, generation)

    def _show(self, generation: int, pager: paging.Pager, index: int | None,
              keep: int | None) -> None:
        if generation != self._generation:
            return  # a later keystroke's load has started: this one is stale
        self._pending_keep = None
        table = self.table
        cursor = index if index is not None else (0 if keep is None or self.filter_text else None)
        table.set_source(PagerSource(pager, self.cells), cursor=cursor)  # -> RowHighlighted
        self._update_count(pager)

    def _counted(self, generation: int) -> None:
        if generation != self._generation:
            return
        table = self.table
        table.rows_changed()
        self._update_count(table.source.pager)

    def _update_count(self, pager: paging.Pager) -> None:
        counted = pager._count is not None
        total = pager.known_rows
        noun = self.register.title.lower() if total != 1 else self.register.singular
        extra = " (archived shown)" if self.show_archived else ""
        filt = f" matching “{self.filter_text}”" if self.filter_text else ""
        empty = counted and total == 0
        hint = ("  (esc in the filter clears it)" if self.filter_text else
                f"  (n adds the first {self.register.singular})") if empty else ""
        self.query_one(".list-count", Label).update(
            f"{total}{'' if counted else '+'} {noun}{filt}{extra}{hint}")
        if empty:
            self.query_one(".detail", DetailView).show(self.empty_detail())

    def empty_detail(self) -> records.Detail:
        """What the detail pane says of an empty list: how to fill it (or widen it)."""
        title = self.register.title.lower()
        if self.filter_text:
            return records.Detail(f"No {title} match “{self.filter_text}”", "", [
                ("esc", "in the filter: clear it (/ goes back to the filter)"),
                ("f", "choose another view"),
                *([] if self.show_archived else [("v", f"show archived {title} too")])])
        keys = [("n", f"add the first {self.register.singular}: its form opens here")]
        from clerkdesk.models.output.csv_exchange import IMPORTABLE

        if self.register.key in IMPORTABLE:
            keys.append(("ctrl+p", f"“Import”: add {title} from a spreadsheet (.xlsx or .csv)"))
        if not self.show_archived:
            keys.append(("v", f"show archived {title}, if any"))
        return records.Detail(f"No {title} yet", "", keys)

    def show_detail(self) -> None:
        row_id = self.selected_id()
        view = self.query_one(".detail", DetailView)
        source = self.table.source
        if row_id is None and isinstance(source, PagerSource) and source.pager.counted == 0:
            view.show(self.empty_detail())
            return
        view.show(self.detail(row_id) if row_id else None)

    def refresh_data(self) -> None:
        self.load()

    def on_show(self) -> None:
        """A pane shown for the first time reads its list: one built hidden (a sub-tab of
        the Council tab, which was built as it was opened) has never been read."""
        if not self._loaded:
            self.load()

    def show_row(self, row_id: int, *, clear_filter: bool = False) -> None:
        """Move to the record *row_id*; with *clear_filter*, in the whole list."""
        if clear_filter:
            self.query_one(".filter", Input).value = ""
            self.filter_text = ""
        self.load(keep=row_id)

    def focus_default(self) -> None:
        # no load here: the app refreshes a tab's pane as it is activated (refresh_data)
        self.table.focus()

    # --- events -----------------------------------------------------------------------------

    @on(Input.Changed, ".filter")
    def filter_changed(self, event: Input.Changed) -> None:
        text = event.value.strip()
        if text == self.filter_text and (self._loaded or not self._is_shown()):
            return
        self.filter_text = text
        self.load()

    @on(Input.Submitted, ".filter")
    def filter_done(self) -> None:
        saved_views.remember(self.register.key, self.filter_text)
        self.table.focus()

    @on(Input.Blurred, ".filter")
    def filter_left(self) -> None:
        saved_views.remember(self.register.key, self.filter_text)

    def action_views(self) -> None:
        """f: choose a ready-made or saved view, save the current filter, or clear it."""
        from .picker import PickerScreen

        key = self.register.key
        options: list[tuple[object, str]] = [(("apply", ""), "All (no filter)")]
        for name, text in self.register.builtin_views:
            options.append((("apply", text), f"{name}   [{text}]"))
        for view in saved_views.saved(key):
            options.append((("apply", view["filter"]), f"{view['name']}   [{view['filter']}]  (saved)"))
        if self.filter_text:
            options.append((("save", self.filter_text), f"Save “{self.filter_text}” as a view…"))
        for view in saved_views.saved(key):
            options.append((("delete", view["name"]), f"Delete the saved view “{view['name']}”"))

        def picked(choice) -> None:
            if choice is None:
                return
            what, value = choice
            if what == "apply":
                self.apply_view(value)
            elif what == "save":
                self.save_view(value)
            else:
                saved_views.delete_view(key, value)
                self.app.notify(f"View “{value}” deleted.")

        facets = ", ".join(f"{k}:" for k in self.register.facets)
        title = f"Views of {self.register.title.lower()}" + (f"  (filters: {facets})" if facets else "")
        self.app.push_screen(PickerScreen(title, options), picked)

    def apply_view(self, text: str) -> None:
        self.query_one(".filter", Input).value = text  # -> filter_changed -> load
        saved_views.remember(self.register.key, text)
        self.table.focus()

    def save_view(self, text: str) -> None:
        from clerkdesk.models.core.forms import ValidationError

        specs = saved_views.save_view_fields()

        def save(raw):
            try:
                return saved_views.save_view(self.register.key, raw.get("name", ""), text)
            except saved_views.ViewError as exc:
                raise ValidationError({"name": str(exc)}) from None

        def done(result) -> None:
            if result is not None:
                self.app.notify("View saved: f shows it.")

        self.app.push_screen(FormScreen("Save this view", specs, {}, save, subtitle=f"Filter: {text}"), done)

    @on(VirtualTable.RowHighlighted)
    def highlighted(self) -> None:
        self.show_detail()

    @on(VirtualTable.RowSelected)
    def selected(self, event: VirtualTable.RowSelected) -> None:
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
        register = self.register
        self.app.push_screen(DetailScreen(
            lambda on: records.detail_for(register, row_id, meeting_mode=on)))

    def form_title(self, row) -> str:
        if row is None:
            return f"New {self.register.singular}"
        return f"Edit {self.register.singular}: {getattr(row, 'ref', None) or row.name}"

    def open_form(self, row_id: int | None, *, values: dict[str, str] | None = None) -> None:
        """The form of record *row_id* (None: a new one, its fields starting from *values*
        where given, e.g. the Clerk's roles from the first-run checklist)."""
        row = self.register.get(row_id) if row_id else None
        values = {**records.form_values(self.register, row),
                  **(values if row is None and values else {})}
        # the version the clerk is editing: a save after someone else's is refused
        seen = {"version": getattr(row, "version", None) if row is not None else None}

        def save(raw):
            return records.save(self.register, raw, row_id, expected_version=seen["version"])

        def reload() -> dict[str, str]:
            fresh = self.register.get(row_id)
            seen["version"] = getattr(fresh, "version", None)
            return records.form_values(self.register, fresh)

        def done(saved) -> None:
            if saved is not None:
                label = getattr(saved, "ref", None) or getattr(saved, "name", "")
                self.app.notify(f"Saved {self.register.singular} {label}.")
                self.load(keep=saved.id)
                self.table.focus()

        self.app.push_screen(FormScreen(self.form_title(row), self.register.fields(), values, save,
                                        reload=reload if row is not None else None), done)

    def action_new(self) -> None:
        self.open_form(None)

    def action_edit(self) -> None:
        row_id = self.selected_id()
        if row_id is None:
            self.app.notify("Nothing to edit: the list is empty.", severity="warning")
            return
        question = privacy.edit_question(self.register.get(row_id), self.meeting_mode)
        if question is None:
            self.open_form(row_id)
            return

        def answered(show: bool | None) -> None:
            if show:
                self.open_form(row_id)

        # meeting mode: the form shows what the list hides, so the clerk says so first
        self.app.push_screen(ConfirmScreen(question, yes="Show them", no="Keep hidden"), answered)

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
                records.archive(self.register, row_id, restore=restoring)
                self.app.notify(f"{'Restored' if restoring else 'Archived'} {label}.")
                self.load()

        self.app.push_screen(ConfirmScreen(question, yes="Restore" if restoring else "Archive",
                                           no="Cancel"), answered)

    def action_toggle_detail(self) -> None:
        """Hide the detail pane under the list, or show it again: for every list, until
        it is pressed again (the stylesheet hides it on a short screen until then)."""
        shown = self.query_one(".detail", DetailView).display
        screen = self.screen
        screen.set_class(shown, "-detail-hidden")
        screen.set_class(not shown, "-detail-shown")

    def action_toggle_archived(self) -> None:
        self.show_archived = not self.show_archived
        self.load()
        self.app.notify("Archived records shown." if self.show_archived else "Archived records hidden.")
