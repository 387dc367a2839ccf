"""ctrl+p: the command palette finds any record (full-text search, meeting mode
respected) and offers the app's commands (tui/actions.py, and the app's own actions)."""
from __future__ import annotations

import asyncio
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from clerkdesk.models.casework import search
from clerkdesk.models.core.db import worker_connection
from clerkdesk.screens.meeting import mode_of
from clerkdesk.tui import actions
from clerkdesk.tui.tabs import TABS


def _find(query: str, meeting_mode: bool) -> list[tuple[str, int, str, str]]:
    """The search, on a thread of its own with a connection of its own (a short word is a
    scan of every label: on a large casebook that held the UI for up to 0.3 s a key)."""
    with worker_connection():
        return search.search(query, limit=15, meeting_mode=meeting_mode)


KIND_LABELS = {"case": "case", "member": "member", "officer": "officer",
               "party_group": "party group", "committee": "committee"}


class RecordsProvider(Provider):
    """Members, officers, groups, committees, requests and complaints, by any word."""

    async def search(self, query: str) -> Hits:
        app = self.app
        if len(query.strip()) < 2:
            return
        matcher = self.matcher(query)
        results = await asyncio.to_thread(_find, query, mode_of(app).on)
        for rank, (kind, row_id, label, detail) in enumerate(results):
            text = f"{label}  ·  {KIND_LABELS.get(kind, kind)}"
            score = max(matcher.match(label), 1.0 - rank * 0.02)
            yield Hit(score, matcher.highlight(text), partial(app.show_record, kind, row_id),
                      help=detail or None)


class CommandsProvider(Provider):
    """The app's own commands: new records, tabs, meeting mode, backup, report, undo."""

    def commands(self) -> list[tuple[str, object, str]]:
        app = self.app
        out = [
            ("New request", partial(actions.new_record, app, "requests"), "log a member's request (then the wizard)"),
            ("New complaint", partial(actions.new_record, app, "complaints"), "log a complaint (then the wizard)"),
            ("New member", partial(actions.new_record, app, "members"), "add a councillor"),
            ("New officer", partial(actions.new_record, app, "officers"), "add a member of staff"),
            ("Meeting mode on/off", app.action_toggle_meeting_mode,
             "hide confidential names and details (m)"),
            ("Back up the casebook now", partial(actions.backup_now, app),
             "a copy in the backups folder beside it"),
            ("Write the committee report", partial(actions.write_report, app),
             "progress on actions, Markdown and HTML, names removed"),
            ("Export due dates to a calendar file", partial(actions.export_calendar, app),
             "an .ics file beside the casebook"),
            ("Import a register from a CSV file or spreadsheet", partial(actions.import_csv, app),
             "members, officers, wards, contacts or groups: preview first, all or nothing"),
            ("Undo the last change", partial(actions.undo, app), "ctrl+z"),
            ("Show the keys", partial(actions.show_help, app), "?"),
        ]
        for number, (tab, title) in enumerate(TABS, start=1):
            out.append((f"Go to {title}", partial(app.action_show_tab, tab), f"key {number}"))
        return out

    async def discover(self) -> Hits:
        for name, command, help_text in self.commands():
            yield DiscoveryHit(name, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, command, help_text in self.commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), command, help=help_text)


class ProtocolProvider(Provider):
    """What the protocol says, by topic ("protocol media", "premises", "appointments"):
    the council's profile's guidance (models: council.guidance), each opening its panel."""

    def topics(self):
        from clerkdesk.models.casework import council

        return council.guidance()

    def _open(self, key: str) -> None:
        from clerkdesk.screens.protocol_panel import ProtocolPanel

        self.app.push_screen(ProtocolPanel(key))

    async def discover(self) -> Hits:
        for g, lines in self.topics():
            yield DiscoveryHit(f"Protocol: {g.topic}", partial(self._open, g.key),
                               help=f"what the protocol says ({len(lines)} lines, with clauses)")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for g, _lines in self.topics():
            name = f"Protocol: {g.topic}"
            score = max([matcher.match(name)] + [matcher.match(w) for w in g.keywords])
            if score > 0:
                yield Hit(score, matcher.highlight(name), partial(self._open, g.key),
                          help="what the protocol says, each line with its clause")
