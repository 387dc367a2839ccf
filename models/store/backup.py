"""Backups and restore, always through SQLite's online backup API (never a file copy of
a live database, which can catch a half-written page or miss the WAL).

- `automatic_backup(path)`: `backups/<name>-auto-<time>-e<head>.db` beside the casebook,
  taken before a session's first change (see `before_write`, called by the database),
  and only when the casebook changed since the newest one: reading never makes a backup.
  They are kept in tiers (`keep`): the newest `Council.backups_kept` (default 7), the
  newest of each of the last 30 days, and the newest of each of the last 12 months.
- `backup(path, dest)`: a copy anywhere (`clerkdesk backup [DEST]`).
- `backup_now()`: the app's "Back up now", for whatever casebook is open (on PostgreSQL,
  `pg_dump` when it is installed, or the sentence saying backups are the server's job).
- `restore(src, path)`: checks *src* first (an SQLite file, integrity_check ok, a
  clerkdesk casebook, a schema this clerkdesk knows), keeps the current file as a backup,
  then copies *src* over it, again with the backup API, holding the casebook's write lock.
- `purge_older(path)`: after anonymising, delete the backups that still hold the old text.

Every file made here is readable by its owner only (0600 on POSIX), written under an
exclusive temporary name in the destination folder and renamed when complete; a folder
clerkdesk makes for them is 0700 (an existing folder is left as it is). An encrypted
casebook's backups are encrypted with the same passphrase.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from clerkdesk.models.core.db import (
    BUSY_TIMEOUT_MS,
    SCHEMA_VERSION,
    DatabaseBusy,
    DatabaseError,
    busy_message,
    database,
)
from clerkdesk.models.store import backend
from clerkdesk.models.store.engines import _is_busy, connect_raw
from clerkdesk.models.store.files import create_private_file, private_folder, safe_stem

BACKUP_DIR = "backups"


DEFAULT_KEPT = 7


#: the daily and monthly tiers of automatic backups
DAYS_KEPT = 30
MONTHS_KEPT = 12


def backup_dir(path) -> Path:
    return Path(path).parent / BACKUP_DIR


def _stamp(now: dt.datetime | None = None) -> str:
    return (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S-%f")


def upgrade_backup_path(path, version: int) -> Path:
    return backup_dir(path) / f"{safe_stem(path)}-before-upgrade-from-v{version}-{_stamp()}.db"


def default_dest(path, label: str = "manual") -> Path:
    return backup_dir(path) / f"{safe_stem(path)}-{label}-{_stamp()}.db"


#: SQLite's result codes for a locked database, as the backup API reports each step
_BUSY_CODES = (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED

#: the backup API sleeps this long between attempts while a database is locked (ms)
_RETRY_MS = 100


def _copy(source, target, where, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
    """The online backup API from *source* into *target*, giving up with DatabaseBusy
    after as many locked attempts as fit in *busy_timeout_ms* (Python's own loop would
    retry for as long as another program holds the lock)."""
    attempts = max(1, busy_timeout_ms // _RETRY_MS)
    locked = 0

    def progress(status, remaining, total):
        nonlocal locked
        if status in _BUSY_CODES:
            locked += 1
            if locked > attempts:
                raise DatabaseBusy(busy_message(where))

    try:
        source.backup(target, progress=progress, sleep=_RETRY_MS / 1000)
    except DatabaseBusy:
        raise
    except Exception as exc:
        if _is_busy(exc):
            raise DatabaseBusy(busy_message(where)) from None
        raise


def _new_file_beside(dest: Path) -> Path:
    """An exclusive, owner-only temporary file in *dest*'s folder (never a name that
    exists, so a planted symlink is never followed)."""
    fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    os.close(fd)
    if os.name == "posix":
        os.chmod(name, 0o600)
    return Path(name)


def _publish(tmp: Path, dest: Path) -> None:
    """Give the finished *tmp* the name *dest*, never replacing a file made meanwhile."""
    try:
        os.link(tmp, dest)
    except FileExistsError:
        raise DatabaseError(f"{dest} already exists; choose a new name for the backup.") from None
    except OSError:  # a filesystem without hard links
        if dest.exists():
            raise DatabaseError(f"{dest} already exists; choose a new name for the "
                                "backup.") from None
        os.replace(tmp, dest)
        return
    tmp.unlink()


def backup(path, dest, *, passphrase: str | None = None) -> Path:
    """Copy the casebook at *path* to the NEW file *dest* with the online backup API.

    Written to an exclusive temporary file beside *dest* and renamed when complete, so a
    crash never leaves a half-made backup under a backup's name. Refuses to overwrite an
    existing *dest*. Reads *path* read-only (a read-only casebook can be backed up)."""
    path, dest = Path(path), Path(dest)
    if dest.exists() or dest.is_symlink():
        raise DatabaseError(f"{dest} already exists; choose a new name for the backup.")
    private_folder(dest.parent)
    src = connect_raw(path, passphrase, readonly=True)
    try:
        tmp = _new_file_beside(dest)
        try:
            out = connect_raw(tmp, passphrase)
            try:
                _copy(src, out, path)
            finally:
                out.close()
            _publish(tmp, dest)
        except BaseException:
            for leftover in (tmp, Path(f"{tmp}-journal")):
                try:
                    leftover.unlink()
                except OSError:
                    pass
            raise
    finally:
        src.close()
    return dest


def _kept(path, passphrase) -> int:
    try:
        con = connect_raw(path, passphrase, readonly=True)
    except DatabaseError:
        return DEFAULT_KEPT
    try:
        row = con.execute("SELECT backups_kept FROM council ORDER BY id LIMIT 1").fetchone()
    except Exception:
        row = None
    finally:
        con.close()
    try:
        return max(1, int(row[0])) if row and row[0] is not None else DEFAULT_KEPT
    except (TypeError, ValueError):
        return DEFAULT_KEPT


_AUTO = re.compile(r"-auto-(\d{8}-\d{6}-\d{6})(?:-e(\d+)-([0-9a-f]{1,16}))?\.db$")


@dataclass(frozen=True)
class AutoBackup:
    path: Path
    taken: dt.datetime
    head: str  # "<entry id>-<hash prefix>" of the chain's head when taken ("" if unknown)


def _parse(p: Path) -> AutoBackup | None:
    m = _AUTO.search(p.name)
    if not m:
        return None
    try:
        taken = dt.datetime.strptime(m.group(1), "%Y%m%d-%H%M%S-%f")
    except ValueError:
        return None
    return AutoBackup(p, taken, f"{m.group(2)}-{m.group(3)}" if m.group(2) else "")


def automatic_list(path) -> list[AutoBackup]:
    """This casebook's automatic backups, oldest first."""
    folder = backup_dir(path)
    if not folder.is_dir():
        return []
    found = [_parse(p) for p in folder.glob(f"{safe_stem(path)}-auto-*.db")]
    return sorted((b for b in found if b is not None), key=lambda b: (b.taken, b.path.name))


