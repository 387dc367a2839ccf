"""The pick-lists the forms offer: wards, party groups, members and serving officers, as
(id, label) pairs, archived records left out; and what a form says under one that has
nothing to pick yet (`empty_help`).
"""
from __future__ import annotations

from clerkdesk.models.core.schema import Member, Officer, PartyGroup, Ward


def ward_choices():
    return [(str(w.id), w.name) for w in Ward.select().where(~Ward.archived).order_by(Ward.name)]


def group_choices():
    return [(str(g.id), g.name)
            for g in PartyGroup.select().where(~PartyGroup.archived).order_by(PartyGroup.name)]


def member_choices():
    return [(str(m.id), m.name) for m in Member.select().where(~Member.archived).order_by(Member.name)]


def officer_choices():
    return [(str(o.id), f"{o.name} ({o.job_title})" if o.job_title else o.name)
            for o in Officer.select().where(~Officer.archived & Officer.left_on.is_null())
            .order_by(Officer.name)]


#: said under a pick-list of these while it is empty: where its records are added
EMPTY_HELP = {
    ward_choices: "No wards yet: add them on the Council tab (7, then → to Wards, n).",
    group_choices: "No party groups yet: add them on the Party groups tab (5, n).",
    member_choices: "No members yet: add them on the Members tab (2, n).",
    officer_choices: "No serving officers yet: add them on the Officers tab (3, n).",
}


def empty_help(spec) -> str:
    """What a form says under *spec*'s pick-list while it offers nothing: the field's own
    `empty_help`, else where records of its kind are added ("" for any other field)."""
    if spec.kind not in ("ref", "refs"):
        return ""
    if spec.empty_help:
        return spec.empty_help
    return EMPTY_HELP.get(spec.choices, "") if callable(spec.choices) else ""
