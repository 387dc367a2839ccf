"""Backups and restore, always through SQLite's online backup API (never a file copy of
a live database, which can catch a half-written page or miss the WAL).

- `automatic_backup(path)`: on every open, `backups/<name>-auto-<time>.db` beside the
  casebook; only the newest `Council.backups_kept` (default 7) automatic ones are kept.
- `backup(path, dest)`: a copy anywhere (`clerkdesk backup [DEST]`).
- `restore(src, path)`: checks *src* first (an SQLite file, integrity_check ok, a
  clerkdesk casebook, a schema this clerkdesk knows), keeps the current file as a backup,
  then copies *src* over it, again with the backup API.

Every file made here is readable by its owner only (0600 on POSIX). An encrypted
casebook's backups are encrypted with the same passphrase.
"""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from clerkdesk.models.core.db import SCHEMA_VERSION, DatabaseBusy, DatabaseError, busy_message
from clerkdesk.models.store.engines import _is_busy, connect_raw
from clerkdesk.models.store.files import create_private_file, safe_stem

BACKUP_DIR = "backups"


DEFAULT_KEPT = 7


def backup_dir(path) -> Path:
    return Path(path).parent / BACKUP_DIR


def _stamp() -> str:
    return dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")


def upgrade_backup_path(path, version: int) -> Path:
    return backup_dir(path) / f"{safe_stem(path)}-before-upgrade-from-v{version}-{_stamp()}.db"


def default_dest(path, label: str = "manual") -> Path:
    return backup_dir(path) / f"{safe_stem(path)}-{label}-{_stamp()}.db"


def _private_dir(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if os.name == "posix":
        try:
            os.chmod(folder, 0o700)
        except OSError:
            pass


def backup(path, dest, *, passphrase: str | None = None) -> Path:
    """Copy the casebook at *path* to the NEW file *dest* with the online backup API.

    Written to a temporary name and renamed when complete, so a crash never leaves a
    half-made backup under a backup's name. Refuses to overwrite an existing *dest*.
    """
    path, dest = Path(path), Path(dest)
    if dest.exists():
        raise DatabaseError(f"{dest} already exists; choose a new name for the backup.")
    _private_dir(dest.parent)
    tmp = dest.with_name(dest.name + ".part")
    try:
        tmp.unlink()
    except FileNotFoundError:
        pass
    create_private_file(tmp)
    src = connect_raw(path, passphrase)
    try:
        out = connect_raw(tmp, passphrase)
        try:
            src.backup(out)
        except Exception as exc:
            if _is_busy(exc):
                raise DatabaseBusy(busy_message(path)) from None
            raise
        finally:
            out.close()
    except BaseException:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise
    finally:
        src.close()
    os.replace(tmp, dest)
    return dest


def _kept(path, passphrase) -> int:
    try:
        con = connect_raw(path, passphrase)
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


def automatic_backups(path) -> list[Path]:
    """This casebook's automatic backups, oldest first."""
    folder = backup_dir(path)
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"{safe_stem(path)}-auto-*.db"))


def automatic_backup(path, *, passphrase: str | None = None, kept: int | None = None) -> Path:
    """The backup taken on open; keeps only the newest *kept* (Council.backups_kept)."""
    kept = kept or _kept(path, passphrase)
    dest = default_dest(path, "auto")
    backup(path, dest, passphrase=passphrase)
    folder = backup_dir(path)
    for stale in folder.glob(f"{safe_stem(path)}-auto-*.db.part"):
        try:
            stale.unlink()
        except OSError:
            pass
    old = automatic_backups(path)
    for extra in old[: max(0, len(old) - kept)]:
        try:
            extra.unlink()
        except OSError:
            pass
    return dest


def inspect(src, *, passphrase: str | None = None) -> dict:
    """Check a file before it may replace the casebook; raises DatabaseError saying why.

    Returns {"version", "council", "audit_entries", "integrity"}.
    """
    src = Path(src)
    if not src.is_file():
        raise DatabaseError(f"{src} is not a file.")
    if src.stat().st_size == 0:
        raise DatabaseError(f"{src} is empty: it is not a clerkdesk backup.")
    con = connect_raw(src, passphrase)
    try:
        try:
            result = [r[0] for r in con.execute("PRAGMA integrity_check")]
        except Exception as exc:
            raise DatabaseError(f"{src} is damaged ({exc}); nothing was restored.") from None
        if result != ["ok"]:
            raise DatabaseError(f"{src} is damaged ({result[0]}); nothing was restored.")
        version = con.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not {"council", "audit", "case"} <= tables or version < 1:
            raise DatabaseError(f"{src} is not a clerkdesk casebook; nothing was restored.")
        if version > SCHEMA_VERSION:
            raise DatabaseError(f"{src} was made by a newer clerkdesk (schema {version}); "
                                "upgrade clerkdesk first. Nothing was restored.")
        council = con.execute("SELECT name FROM council ORDER BY id LIMIT 1").fetchone()
        entries = con.execute("SELECT count(*) FROM audit").fetchone()[0]
    finally:
        con.close()
    return {"version": version, "council": council[0] if council else "",
            "audit_entries": entries, "integrity": "ok"}


def restore(src, path, *, passphrase: str | None = None) -> dict:
    """Replace the casebook at *path* with the backup *src*, after checking *src* and
    keeping the current file as `backups/<name>-before-restore-<time>.db`.

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
    if path.exists() and path.stat().st_size > 0:
        kept = backup(path, default_dest(path, "before-restore"), passphrase=passphrase)
    elif not path.exists():
        if os.name == "posix":
            create_private_file(path)
        else:
            path.touch()
    source = connect_raw(src, passphrase)
    try:
        target = connect_raw(path, passphrase)
        try:
            source.backup(target)
        except Exception as exc:
            if _is_busy(exc):
                raise DatabaseBusy(busy_message(path)) from None
            raise DatabaseError(f"Could not restore into {path} ({exc}); "
                                f"the previous casebook is kept as {kept}.") from None
        finally:
            target.close()
    finally:
        source.close()
    facts["kept"] = kept
    return facts
