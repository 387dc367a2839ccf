"""clerkdesk as a user installs it: the wheel built from this working tree, installed (not
editable) in a brand-new venv, and the one-file app of scripts/build_zipapp.py, each
run as a clerk runs it.

The editable install the rest of the suite uses reads the source folders, so it cannot
see what the wheel leaves out (a hand-kept package list once left out
clerkdesk.tui.commands, and every installed command died). The wheel and the venv are
made once for this module: pip reaches its index and cache exactly as the README's
commands do (the environment is passed on as it is).
"""
from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
import time
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import build_zipapp  # noqa: E402

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
MAPPING = PYPROJECT["tool"]["setuptools"]["package-dir"]
#: the kinds of file the installed package needs beside its modules
DATA = {".tcss", ".toml", ".docx"}

COMPLAINT = {"case": "complaint", "complainant": "member", "subject_role": "corporate_director",
             "raised_with_officer": "unresolved"}


# --- what the wheel must hold, worked out from the source tree -----------------------------

def source_packages() -> dict[str, Path]:
    """Every folder with an __init__.py under a folder of the package-dir mapping, by the
    dotted name it installs as (found here by walking, not by asking setup.py)."""
    out = {}
    for name, folder in MAPPING.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            if "__pycache__" not in rel.parts:
                out[".".join([name, *rel.parts])] = init.parent
    return out


def expected_files() -> set[str]:
    """The archive names of every module and data file under the mapped folders, in a
    package or not (a style sheet moved into a folder of its own must still ship)."""
    out = set()
    for name, folder in MAPPING.items():
        for f in (ROOT / folder).rglob("*"):
            rel = f.relative_to(ROOT / folder)
            if (f.is_file() and "__pycache__" not in rel.parts
                    and (f.suffix == ".py" or f.suffix in DATA)):
                out.add("/".join([*name.split("."), *rel.parts]))
    return out


def missing_from_wheel(names: set[str]) -> list[str]:
    """What *names* (a wheel's file list) lacks: packages first, then single files."""
    packages = sorted(p for p in source_packages()
                      if "/".join([*p.split("."), "__init__.py"]) not in names)
    files = sorted(f for f in expected_files() - names
                   if not any(f.startswith(p.replace(".", "/") + "/") for p in packages))
    return [f"package {p}" for p in packages] + files


# --- running the installed commands ----------------------------------------------------------

