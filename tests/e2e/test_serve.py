"""`workbench serve`: the TUI in a browser, bound to localhost unless told otherwise."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import sys
import time

import aiohttp
import psutil

from cli_helpers import cli_env
from workbench.cli.serve import is_loopback, served_command

SERVE = [sys.executable, "-m", "workbench", "serve"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_loopback_addresses() -> None:
    assert is_loopback("localhost")
    assert is_loopback("127.0.0.1")
    assert is_loopback("127.8.0.1")
    assert is_loopback("::1")
    assert not is_loopback("0.0.0.0")
    assert not is_loopback("::")
    assert not is_loopback("192.168.1.20")
    assert not is_loopback("no-such-host.invalid")


def test_the_served_command_runs_this_workbench_on_the_app(tmp_path) -> None:
    command = served_command(tmp_path / "my app", watch=False)
    assert command.startswith(sys.executable)
    assert "-m workbench" in command
    assert "'" + str(tmp_path / "my app") + "'" in command
    assert command.endswith("--no-watch")
    assert served_command(tmp_path, watch=True, on_save="presets").endswith("--on-save presets")
    assert "--on-save" not in served_command(tmp_path, watch=True)


def test_a_host_beyond_loopback_is_refused_without_public(sample_app) -> None:
    app = sample_app("echo")
    result = subprocess.run(
        [*SERVE, str(app), "--host", "0.0.0.0", "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=30,
        env=cli_env(),
    )
    assert result.returncode == 2
    assert "not a loopback address" in result.stderr
    assert "anyone who can reach" in result.stderr
    assert "--public" in result.stderr


def test_a_folder_that_is_not_an_app_is_refused(tmp_path) -> None:
    result = subprocess.run([*SERVE, str(tmp_path)], capture_output=True, text=True, timeout=30, env=cli_env())
    assert result.returncode == 2
    assert "main.py" in result.stderr


async def _first_screen(port: int, needle: bytes, while_open, timeout: float = 40.0) -> tuple[str, bytes]:
    """Fetch the page, open its websocket and read the terminal until `needle` arrives, then call `while_open`."""
    async with aiohttp.ClientSession() as session:
        for _ in range(200):  # the server may still be starting
            try:
                async with session.get(f"http://127.0.0.1:{port}/") as response:
                    page = await response.text()
                    break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.1)
        else:
            raise AssertionError("the server never answered")
        received = b""
        async with session.ws_connect(f"http://127.0.0.1:{port}/ws?width=120&height=40") as websocket:
            await websocket.send_str(json.dumps(["resize", {"width": 120, "height": 40}]))
            deadline = time.monotonic() + timeout
            while needle not in received and time.monotonic() < deadline:
                try:
                    message = await websocket.receive(timeout=deadline - time.monotonic())
                except asyncio.TimeoutError:
                    break
                if message.type == aiohttp.WSMsgType.BINARY:
                    received += message.data
                elif message.type == aiohttp.WSMsgType.TEXT:
                    received += message.data.encode()
                elif message.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR, aiohttp.WSMsgType.CLOSE):
                    break
            while_open()
            return page, received


def test_serve_shows_the_workbench_in_a_browser_and_leaves_no_process(sample_app) -> None:
    app = sample_app("echo")
    port = free_port()
    server = subprocess.Popen(
        [*SERVE, str(app), "--port", str(port), "--no-watch"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=cli_env(),
    )
    family: list[psutil.Process] = []
    commands: list[str] = []

    def end_server_with_the_browser_open() -> None:
        # The served workbench runs under the server while the browser is connected.
        family.extend(psutil.Process(server.pid).children(recursive=True))
        commands.extend(" ".join(process.cmdline()) for process in family)
        server.send_signal(signal.SIGINT)

    try:
        page, screen = asyncio.run(_first_screen(port, b"Arguments", end_server_with_the_browser_open))
        assert "InfraX Workbench" in page and "/ws" in page
        assert b"Arguments" in screen, screen[-2000:]
        assert any("-m workbench" in command for command in commands), "no workbench was started for the browser"
        server.wait(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    _gone, alive = psutil.wait_procs(family, timeout=10)
    assert not [p for p in alive if p.status() != psutil.STATUS_ZOMBIE], alive
    stderr = server.stderr.read().decode()
    assert f"http://localhost:{port}" in stderr
    assert server.returncode == 0, stderr
