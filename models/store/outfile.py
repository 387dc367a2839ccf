"""Writing a file for the clerk (a letter, a subject-access export, a document taken out
of the casebook): private (0600) from its first byte, never half-written, and never
silently over another file.

`write_output(path, data)` writes through an exclusive temporary file in the same folder
(created with O_EXCL, so nothing can be waiting there as a symlink), flushes it to disk,
then links it into place: the name appears only once the whole file is there, and an
existing file is refused (or replaced with `replace=True`). Errors are `OutputError`
sentences. No Textual here.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

#: owner read/write only: what a file holding personal data gets
PRIVATE = 0o600


class OutputError(Exception):
    """A file that cannot be written, as a sentence for the clerk."""


def check_target(path, *, replace: bool = False) -> Path:
    """*path* as a Path if a file can be written there, else OutputError (nothing written)."""
    path = Path(path).expanduser()
    if path.is_dir():
        raise OutputError(f"{path} is a folder: give a file name in it.")
    if not path.parent.is_dir():
        raise OutputError(f"The folder {path.parent} does not exist: create it first.")
    if path.exists() and not replace:
        raise OutputError(f"{path} already exists: choose another name (nothing was written "
                          "over it).")
    return path


def write_output(path, data: bytes | None = None, *,
                 write: Callable[[object], None] | None = None, replace: bool = False) -> Path:
    """Write *data* (or whatever *write(binary_file)* writes) to *path*; returns the path.

    The file is 0600 from the start, complete before its name appears, and an existing
    file is left alone unless *replace*."""
    path = check_target(path, replace=replace)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE)
    except PermissionError:
        raise OutputError(f"Cannot write in {path.parent}: check the folder's permissions.") \
            from None
    except OSError as exc:
        raise OutputError(f"Cannot write {path}: {exc.strerror or exc}.") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            if write is not None:
                write(fh)
            if data is not None:
                fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            _link_into_place(tmp, path)
    except OutputError:
        _unlink(tmp)
        raise
    except OSError as exc:
        _unlink(tmp)
        raise OutputError(f"Cannot write {path}: {exc.strerror or exc}.") from None
    except BaseException:
        _unlink(tmp)
        raise
    return path


def _link_into_place(tmp: Path, path: Path) -> None:
    """Give *tmp* the name *path* unless something has that name already (atomically
    where the filesystem has hard links)."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise OutputError(f"{path} already exists: choose another name (nothing was written "
                          "over it).") from None
    except OSError:  # no hard links here (a FAT stick, some network shares)
        if path.exists():
            raise OutputError(f"{path} already exists: choose another name (nothing was "
                              "written over it).") from None
        os.replace(tmp, path)
        return
    _unlink(tmp)


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def free_name(folder, name: str) -> Path:
    """*folder*/*name*, or "name (2).ext", "name (3).ext"... if that is taken."""
    folder = Path(folder)
    candidate = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    n = 2
    while candidate.exists():
        candidate = folder / f"{stem} ({n}){suffix}"
        n += 1
    return candidate