def user_env(home: Path, path_first: Path | None = None) -> dict[str, str]:
    """The environment less anything that could lead back to the source tree, with the
    user's folders (data, config, cache, temp) in *home*."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP"}
           and not k.startswith("CLERKDESK_")}
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "TMPDIR"):
        env[var] = str(home / var.lower())
        Path(env[var]).mkdir(parents=True, exist_ok=True)
    env["SHIV_ROOT"] = str(home / "shiv")
    if path_first:
        env["PATH"] = f"{path_first}{os.pathsep}{env.get('PATH', '')}"
    return env


def run(cmd: list, env: dict, cwd: Path, stdin: str | None = None,
        expect: int = 0) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(c) for c in cmd], check=False, env=env, cwd=cwd, input=stdin,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == expect, (
        f"{' '.join(map(str, cmd))} exited {proc.returncode}, not {expect}\n"
        f"stdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}")
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def check_the_commands(clerkdesk: list, env: dict, work: Path) -> None:
    """--help, demo, check and route, from *clerkdesk* (the command as a list), asserting
    on what each prints."""
    out = run([*clerkdesk, "--help"], env, work).stdout
    assert out.startswith("usage: clerkdesk")
    for sub in ("demo", "route", "check", "backup", "report", "export", "import"):
        assert re.search(rf"^    {sub}\b", out, re.MULTILINE), f"{sub} missing from --help:\n{out}"

    casebook = work / "ashcombe.db"
    out = run([*clerkdesk, "demo", casebook], env, work).stdout.splitlines()
    assert out[0] == f"Wrote the demo council (Ashcombe Town Council) to {casebook}"
    assert re.match(r"12 members in 4 wards, .* 40 requests and 8 complaints", out[1]), out
    assert casebook.is_file()
    again = run([*clerkdesk, "demo", casebook], env, work, expect=1)
    assert again.stderr.startswith("clerkdesk: ") and "already exists" in again.stderr

    lines = run([*clerkdesk, "--db", casebook, "check"], env, work).stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "integrity", "foreign keys", "schema", "audit chain", "records", str(casebook)], lines
    assert lines[0] == "integrity: ok (SQLite integrity_check)"
    assert re.fullmatch(r"schema: ok \(schema \d+, \d+ tables as expected\)", lines[2]), lines[2]
    assert re.fullmatch(r"audit chain: ok \(\d+ entries, each hash verified; head #\d+ \w+\)",
                        lines[3]), lines[3]
    assert re.fullmatch(r"records: ok \(\d+ rows match their latest audit entry\)", lines[4])
    assert lines[5] == f"{casebook}: all checks passed"

    facts = work / "facts.json"
    facts.write_text(json.dumps(COMPLAINT))
    route = json.loads(run([*clerkdesk, "route", "--profile", "principal"], env, work,
                           stdin=facts.read_text()).stdout)
    assert route["outcome_key"] == "complaint_about_director"
    assert [(s["handler"], s["clause"], s["in_writing"]) for s in route["steps"]] == [
        ("managing_director", "001 §11.2", True)]
    assert "Managing Director" in route["clauses"]["001 §11.2"]  # quoted from the profile
    info = json.loads(run([*clerkdesk, "route", "--compact"], env, work,
                          stdin='{"case": "information"}').stdout)
    assert info["profile"] == "town" and isinstance(info["due_working_days"], int)
    bad = run([*clerkdesk, "route"], env, work, stdin='{"case": "no_such_case"}', expect=2)
    assert bad.stderr.startswith("clerkdesk: fact 'case': \"no_such_case\" is not one of")


ANSI = re.compile(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
                  r"|\x1b[PX^_].*?\x1b\\|\x1b[()][0-9A-Za-z]|\x1b[=>78]", re.DOTALL)


def open_the_demo_in_a_terminal(clerkdesk: list, env: dict, work: Path) -> str:
    """Run `clerkdesk --demo` in a pseudo-terminal of 120x40 until the Dashboard shows the
    demo council, quit with ctrl+q, and return what it printed (escape codes removed).
    Proves that the app starts from the installed files: its style sheets among them."""
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    proc = subprocess.Popen([str(c) for c in [*clerkdesk, "--demo"]], stdin=slave, stdout=slave,
                            stderr=slave, cwd=work, env=dict(env, TERM="xterm-256color"),
                            start_new_session=True)
    os.close(slave)
    raw = bytearray()

    def read(until, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if until():
                return True
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the terminal closed: the app has gone
                    chunk = b""
                if not chunk:
                    return until()
                raw.extend(chunk)
        return until()

    def text() -> str:
        return ANSI.sub("", raw.decode("utf-8", "replace"))

    try:
        shown = read(lambda: all(w in text() for w in ("Ashcombe Town Council", "Dashboard",
                                                       "OVERDUE")), 120)
        os.write(master, b"\x11")  # ctrl+q
        read(lambda: proc.poll() is not None, 60)
        status = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    screen = text()
    assert shown, f"the demo's Dashboard never showed:\n{screen[-3000:]}"
    assert status == 0, f"clerkdesk --demo exited {status}:\n{screen[-3000:]}"
    assert "Traceback" not in screen, screen[-3000:]
    assert "your own casebook was not touched" in screen
    return screen


# --- the wheel in a fresh venv ----------------------------------------------------------------

@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    return build_zipapp.build_wheel(tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A brand-new venv with the wheel installed as a user would; yields its bin folder."""
    where = tmp_path_factory.mktemp("venv") / "venv"
    home = tmp_path_factory.mktemp("home")
    env = user_env(home)
    run([sys.executable, "-m", "venv", where], env, home)
    bin_dir = where / ("Scripts" if os.name == "nt" else "bin")
    run([bin_dir / "python", "-m", "pip", "install", wheel], env, home)
    return bin_dir


def test_the_wheel_holds_every_package_and_data_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = expected_files()
    assert "clerkdesk/tui/commands/__init__.py" in expected
    assert sum(n.endswith(".toml") for n in expected) >= 2  # the protocol profiles
    assert sum(n.endswith(".tcss") for n in expected) >= 1  # the app's styles
    assert missing_from_wheel(names) == []
    dist_info = f"clerkdesk-{PYPROJECT['project']['version']}.dist-info/"
    assert {n.split("/")[0] + "/" for n in names} == {"clerkdesk/", dist_info}  # no tests/, bench/
    entry = zipfile.ZipFile(wheel).read(dist_info + "entry_points.txt").decode()
    assert "clerkdesk = clerkdesk.tui.__main__:main" in entry


def test_the_check_of_the_wheel_names_what_is_missing(wheel):
    names = {n for n in zipfile.ZipFile(wheel).namelist()
             if not n.startswith("clerkdesk/tui/commands/")
             and n != "clerkdesk/models/rules/protocols/town.toml"}
    missing = missing_from_wheel(names)
    assert missing[0] == "package clerkdesk.tui.commands"
    assert "clerkdesk/models/rules/protocols/town.toml" in missing
    assert not any(m.startswith("clerkdesk/tui/commands/") for m in missing)  # said once


