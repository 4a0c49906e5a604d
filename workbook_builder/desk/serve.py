"""Start the desk: the one module that knows uvicorn.

`serve` makes a private working folder (removed on exit), opens (or creates) the store, binds the
port itself (a port in use is said in Chinese and the next free one is taken), prints the address,
opens the browser, and runs until Ctrl-C."""

from __future__ import annotations

import errno
import ipaddress
import secrets
import shutil
import signal
import socket
import sys
import tempfile
import threading
import webbrowser
from pathlib import Path
from typing import Any

import uvicorn

from .. import api
from ..errors import UsageError
from ..textsafe import display_path
from .app import Settings, create_app

DEFAULT_STORE = "年报.sqlite"
PORTS_TRIED = 10  # a port in use: the next ones are tried, and the one taken is said


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and `localhost`: only this computer can reach the desk."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _say(text: str) -> None:
    print(text, flush=True)


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket on the first free port from `port` on; UsageError when none is free."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    last: OSError | None = None
    for candidate in range(port, port + PORTS_TRIED):
        sock = socket.socket(family, socket.SOCK_STREAM)
        if sys.platform != "win32":  # on Windows this option would let two servers share a port
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host.strip("[]"), candidate))
        except OSError as exc:
            sock.close()
            last = exc
            if exc.errno in (errno.EADDRINUSE, errno.EACCES, getattr(errno, "WSAEADDRINUSE", -1)):
                continue
            raise UsageError(f"无法在 {host}:{candidate} 上启动工作台：{exc.strerror or exc}") from None
        sock.listen(128)
        sock.set_inheritable(True)
        if candidate != port:
            _say(f"端口 {port} 已被其他程序占用，改用端口 {candidate}。")
        return sock
    raise UsageError(f"端口 {port}—{port + PORTS_TRIED - 1} 都已被占用（{last}）：请关闭占用它们的程序，"
                     f"或用 --port 指定另一个端口")


def _check_store(path: Path) -> None:
    """Open (and create) the store once at start, so a file that is no store is said before the page opens."""
    api.open_store(path).close()


def _stop_like_ctrl_c(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _stop_signals_like_ctrl_c() -> dict[int, Any]:
    """SIGTERM (`kill`, logout, shutdown) and, on Windows, SIGBREAK (Ctrl+Break, closing the console
    window) end the desk as Ctrl+C does. uvicorn re-raises the signal that stopped it once it has shut
    down; with the default handler that ended the process at once, and the private folder with every
    uploaded return stayed in the temp folder for good."""
    before: dict[int, Any] = {}
    for name in ("SIGTERM", "SIGBREAK"):
        if hasattr(signal, name) and threading.current_thread() is threading.main_thread():
            before[getattr(signal, name)] = signal.signal(getattr(signal, name), _stop_like_ctrl_c)
    return before


def private_folder() -> Path:
    """The desk's private working folder (only this user may read it): every upload, every job's
    files and every download are kept under it, and it is removed on exit."""
    folder = Path(tempfile.mkdtemp(prefix="workbook-desk-"))
    folder.chmod(0o700)
    return folder


def serve(host: str = "127.0.0.1", port: int = 8765, store: str | Path | None = None, token: str | None = None,
          open_browser: bool = True, jobs: int | None = None) -> int:
    """Run the desk until Ctrl-C; returns the exit code. Raises `UsageError` (Chinese) for a store
    that cannot be used or no free port."""
    store_path = Path(store if store is not None else DEFAULT_STORE).resolve()
    if not is_loopback(host) and not token:
        token = secrets.token_urlsafe(16)
        _say(f"工作台对其他电脑开放（--host {host}），已生成口令：{token}")
    _check_store(store_path)
    workdir = private_folder()
    # Starlette spools every upload over 1 MiB to tempfile's default folder, and the library extracts
    # zip members to temporary folders too: pointed inside the private folder, no uploaded byte is
    # ever written to the shared temp folder, and all of it goes when the desk stops.
    previous_tempdir = tempfile.tempdir
    (workdir / "tmp").mkdir(mode=0o700)
    tempfile.tempdir = str(workdir / "tmp")
    try:
        sock = _bind(host, port)
        port = sock.getsockname()[1]
        settings = Settings(workdir=workdir / "desk", store=store_path, token=token, jobs=jobs, host=host)
        app = create_app(settings)
        shown_host = "127.0.0.1" if host in ("0.0.0.0", "") else ("[::1]" if host == "::" else host)
        shown_host = f"[{shown_host}]" if ":" in shown_host and not shown_host.startswith("[") else shown_host
        url = f"http://{shown_host}:{port}/" + (f"?token={token}" if token else "")
        _say(f"工作台已启动：{url}")
        _say(f"数据库文件：{display_path(store_path)}（各单位每次交回的检查记录都保存在这里）")
        _say("关闭工作台：在这个窗口按 Ctrl+C，或直接关闭这个窗口。")
        if open_browser:
            threading.Timer(0.5, webbrowser.open, [url]).start()
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                                timeout_graceful_shutdown=3)
        server = uvicorn.Server(config)
        handlers = _stop_signals_like_ctrl_c()
        try:
            server.run(sockets=[sock])
        except KeyboardInterrupt:
            pass
        finally:
            sock.close()
            for signum, handler in handlers.items():
                signal.signal(signum, handler)
        _say("工作台已停止。")
        return 0
    finally:
        tempfile.tempdir = previous_tempdir
        shutil.rmtree(workdir, ignore_errors=True)
