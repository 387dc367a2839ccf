"""The UK's bank holidays, from the `holidays` package, kept in the cache folder.

Importing `holidays` to ask for the UK imports the package's every country (some 350
modules): about 0.2 s of pure Python, which on a start-up ran beside the first frame
and held it back. The dates it gives depend only on the package's version, the nation
and the years, so they are computed once and kept in a small JSON file in the user's
cache folder (`platformdirs.user_cache_dir`), one file per version of the package: an
update of `holidays` (say, a new bank holiday) starts a new file. The file is only ever
a copy; if it cannot be read or written the dates are simply computed.
"""
from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import tempfile
from pathlib import Path

FILE_PREFIX = "bank-holidays-"


#: the cache file read so far, and its contents (read once per file)
_memory: tuple[Path, dict[str, list[str]]] | None = None


def holidays_version() -> str | None:
    """The installed `holidays` version, without importing the package: from the name of
    its .dist-info folder beside it, else from the package metadata."""
    try:
        spec = importlib.util.find_spec("holidays")
        site = Path(list(spec.submodule_search_locations)[0]).parent
    except (AttributeError, ImportError, IndexError, TypeError, ValueError):
        return None
    for info in site.glob("holidays-*.dist-info"):
        return info.name[len("holidays-"):-len(".dist-info")]
    try:
        from importlib.metadata import version

        return version("holidays")
    except Exception:  # no metadata at all: no copy, the dates are computed
        return None


def cache_file() -> Path | None:
    version = holidays_version()
    if version is None:
        return None
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("clerkdesk", appauthor=False)) / f"{FILE_PREFIX}{version}.json"


def _stored(path: Path) -> dict[str, list[str]]:
    global _memory
    if _memory is None or _memory[0] != path:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            stored = {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, list)}
        except (OSError, ValueError, AttributeError):
            stored = {}
        _memory = (path, stored)
    return _memory[1]


def _store(path: Path, key: str, days: frozenset[dt.date]) -> None:
    """Add *key* to the file (written whole, then renamed into place); older versions'
    files are removed. Failures are ignored: the file is only a copy."""
    stored = _stored(path)
    stored[key] = sorted(d.isoformat() for d in days)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".bank-holidays-", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(stored, f)
        os.replace(tmp, path)
        for old in path.parent.glob(f"{FILE_PREFIX}*.json"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        pass


def compute(subdivision: str, first_year: int, last_year: int) -> frozenset[dt.date]:
    """The bank holidays from the `holidays` package itself (the slow way)."""
    import holidays

    calendar = holidays.country_holidays("GB", subdiv=subdivision,
                                         years=range(first_year, last_year + 1))
    return frozenset(calendar.keys())


def between(subdivision: str, first_year: int, last_year: int) -> frozenset[dt.date]:
    """The bank holidays of a UK *subdivision* (ENG, WLS, SCT, NIR) in the years given,
    from the cache file when it has them."""
    path = cache_file()
    key = f"{subdivision}:{first_year}-{last_year}"
    if path is not None:
        stored = _stored(path).get(key)
        if stored is not None:
            try:
                return frozenset(dt.date.fromisoformat(d) for d in stored)
            except (TypeError, ValueError):
                pass  # a damaged entry: computed again below
    days = compute(subdivision, first_year, last_year)
    if path is not None:
        _store(path, key, days)
    return days


def forget() -> None:
    """Drop what was read from the file (for tests)."""
    global _memory
    _memory = None
