"""Correspondence figures: `python bench/intake.py [--emails N]` from the repository root.

- intake of N saved emails (default 1,000; each with a 20 KB attachment) in one
  `clerkdesk intake ... --yes`, in a child process on a fresh demo casebook: wall time,
  per email, and the child's peak memory (its VmHWM);
- `clerkdesk check` on the casebook afterwards;
- one email with a 25 MB attachment: reading it (plan), writing it (take_in), and, in
  the app driven through Pilot (120x40), the longest the event loop was held while it
  was picked, read (in a child process: read_mail_apart), confirmed and written (a 5 ms
  asyncio heartbeat, as lists.py does), beside the same round with a small email (what
  opening the picker, the form and the wizard costs by itself);
- `clerkdesk sar` of a member after the intake.

Figures only: nothing here is a test.
"""
from __future__ import annotations

import argparse
import asyncio
import email.message
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MAIL = "ashcombe-tc.example.org"
MEMBERS = ["margaret.ellison", "david.okafor", "priya.raman", "susan.whitlock", "geoffrey.barnes",
           "tom.haworth", "aisha.patel", "robert.finch", "janet.pryce", "colin.marsden"]


def write_emails(folder: Path, n: int) -> list[Path]:
    attachment = bytes(range(256)) * 80  # 20 KB
    paths = []
    for i in range(n):
        m = email.message.EmailMessage()
        m["From"] = f"cllr.{MEMBERS[i % len(MEMBERS)]}@{MAIL}"
        m["To"] = f"helen.marsh@{MAIL}"
        m["Subject"] = f"Question {i}: how much did the play area repairs cost?"
        m["Date"] = "Mon, 02 Mar 2026 09:00:00 +0000"
        m["Message-ID"] = f"<bench.{i}@example.org>"
        m.set_content(f"Dear Helen,\n\nCould you tell me the figures for item {i}?\n\n"
                      + "Thanks.\n" * 20)
        m.add_attachment(attachment, maintype="application", subtype="pdf",
                         filename=f"quote-{i}.pdf")
        path = folder / f"mail-{i:04d}.eml"
        path.write_bytes(m.as_bytes())
        paths.append(path)
    return paths


def big_email(folder: Path) -> Path:
    m = email.message.EmailMessage()
    m["From"] = f"cllr.priya.raman@{MAIL}"
    m["Subject"] = "The flood survey"
    m["Date"] = "Mon, 02 Mar 2026 09:00:00 +0000"
    m["Message-ID"] = "<bench.flood-survey@example.org>"
    m.set_content("Could I have the figures from the attached survey?")
    payload = os.urandom(25 * 1024 * 1024 - 4096)
    m.add_attachment(payload, maintype="application", subtype="pdf", filename="survey.pdf")
    path = folder / "survey.eml"
    path.write_bytes(m.as_bytes())
    return path


def clerkdesk(*args: str) -> tuple[float, float, subprocess.CompletedProcess]:
    """(seconds, peak MiB of the child, the process). The peak is the child's own VmHWM,
    polled from /proc while it runs: ru_maxrss of a child on Linux starts from its
    parent's at the fork, so a parent holding a 25 MB email inflated it."""
    t0 = time.perf_counter()
    out_file, err_file = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
    proc = subprocess.Popen([sys.executable, "-m", "clerkdesk.tui", *args],
                            stdout=out_file, stderr=err_file, text=True)  # (files: no pipe fills)
    peak_kib = 0
    status = Path(f"/proc/{proc.pid}/status")
    while proc.poll() is None:
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak_kib = max(peak_kib, int(line.split()[1]))
        except (OSError, ValueError):
            pass
        time.sleep(0.02)
    proc.wait()
    seconds = time.perf_counter() - t0
    out_file.seek(0)
    err_file.seek(0)
    out, err = out_file.read(), err_file.read()
    done = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    return seconds, peak_kib / 1024, done


async def app_block(db: Path, eml: Path) -> float:
    """The longest the app's event loop was held (ms) while the 25 MB email was taken in."""
    from textual.widgets import Input

    from clerkdesk.models.store import opening
    from clerkdesk.screens.file_picker import FilePickerScreen
    from clerkdesk.screens.form import FormScreen
    from clerkdesk.tui.app import ClerkDesk

    opening.open_database(db, backup=False)
    app = ClerkDesk(db)
    worst = 0.0
    async with app.run_test(size=(120, 40)) as pilot:
        await app.show_tab("requests")
        await app.workers.wait_for_complete()
        await pilot.pause(0.5)
        stop = False

        async def heartbeat():
            nonlocal worst
            loop = asyncio.get_running_loop()
            while not stop:
                t = loop.time()
                await asyncio.sleep(0.005)
                worst = max(worst, (loop.time() - t - 0.005) * 1000)

        beat = asyncio.create_task(heartbeat())
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, FilePickerScreen)
        box = app.screen.query_one("#files-path", Input)
        box.value = str(eml)
        box.focus()
        await pilot.press("enter")
        for _ in range(200):
            await pilot.pause(0.05)
            if isinstance(app.screen, FormScreen):
                break
        await pilot.press("ctrl+s")
        await pilot.pause(0.2)
        await app.workers.wait_for_complete()
        await pilot.pause(0.2)
        stop = True
        await beat
    return worst


