"""A form built from the domain's field specs: one widget per field, the error for a
field shown right under it, ctrl+s to save, escape to leave (asking first when there are
unsaved changes).

When someone else saved the record since the form was opened (ConflictError), the form
says who changed what and when and offers two ways on: reload (ctrl+r: take their
version into the fields) or keep mine (the clerk's text stays in the fields to copy;
saving stays refused until they reload)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Label, Select, SelectionList, Static, TextArea

from clerkdesk.models.casework import privacy
from clerkdesk.models.casework.choices import empty_help
from clerkdesk.models.core.db import DatabaseError, worker_connection
from clerkdesk.models.core.forms import ConflictError, FieldSpec, ValidationError, applies
from clerkdesk.screens.modal import Modal

from .confirm import ConfirmScreen
from .meeting import mode_of


class LongText(TextArea):
    """A TextArea that gives up its watch on the app's theme when it is removed.

    TextArea watches `App.theme`, and Textual keeps such a watcher (and so the widget,
    with its ~1,000 cached lines) until the theme changes, which it never does here
    (Textual issue #6666): every form closed kept its text area, and the collector's
    full passes grew slower with each one. Its screen's text-selection signal holds it
    the same way while the screen lives."""

    def on_unmount(self) -> None:
        watchers = getattr(self.app, "__watchers", {}).get("theme")
        if watchers:
            watchers[:] = [(node, callback) for node, callback in watchers if node is not self]
        try:  # (likewise its screen's selection signal, which outlives it on the main screen)
            self.screen.text_selection_started_signal.unsubscribe(self)
        except Exception:  # no screen any more: nothing holds it there
            pass


def field_widget(spec: FieldSpec, value: str):
    """The input widget for one field, holding *value* (a raw string)."""
    wid = f"f-{spec.name}"
    if spec.kind == "longtext":
        area = LongText(value or "", id=wid, classes="field-input longtext", soft_wrap=True,
                        show_line_numbers=False, tab_behavior="focus")
        return area
    if spec.kind == "bool":
        return Checkbox(spec.label, value=(value or "").lower() in ("yes", "true", "1", "y"),
                        id=wid, classes="field-input")
    if spec.kind in ("choice", "ref"):
        options = [(label, str(key)) for key, label in spec.options()]
        current = value if value and any(v == value for _, v in options) else Select.NULL
        return Select(options, value=current, allow_blank=not spec.required or current is Select.NULL,
                      prompt="(none)" if not spec.required else "choose…", id=wid,
                      classes="field-input", type_to_search=True)
    if spec.kind in ("roles", "refs"):
        chosen = {v.strip() for v in (value or "").split(",") if v.strip()}
        items = [(label, str(key), str(key) in chosen) for key, label in spec.options()]
        return SelectionList(*items, id=wid, classes="field-input multi")
    return Input(value=value or "", placeholder=spec.placeholder, id=wid, classes="field-input",
                 max_length=max(spec.max_len, 40) if spec.kind == "text" else 0)


def widget_value(widget) -> str:
    if isinstance(widget, TextArea):
        return widget.text
    if isinstance(widget, Checkbox):
        return "yes" if widget.value else "no"
    if isinstance(widget, Select):
        return "" if widget.value is Select.NULL else str(widget.value)
    if isinstance(widget, SelectionList):
        return ",".join(str(v) for v in widget.selected)
    return widget.value


def set_widget_value(widget, value: str) -> None:
    """Put the raw string *value* into *widget* (what `widget_value` reads back)."""
    value = value or ""
    if isinstance(widget, TextArea):
        widget.load_text(value)
    elif isinstance(widget, Checkbox):
        widget.value = value.lower() in ("yes", "true", "1", "y")
    elif isinstance(widget, Select):
        try:
            widget.value = value if value else Select.NULL
        except Exception:  # an option that is no longer offered
            widget.value = Select.NULL
    elif isinstance(widget, SelectionList):
        chosen = {v.strip() for v in value.split(",") if v.strip()}
        widget.deselect_all()
        for v in chosen:
            try:
                widget.select(v)
            except Exception:
                pass
    else:
        widget.value = value


#: the fields a form mounts before its first frame; the rest follow FIELDS_PER_FRAME at
#: a time, a frame apart (filling in below the first ones within a few frames), so that
#: no step of building a form holds the UI for long (all ten at once: 190-360 ms on a
#: loaded 2-core machine; each mount lays out and redraws the whole form again)
FIRST_FIELDS = 2
FIELDS_PER_FRAME = 1


@dataclass
class FormWarning:
    """Said before saving (a likely duplicate): the sentence, and the record ctrl+o opens
    instead. ctrl+s a second time saves anyway."""

    message: str
    target: object


@dataclass
class OpenInstead:
    """What the form dismisses with when the clerk chose to open the warned-of record."""

    target: object


class FormScreen(Modal[object]):
    """Edit *values* for *specs*; `save(raw)` returns the saved thing or raises ValidationError.

    Dismisses with what `save` returned, or None when the clerk leaves without saving.
    """

    #: on_mount gives the first field the keys, without scrolling its label away. (The
    #: fields' scroll area cannot take the focus: were it to take it first, as Textual
    #: would give it, every field would be restyled twice as the focus passed through,
    #: ~80 ms on opening a form.)
    AUTO_FOCUS = None

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("ctrl+r", "reload", "Reload theirs", show=False),
        Binding("escape", "leave", "Cancel"),
        Binding("ctrl+o", "open_other", "Open the other", show=False, priority=True),
    ]

    def __init__(self, title: str, specs: list[FieldSpec], values: dict[str, str],
                 save: Callable[[dict[str, str]], object], *, subtitle: str = "",
                 reload: Callable[[], dict[str, str]] | None = None,
                 warn: Callable[[dict[str, str]], FormWarning | None] | None = None,
                 suggest: Callable[[dict[str, str]], dict[str, str]] | None = None,
                 about=None, masked: bool = True, background: str = "") -> None:
        super().__init__()
        #: said while *save* runs on a worker ("Reading the file…"), for a save that can
        #: take seconds (an import's preview); "": it runs at once, on the UI thread
        self.background = background
        self._saving = False
        self.form_title = title
        self.subtitle = subtitle
        #: the case the form is about: its title and subtitle go through meeting mode's
        #: mask (privacy.shown), drawn again when the mode changes; *masked* False: the
        #: clerk chose to see it (the edit form, after its question)
        self.about = about if masked else None
        self.specs = specs
        self.initial = {s.name: values.get(s.name, "") or "" for s in specs}
        self.save_fn = save
        #: the record as saved now (after a conflict); None: reloading closes the form
        self.reload_fn = reload
        #: True after "keep mine": saving is refused until the clerk reloads
        self.conflicted = False
        #: asked before saving (a likely duplicate); what it last warned of, for which values
        self.warn_fn = warn
        self.warning: FormWarning | None = None
        self._warned_for: dict | None = None
        #: fills empty fields as the clerk chooses (a group leader's group)
        self.suggest_fn = suggest
        #: the fields not mounted yet (compose mounts the first FIRST_FIELDS)
        self._pending: list[FieldSpec] = []
        #: the fields mounted after the first frame whose widgets are not ready yet
        self._unsettled: set[str] = set()

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box form-box"):
            yield Label(self.form_title, classes="form-title", id="form-title")
            if self.subtitle:
                yield Static(self.subtitle, classes="form-subtitle", id="form-subtitle")
            with VerticalScroll(classes="form-fields", can_focus=False):
                # the first fields now, the rest a few at a time after the first frame
                first = self.specs[:FIRST_FIELDS]
                self._pending = list(self.specs[FIRST_FIELDS:])
                for spec in first:
                    yield self.field_box(spec)
            yield Static("", id="form-message")
            with Horizontal(classes="buttons conflict-buttons", id="conflict-buttons") as bar:
                bar.display = False
                yield Button("Reload theirs (ctrl+r)", variant="warning", id="reload")
                yield Button("Keep mine to copy", id="keep-mine")
            with Horizontal(classes="buttons"):
                yield Button("Save (ctrl+s)", variant="primary", id="save")
                yield Button("Cancel (esc)", id="cancel")

    def field_box(self, spec: FieldSpec) -> Vertical:
        """One field: its label, its input, its help and the place for its error."""
        return Vertical(*self.field_parts(spec), classes="field", id=f"field-{spec.name}")

    def field_parts(self, spec: FieldSpec) -> list:
        parts = []
        if spec.kind != "bool":
            label = spec.label + (" *" if spec.required else "")
            parts.append(Label(label, classes="field-label"))
        parts.append(field_widget(spec, self.initial[spec.name]))
        if spec.help:
            parts.append(Static(spec.help, classes="field-help"))
        if (empty := empty_help(spec)) and not spec.options():
            parts.append(Static(empty, classes="field-help field-empty"))
        parts.append(Static("", classes="field-error", id=f"err-{spec.name}"))
        return parts

    def _mount_fields(self, count: int | None = None) -> None:
        """Mount the next *count* fields still to build (all of them with None). Mounting
        adds them to the form at once (a query finds them); what they hold is what
        "unsaved changes" compares against, as for the first fields."""
        if not self._pending:
            return
        take = self._pending if count is None else self._pending[:count]
        raw = self.raw()  # (before they leave the pending: what decides a `when` field)
        self._pending = self._pending[len(take):]
        boxes = [Vertical(classes="field", id=f"field-{spec.name}") for spec in take]
        for spec, box in zip(take, boxes):
            if spec.when:
                box.display = applies(spec, raw)
        self.query_one(".form-fields", VerticalScroll).mount(*boxes)
        if not all(box.is_attached for box in boxes):  # the form is closing
            self._pending = take + self._pending
            return
        # (into each box mounted: a query finds them at once)
        waits = [box.mount(*self.field_parts(spec)) for spec, box in zip(take, boxes)]
        names = [spec.name for spec in take]
        self._unsettled.update(names)
        self.call_next(self._settled, names, waits)

    async def _settled(self, names: list[str], waits: list) -> None:
        """Once mounted, the new fields' values are what they started with."""
        for waiting in waits:
            await waiting
        for name in names:
            self.initial[name] = widget_value(super().query_one(f"#f-{name}"))
            self._unsettled.discard(name)

    def _mount_next(self) -> None:
        """A few more fields, then the next few after the following frame."""
        if self.is_attached and self._pending:
            self._mount_fields(FIELDS_PER_FRAME)
            if self._pending:
                self.call_after_refresh(self._mount_next)

    @property
    def built(self) -> bool:
        """Every field is mounted."""
        return not self._pending

    def query_one(self, selector, expect_type=None):
        """A field asked for by its id (`#f-name`, `#err-name`, `#field-name`) is built at
        once if it was still to come."""
        if (self._pending and isinstance(selector, str)
                and selector.startswith(("#f-", "#err-", "#field-"))):
            self._mount_fields()
        if expect_type is None:
            return super().query_one(selector)
        return super().query_one(selector, expect_type)

    def on_mount(self) -> None:
        if self.about is not None:
            self.meeting_mode_changed(mode_of(self).watch(self, self.meeting_mode_changed))
        # what the widgets hold at the start is what "unsaved changes" compares against
        self.initial = self.raw()
        if self._pending:
            self.call_after_refresh(self._mount_next)
        self.show_applicable()
        first = self.query(".field-input").first()
        if first is not None:
            first.focus(scroll_visible=False)
            # focusing it scrolls the fields by a line, hiding its label: back to the top
            fields = self.query_one(".form-fields", VerticalScroll)
            self.call_after_refresh(fields.scroll_home, animate=False)

    def show_applicable(self) -> None:
        """Show only the fields that apply to what the form holds now (a field's `when`:
        a complaint's kind decides its people pickers)."""
        raw = self.raw()
        pending = {s.name for s in self._pending}  # (those take their display when built)
        for spec in self.specs:
            if spec.when and spec.name not in pending:
                super().query_one(f"#field-{spec.name}").display = applies(spec, raw)

    def on_select_changed(self, event: Select.Changed) -> None:
        if any(s.when for s in self.specs):
            self.show_applicable()
        if self.suggest_fn is not None:
            for name, value in self.suggest_fn(self.raw()).items():
                widget = self.query_one(f"#f-{name}")
                if not widget_value(widget):
                    set_widget_value(widget, value)

    def on_unmount(self) -> None:
        if self.about is not None:
            mode_of(self).unwatch(self)

    def meeting_mode_changed(self, on: bool) -> None:
        shown = privacy.shown(self.about, on)
        self.query_one("#form-title", Label).update(shown.text(self.form_title))
        if self.subtitle:
            self.query_one("#form-subtitle", Static).update(shown.text(self.subtitle))

    def raw(self) -> dict[str, str]:
        """What the fields hold (a field not built yet holds what it started with)."""
        pending = {s.name for s in self._pending} | self._unsettled
        return {s.name: self.initial[s.name] if s.name in pending
                else widget_value(super(FormScreen, self).query_one(f"#f-{s.name}"))
                for s in self.specs}

    def dirty(self) -> bool:
        current = self.raw()
        return any(_norm(current[k]) != _norm(self.initial[k]) for k in current)

    def show_errors(self, errors: dict[str, str]) -> None:
        for spec in self.specs:
            err = self.query_one(f"#err-{spec.name}", Static)
            message = errors.get(spec.name, "")
            err.update(message)
            err.set_class(bool(message), "shown")
            self.query_one(f"#field-{spec.name}").set_class(bool(message), "invalid")
        unknown = {k: v for k, v in errors.items() if k not in {s.name for s in self.specs}}
        summary = self.query_one("#form-message", Static)
        if errors:
            n = len(errors)
            text = f"{n} thing{'s' if n > 1 else ''} to put right before saving."
            if unknown:
                text += " " + " ".join(unknown.values())
            summary.update(text)
            first = next((s for s in self.specs if s.name in errors), None)
            if first is not None:
                widget = self.query_one(f"#f-{first.name}")
                widget.focus()
                widget.scroll_visible()
        else:
            summary.update("")

    def action_save(self) -> None:
        """ctrl+s, a priority key: it runs at once, while keys typed just before it (a burst:
        typing ahead as the form opens, a paste) may still wait in the focused field's own
        queue. So the save runs behind them, in that queue: what is on screen is saved."""
        focused = self.focused
        if focused is not None and focused is not self:
            focused.call_later(self._save)
        else:
            self._save()

    def _save(self) -> None:
        if not self.is_attached or self.app.screen is not self:
            return  # (left, or covered by a question, while the keys ahead were taken)
        if self.conflicted:
            self.query_one("#form-message", Static).update(
                "Someone else changed this record: reload it (ctrl+r) before saving. Your "
                "text is still in the fields to copy.")
            return
        raw = self.raw()
        if self.warn_fn is not None and self._warned_for != raw:
            self.warning = self.warn_fn(raw)
            if self.warning is not None:  # said once for these values: ctrl+s again saves
                self._warned_for = raw
                self.show_errors({})
                self.query_one("#form-message", Static).update(
                    f"{self.warning.message} ctrl+o opens it (this one is not saved); "
                    "ctrl+s saves this one anyway.")
                return
        if self.background:
            self._save_in_background(raw)
            return
        try:
            result = self.save_fn(raw)
        except (ConflictError, ValidationError, DatabaseError) as exc:
            self._saved(None, exc)
            return
        self._saved(result, None)

    def _save_in_background(self, raw: dict[str, str]) -> None:
        if self._saving:
            return  # one at a time: its message is on the form already
        self._saving = True
        self.query_one("#form-message", Static).update(self.background)
        save = self.save_fn

        def work() -> None:
            try:
                with worker_connection():
                    outcome = (save(raw), None)
            except (ConflictError, ValidationError, DatabaseError) as exc:
                outcome = (None, exc)
            self.app.call_from_thread(self._saved, *outcome)

        self.run_worker(work, thread=True, group="form-save", exit_on_error=False)

    def _saved(self, result, exc: Exception | None) -> None:
        """What the save gave: the form closes with *result*, or says why not (*exc*)."""
        self._saving = False
        if not self.is_attached:
            return  # (left while a background save ran)
        if self.background:
            self.query_one("#form-message", Static).update("")
        if isinstance(exc, ConflictError):
            self.show_conflict(exc)
        elif isinstance(exc, ValidationError):
            self.show_errors(exc.errors)
        elif exc is not None:  # refused (tampered, busy, read-only): say why, keep the text
            self.show_errors({})
            self.query_one("#form-message", Static).update(str(exc))
        else:
            self.dismiss(result)

    def action_open_other(self) -> None:
        if self.warning is None:
            self.app.bell()
            return
        self.dismiss(OpenInstead(self.warning.target))

    def show_conflict(self, exc: ConflictError) -> None:
        self.show_errors({})
        self.query_one("#form-message", Static).update(exc.message)
        self.query_one("#conflict-buttons").display = True
        self.query_one("#reload", Button).focus()

    def action_keep_mine(self) -> None:
        self.conflicted = True
        self.query_one("#conflict-buttons").display = True
        self.query_one("#form-message", Static).update(
            "Your text stays in the fields to copy; saving is refused until you reload "
            "(ctrl+r), which puts their version in the fields.")

    def action_reload(self) -> None:
        if self.reload_fn is None:
            self.dismiss(None)  # the list reopens the record as it is now
            return
        values = self.reload_fn()
        for spec in self.specs:
            set_widget_value(self.query_one(f"#f-{spec.name}"), values.get(spec.name, ""))
        self.conflicted = False
        self.query_one("#conflict-buttons").display = False
        self.show_errors({})
        self.query_one("#form-message", Static).update(
            "Reloaded: the fields show the record as saved now.")
        self.call_after_refresh(self._reset_initial)

    def _reset_initial(self) -> None:
        self.initial = self.raw()

    def action_leave(self) -> None:
        if not self.dirty():
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmScreen("You have unsaved changes. Leave and lose them?", yes="Leave",
                          no="Keep editing"),
            answered,
        )

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save":
            self.action_save()
        elif event.button.id == "reload":
            self.action_reload()
        elif event.button.id == "keep-mine":
            self.action_keep_mine()
        else:
            self.action_leave()


def _norm(value: str) -> str:
    return (value or "").strip()
