"""Where the screens' and widgets' styles are: a .tcss beside each module it styles. The
app loads them all as it starts (`ClerkDesk.CSS_PATH`, one list in this order), so a
screen never waits for its styles to be parsed the first time it opens."""
from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent

#: every stylesheet of screens/: the shared widgets' first, then what every modal shares,
#: then each screen's (a later rule wins a tie: `.detail-box` sets the width `.modal-box`
#: gives every modal box, so it must come after)
STYLESHEETS: list[Path] = [
    _HERE / "widgets" / name for name in
    ("tab_bar.tcss", "key_bar.tcss", "virtual_table.tcss", "detail.tcss", "charts.tcss")
] + [
    _HERE / name for name in
    ("modal.tcss", "meeting.tcss", "dashboard.tcss", "first_run.tcss", "register_pane.tcss",
     "confirm.tcss",
     "form.tcss", "picker.tcss", "help.tcss", "wizard.tcss", "import_screen.tcss",
     "file_picker.tcss", "documents_screen.tcss", "retention_screen.tcss", "intake_screen.tcss",
     "marks.tcss", "bulk_actions.tcss")
]
