"""ctrl+p commands for correspondence: take in a saved email, a subject-access export,
retention (what is due, anonymise with a confirmation). Their screens are imported only
when a command runs (screens/intake_screen.py, sar_screen.py, retention_screen.py)."""
from __future__ import annotations

from textual.command import DiscoveryHit, Hit, Hits, Provider


def take_in_email(app) -> None:
    from clerkdesk.screens.intake_screen import take_in_email as flow

    flow(app, lambda case: app.refresh_all() if case is not None else None)


def subject_access(app) -> None:
    from clerkdesk.screens.sar_screen import subject_access as flow

    flow(app)


def retention(app) -> None:
    from clerkdesk.screens.retention_screen import RetentionScreen

    app.push_screen(RetentionScreen(), lambda done: app.refresh_all() if done else None)


COMMANDS = [
    ("Take in a saved email (.eml)", take_in_email,
     "a new case, or a step on the case it answers, with its attachments (i)"),
    ("Subject-access export", subject_access,
     "everything about one person in a zip, third parties listed to redact (UK GDPR Art. 15)"),
    ("Retention: cases due for anonymising", retention,
     "closed requests and complaints past the retention period, documents included"),
]


class CorrespondenceProvider(Provider):
    async def discover(self) -> Hits:
        for name, command, help_text in COMMANDS:
            yield DiscoveryHit(name, lambda c=command: c(self.app), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, command, help_text in COMMANDS:
            score = matcher.match(name + " " + help_text) if query else 1.0
            score = max(score, matcher.match(name))
            if score > 0:
                yield Hit(score, matcher.highlight(name), lambda c=command: c(self.app),
                          help=help_text)
