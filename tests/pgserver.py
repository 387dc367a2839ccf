"""A throwaway PostgreSQL server for the PostgreSQL tier of the tests: `initdb` into a
temporary folder, `pg_ctl start` on a free port, `pg_ctl stop` and the folder removed at
the end. A real server, never a mock. initdb refuses to run as root, so as root the server
runs as the `postgres` user (Debian's package creates it) or, failing that, `nobody`.

`start()` returns a PgServer or raises PgUnavailable with the reason (the tier then skips,
printing why)."""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid


class PgUnavailable(Exception):
    pass


def find_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        path = os.path.join(folder, name)
        if os.access(path, os.X_OK):
            return path
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    def __init__(self, folder: str, port: int, run_as: str | None, pg_ctl: str):
        self.folder, self.port, self.run_as, self.pg_ctl = folder, port, run_as, pg_ctl
        self.user = "clerk"

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{dbname}"

    def admin(self):
        import psycopg

        return psycopg.connect(self.url(), autocommit=True)

    def create_database(self, template: str | None = None) -> str:
        name = "t_" + uuid.uuid4().hex[:12]
        with self.admin() as con:
            con.execute(f'CREATE DATABASE "{name}"'
                        + (f' TEMPLATE "{template}"' if template else ""))
        return name

    def drop_database(self, name: str) -> None:
        with self.admin() as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        _run(self.run_as, [self.pg_ctl, "-D", os.path.join(self.folder, "data"), "-m", "immediate",
                           "stop"], check=False)
        shutil.rmtree(self.folder, ignore_errors=True)


def _run(user, cmd, check=True):
    if user:
        cmd = ["runuser", "-u", user, "--"] + cmd
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if check and res.returncode != 0:
        raise PgUnavailable(f"{' '.join(cmd)} failed: {(res.stderr or res.stdout).strip()[-500:]}")
    return res


def start() -> PgServer:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise PgUnavailable("psycopg is not installed (pip install -e '.[dev]')") from None
    initdb, pg_ctl = find_bin("initdb"), find_bin("pg_ctl")
    if not initdb or not pg_ctl:
        raise PgUnavailable("initdb/pg_ctl not found (install Debian's postgresql package)")
    run_as = None
    if os.geteuid() == 0:
        for name in ("postgres", "nobody"):
            try:
                pwd.getpwnam(name)
            except KeyError:
                continue
            run_as = name
            break
        if run_as is None:
            raise PgUnavailable("running as root and there is no postgres user to run the server")
    folder = tempfile.mkdtemp(prefix="clerkdesk-pg-")
    os.chmod(folder, 0o755)
    if run_as:
        pw = pwd.getpwnam(run_as)
        os.chown(folder, pw.pw_uid, pw.pw_gid)
    data = os.path.join(folder, "data")
    try:
        _run(run_as, [initdb, "-D", data, "-A", "trust", "-U", "clerk", "-E", "UTF8",
                      "--locale=C", "--no-sync"])
        port = _free_port()
        opts = (f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100")
        _run(run_as, [pg_ctl, "-D", data, "-o", opts, "-l", os.path.join(folder, "log"),
                      "-w", "-t", "60", "start"])
    except PgUnavailable:
        log = os.path.join(folder, "log")
        tail = open(log).read()[-500:] if os.path.exists(log) else ""
        shutil.rmtree(folder, ignore_errors=True)
        raise PgUnavailable(f"the server did not start. {tail}") from None
    return PgServer(folder, port, run_as, pg_ctl)