def automatic_backups(path) -> list[Path]:
    """This casebook's automatic backups, oldest first."""
    return [b.path for b in automatic_list(path)]


def keep(taken: list[dt.datetime], now: dt.datetime, *, last: int = DEFAULT_KEPT,
         days: int = DAYS_KEPT, months: int = MONTHS_KEPT) -> set[int]:
    """Which of the backups taken at *taken* to keep: the newest *last*, the newest of
    each of the last *days* days and the newest of each of the last *months* months
    (this month counting as one)."""
    order = sorted(range(len(taken)), key=lambda i: taken[i], reverse=True)
    kept = set(order[:max(1, last)])
    day_seen, month_seen = set(), set()
    for i in order:  # newest first: the first of each day or month seen is its newest
        day = taken[i].date()
        if (now.date() - day).days < days and day not in day_seen:
            day_seen.add(day)
            kept.add(i)
        month = (day.year, day.month)
        if (now.year - day.year) * 12 + now.month - day.month < months \
                and month not in month_seen:
            month_seen.add(month)
            kept.add(i)
    return kept


def _head(path, passphrase) -> str | None:
    """The chain's head as "<entry id>-<hash prefix>", or None for a casebook with no
    audit entries yet (nothing to lose)."""
    con = connect_raw(path, passphrase, readonly=True)
    try:
        row = con.execute("SELECT value FROM setting WHERE key = 'audit.head'").fetchone()
    except sqlite3.Error:
        row = None
    finally:
        con.close()
    if not row or not row[0] or " " not in row[0]:
        return None
    entry, digest = row[0].split(" ", 1)
    return f"{entry}-{digest[:12]}"


def automatic_backup(path, *, passphrase: str | None = None, kept: int | None = None,
                     now: dt.datetime | None = None, force: bool = False) -> Path | None:
    """Take an automatic backup if the casebook changed since the newest one (always
    with *force*), then keep only the tiers (`keep`). Returns the new backup, or None
    when there was nothing new to keep."""
    head = _head(path, passphrase)
    existing = automatic_list(path)
    if head is None and not force:
        return None
    if not force and existing and existing[-1].head == head:
        return None
    now = now or dt.datetime.now()
    name = f"{safe_stem(path)}-auto-{_stamp(now)}" + (f"-e{head}" if head else "") + ".db"
    dest = backup(path, backup_dir(path) / name, passphrase=passphrase)
    prune(path, kept=kept or _kept(path, passphrase), now=now)
    return dest


