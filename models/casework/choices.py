"""The pick-lists the forms offer: wards, party groups, members and serving officers, as
(id, label) pairs, archived records left out.
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
