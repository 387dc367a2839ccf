"""`clerkdesk serve [--db PATH] [--host 127.0.0.1] [--port 8000]`: the same desk in a browser,
through textual-serve (the `[serve]` extra, imported only here).

textual-serve starts one process per browser session: each runs `python -m clerkdesk.tui`,
the desk exactly as in a terminal (meeting mode and all), on the casebook given here. The
casebook (even a PostgreSQL URL with its password) and an encrypted casebook's passphrase
reach those processes through their environment, never their command line, so a process
list shows neither.

Who is at the desk: each session names its clerk, whose name the audit log then carries.
textual-serve itself passes nothing of the browser's request to the app, so either each
session asks at connect (screens/clerk_name.py), or, with `--user-header NAME`, the name
comes from that header of the request, set by the login proxy in front; a request
without it is refused. This is why the module has its own `Server.handle_websocket` (a
copy of textual-serve 1.1's, with a session class that builds the process's environment
from the request): the extra's version is pinned for it.

textual-serve has no login of its own: on 127.0.0.1 (the default) only this machine can
reach it; `--host` opens it wider, with a warning, and the README says how to put it
behind a proxy that asks for one.
"""
from __future__ import annotations

import argparse
import asyncio
import ipaddress
import os
import re
import shlex
import sys
from urllib.parse import urlsplit

from clerkdesk.tui.commands import CliError
from clerkdesk.tui.commands.check import add_passphrase_option, casebook_path, passphrase

