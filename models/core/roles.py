"""The roles a member or officer can hold, as keys with labels.

Keys are the lower_snake_case role names the rulebook uses (`town_clerk`,
`corporate_director`, `group_leader`...), stored comma-separated on the register rows.
"""
from __future__ import annotations

MEMBER_ROLES: dict[str, str] = {
    "chair": "Mayor / Chair of the Council",
    "vice_chair": "Deputy Mayor / Vice-Chair",
    "committee_chair": "Committee chair",
    "committee_vice_chair": "Committee vice-chair",
    "group_leader": "Group leader",
    "deputy_group_leader": "Deputy group leader",
    "personnel_panel": "Personnel panel member",
}


OFFICER_ROLES: dict[str, str] = {
    "town_clerk": "Town Clerk",
    "proper_officer": "Proper Officer",
    "head_of_paid_service": "Head of Paid Service",
    "deputy_clerk": "Deputy Clerk",
    "responsible_financial_officer": "Responsible Financial Officer",
    "managing_director": "Managing Director",
    "corporate_director": "Corporate Director",
    "head_of_service": "Head of Service",
    "monitoring_officer": "Monitoring Officer",
    "section_151_officer": "Section 151 Officer",
    "junior_officer": "Junior officer",
}


CONTACT_ROLES: dict[str, str] = {
    "principal_monitoring_officer": "Principal council's Monitoring Officer",
    "principal_deputy_monitoring_officer": "Principal council's Deputy Monitoring Officer",
    "independent_person": "Independent person (SLCC)",
    "county_association": "County Association",
    "other": "Other contact",
}


INTEREST_KINDS = {"professional": "Professional", "personal": "Personal", "pecuniary": "Pecuniary"}


def split(value: str) -> list[str]:
    return [r.strip() for r in (value or "").split(",") if r.strip()]


def join(keys) -> str:
    return ",".join(dict.fromkeys(k.strip() for k in keys if k and k.strip()))


def labels(value: str, table: dict[str, str]) -> str:
    return ", ".join(table.get(k, k) for k in split(value))


def parse_roles(text: str, table: dict[str, str]) -> list[str]:
    """Read roles typed as keys or labels, comma-separated; raise ValueError naming a bad one."""
    by_label = {v.lower(): k for k, v in table.items()}
    out = []
    for part in split(text):
        key = part.lower().replace(" ", "_").replace("-", "_")
        if key in table:
            out.append(key)
        elif part.lower() in by_label:
            out.append(by_label[part.lower()])
        else:
            raise ValueError(f"'{part[:40]}' is not a role; choose from: {', '.join(table)}")
    return out
