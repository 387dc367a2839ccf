"""Run every benchmark: `python -m bench [--json] [--runs N]` from the repository root.

Generates the 50,000-case casebook once (bench/.cache/), then prints the figures, each
beside its baseline; with --json one JSON object of medians.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import batch  # noqa: E402
import common  # noqa: E402
import lists  # noqa: E402
import safety  # noqa: E402
import startup  # noqa: E402
import tour  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m bench")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--runs", type=int, default=common.RUNS, help="runs per figure (median)")
    p.add_argument("--skip-safety", action="store_true", help="leave out check and backup")
    p.add_argument("--skip-200k", action="store_true", help="leave out the 200,000-case figures")
    p.add_argument("--skip-batch", action="store_true",
                   help="leave out the batch commands beside their floors (bench/batch.py)")
    args = p.parse_args()
    common.casebook()
    out = {"cases": common.CASES, "runs": args.runs}
    out.update(startup.run(args.runs))
    out.update(lists.run(args.runs))
    out.update(tour.run(args.runs))
    if not args.skip_200k:  # the list bars at 200,000 cases (issue 17)
        out["at_200k"] = lists.at_200k(args.runs)
    if not args.skip_safety:
        out.update(safety.run())
    if not args.skip_batch:  # check_s from here: in-process, beside its floor
        if "check_s" in out:  # the CLI's wall time (bench/safety.py) stays, renamed
            out["check_cli_s"] = out.pop("check_s")
        out.update(batch.run(min(args.runs, 3)))
    out["startup_ratio"] = out["startup_s"] / out["bare_textual_startup_s"]
    out["peak_ratio"] = out["peak_mib"] / out["bare_textual_peak_mib"]
    out["tab_open_speedup"] = out["full_datatable_open_ms"] / out["tab_open_ms"]
    for key in ("filter_keystroke_ms", "jump_end_ms"):
        out[key.replace("_ms", "_speedup_vs_datatable_open")] = out["full_datatable_open_ms"] / out[key]
    if args.json:
        print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()}))
        return 0
    rows = [
        ("start to first frame", f"{out['startup_s']:.3f} s", f"{out['bare_textual_startup_s']:.3f} s (bare Textual)", f"{out['startup_ratio']:.2f}x"),
        ("  to the queue on screen", f"{out['startup_queue_shown_s']:.3f} s", "", ""),
        ("open Requests tab", f"{out['tab_open_ms']:.1f} ms", f"{out['full_datatable_open_ms']:.0f} ms (full DataTable)", f"{out['tab_open_speedup']:.0f}x faster"),
        ("filter keystroke", f"{out['filter_keystroke_ms']:.1f} ms", f"{out['full_datatable_filter_keystroke_ms']:.0f} ms", ""),
        ("longest UI block", f"{out['loop_block_max_ms']:.1f} ms", f"{out['full_datatable_loop_block_max_ms']:.0f} ms", "(max of all runs)"),
        ("longest UI block, app round", f"{out['tour_block_max_ms']:.1f} ms", out['tour_block_max_step'], ""),
        ("jump to end", f"{out['jump_end_ms']:.1f} ms", f"{out['full_datatable_jump_end_ms']:.1f} ms", ""),
        ("peak memory", f"{out['peak_mib']:.1f} MiB", f"{out['bare_textual_peak_mib']:.1f} MiB (bare Textual); {out['full_datatable_peak_mib']:.0f} MiB (full DataTable)", f"{out['peak_ratio']:.2f}x"),
    ]
    if "backup_s" in out:
        rows.append(("clerkdesk check (command)", f"{out.get('check_cli_s', out.get('check_s')):.2f} s", "", ""))
        rows.append(("clerkdesk backup", f"{out['backup_s']:.2f} s", f"{out['db_mib']:.0f} MiB file", ""))
    if "at_200k" in out:
        big = out["at_200k"]
        rows.append(("at 200,000 cases: start", f"{big['startup_s']:.3f} s", f"{big['bare_textual_startup_s']:.3f} s (bare Textual)", f"{big['startup_ratio']:.2f}x"))
        rows.append(("  open / filter / jump", f"{big['tab_open_ms']:.0f} ms", f"worst key {big['filter_keystroke_ms']:.0f} ms, 1-2 letters {big['filter_short_ms']:.0f} ms", f"end {big['jump_end_ms']:.0f} ms"))
    for name, figure, floor in batch.TABLE:
        if figure in out:
            per_s = figure.endswith("_per_s")
            unit = "/s" if per_s else " s"
            rows.append((name, f"{out[figure]:.2f}{unit}", f"{out[floor]:.2f}{unit} (floor)",
                         f"{out[name.split()[0] + '_ratio']:.2f}x"))
    for r in rows:
        print(f"{r[0]:26} {r[1]:>12}   {r[2]:45} {r[3]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
