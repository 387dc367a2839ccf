"""A small, fully loaded row-cursor table (the dashboard's queue) whose enter key shows in
the footer as "Open". The long register lists use the paging VirtualTable instead."""
from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable


class ListTable(DataTable):
    BINDINGS = [Binding("enter", "select_cursor", "Open")]
