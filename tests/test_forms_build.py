"""A form is built a few fields at a time (its first frame mounts FIRST_FIELDS of them, the
rest follow a frame apart), and the keys (?) are drawn once: counted, never timed."""
from __future__ import annotations

from helpers import SIZE, make_app, settle, settle_until

from clerkdesk.models.casework import records, registers
from clerkdesk.models.core.schema import Member
from clerkdesk.screens import form as form_module
from clerkdesk.screens.form import FormScreen
from clerkdesk.screens.help import HelpScreen


class Counted(FormScreen):
    """Records how many fields were mounted when the form first mounted."""

    at_mount: int | None = None

    def on_mount(self) -> None:
        self.at_mount = len(self.query(".field"))
        super().on_mount()


def _member_form(member) -> Counted:
    values = records.form_values(registers.MEMBERS, member)
    return Counted("Edit member", registers.MEMBERS.fields(), values, lambda raw: raw)


async def test_a_form_mounts_its_first_fields_then_the_rest(demo_db):
    member = Member.select().where(~Member.archived).first()
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = _member_form(member)
        app.push_screen(form)
        await settle_until(pilot, lambda: form.built)
        specs = registers.MEMBERS.fields()
        assert len(specs) > form_module.FIRST_FIELDS
        assert form.at_mount == form_module.FIRST_FIELDS  # the first frame's share only
        assert len(form.query(".field")) == len(specs)  # then every field
        assert form.raw() == form.initial and not form.dirty()
        assert form.raw()["name"] == member.name
        await pilot.press("escape")  # nothing changed: it closes without asking
        await pilot.pause()
        assert app.screen is not form


async def test_a_field_asked_for_before_its_turn_is_built_at_once(demo_db):
    member = Member.select().where(~Member.archived & (Member.phone != "")).first()
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = _member_form(member)
        app.push_screen(form)
        await pilot.pause()
        last = registers.MEMBERS.fields()[-1].name
        form.query_one(f"#f-{last}")  # found, whether or not its turn had come
        assert form.built
        await settle(pilot)
        assert form.raw()["phone"] == member.phone and not form.dirty()
        form.query_one("#f-phone").value = "07700 900123"
        assert form.dirty()
        assert form.raw()["phone"] == "07700 900123"


async def test_the_keys_are_drawn_once_not_on_every_layout(demo_db, monkeypatch):
    """The tables of keys are drawn to lines of text once (Textual drew the tables again on
    every layout pass: ~1,300 table renders on opening the keys)."""
    from rich.table import Table

    drawn = {"n": 0}
    original = Table.__rich_console__

    def counting(self, console, options):
        drawn["n"] += 1
        return original(self, console, options)

    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        monkeypatch.setattr(Table, "__rich_console__", counting)
        await pilot.press("question_mark")
        await settle_until(pilot, lambda: isinstance(app.screen, HelpScreen)
                           and app.screen.drawn_width is not None)
        await settle(pilot)
        groups = len(app.screen.groups)
        assert 0 < drawn["n"] <= groups  # each group's table once
        text = str(app.screen.query_one("#help-keys").render())
        assert "Meeting mode" in text and "Every list" in text
