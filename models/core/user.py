"""Who the clerk is: the name each audit entry carries, the clerk's own settings file, and
the clerk's own state for each casebook (saved views, last filters, meeting mode).

The settings file (`settings.toml` in the user's config folder, per login, never shared)
holds `clerk = "Name"`; `$CLERKDESK_USER` overrides it. In a shared office (PostgreSQL)
each clerk names themselves there, since the council's clerk name is the same for all.
"""
from __future__ import annotations

import getpass
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from peewee import PostgresqlDatabase

from clerkdesk.models.core.db import database
from clerkdesk.models.core.schema import Council


#: the variables the config folder is worked out from (platformdirs: XDG_CONFIG_HOME and
#: the home folder; on Windows the user's profile folders)
_CONFIG_ENV = ("XDG_CONFIG_HOME", "HOME", "APPDATA", "LOCALAPPDATA", "USERPROFILE")

_settings_path: tuple = (None, None)  # (the variables' values, the path they gave)


def user_settings_path() -> Path:
    """The clerk's own settings file (per login, never shared): `clerk = "Name"`.
    Worked out again whenever a variable it depends on changes (every audit entry asks)."""
    env = tuple(os.environ.get(name) for name in _CONFIG_ENV)
    global _settings_path
    known_env, path = _settings_path
    if path is None or known_env != env:
        from platformdirs import user_config_dir

        path = Path(user_config_dir("clerkdesk", appauthor=False)) / "settings.toml"
        _settings_path = (env, path)
    return path


#: (the settings file, its (mtime, ctime, size, inode) when read, the clerk it named)
_settings_read: tuple = (None, None, "")


#: a file modified less than this long before it was read may be modified again within
#: the same tick of the file system's clock (the same modification time): read again
_SETTLED_NS = 2_000_000_000


def _settings_clerk() -> str:
    """`clerk` in the settings file: read again only when the file changed (a new
    modification time, size, inode or change time), or is another file. What was read
    is kept only once the file had settled (modified over 2 s before), so two saves in
    one tick of the clock are never taken for one."""
    import tomllib

    global _settings_read
    path = user_settings_path()
    try:
        st = path.stat()
    except OSError:
        return ""
    stamp = (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)
    known_path, known_stamp, clerk = _settings_read
    if known_path == path and known_stamp == stamp:
        return clerk
    try:
        with path.open("rb") as fh:
            clerk = str(tomllib.load(fh).get("clerk", "")).strip()
    except (OSError, ValueError):
        return ""
    settled = time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) > _SETTLED_NS
    _settings_read = (path, stamp, clerk) if settled else (None, None, "")
    return clerk


#: `Council.select(Council.clerk_name).first()`, as plain SQL
_CLERK_SQL = (f'SELECT "{Council.clerk_name.column_name}" FROM "{Council._meta.table_name}" '
              "LIMIT 1")


def current_user() -> str:
    """The clerk's name: $CLERKDESK_USER, else `clerk` in the clerk's own settings file,
    else the council's clerk name, else the login. In a shared office (PostgreSQL) each
    clerk sets their own name in the variable or the settings file, since the council's
    clerk name is the same for everyone."""
    env = os.environ.get("CLERKDESK_USER", "").strip()
    if env:
        return env
    own = _settings_clerk()
    if own:
        return own
    # read every time (one plain statement, no query to build): a new clerk's name
    # shows on the very next entry, whichever connection saved it
    row = database.execute_sql(_CLERK_SQL).fetchone()
    if row and row[0]:
        return row[0]
    try:
        return getpass.getuser()
    except Exception:  # pragma: no cover - no login name at all
        return "clerk"


# --- the clerk's own state, per casebook ----------------------------------------------------
#
# What a clerk leaves the screens in (saved views, each tab's last filter, meeting mode) is
# theirs, not the council's: on a shared PostgreSQL office one clerk's view must not become
# everyone's. It lives in `state.json` in the clerk's config folder, beside settings.toml,
# one section per casebook (`casebook_key`). A file that cannot be read or written never
# stops the app: the defaults (or what is already in memory) are used, and the clerk is
# told once (`on_state_problem`). Casebooks from before kept these in their `Setting`
# table: a casebook the file has no section for starts from those rows (read, never
# written again).

STATE_FORMAT = 1
#: the keys a casebook's Setting table held before they moved here (exact, or a prefix)
LEGACY_KEYS = ("meeting_mode",)
LEGACY_PREFIXES = ("last_view:", "views:")


def user_state_path() -> Path:
    """The clerk's own state file (per login, never shared)."""
    return user_settings_path().with_name("state.json")