def main() -> int:
    p = argparse.ArgumentParser(prog="bench/intake.py")
    p.add_argument("--emails", type=int, default=1000)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    out: dict = {"emails": args.emails}
    with tempfile.TemporaryDirectory(prefix="clerkdesk-bench-intake-") as tmp:
        tmp = Path(tmp)
        db = tmp / "demo.db"
        from clerkdesk.fixtures.demo import build_demo

        build_demo(db)
        inbox = tmp / "inbox"
        inbox.mkdir()
        paths = write_emails(inbox, args.emails)
        out["emails_mib"] = sum(p.stat().st_size for p in paths) / 2**20
        seconds, peak, proc = clerkdesk("--db", str(db), "intake", *map(str, paths), "--yes")
        if proc.returncode != 0:
            print(proc.stderr[-2000:], file=sys.stderr)
            return 1
        out["intake_s"] = seconds
        out["intake_ms_per_email"] = seconds / args.emails * 1000
        out["intake_peak_mib"] = peak
        out["casebook_mib"] = db.stat().st_size / 2**20
        seconds, peak, proc = clerkdesk("--db", str(db), "check")
        out["check_s"] = seconds
        out["check_ok"] = proc.returncode == 0
        out["check_peak_mib"] = peak
        seconds, _peak, proc = clerkdesk("--db", str(db), "sar", "Cllr Priya Raman", "--out",
                                         str(tmp / "sar.zip"))
        out["sar_s"] = seconds
        # a 25 MB attachment
        big = big_email(tmp)
        out["big_eml_mib"] = big.stat().st_size / 2**20
        from clerkdesk.models.casework import intake
        from clerkdesk.models.core.db import close_database
        from clerkdesk.models.store.opening import open_database

        db2 = tmp / "demo2.db"
        build_demo(db2)
        open_database(db2, backup=False)
        t0 = time.perf_counter()
        plan = intake.plan_file(big)
        out["big_plan_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        intake.take_in(plan)
        out["big_take_in_s"] = time.perf_counter() - t0
        close_database()
        seconds, peak, proc = clerkdesk("--db", str(db2), "check")
        out["big_check_s"] = seconds
        out["big_check_peak_mib"] = peak
        db3 = tmp / "demo3.db"
        build_demo(db3)
        out["big_app_loop_block_max_ms"] = asyncio.run(app_block(db3, big))
        db4 = tmp / "demo4.db"
        build_demo(db4)  # the same round with a small email: what the screens cost
        out["small_app_loop_block_max_ms"] = asyncio.run(app_block(db4, paths[0]))
        out["load_average"] = os.getloadavg()[0]
    if args.json:
        print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in out.items()}))
        return 0
    print(f"intake of {out['emails']} emails ({out['emails_mib']:.1f} MiB, each with a 20 KB "
          f"attachment): {out['intake_s']:.1f} s, {out['intake_ms_per_email']:.1f} ms each, "
          f"peak {out['intake_peak_mib']:.0f} MiB; casebook {out['casebook_mib']:.0f} MiB")
    print(f"clerkdesk check afterwards: {out['check_s']:.2f} s "
          f"({'ok' if out['check_ok'] else 'FAILED'}), peak {out['check_peak_mib']:.0f} MiB")
    print(f"clerkdesk sar of a member: {out['sar_s']:.2f} s")
    print(f"a 25 MB attachment ({out['big_eml_mib']:.1f} MiB .eml): read {out['big_plan_s']:.2f} s, "
          f"written {out['big_take_in_s']:.2f} s; check {out['big_check_s']:.2f} s, peak "
          f"{out['big_check_peak_mib']:.0f} MiB")
    print(f"  in the app (pick, read, confirm, write, the wizard opens): the longest the UI "
          f"was held {out['big_app_loop_block_max_ms']:.0f} ms; the same round with a small "
          f"email {out['small_app_loop_block_max_ms']:.0f} ms (load average "
          f"{out['load_average']:.1f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