def prune(path, *, kept: int = DEFAULT_KEPT, now: dt.datetime | None = None) -> list[Path]:
    """Delete the automatic backups outside the tiers; returns those deleted."""
    found = automatic_list(path)
    wanted = keep([b.taken for b in found], now or dt.datetime.now(), last=kept)
    gone = []
    for i, b in enumerate(found):
        if i not in wanted:
            try:
                b.path.unlink()
                gone.append(b.path)
            except OSError:
                pass
    for stale in backup_dir(path).glob(f".{safe_stem(path)}-auto-*.part"):
        try:
            stale.unlink()
        except OSError:
            pass
    return gone


def before_write(path, passphrase: str | None) -> None:
    """The database calls this just before a session's first write: the automatic
    backup, if the casebook changed since the newest one. A failure never stops the
    clerk working; it is kept as `clerk_backup_failed` on the database for a warning."""
    try:
        automatic_backup(path, passphrase=passphrase)
    except DatabaseBusy:
        raise
    except (OSError, sqlite3.Error, DatabaseError) as exc:
        obj = database.obj
        if obj is not None:
            obj.clerk_backup_failed = str(exc)


def all_backups(path) -> list[Path]:
    """Every backup of this casebook in its backups/ folder (any kind)."""
    folder = backup_dir(path)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob(f"{safe_stem(path)}-*.db") if p.is_file())


def purge_older(path, *, passphrase: str | None = None) -> tuple[Path, list[Path]]:
    """After anonymising: take a fresh backup of the casebook as it is now, then delete
    every older backup of it in backups/ (they still hold the text anonymised). Returns
    (the fresh backup, the deleted ones). Copies elsewhere are not touched."""
    older = all_backups(path)
    fresh = automatic_backup(path, passphrase=passphrase, force=True)
    gone = []
    for p in older:
        if p != fresh:
            try:
                p.unlink()
                gone.append(p)
            except OSError:
                pass
    return fresh, gone


# --- the app's "Back up now" -------------------------------------------------------------

PG_BACKUP_IS_THE_SERVERS = (
    "A shared (PostgreSQL) casebook is backed up on the server, not by clerkdesk: ask "
    "whoever looks after the server to run pg_dump -Fc regularly (see "
    "the README, A shared office). Nothing was written.")


def pg_dump_folder() -> Path:
    """Where `backup_now` puts a PostgreSQL casebook's dumps: the clerk's data folder."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("clerkdesk", appauthor=False)) / BACKUP_DIR


def backup_now(db=None) -> str:
    """Back up whatever casebook is open, as the app's "Back up now" does; returns the
    sentence to show. Raises DatabaseError (a sentence) when it fails.

    SQLite: a copy in backups/ beside the casebook. PostgreSQL: `pg_dump` in its custom
    format into the clerk's data folder when pg_dump is installed (the password goes to
    pg_dump in its environment, never on its command line), else the sentence saying
    that backups are the server's job. Never a file named after a URL."""
    db = db or database.obj
    where = getattr(db, "clerk_path", None)
    if where is None:
        raise DatabaseError("No casebook is open.")
    if backend.is_postgres(db):
        return _pg_dump(str(where))
    try:
        dest = backup(where, default_dest(where), passphrase=getattr(db, "clerk_passphrase", None))
    except OSError as exc:
        raise DatabaseError(f"The backup could not be written: {exc.strerror or exc}.") from None
    return f"Backed up to {dest}"


def _pg_dump(url: str) -> str:
    return pg_dump(url)


def pg_dump(url: str, dest=None) -> str:
    """Back up the PostgreSQL casebook at *url* with `pg_dump` in its custom format (for
    `pg_restore`) to *dest* (a new file, or a folder; default: the clerk's data folder);
    returns the sentence saying where. Without pg_dump installed, returns the sentence
    saying that backups are the server's job. The password goes to pg_dump in its
    environment, never on its command line; every message is redacted."""
    import shutil
    import subprocess

    exe = shutil.which("pg_dump")
    if exe is None:
        return PG_BACKUP_IS_THE_SERVERS
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    try:
        params = conninfo_to_dict(url)
    except Exception:
        raise DatabaseError(f"{backend.display_url(url)} is not a connection clerkdesk can "
                            "back up; nothing was written.") from None
    env = dict(os.environ)
    password = params.pop("password", None)
    if password:
        env["PGPASSWORD"] = str(password)
    name = safe_stem(Path(str(params.get("dbname") or "clerkdesk")))
    target = Path(dest).expanduser() if dest else pg_dump_folder()
    if dest is None or target.is_dir():
        private_folder(target)
        target = target / f"{name}-{_stamp()}.dump"
    elif target.exists() or target.is_symlink():
        raise DatabaseError(f"{target} already exists; choose a new name for the backup.")
    elif not target.parent.is_dir():
        raise DatabaseError(f"The folder {target.parent} does not exist: create it first.")
    tmp = _new_file_beside(target)
    try:
        proc = subprocess.run([exe, "--format=custom", "--file", str(tmp), "--dbname",
                               make_conninfo(**params)], env=env, capture_output=True,
                              text=True, timeout=3600)
        if proc.returncode != 0:
            why = backend.redact(" ".join(proc.stderr.split()), url)[:200]
            raise DatabaseError(f"pg_dump could not back up {backend.display_url(url)}: {why}")
        _publish(tmp, target)
    finally:
        try:
            tmp.unlink()
        except OSError:
            pass
    return f"Backed up {backend.display_url(url)} to {target} (pg_dump, custom format)"


