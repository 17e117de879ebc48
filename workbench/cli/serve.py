"""`workbench serve`: the workbench TUI in a web browser, for a demo or a teammate.

Each browser tab that opens the page gets its own workbench process on the App
(`textual-serve` runs `python -m workbench APP` behind a websocket). The server
binds to localhost unless told otherwise: whoever reaches the port can run the
App, with the rights of the user who started the server. A `--host` that is
not a loopback address is refused unless `--public` is given, and even then a
warning says so.

`textual-serve` (and its aiohttp) is an optional dependency: the `serve` extra.
Neither it nor this module imports Textual; the served workbench does, in its
own process.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import os
import shlex
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Any

from .common import USAGE_ERROR, ArgumentParser, say

DEFAULT_HOST = "localhost"
DEFAULT_PORT = 8000
QUIT_GRACE = 8.0
"""Seconds a served workbench has to quit (cancelling its run) once the server ends, before it is killed."""

PUBLIC_WARNING = (
    "anyone who can reach {where} can use this workbench: run the App, read and change its files, "
    "with your user's rights"
)


def _parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="workbench serve",
        description="Serve the workbench TUI on an App in a web browser (textual-serve). "
        "Binds to localhost unless --host and --public say otherwise.",
    )
    parser.add_argument("app_dir", metavar="APP_DIR", help="the App folder (it holds main.py)")
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"the address to listen on (default {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"the port to listen on (default {DEFAULT_PORT})")
    parser.add_argument(
        "--public",
        action="store_true",
        help="allow a --host that is not a loopback address: everyone who can reach the port can run the App",
    )
    parser.add_argument("--no-watch", action="store_true", help="serve the workbench with watch mode off")
    parser.add_argument(
        "--on-save",
        choices=["job", "presets", "both"],
        default="job",
        help="what a save runs in the served workbench: the Job (default), every preset, or both",
    )
    return parser


def is_loopback(host: str) -> bool:
    """Whether every address `host` names is a loopback address (a name that does not resolve is not)."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return False
    addresses = {info[4][0] for info in infos}
    return bool(addresses) and all(ipaddress.ip_address(str(a).split("%")[0]).is_loopback for a in addresses)


def served_command(app_root: Path, *, watch: bool, on_save: str = "job") -> str:
    """The shell command textual-serve runs for each browser tab: this workbench on the App."""
    argv = [sys.executable, "-m", "workbench", str(app_root)]
    if not watch:
        argv.append("--no-watch")
    if on_save != "job":
        argv += ["--on-save", on_save]
    return shlex.join(argv)


def command_serve(argv: list[str]) -> int:
    """The `workbench serve` command; returns its exit status."""
    options = _parser().parse_args(argv)
    from ..appdir import AppFolder, AppFolderError

    if not 0 < options.port < 65536:
        say(f"serve: --port {options.port}: must be between 1 and 65535")
        return USAGE_ERROR
    try:
        app = AppFolder.open(options.app_dir)
    except AppFolderError as error:
        say(str(error))
        return USAGE_ERROR
    where = f"port {options.port} on {options.host}"
    if not is_loopback(options.host):
        if not options.public:
            say(
                f"serve: --host {options.host} is not a loopback address: "
                + PUBLIC_WARNING.format(where=where)
                + ". Add --public to do it anyway, or leave out --host to serve on localhost only."
            )
            return USAGE_ERROR
        say("warning: " + PUBLIC_WARNING.format(where=where))
    try:
        server_class = _server_class()
    except ImportError as error:
        say(
            f"serve needs textual-serve ({error}); install it with: "
            'pip install "infrax-workbench[serve]"'
        )
        return 1
    # The served workbench is this one, whatever the server's working directory.
    package_parent = str(Path(__file__).resolve().parents[2])
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [package_parent, os.environ.get("PYTHONPATH")]))
    server = server_class(
        served_command(app.root, watch=not options.no_watch, on_save=options.on_save),
        host=options.host,
        port=options.port,
        title=f"InfraX Workbench · {app.name}",
        public=options.public,
    )
    say(f"serving the workbench on {app.name} at http://{_url_host(options.host)}:{options.port} (Ctrl-C ends it)")
    try:
        server.serve()
    except OSError as error:  # the port is taken, the address is not this machine's
        say(f"serve: cannot listen on {where}: {error.strerror or error}")
        return 1
    finally:
        server.end_sessions()
    return 0


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _server_class() -> Any:
    """A textual-serve `Server` that ends its workbenches when it ends, built on first use."""
    import logging

    from aiohttp import web
    from textual_serve.app_service import AppService
    from textual_serve.server import Server

    class WorkbenchServer(Server):
        def __init__(self, command: str, *, public: bool, **kwargs: Any) -> None:
            super().__init__(command, **kwargs)
            self.public = public
            self.sessions: set[AppService] = set()
            self.sockets: set[web.WebSocketResponse] = set()

        def initialize_logging(self) -> None:
            logging.basicConfig(level=logging.WARNING, format="workbench serve: %(message)s")

        async def on_startup(self, app: web.Application) -> None:
            pass  # the command has said where it serves

        async def on_shutdown(self, app: web.Application) -> None:
            # Closing the websockets ends each session's message loop; its AppService then
            # asks the workbench to quit, which cancels a run going and waits for its tree.
            for websocket in list(self.sockets):
                await websocket.close()

        async def handle_index(self, request: web.Request) -> Any:
            if self.public:  # the page's links follow the address the browser used
                self.public_url = f"{request.scheme}://{request.host}"
            return await super().handle_index(request)

        async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
            # As textual-serve's own handler, keeping each session so the server can end it.
            websocket = web.WebSocketResponse(heartbeat=15)
            width = _int(request.query.get("width"), 80)
            height = _int(request.query.get("height"), 24)
            service: AppService | None = None
            try:
                await websocket.prepare(request)
                self.sockets.add(websocket)

                async def close() -> None:
                    await websocket.close()

                service = AppService(
                    self.command,
                    write_bytes=websocket.send_bytes,
                    write_str=websocket.send_str,
                    close=close,
                    download_manager=self.download_manager,
                    debug=self.debug,
                )
                self.sessions.add(service)
                await service.start(width, height)
                await self._process_messages(websocket, service)
            except asyncio.CancelledError:
                await websocket.close()
            except Exception as error:  # one browser's broken session must not end the server
                logging.getLogger(__name__).warning("a session ended with an error: %s", error)
            finally:
                self.sockets.discard(websocket)
                if service is not None:
                    await service.stop()
                    self.sessions.discard(service)
            return websocket

        def end_sessions(self) -> None:
            """Make sure no served workbench outlives the server: quit, then killed after a grace period."""
            processes = [service._process for service in self.sessions if service._process is not None]
            for process in processes:
                if process.returncode is None:
                    _end_process_tree(process.pid)

    return WorkbenchServer


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _end_process_tree(pid: int) -> None:
    """SIGTERM a session's process and its descendants; SIGKILL what is left after `QUIT_GRACE`."""
    import psutil

    try:
        root = psutil.Process(pid)
        tree = [root, *root.children(recursive=True)]
    except psutil.Error:
        return
    for process in tree:
        try:
            process.send_signal(signal.SIGTERM)
        except psutil.Error:
            pass
    _gone, alive = psutil.wait_procs(tree, timeout=QUIT_GRACE)
    for process in alive:
        try:
            process.kill()
        except psutil.Error:
            pass
    deadline = time.monotonic() + 2
    while alive and time.monotonic() < deadline:
        _gone, alive = psutil.wait_procs(alive, timeout=0.1)
