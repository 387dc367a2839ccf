"""Choosing a file from the keyboard: the folder's subfolders and files (only the kinds
asked for), enter to open a folder or pick a file, backspace for the folder above, or a
path typed in the box. Dismisses the chosen Path, or None on escape.

A folder is listed at once (names only); what `mark` says of each file (an email taken
in already...) is worked out on a thread and filled in after, so a folder of a thousand
emails opens as fast as an empty one.
"""
from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from clerkdesk.models.casework.documents import human_size
from clerkdesk.screens.modal import Modal

#: a folder shows at most this many entries (the box says how many more)
SHOWN = 2000


def _listing(folder: Path, suffixes: tuple[str, ...] | None, hidden: bool = False):
    """(subfolders, files) of *folder*, sorted by name; files as (path, size, mtime)."""
    folders, files = [], []
    try:
        with os.scandir(folder) as entries:
            for e in entries:
                if not hidden and e.name.startswith("."):
                    continue
                try:
                    if e.is_dir():
                        folders.append(Path(e.path))
                    elif e.is_file() and (suffixes is None or
                                          e.name.lower().endswith(suffixes)):
                        st = e.stat()
                        files.append((Path(e.path), st.st_size, st.st_mtime))
                except OSError:
                    continue
    except OSError:
        return None
    folders.sort(key=lambda p: p.name.casefold())
    files.sort(key=lambda f: f[0].name.casefold())
    return folders, files


class FilePickerScreen(Modal[object]):
    """Pick a file (or, with `folders=True`, a folder) under *start*."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("backspace", "up", "Folder above", show=False),
    ]

    def __init__(self, title: str, start: Path, *, suffixes: tuple[str, ...] | None = None,
                 mark: Callable[[Path, list[Path]], dict[Path, str]] | None = None,
                 folders: bool = False) -> None:
        super().__init__()
        self.title_text = title
        self.folder = Path(start).expanduser()
        if not self.folder.is_dir():
            self.folder = Path.home()
        self.suffixes = tuple(s.lower() for s in suffixes) if suffixes else None
        self.mark = mark
        self.pick_folders = folders
        self.entries: list[tuple[str, Path]] = []  # (what, path) by option index
        self.files: list[tuple[Path, int, float]] = []

    def compose(self) -> ComposeResult:
        kinds = "folders" if self.pick_folders else (
            " or ".join(self.suffixes) + " files" if self.suffixes else "files")
        with Vertical(classes="modal-box files-box"):
            yield Label(self.title_text, classes="form-title")
            yield Input(value=str(self.folder), id="files-path",
                        placeholder="a folder or a file; enter goes there")
            yield OptionList(id="files-list")
            yield Label("", id="files-note")
            yield Label(f"enter open/pick   backspace folder above   esc cancel  ({kinds})"
                        + ("   p pick this folder" if self.pick_folders else ""), classes="hint")

    def on_mount(self) -> None:
        self.show(self.folder)
        self.query_one("#files-list", OptionList).focus()

    # --- listing ------------------------------------------------------------------------------

    def show(self, folder: Path, select: Path | None = None) -> None:
        listed = _listing(folder, self.suffixes)
        if listed is None:
            self.app.notify(f"{folder} cannot be read.", severity="warning")
            return
        self.folder = folder
        self.query_one("#files-path", Input).value = str(folder)
        subfolders, files = listed
        self.files = files if not self.pick_folders else []
        options: list[Option] = []
        self.entries = []
        if folder.parent != folder:
            self.entries.append(("up", folder.parent))
            options.append(Option(Text("⬆  .. (the folder above)", style="dim")))
        for sub in subfolders[:SHOWN]:
            self.entries.append(("folder", sub))
            options.append(Option(Text(f"▸  {sub.name}/", style="bold")))
        for path, size, mtime in self.files[:SHOWN]:
            self.entries.append(("file", path))
            options.append(Option(self._file_label(path, size, mtime, "")))
        listing = self.query_one("#files-list", OptionList)
        listing.clear_options()
        listing.add_options(options)
        index = 0
        if select is not None:
            index = next((i for i, (_w, p) in enumerate(self.entries) if p == select), 0)
        elif self.files and not self.pick_folders:
            index = next(i for i, (w, _p) in enumerate(self.entries) if w == "file")
        if listing.option_count:
            listing.highlighted = index
        n = len(files)
        more = len(subfolders) + len(files) - min(len(subfolders), SHOWN) - min(len(files), SHOWN)
        what = "files" if self.suffixes is None else "/".join(self.suffixes) + " files"
        self.query_one("#files-note", Label).update(
            f"{n} {what} here" + (f" ({more} more not shown)" if more > 0 else ""))
        if self.mark is not None and self.files:
            self._marks(folder, [p for p, _s, _m in self.files[:SHOWN]])

    def _file_label(self, path: Path, size: int, mtime: float, mark: str) -> Text:
        when = dt.datetime.fromtimestamp(mtime).strftime("%d/%m/%Y %H:%M")
        text = Text(f"   {path.name}")
        text.append(f"   {human_size(size)}, {when}", style="dim")
        if mark:
            text.append(f"   {mark}", style="green")
        return text

    @work(thread=True, exclusive=True, group="file-marks", exit_on_error=False)
    def _marks(self, folder: Path, paths: list[Path]) -> None:
        from clerkdesk.models.core.db import worker_connection

        with worker_connection():
            marks = self.mark(folder, paths)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_marks, folder, marks)

    def _show_marks(self, folder: Path, marks: dict[Path, str]) -> None:
        if folder != self.folder or not marks:
            return
        listing = self.query_one("#files-list", OptionList)
        sizes = {p: (s, m) for p, s, m in self.files}
        for i, (what, path) in enumerate(self.entries):
            if what == "file" and path in marks:
                size, mtime = sizes[path]
                listing.replace_option_prompt_at_index(
                    i, self._file_label(path, size, mtime, marks[path]))

    # --- choosing -----------------------------------------------------------------------------

    @on(OptionList.OptionSelected, "#files-list")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        what, path = self.entries[event.option_index]
        if what in ("up", "folder"):
            self.show(path, select=self.folder if what == "up" else None)
        else:
            self.dismiss(path)

    @on(Input.Submitted, "#files-path")
    def typed(self, event: Input.Submitted) -> None:
        path = Path(event.value.strip() or ".").expanduser()
        if path.is_dir():
            self.show(path)
            self.query_one("#files-list", OptionList).focus()
        elif path.is_file() and not self.pick_folders:
            self.dismiss(path)
        else:
            self.app.notify(f"There is no folder or file {path}.", severity="warning")

    def action_up(self) -> None:
        if isinstance(self.focused, Input):
            return
        if self.folder.parent != self.folder:
            self.show(self.folder.parent, select=self.folder)

    def key_p(self) -> None:
        if self.pick_folders and not isinstance(self.focused, Input):
            self.dismiss(self.folder)
