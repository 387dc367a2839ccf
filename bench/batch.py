"""(5) The batch commands beside their raw floors, each figure and its floor measured in
the same fresh interpreter, one after the other (the floor first, so both find the file
in the page cache alike), median of the runs:

- `check_s` / `check_floor_s`: `integrity.check_path` on the 50k casebook / SQLite's
  integrity_check plus sha256 of `repr(row)` for every row of every table (the search
  index's tables left out), read with plain sqlite3;
- `copy_s` / `copy_floor_s`: `engine_copy.copy` SQLite -> SQLite as `clerkdesk copy` runs
  it (the search index built in the copy, then verified) / `VACUUM INTO` a new file;
- `export_s` / `export_floor_s`: `export_csv("requests", file)` / the same rows (the
  columns behind the export's cells, the same WHERE and ORDER BY) from plain sqlite3
  through `csv.writer`;
- `report_s` / `report_floor_s`: `write_report` (Markdown and HTML) / the report's own
  reads raw: every SELECT it runs (traced on a first, untimed run, values in place),
  executed again with plain sqlite3 and every row fetched (`report_statements` of them);
- `import_10k_s` / `import_10k_floor_s`: `preview_import` + `apply_import` of 10,000
  members (each with a ward and a party group) into a copy of a small generated casebook /
  `executemany` of the same 10,000 rows into another copy, in one transaction, with the
  same triggers (the search index's);
- `add_step_per_s` / `raw_step_per_s`: `cases.add_step` on one case after another, each
  its own transaction / a raw `INSERT INTO step` per transaction (BEGIN IMMEDIATE,
  INSERT, COMMIT) on a connection with the same pragmas (WAL, synchronous=FULL, foreign
  keys), on copies of the small casebook; `add_step_median_ms` / `raw_step_median_ms`
  each side's median step (the WAL's checkpoints fall in a few steps of each).

    python bench/batch.py            # every figure
    python bench/batch.py check      # one (check, copy, export, report, import, add_step)

Times are in-process (no interpreter start-up in either figure).
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import CACHE, casebook, median  # noqa: E402

FIGURES = ("check", "copy", "export", "report", "import", "add_step")

#: (the row's name, its first word the figure's, the figure's key, its floor's key)
TABLE = [("check", "check_s", "check_floor_s"), ("copy", "copy_s", "copy_floor_s"),
         ("export requests", "export_s", "export_floor_s"),
         ("report", "report_s", "report_floor_s"),
         ("import 10,000 members", "import_10k_s", "import_10k_floor_s"),
         ("add_step", "add_step_per_s", "raw_step_per_s")]
SMALL_CASES = 2000
STEPS = int(os.environ.get("BENCH_STEPS", "300"))


def small_casebook() -> Path:
    """A small generated casebook (2,000 cases, the wards and groups of the large one),
    generated once into bench/.cache/."""
    return casebook(SMALL_CASES)


def _copy_file(src: Path, dest: Path) -> Path:
    src_con = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    out = sqlite3.connect(dest)
    src_con.backup(out)
    out.close()
    src_con.close()
    return dest


# --- the figures, each run in a fresh interpreter --------------------------------------

def _check(db: Path) -> dict:
    from clerkdesk.models.store import integrity

    t0 = time.perf_counter()
    raw = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    tables = [r[0] for r in raw.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE 'search_index%'")]
    for table in tables:
        for row in raw.execute(f'SELECT * FROM "{table}"'):
            hashlib.sha256(repr(row).encode()).hexdigest()
    raw.close()
    floor = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = integrity.check_path(db)
    took = time.perf_counter() - t0
    assert report.ok, report.lines()
    return {"check_s": took, "check_floor_s": floor}


def _copy(db: Path) -> dict:
    from clerkdesk.models.casework import search
    from clerkdesk.models.store import engine_copy

    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        floor_dest = Path(tmp) / "vacuum.db"
        t0 = time.perf_counter()
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        con.execute("VACUUM INTO ?", (str(floor_dest),))
        con.close()
        floor = time.perf_counter() - t0
        floor_dest.unlink()
        dest = Path(tmp) / "copy.db"
        t0 = time.perf_counter()
        result = engine_copy.copy(db, dest, finish=lambda ddb: search.ensure_search(ddb, force=True))
        took = time.perf_counter() - t0
        assert result.ok, result.lines()
    return {"copy_s": took, "copy_floor_s": floor}


_EXPORT_SQL = ('SELECT kind, subject, member_id, group_id, owner_id, received, due, priority, '
               'confidential, details, ref, status, closed_on, outcome FROM "case" '
               "WHERE type = 'request' AND NOT archived ORDER BY received DESC, id DESC")


def _export(db: Path) -> dict:
    from clerkdesk.models.core.db import close_database
    from clerkdesk.models.output import csv_exchange
    from clerkdesk.models.store import opening

    def floor_run() -> float:
        t0 = time.perf_counter()
        raw = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerows(raw.execute(_EXPORT_SQL))
        raw.close()
        return time.perf_counter() - t0

    floor_run()  # once to warm the page cache for both
    floor = floor_run()
    opening.open_database(db, backup=False, readonly=None)
    try:
        out = io.StringIO()
        t0 = time.perf_counter()
        n = csv_exchange.export_csv("requests", out)
        took = time.perf_counter() - t0
    finally:
        close_database()
    return {"export_s": took, "export_floor_s": floor, "export_rows": n}


def _report(db: Path) -> dict:
    from clerkdesk.models.core import dates
    from clerkdesk.models.core.db import close_database, database
    from clerkdesk.models.output import report
    from clerkdesk.models.store import opening

    opening.open_database(db, backup=False, readonly=None)
    try:
        with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
            # once untimed: it warms the page cache for both, and gives the floor its
            # statements (every SELECT the report runs, its values in place)
            statements: list[str] = []
            database.connection().set_trace_callback(statements.append)
            report.write_report(tmp, ["md", "html"])
            database.connection().set_trace_callback(None)
            floor = _report_floor(db, statements)
            four = _four_aggregates(db, dates.today().isoformat())
            t0 = time.perf_counter()
            report.write_report(tmp, ["md", "html"])
            took = time.perf_counter() - t0
    finally:
        close_database()
    return {"report_s": took, "report_floor_s": floor, "report_four_aggregates_s": four,
            "report_statements": sum(_is_read(sql) for sql in statements)}


def _is_read(sql: str) -> bool:
    return sql.lstrip().upper().startswith(("SELECT", "WITH"))


def _report_floor(db: Path, statements: list[str]) -> float:
    """The report's own reads, raw: each SELECT it ran, executed again with plain sqlite3
    on a read-only connection, every row fetched (its counts, lists and the closed
    requests behind the response times and the charts)."""
    reads = [sql for sql in statements if _is_read(sql)]
    t0 = time.perf_counter()
    raw = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    for sql in reads:
        raw.execute(sql).fetchall()
    raw.close()
    return time.perf_counter() - t0


def _four_aggregates(db: Path, today: str) -> float:
    """The four aggregates the report began with (open requests by kind and status, the
    overdue cases, the open complaints by stage, the closed information requests' dates),
    kept beside the floor to compare with earlier runs."""
    t0 = time.perf_counter()
    raw = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    open_ = "status != 'closed' AND NOT archived"
    raw.execute(f'SELECT kind, status, count(*) FROM "case" WHERE {open_} AND type = '
                "'request' GROUP BY kind, status").fetchall()
    raw.execute(f'SELECT ref, type, kind, subject, confidential, status, received, due FROM '
                f'"case" WHERE {open_} AND due < ? AND waiting_since IS NULL ORDER BY due, ref',
                (today,)).fetchall()
    raw.execute(f'SELECT ref, kind, status, stage, received, due FROM "case" WHERE {open_} '
                "AND type = 'complaint' ORDER BY received, ref").fetchall()
    raw.execute('SELECT received, closed_on, waited_days, due, agreed_due FROM "case" WHERE '
                "type = 'request' AND kind = 'information' AND status = 'closed' AND NOT "
                "archived AND closed_on IS NOT NULL").fetchall()
    raw.close()
    return time.perf_counter() - t0


def _members_csv(con: sqlite3.Connection, n: int = 10_000) -> tuple[bytes, list[tuple]]:
    wards = [r[0] for r in con.execute("SELECT name FROM ward ORDER BY id")]
    groups = [r[0] for r in con.execute("SELECT name FROM party_group ORDER BY id")]
    ward_ids = dict(con.execute("SELECT name, id FROM ward"))
    group_ids = dict(con.execute("SELECT name, id FROM party_group"))
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["Name", "Ward", "Party group", "Email", "Phone", "Term starts"])
    rows = []
    for i in range(n):
        ward, group = wards[i % len(wards)], groups[i % len(groups)]
        name = f"Cllr Bench Person {i:05d}"
        email = f"bench{i}@example.org"
        w.writerow([name, ward, group, email, "01632 960000", "01/05/2023"])
        rows.append((name, ward_ids[ward], group_ids[group], email, "01632 960000",
                     "2023-05-01"))
    return out.getvalue().encode(), rows


def _import(_db: Path) -> dict:
    from clerkdesk.models.core.db import close_database
    from clerkdesk.models.output import csv_exchange
    from clerkdesk.models.store import opening

    small = small_casebook()
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        floor_db = _copy_file(small, Path(tmp) / "floor.db")
        con = sqlite3.connect(floor_db)
        data, rows = _members_csv(con)
        con.execute("PRAGMA journal_mode = wal")
        con.execute("PRAGMA synchronous = full")
        con.execute("PRAGMA foreign_keys = 1")
        t0 = time.perf_counter()
        with con:
            con.executemany("INSERT INTO member (name, ward_id, group_id, email, phone, "
                            "term_start, roles, term_end, address, notes, archived, version) "
                            "VALUES (?, ?, ?, ?, ?, ?, '', NULL, '', '', 0, 1)", rows)
        floor = time.perf_counter() - t0
        con.close()
        ours_db = _copy_file(small, Path(tmp) / "ours.db")
        opening.open_database(ours_db, backup=False)
        try:
            t0 = time.perf_counter()
            preview = csv_exchange.preview_import("members", data)
            preview_s = time.perf_counter() - t0
            assert preview.ok, preview.errors[:3]
            created = csv_exchange.apply_import(preview)
            took = time.perf_counter() - t0
            assert len(created) == len(rows)
        finally:
            close_database()
    return {"import_10k_s": took, "import_10k_floor_s": floor, "import_10k_preview_s": preview_s}


def _add_step(_db: Path) -> dict:
    from clerkdesk.models.casework import cases
    from clerkdesk.models.core.db import close_database
    from clerkdesk.models.store import opening

    small = small_casebook()
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        floor_db = _copy_file(small, Path(tmp) / "floor.db")
        con = sqlite3.connect(floor_db, isolation_level=None)
        con.execute("PRAGMA journal_mode = wal")
        con.execute("PRAGMA synchronous = full")
        con.execute("PRAGMA foreign_keys = 1")
        open_ids = [r[0] for r in con.execute(
            "SELECT id FROM \"case\" WHERE status != 'closed' ORDER BY id LIMIT ?", (STEPS,))]
        # STEPS steps, round the open cases (27 in the small casebook) as often as it takes:
        # a first step's one-off costs (the profile read, the modules a step imports) are
        # then a small part of the figure, as they are of a clerk's day
        ids = [open_ids[i % len(open_ids)] for i in range(STEPS)]
        clock = time.perf_counter
        raw_each = []
        t0 = clock()
        for case_id in ids:
            t = clock()
            con.execute("BEGIN IMMEDIATE")
            con.execute("INSERT INTO step (case_id, at, who, action, note, clause, kind) "
                        "VALUES (?, datetime('now'), 'bench', 'Phoned the member', '', '', "
                        "'step')", (case_id,))
            con.execute("COMMIT")
            raw_each.append(clock() - t)
        floor = clock() - t0
        con.close()
        ours_db = _copy_file(small, Path(tmp) / "ours.db")
        opening.open_database(ours_db, backup=False)
        ours_each = []
        try:
            t0 = clock()
            for case_id in ids:
                t = clock()
                cases.add_step(case_id, "Phoned the member")
                ours_each.append(clock() - t)
            took = clock() - t0
        finally:
            close_database()
    # beside the throughputs, each side's median step: the WAL's checkpoints (a commit
    # every thousand pages copies them into the file, 10-20 ms) fall in a few steps of
    # each side, and a busy host's pauses in any step; the median is the step itself
    return {"add_step_per_s": len(ids) / took, "raw_step_per_s": len(ids) / floor,
            "add_step_median_ms": median(ours_each) * 1000,
            "raw_step_median_ms": median(raw_each) * 1000}


_RUN = {"check": _check, "copy": _copy, "export": _export, "report": _report,
        "import": _import, "add_step": _add_step}


def _child(name: str) -> dict:
    proc = subprocess.run([sys.executable, str(Path(__file__)), "--child", name],
                          capture_output=True, text=True, timeout=900, cwd=HERE.parent)
    if proc.returncode != 0:
        raise RuntimeError(f"bench batch {name} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(runs: int = 3, names=FIGURES) -> dict:
    casebook()
    small_casebook()
    out: dict = {}
    for name in names:
        results = [_child(name) for _ in range(runs)]
        for key in results[0]:
            out[key] = median([r[key] for r in results])
        ratios = []
        for r in results:
            keys = list(r)
            figure, floor = keys[0], keys[1]
            ratios.append(r[floor] / r[figure] if figure.endswith("_per_s") else r[figure] / r[floor])
        out[f"{name}_ratio"] = median(ratios)  # each run's own ratio, then their median
        if name == "add_step":  # the median steps' ratio too (see _add_step)
            out["add_step_median_ratio"] = median(
                [r["add_step_median_ms"] / r["raw_step_median_ms"] for r in results])
    return out


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        os.environ.setdefault("CLERKDESK_NO_BANNER", "1")
        print(json.dumps(_RUN[argv[1]](casebook())))
        return 0
    names = argv or list(FIGURES)
    runs = int(os.environ.get("BENCH_RUNS", "3"))
    out = run(runs, names)
    for k, v in out.items():
        print(f"{k:24} {v:.4f}" if isinstance(v, float) else f"{k:24} {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