def casebook_key(name: str | os.PathLike) -> str:
    """Which casebook a clerk's state belongs to: the SQLite file's resolved path, or the
    PostgreSQL URL with any password taken out."""
    name = os.fspath(name)
    if "://" not in name:
        return str(Path(name).expanduser().resolve())
    parts = urlsplit(name)
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    netloc = (f"{parts.username}@" if parts.username else "") + host
    if parts.port:
        netloc += f":{parts.port}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k.lower() != "password"])
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def current_casebook() -> str | None:
    """The key (`casebook_key`) of the casebook open now, or None."""
    obj = database.obj
    if obj is None or not obj.database:
        return None
    name = str(obj.database)
    if isinstance(obj, PostgresqlDatabase) and "://" not in name:
        params = obj.connect_params
        name = (f"postgresql://{params.get('user') or ''}@{params.get('host') or ''}"
                f":{params.get('port') or 5432}/{name}")
    return casebook_key(name)


class _StateFile:
    """state.json, read again only when it changed on disk; what could not be written is
    kept in memory for the rest of the run."""

    def __init__(self) -> None:
        self.path: Path | None = None
        self.stamp = None
        self.data: dict = {}
        self.hook: Callable[[str], object] | None = None
        self.untold: str | None = None
        self.told = False
        self.damaged = False  # the file on disk could not be read: set aside on writing

    def problem(self, text: str) -> None:
        if self.told:
            return
        if self.hook is None:
            self.untold = self.untold or text
            return
        self.told = True
        try:
            self.hook(text)
        except Exception:  # (an app that has closed): nobody left to tell
            pass

    def _stamp(self, path: Path):
        try:
            st = path.stat()
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def load(self) -> dict:
        path = user_state_path()
        stamp = self._stamp(path)
        if path == self.path and stamp == self.stamp:
            return self.data
        self.path, self.stamp, self.data = path, stamp, {}
        if stamp is None:
            return self.data  # no file yet
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or not isinstance(data.get("casebooks", {}), dict):
                raise ValueError("it is not a clerkdesk state file")
        except (OSError, ValueError) as exc:
            self.damaged = True
            self.problem(f"Your saved views and filters could not be read from {path} "
                         f"({exc}); clerkdesk starts from the defaults and will write a "
                         "fresh file when you next change a view.")
            return self.data
        self.data = data
        return data

    def section(self, casebook: str) -> dict:
        books = self.load().setdefault("casebooks", {})
        if casebook not in books:
            books[casebook] = _legacy_settings()
        return books[casebook]

    def save(self, casebook: str, section: dict) -> None:
        data = self.load()
        data["format"] = STATE_FORMAT
        data.setdefault("casebooks", {})[casebook] = section
        path = self.path
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if self.damaged and path.exists():
                os.replace(path, path.with_name(path.name + ".damaged"))  # kept to look at
            self.damaged = False
            tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
            os.replace(tmp, path)
        except OSError as exc:
            self.problem(f"Your saved views and filters could not be saved to {path} ({exc}); "
                         "they are kept until clerkdesk closes.")
            try:
                tmp.unlink()
            except OSError:
                pass
            return
        self.stamp = self._stamp(path)


_state = _StateFile()


def _legacy_settings() -> dict:
    """What an older casebook's Setting table holds for the clerk's state (read only)."""
    from clerkdesk.models.core.schema import Setting

    out: dict = {}
    try:
        rows = list(Setting.select())
    except Exception:  # no table, or no database: nothing to start from
        return out
    for row in rows:
        if row.key in LEGACY_KEYS:
            out[row.key] = row.value == "on"
        elif row.key.startswith(LEGACY_PREFIXES):
            try:
                out[row.key] = json.loads(row.value)
            except ValueError:
                continue
    return out


def get_state(key: str, default=None):
    """One value of the clerk's state for the casebook open now."""
    casebook = current_casebook()
    if casebook is None:
        return default
    return _state.section(casebook).get(key, default)


def put_state(key: str, value) -> None:
    """Set one value of the clerk's state for the casebook open now (written at once)."""
    casebook = current_casebook()
    if casebook is None:
        return
    section = dict(_state.section(casebook))
    section[key] = value
    _state.save(casebook, section)


def on_state_problem(callback: Callable[[str], object] | None) -> None:
    """Tell *callback* (a sentence) when the state file cannot be read or written: once
    at most from now on, and at once if that already happened before it was set. None:
    nobody to tell yet (a problem is kept for the next callback)."""
    _state.hook, _state.told = callback, False
    if callback is None:
        return
    untold, _state.untold = _state.untold, None
    if untold:
        _state.problem(untold)
