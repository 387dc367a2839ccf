"""The app's tabs: their ids and titles, in the order of the number keys, and the pane
each one shows (its screen module imported only when the tab is first built)."""
from __future__ import annotations

from clerkdesk.models.casework import case_lists, registers

#: (tab id, title) in the order of the number keys
TABS = [
    ("dashboard", "Dashboard"),
    ("members", "Members"),
    ("officers", "Officers"),
    ("requests", "Requests"),
    ("groups", "Party groups"),
    ("complaints", "Complaints"),
    ("council", "Council"),
]

#: the titles the tab bar shows when the full ones do not fit on one line (80 columns)
SHORT_TITLES = {"dashboard": "Desk", "groups": "Groups"}


def numbered(*, short: bool = False) -> list[tuple[str, str]]:
    """(tab id, "4 Requests") of each tab for the tab bar; *short*: the narrow titles."""
    return [(tab, f"{number} {SHORT_TITLES.get(tab, title) if short else title}")
            for number, (tab, title) in enumerate(TABS, start=1)]

#: the tab that shows each kind of record the palette finds (cases: requests or complaints,
#: committees: the Council tab's own)
RECORD_TABS = {"member": "members", "officer": "officers", "party_group": "groups"}


def make_pane(tab: str):
    """A tab's pane (not the Dashboard's, which the app composes at the start)."""
    if tab == "members":
        from clerkdesk.screens.member_pane import MemberPane

        return MemberPane(registers.MEMBERS, id="pane-members")
    if tab in ("requests", "complaints"):
        from clerkdesk.screens.case_pane import CasePane

        return CasePane(case_lists.REQUESTS if tab == "requests" else case_lists.COMPLAINTS,
                        id=f"pane-{tab}")
    if tab == "council":
        from clerkdesk.screens.council_pane import CouncilPane

        return CouncilPane(id="pane-council")
    if tab == "groups":
        from clerkdesk.screens.group_pane import GroupPane

        return GroupPane(registers.GROUPS, id="pane-groups")
    from clerkdesk.screens.register_pane import RegisterPane

    return RegisterPane(registers.OFFICERS, id=f"pane-{tab}")
