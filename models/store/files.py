"""The casebook as a file: where it lives by default, the checks made before anything is
written (a folder, an unreadable file, a file that is not SQLite), reading its schema
version without changing it, private (0600) files, and the warning for synced folders
and network shares.
"""
from __future__ import annotations

import os
import re
import sqlite3
from contextlib import contextmanager
from pathlib import Path

from clerkdesk.models.core.db import PASSPHRASE_ENV, DatabaseError
from clerkdesk.models.store import backend

SQLITE_MAGIC = b"SQLite format 3\x00"


def default_path() -> Path:
    """Where the clerk's own casebook lives when neither --db nor CLERKDESK_DB say."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("clerkdesk", appauthor=False)) / "clerkdesk.db"


def resolve_path(cli_value: str | None) -> Path | str:
    """--db PATH, else $CLERKDESK_DB, else the user's data directory. A PostgreSQL URL
    (postgresql://user@host:port/name) is returned as the string it is."""
    if cli_value:
        return cli_value if backend.is_url(cli_value) else Path(cli_value).expanduser()
    env = os.environ.get("CLERKDESK_DB")
    if env:
        return env if backend.is_url(env) else Path(env).expanduser()
    return default_path()


def check_path(path: Path, *, create_parent: bool = False, encrypted: bool = False,
               writable: bool = True) -> None:
    """Refuse, with a sentence, a path that cannot hold a clerkdesk database (*writable*:
    that clerkdesk cannot write to; reading needs only a readable file).

    Never writes to an existing file: it only reads its first bytes.
    """
    if path.exists():
        if path.is_dir():
            raise DatabaseError(f"{path} is a folder, not a database file.")
        if not os.access(path, os.R_OK):
            raise DatabaseError(f"{path} cannot be read: check its permissions.")
        size = path.stat().st_size
        if size and not encrypted:
            with path.open("rb") as fh:
                head = fh.read(16)
            if head != SQLITE_MAGIC:
                raise DatabaseError(
                    f"{path} is not a clerkdesk database (it is not an SQLite file, or it "
                    f"is encrypted: then give its passphrase in ${PASSPHRASE_ENV}); "
                    "it was left untouched."
                )
        if writable and not os.access(path, os.W_OK):
            raise DatabaseError(f"{path} is read-only: clerkdesk needs to write to it.")
        return
    parent = path.parent
    if not parent.exists():
        if create_parent:
            parent.mkdir(parents=True, exist_ok=True)
        else:
            raise DatabaseError(
                f"The folder {parent} does not exist: create it first or choose another --db path."
            )
    if not parent.is_dir():
        raise DatabaseError(f"{parent} is not a folder.")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise DatabaseError(f"The folder {parent} is not writable: choose another --db path.")


def read_user_version(path: Path) -> int:
    """The schema version stored in an existing file, read without changing it."""
    uri = f"file:{path}?mode=ro"
    try:
        con = sqlite3.connect(uri, uri=True)
        try:
            return con.execute("PRAGMA user_version").fetchone()[0]
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(
            f"{path} is not a clerkdesk database ({exc}); it was left untouched."
        ) from None


def is_encrypted_file(path: Path) -> bool:
    """True for a non-empty file that is not plain SQLite (an SQLCipher file has no header)."""
    try:
        with Path(path).open("rb") as fh:
            head = fh.read(16)
    except OSError:
        return False
    return bool(head) and head != SQLITE_MAGIC


def private_folder(folder: Path) -> Path:
    """Make *folder* (and any missing parents) readable by its owner only (0700 on POSIX);
    a folder that exists already is left exactly as it is (a shared 2775 or 1777 folder
    keeps its mode)."""
    folder = Path(folder)
    missing = []
    probe = folder
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for made in reversed(missing):
        try:
            made.mkdir(mode=0o700)
        except FileExistsError:
            continue
        if os.name == "posix":
            try:
                os.chmod(made, 0o700)  # mkdir's mode is cut by the umask
            except OSError:
                pass
    if not folder.is_dir():
        raise DatabaseError(f"{folder} is not a folder.")
    return folder


def output_folder(name: str, db=None) -> Path:
    """Where the app writes reports and exports (*name*: "reports", "exports"): a folder
    beside an SQLite casebook, or in the clerk's own data folder for a PostgreSQL one
    (never a folder named after its URL). Made (0700) if missing."""
    from clerkdesk.models.core.db import database

    db = db or database.obj
    where = getattr(db, "clerk_path", None)
    if where is None or backend.is_url(str(where)):
        from platformdirs import user_data_dir

        folder = Path(user_data_dir("clerkdesk", appauthor=False)) / name
    else:
        folder = Path(where).parent / name
    return private_folder(folder)


def refuse_output_target(dest: Path, db=None) -> None:
    """Refuse (DatabaseError) to write an export or report over the open casebook, its
    -wal, -shm or -journal file, anything in its backups/ folder, or anything that is
    not a regular file (a device such as /dev/full, a folder, a pipe)."""
    from clerkdesk.models.core.db import database

    dest = Path(dest)
    if dest.exists() and not dest.is_file():
        raise DatabaseError(f"{dest} is not an ordinary file, so nothing was written to it: "
                            "give the name of a new file.")
    db = db or database.obj
    where = getattr(db, "clerk_path", None)
    if where is None or backend.is_url(str(where)):
        return
    try:
        target = dest.resolve()
        book = Path(where).resolve()
    except OSError:
        return
    guarded = {book, *(book.with_name(book.name + s) for s in ("-wal", "-shm", "-journal"))}
    if target in guarded:
        raise DatabaseError(f"{dest} is the casebook itself (or its journal): an export never "
                            "replaces it. Give the name of a new file.")
    if book.parent / "backups" in target.parents:
        raise DatabaseError(f"{dest} is in the casebook's backups folder: an export never "
                            "goes there. Give a file somewhere else.")


@contextmanager
def replacing(dest, mode: str = "w", *, encoding: str | None = "utf-8", newline: str | None = ""):
    """Write *dest* whole or not at all: into an exclusive, owner-only (0600) temporary
    file beside it (never a name that exists, so a planted `NAME.part` symlink is never
    followed), synced, then renamed over *dest*. Refuses the casebook and anything that
    is not a regular file (`refuse_output_target`). Yields the open file."""
    import tempfile

    dest = Path(dest)
    refuse_output_target(dest)
    fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    tmp = Path(name)
    try:
        if os.name == "posix":
            os.fchmod(fd, 0o600)
        binary = "b" in mode
        with os.fdopen(fd, mode, **({} if binary else {"encoding": encoding,
                                                        "newline": newline})) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    except BaseException:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise


def create_private_file(path: Path) -> None:
    """Create an empty file readable and writable by its owner only (0600 on POSIX).

    SQLite gives its -wal and -shm files the database file's permissions.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)


_SYNCED = [
    ("dropbox", "Dropbox"),
    ("onedrive", "OneDrive"),
    ("google drive", "Google Drive"),
    ("googledrive", "Google Drive"),
    ("my drive", "Google Drive"),
    ("icloud drive", "iCloud Drive"),
    ("iclouddrive", "iCloud Drive"),
    ("mobile documents", "iCloud Drive"),
    ("com~apple~clouddocs", "iCloud Drive"),
    ("nextcloud", "Nextcloud"),
    ("owncloud", "ownCloud"),
    ("pcloud", "pCloud"),
    ("box sync", "Box"),
]


_NETWORK_FS = {"nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "fuse.sshfs", "sshfs",
               "afs", "ncpfs", "davfs", "fuse.davfs2", "fuse.rclone", "glusterfs", "ceph",
               "fuse.s3fs", "9p"}


def _mount_fstype(path: Path, mounts_file: str = "/proc/mounts") -> str | None:
    """The filesystem type of the mount holding *path* (Linux), or None."""
    try:
        text = Path(mounts_file).read_text()
    except OSError:
        return None
    best, fstype = "", None
    target = str(path)
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        mount = parts[1].replace("\\040", " ")
        if (target == mount or target.startswith(mount.rstrip("/") + "/")) and len(mount) >= len(best):
            best, fstype = mount, parts[2]
    return fstype


def location_warning(path, *, mounts_file: str = "/proc/mounts") -> str | None:
    """A sentence warning that *path* is in a synced folder or on a network share, else None.

    SQLite's locking is not reliable there, and a sync client may copy a half-written file
    or make "conflicted copies". The app shows this as a notification; the CLI on stderr.
    """
    if backend.is_url(path):
        return None  # a server's storage is the server's business
    p = Path(path).expanduser()
    try:
        p = p.resolve()
    except OSError:
        pass
    lowered = [part.lower() for part in p.parts]
    for part in lowered:
        for needle, name in _SYNCED:
            if part == needle or part.startswith(needle + " ") or part.startswith(needle + "-") \
                    or (needle in ("dropbox", "onedrive") and part.startswith(needle)):
                return (f"{p} is in a {name} folder: sync can copy a half-written casebook or "
                        "make conflicting copies. Keep the casebook in a local folder and let "
                        "`clerkdesk backup` put copies in the synced folder instead.")
    fstype = _mount_fstype(p if p.exists() else p.parent, mounts_file)
    if fstype and (fstype in _NETWORK_FS or fstype.split(".")[-1] in _NETWORK_FS):
        return (f"{p} is on a network share ({fstype}): file locking there is unreliable, so "
                "two clerkdesks could damage the casebook. Keep it on this computer's own disk.")
    return None


_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def safe_stem(path: Path) -> str:
    return _SAFE_NAME.sub("_", Path(path).stem) or "casebook"
