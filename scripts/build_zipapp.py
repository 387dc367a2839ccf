#!/usr/bin/env python3
"""Build clerkdesk as one file that runs without pip: `dist/clerkdesk.pyz`.

    python scripts/build_zipapp.py [--out dist/clerkdesk.pyz] [--python "/usr/bin/env python3"]

What it makes: a zipapp (shiv) holding clerkdesk's wheel, built from this working tree,
and the packages it needs to run (textual, peewee, python-dateutil, holidays, platformdirs
and theirs), none of the optional extras. Every one of them is pure Python, so the file
runs on Linux, macOS and Windows alike with Python 3.11 or newer and nothing else
installed: `./clerkdesk.pyz --demo`, `python3 clerkdesk.pyz check`, `py clerkdesk.pyz` on
Windows. On its first run it unpacks itself into ~/.shiv (or $SHIV_ROOT) and runs from
there, so Textual's style sheets and the protocol profiles are ordinary files.

It refuses to write the file if a package it would hold has compiled code (a file that
would run only on this kind of machine); psycopg and sqlcipher3 (the [postgres] and
[encrypted] extras) are left out for that reason.

Building needs pip and shiv (`pip install shiv`, or the [dev] extra); running the file
needs neither. Also imported by tests/test_packaging.py, which builds its wheel with
`build_wheel` below.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
#: skipped when the tree is copied without git's help (not a checkout)
NOT_SOURCE = {".git", "build", "dist", "__pycache__", ".venv", ".pytest_cache", ".hypothesis",
              ".import_linter_cache"}
#: files of compiled code: a zipapp holding one runs only where it was built
COMPILED = {".so", ".pyd", ".dylib", ".dll"}


class BuildError(Exception):
    """A sentence saying what went wrong and what to do."""


def source_files(repo: Path = REPO) -> list[Path]:
    """The working tree's files as a fresh clone would have them, with uncommitted changes:
    what git tracks and what it does not ignore (a build/ or *.egg-info left by an earlier
    `pip install .` must not leak stale modules into the wheel). Outside a git checkout,
    every file but the usual build leftovers."""
    try:
        out = subprocess.run(
            ["git", "-C", str(repo), "ls-files", "-z", "--cached", "--others",
             "--exclude-standard"],
            capture_output=True, check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        rels = [p.relative_to(repo) for p in repo.rglob("*") if p.is_file()]
        return [rel for rel in rels if not NOT_SOURCE.intersection(rel.parts)
                and not any(part.endswith(".egg-info") for part in rel.parts)]
    names = [name for name in out.decode().split("\0") if name]
    return [Path(name) for name in names if (repo / name).is_file()]


def clean_copy(dest: Path, repo: Path = REPO) -> Path:
    """Copy the source files into *dest* (made if missing) and return it."""
    for rel in source_files(repo):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo / rel, target)
    return dest


def pip(*args: str) -> None:
    """Run this Python's pip; its output is shown only if it fails."""
    proc = subprocess.run([sys.executable, "-m", "pip", *args], check=False, capture_output=True,
                          text=True)
    if proc.returncode:
        raise BuildError(f"pip {args[0]} failed (exit {proc.returncode}):\n"
                         f"{proc.stdout[-3000:]}{proc.stderr[-3000:]}")


def build_wheel(outdir: Path, repo: Path = REPO) -> Path:
    """Build clerkdesk's wheel from a clean copy of the working tree, as `pip install .`
    would (in an isolated build environment); return the wheel's path in *outdir*."""
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="clerkdesk-src-") as src:
        clean_copy(Path(src), repo)
        pip("wheel", "--no-deps", "--quiet", "--wheel-dir", str(outdir), src)
    wheels = sorted(outdir.glob("clerkdesk-*.whl"))
    if len(wheels) != 1:
        raise BuildError(f"expected one clerkdesk wheel in {outdir}, found {len(wheels)}")
    return wheels[0]


def compiled_files(site: Path) -> list[str]:
    """The files of compiled code under *site*, as paths relative to it."""
    return sorted(str(p.relative_to(site)) for p in site.rglob("*")
                  if p.suffix in COMPILED and p.is_file())


def build_zipapp(out: Path, python: str = "/usr/bin/env python3", repo: Path = REPO) -> Path:
    """Build the one-file app at *out* and return its path."""
    try:
        import shiv  # noqa: F401  (only to say how to get it)
    except ImportError:
        raise BuildError("shiv is not installed for this Python: run `pip install shiv` "
                         "(it is in the [dev] extra), then run this again.") from None
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="clerkdesk-zipapp-") as tmp:
        wheel = build_wheel(Path(tmp) / "wheel", repo)
        site = Path(tmp) / "site-packages"
        pip("install", "--quiet", "--no-compile", "--target", str(site), str(wheel))
        # the console scripts pip wrote name this machine's Python: of no use in the file
        shutil.rmtree(site / "bin", ignore_errors=True)
        compiled = compiled_files(site)
        if compiled:
            raise BuildError("these files are compiled code, so the one file would run only on "
                             "this kind of machine; take the package that brings them out of "
                             "the dependencies:\n  " + "\n  ".join(compiled))
        proc = subprocess.run(
            [sys.executable, "-m", "shiv", "--site-packages", str(site), "--console-script",
             "clerkdesk", "--output-file", str(out), "--python", python, "--compressed",
             "--reproducible"],
            check=False, capture_output=True, text=True)
        if proc.returncode:
            raise BuildError(f"shiv failed (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="build_zipapp.py",
        description="Build clerkdesk as one file that runs with Python 3.11+ and nothing else.")
    parser.add_argument("--out", type=Path, default=REPO / "dist" / "clerkdesk.pyz",
                        help="the file to write (default: dist/clerkdesk.pyz)")
    parser.add_argument("--python", default="/usr/bin/env python3",
                        help="the interpreter line at the top of the file "
                             "(default: /usr/bin/env python3)")
    args = parser.parse_args(argv)
    try:
        out = build_zipapp(args.out, args.python)
    except BuildError as exc:
        print(f"build_zipapp: {exc}", file=sys.stderr)
        return 1
    size = out.stat().st_size / 2**20
    shown = os.path.relpath(out) if out.is_relative_to(Path.cwd()) else str(out)
    print(f"Wrote {shown} ({size:.1f} MiB). Run it with: python3 {shown} --demo")
    return 0


if __name__ == "__main__":
    sys.exit(main())
