"""Who the clerk is: the name each audit entry carries, and the clerk's own settings file.

The settings file (`settings.toml` in the user's config folder, per login, never shared)
holds `clerk = "Name"`; `$CLERKDESK_USER` overrides it. In a shared office (PostgreSQL)
each clerk names themselves there, since the council's clerk name is the same for all.
"""
from __future__ import annotations

import getpass
import os

from clerkdesk.models.core.schema import Council


def user_settings_path():
    """The clerk's own settings file (per login, never shared): `clerk = "Name"`."""
    from pathlib import Path

    from platformdirs import user_config_dir

    return Path(user_config_dir("clerkdesk", appauthor=False)) / "settings.toml"


def _settings_clerk() -> str:
    import tomllib

    try:
        with user_settings_path().open("rb") as fh:
            return str(tomllib.load(fh).get("clerk", "")).strip()
    except (OSError, ValueError):
        return ""


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
    council = Council.select(Council.clerk_name).first()
    if council and council.clerk_name:
        return council.clerk_name
    try:
        return getpass.getuser()
    except Exception:  # pragma: no cover - no login name at all
        return "clerk"