def test_the_wheel_needs_only_the_runtime_dependencies(wheel):
    dist_info = f"clerkdesk-{PYPROJECT['project']['version']}.dist-info/"
    meta = zipfile.ZipFile(wheel).read(dist_info + "METADATA").decode()
    always = {re.split(r"[ <>=!~;\[]", line.split(": ", 1)[1])[0]
              for line in meta.splitlines()
              if line.startswith("Requires-Dist: ") and "extra ==" not in line}
    assert always == {re.split(r"[ <>=!~;\[]", d)[0] for d in PYPROJECT["project"]["dependencies"]}
    assert "pytest" not in always and "import-linter" not in always


def test_a_build_leaves_out_what_an_earlier_build_left(tmp_path):
    """`pip install .` in a folder where it ran before a `git pull` that removed a module:
    the module is not installed again from build/lib (setup.py empties it first)."""
    src = build_zipapp.clean_copy(tmp_path / "src")
    left = src / "build" / "lib" / "clerkdesk" / "tui" / "removed_since.py"
    left.parent.mkdir(parents=True)
    left.write_text("")
    build_zipapp.pip("wheel", "--no-deps", "--quiet", "--wheel-dir", str(tmp_path / "dist"),
                     str(src))
    (built,) = (tmp_path / "dist").glob("clerkdesk-*.whl")
    names = zipfile.ZipFile(built).namelist()
    assert "clerkdesk/tui/__init__.py" in names
    assert not [n for n in names if "removed_since" in n]


def test_the_installed_wheel_runs_every_command(venv, tmp_path):
    env = user_env(tmp_path / "home", path_first=venv)
    # the package is the venv's own copy, and none of the test tools came with it
    probe = run([venv / "python", "-c",
                 ("import importlib.util as u, clerkdesk.tui.commands as c; print(c.__file__);"
                  "print(u.find_spec('pytest') is None, u.find_spec('importlinter') is None)")],
                env, tmp_path).stdout.splitlines()
    assert Path(probe[0]).is_relative_to(venv.parent) and "site-packages" in probe[0]
    assert probe[1] == "True True"
    clerkdesk = [venv / ("clerkdesk.exe" if os.name == "nt" else "clerkdesk")]
    check_the_commands(clerkdesk, env, tmp_path)


@pytest.mark.skipif(os.name == "nt", reason="a pseudo-terminal is POSIX's")
def test_the_installed_wheel_opens_the_demo(venv, tmp_path):
    env = user_env(tmp_path / "home", path_first=venv)
    open_the_demo_in_a_terminal([venv / "clerkdesk"], env, tmp_path)


# --- the one-file app -------------------------------------------------------------------------

@pytest.mark.skipif(os.name == "nt", reason="runs the file by its #! line and in a pty")
def test_the_one_file_app_runs_without_pip(tmp_path):
    """scripts/build_zipapp.py builds the file; a bare Python (a venv without pip, which
    sees none of this machine's packages) runs it by its #! line."""
    pyz = tmp_path / "out" / "clerkdesk.pyz"
    home = tmp_path / "home"
    built = run([sys.executable, ROOT / "scripts" / "build_zipapp.py", "--out", pyz],
                user_env(home), tmp_path)
    assert built.stdout.startswith("Wrote ") and "clerkdesk.pyz" in built.stdout
    assert os.access(pyz, os.X_OK)
    assert pyz.read_bytes().startswith(b"#!/usr/bin/env python3\n")

    bare = tmp_path / "bare"
    run([sys.executable, "-m", "venv", "--without-pip", bare], user_env(home), tmp_path)
    env = user_env(home, path_first=bare / "bin")
    prefix = run(["python3", "-c", "import sys; print(sys.prefix)"], env, tmp_path).stdout
    assert Path(prefix.strip()).resolve() == bare.resolve()
    for module in ("pip", "textual", "clerkdesk"):
        probe = subprocess.run(["python3", "-c", f"import {module}"], check=False, env=env,
                               cwd=tmp_path, capture_output=True, text=True)
        assert f"No module named '{module}'" in probe.stderr, (module, probe.stderr)

    work = tmp_path / "work"
    work.mkdir()
    check_the_commands([pyz], env, work)
    assert any((home / "shiv").iterdir())  # it ran from what it unpacked there
    open_the_demo_in_a_terminal([pyz], env, work)