# --- restore -----------------------------------------------------------------------------

def inspect(src, *, passphrase: str | None = None) -> dict:
    """Check a file before it may replace the casebook; raises DatabaseError saying why.
    Reads it read-only (a read-only backup can be restored).

    Returns {"version", "council", "audit_entries", "integrity"}.
    """
    src = Path(src)
    if not src.is_file():
        raise DatabaseError(f"{src} is not a file.")
    if src.stat().st_size == 0:
        raise DatabaseError(f"{src} is empty: it is not a clerkdesk backup.")
    from clerkdesk.models.store import shape

    con = connect_raw(src, passphrase, readonly=True)
    try:
        try:
            result = [r[0] for r in con.execute("PRAGMA integrity_check")]
        except Exception as exc:
            raise DatabaseError(f"{src} is damaged ({exc}); nothing was restored.") from None
        if result != ["ok"]:
            raise DatabaseError(f"{src} is damaged ({result[0]}); nothing was restored.")
        version = con.execute("PRAGMA user_version").fetchone()[0]
        tables, columns = shape.read(con)
        if not shape.is_ours(shape.application_id(con), version, tables, columns) \
                or "case" not in tables:
            raise DatabaseError(f"{src} is not a clerkdesk casebook; nothing was restored.")
        if version > SCHEMA_VERSION:
            raise DatabaseError(f"{src} was made by a newer clerkdesk (schema {version}); "
                                "upgrade clerkdesk first. Nothing was restored.")
        council = con.execute("SELECT name FROM council ORDER BY id LIMIT 1").fetchone()
        entries = con.execute("SELECT count(*) FROM audit").fetchone()[0]
    except sqlite3.Error as exc:
        raise DatabaseError(f"{src} is damaged ({exc}); nothing was restored.") from None
    finally:
        con.close()
    return {"version": version, "council": council[0] if council else "",
            "audit_entries": entries, "integrity": "ok"}


def restore(src, path, *, passphrase: str | None = None,
            busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> dict:
    """Replace the casebook at *path* with the backup *src*, after checking *src* and
    keeping the current file as `backups/<name>-before-restore-<time>.db`.

    The casebook's write lock is taken first (waiting at most *busy_timeout_ms*, then
    DatabaseBusy: another clerkdesk is saving), and held while the safety copy is made
    and *src* copied in, so nobody's change lands in between or is overwritten.

    Returns inspect()'s facts plus "kept": the path of the safety copy (or None when
    there was no casebook yet). The database must not be open in this process.
    """
    src, path = Path(src), Path(path)
    try:
        if src.resolve() == path.resolve():
            raise DatabaseError("That is the casebook itself: give a backup file to restore.")
    except OSError:
        pass
    facts = inspect(src, passphrase=passphrase)
    kept = None
    if not path.exists():
        if os.name == "posix":
            create_private_file(path)
        else:
            path.touch()
    target = connect_raw(path, passphrase, busy_timeout_ms=busy_timeout_ms)
    try:
        try:
            # wait (busy_timeout) for another writer to finish, as any save would
            target.execute("BEGIN IMMEDIATE")
            target.execute("ROLLBACK")
        except sqlite3.Error as exc:
            if _is_busy(exc):
                raise DatabaseBusy(busy_message(path)) from None
            raise DatabaseError(f"Could not restore into {path} ({exc}); nothing was "
                                "changed.") from None
        if path.stat().st_size > 0:
            kept = backup(path, default_dest(path, "before-restore"), passphrase=passphrase)
        source = connect_raw(src, passphrase, readonly=True)
        try:
            _copy(source, target, path, busy_timeout_ms)
        except DatabaseBusy:
            raise
        except Exception as exc:
            raise DatabaseError(f"Could not restore into {path} ({exc}); "
                                f"the previous casebook is kept as {kept}.") from None
        finally:
            source.close()
    finally:
        target.close()
    facts["kept"] = kept
    return facts
