"""Bulk triage figures: `python bench/bulk.py [--cases N] [--batch B]` from the repository root.

On a copy of the generated casebook (50,000 cases by default, bench/.cache/):
- "mark all shown": the ids of every request, and of every open request
  (`bulk.ids_shown`, what `+` reads on a worker), its wall time and count;
- the preview of closing B of them (default 1,000), then the batch itself (one
  transaction, B steps and B + 1 audit entries), `clerkdesk check`'s records and chain
  after it, and the one undo that reverts it;
- the entries and steps written, counted (work, not time, is what the tests assert).

Figures only: nothing here is a test.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from common import casebook


def run(cases: int, batch: int) -> dict:
    from clerkdesk.models.casework import bulk, case_lists
    from clerkdesk.models.core.db import close_database
    from clerkdesk.models.core.schema import Audit, Step
    from clerkdesk.models.store import integrity, undo
    from clerkdesk.models.store.opening import open_database

    src = casebook(cases)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bulk.db"
        shutil.copyfile(src, path)
        open_database(path, backup=False)
        try:
            out: dict = {"cases": cases}
            t0 = time.perf_counter()
            every = bulk.ids_shown(case_lists.REQUESTS, "")
            out["mark_all_requests_ms"] = round((time.perf_counter() - t0) * 1000, 1)
            out["requests"] = len(every)
            t0 = time.perf_counter()
            ids = bulk.ids_shown(case_lists.REQUESTS, "status:open")
            out["mark_all_open_requests_ms"] = round((time.perf_counter() - t0) * 1000, 1)
            out["open_requests"] = len(ids)
            ids = ids[:batch]
            t0 = time.perf_counter()
            pv = bulk.preview("close", ids, outcome="Answered in bulk.")
            out["preview_ms"] = round((time.perf_counter() - t0) * 1000, 1)
            out["batch"] = len(pv.ready)
            entries, steps = Audit.select().count(), Step.select().count()
            t0 = time.perf_counter()
            result = bulk.apply("close", ids, outcome="Answered in bulk.")
            out["apply_ms"] = round((time.perf_counter() - t0) * 1000, 1)
            out["apply_per_case_ms"] = round(out["apply_ms"] / max(1, len(result.done)), 2)
            out["entries_written"] = Audit.select().count() - entries
            out["steps_written"] = Step.select().count() - steps
            t0 = time.perf_counter()
            undo.undo_last()
            out["undo_ms"] = round((time.perf_counter() - t0) * 1000, 1)
            close_database()
            t0 = time.perf_counter()
            report = integrity.check_path(path)
            out["check_ms"] = round((time.perf_counter() - t0) * 1000, 1)
            out["check_ok"] = report.ok
            out["load_average"] = round(os.getloadavg()[0], 1)
        finally:
            close_database()
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=50000)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.cases, args.batch), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
