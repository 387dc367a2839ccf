"""Views on a list: facets typed in the filter box, named saved views, and the last view
of each tab remembered between runs (the clerk's own, per casebook: models/core/user.py).

A filter is free words plus facets written `name:value`, e.g.
`status:open kind:info owner:marsh due:overdue`. Each register declares the facets it
knows (`Register.facets`); an unknown facet or a bad value is a sentence for the clerk.
Case lists are sorted by due date (the soonest first, open cases before closed).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from clerkdesk.models.core import user
from clerkdesk.models.core.forms import FieldSpec


class ViewError(ValueError):
    """A facet the list does not know, or a value it cannot use; the message says which."""


@dataclass
class Filter:
    words: list[str] = field(default_factory=list)
    facets: dict[str, str] = field(default_factory=dict)


def parse(text: str, known: dict | None = None) -> Filter:
    """Split a filter into free words and `name:value` facets (names checked if *known*)."""
    out = Filter()
    for token in (text or "").split():
        name, sep, value = token.partition(":")
        # a list with no facets at all takes "A:0" as the word it is (a contact's name)
        if sep and name and value and name.isalpha() and (known is None or known):
            name = name.lower()
            if known is not None and name not in known:
                choices = ", ".join(f"{k}:" for k in known) or "none"
                raise ViewError(f"This list has no '{name}:' filter; it knows {choices}")
            out.facets[name] = value
        else:
            out.words.append(token)
    return out


def _get(key: str, default):
    return user.get_state(key, default)


def _put(key: str, value) -> None:
    user.put_state(key, value)


def last_filter(list_key: str) -> str:
    value = _get(f"last_view:{list_key}", "")
    return value if isinstance(value, str) else ""


def remember(list_key: str, text: str) -> None:
    if last_filter(list_key) != (text or ""):
        _put(f"last_view:{list_key}", text or "")


def saved(list_key: str) -> list[dict]:
    views = _get(f"views:{list_key}", [])
    if not isinstance(views, list):
        return []
    return [v for v in views if isinstance(v, dict) and "name" in v and "filter" in v]


def save_view_fields() -> list[FieldSpec]:
    """The form that names a view before `save_view`."""
    return [FieldSpec("name", "Name of the view", required=True, max_len=60)]


def save_view(list_key: str, name: str, text: str) -> list[dict]:
    name = " ".join((name or "").split())
    if not name:
        raise ViewError("Give the view a name.")
    if len(name) > 60:
        raise ViewError("A view's name is at most 60 characters.")
    views = [v for v in saved(list_key) if v["name"].casefold() != name.casefold()]
    views.append({"name": name, "filter": text or ""})
    _put(f"views:{list_key}", views)
    return views


def delete_view(list_key: str, name: str) -> None:
    _put(f"views:{list_key}", [v for v in saved(list_key) if v["name"] != name])