from clerkdesk.tui.actions import ASK_CLERK_ENV as ASK_ENV  # (a session that must ask)

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "serve",
        help="the desk in a web browser (textual-serve), on this machine by default",
        description="Serve the desk to web browsers: each browser tab gets its own desk on the "
                    "casebook, exactly as in a terminal, and names its clerk (asked when it "
                    "connects, or taken from a login proxy's header with --user-header) so the "
                    "audit log says who made each change. textual-serve has no login of its own: "
                    "it listens on 127.0.0.1 unless --host says otherwise; put it behind a proxy "
                    "that asks for a login before opening it to a network (see the README).",
    )
    p.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS,
                   help="the casebook (as the global --db; a PostgreSQL URL with a password is "
                        "better given in $CLERKDESK_DB, out of the process list)")
    p.add_argument("--host", default="127.0.0.1",
                   help="the address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8000, help="the port (default 8000)")
    p.add_argument("--public-url", metavar="URL",
                   help="the address browsers reach it by, when that is not http://HOST:PORT "
                        "(behind a proxy, e.g. https://desk.ashcombe-tc.example.org)")
    p.add_argument("--user-header", metavar="NAME",
                   help="take each session's clerk from this request header, which the login "
                        "proxy in front sets (e.g. X-Remote-User); requests without it are "
                        "refused. Without this option each session asks for a name.")
    add_passphrase_option(p)


def is_loopback(host: str) -> bool:
    if host.strip().lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def clean_name(text: str) -> str:
    """A clerk's name as a header or the connect screen gave it: one line, at most 100."""
    return " ".join(_CONTROL.sub(" ", text or "").split())[:100]


def run(args) -> int:
    try:
        from textual_serve.server import Server  # noqa: F401 (the extra, checked first)
    except ImportError:
        raise CliError("The desk in a browser needs the optional textual-serve package: "
                       "install clerkdesk with the serve extra (pip install 'clerkdesk[serve]').",
                       2) from None
    if not 0 < args.port < 65536:
        raise CliError(f"--port {args.port} is not a port: give a number from 1 to 65535.", 2)
    from clerkdesk.models.core import db
    from clerkdesk.models.core.db import PASSPHRASE_ENV
    from clerkdesk.models.store import backend, opening

    path = casebook_path(args)
    if backend.is_url(path) and args.db and urlsplit(str(path)).password:
        print("clerkdesk: warning: the casebook's password is on this command's line, where a "
              "process list shows it: give the URL in $CLERKDESK_DB instead (the sessions get "
              "it that way, never on their command line).", file=sys.stderr)
    secret = passphrase(args)
    try:  # one sentence now rather than a blank page in every browser
        opening.open_database(path, passphrase=secret, backup=False)
        from clerkdesk.models.casework import council

        if council.needs_setup():
            raise CliError(f"{path} has no council yet: open it once in the terminal "
                           "(clerkdesk --db PATH) to name the council, then serve it.")
    except db.DatabaseError as exc:
        raise CliError(str(exc)) from None
    finally:
        db.close_database()
    # what each session's process inherits (textual-serve copies this environment)
    os.environ["CLERKDESK_DB"] = str(path)
    if secret:
        os.environ[PASSPHRASE_ENV] = secret
    if not is_loopback(args.host):
        print(f"clerkdesk: warning: serving on {args.host}, port {args.port}: textual-serve has "
              "no login of its own, so anyone who can reach this address gets the desk. Put it "
              "behind a proxy that asks for a login (README: 'The desk in a browser').",
              file=sys.stderr)
    shown = backend.display_url(path) if backend.is_url(path) else str(path)
    server = make_server(args.host, args.port, public_url=args.public_url,
                         user_header=args.user_header, title=f"clerkdesk: {shown}")
    print(f"clerkdesk: serving {shown} on {server.public_url}"
          + (f" (the clerk's name from the {args.user_header} header)" if args.user_header
             else " (each session asks who is at the desk)"), flush=True)
    server.serve()
    return 0


def make_server(host: str, port: int, *, public_url: str | None = None,
                user_header: str | None = None, title: str = "clerkdesk"):
    """textual-serve's Server running `python -m clerkdesk.tui` for each session, naming
    the session's clerk from *user_header* (or asking at connect)."""
    from aiohttp import web
    from textual_serve.app_service import AppService
    from textual_serve.server import Server, log

    class Session(AppService):
        """One browser session's process, with the clerk in its environment."""

        def __init__(self, *args, clerk: str | None = None, **kwargs):
            super().__init__(*args, **kwargs)
            self.clerk = clerk

        def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
            env = super()._build_environment(width, height)
            env.pop("CLERKDESK_USER", None)  # never the name of whoever started the server
            env.pop(ASK_ENV, None)
            if self.clerk:
                env["CLERKDESK_USER"] = self.clerk
            else:
                env[ASK_ENV] = "1"
            return env

    class DeskServer(Server):
        async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
            # textual-serve 1.1's handle_websocket, with the session's clerk passed on
            clerk = None
            if user_header:
                clerk = clean_name(request.headers.get(user_header, ""))
                if not clerk:
                    log.warning("refused a session without the %s header", user_header)
                    raise web.HTTPForbidden(text=f"No {user_header} header: sign in through "
                                                 "the council's login page.")
            websocket = web.WebSocketResponse(heartbeat=15)
            width = _to_int(request.query.get("width", "80"), 80)
            height = _to_int(request.query.get("height", "24"), 24)
            app_service = None
            try:
                await websocket.prepare(request)
                app_service = Session(self.command, write_bytes=websocket.send_bytes,
                                      write_str=websocket.send_str, close=websocket.close,
                                      download_manager=self.download_manager,
                                      debug=self.debug, clerk=clerk)
                await app_service.start(width, height)
                try:
                    await self._process_messages(websocket, app_service)
                finally:
                    await app_service.stop()
            except asyncio.CancelledError:
                await websocket.close()
            except Exception as error:  # (as textual-serve: logged, the socket closed)
                log.exception(error)
            finally:
                if app_service is not None:
                    await app_service.stop()
            return websocket

    command = f"{shlex.quote(sys.executable)} -m clerkdesk.tui"
    return DeskServer(command, host=host, port=port, title=title, public_url=public_url)


def _to_int(value: str, default: int) -> int:
    try:
        return max(10, min(int(value), 1000))
    except ValueError:
        return default
