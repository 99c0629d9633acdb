"""One owner per library: a running app or `trove watch` answers the CLI over a Unix socket.

The owner has the catalog open, the vectors in memory and the query models loaded, so a CLI search
through it is warm (tens of milliseconds instead of a cold start), and an index asked from the CLI runs
in the owner, which already serialises its runs. The socket is ``owner.sock`` in the data folder: the
folder is 0700 and the socket 0600, so only the library's person can talk to it.

Protocol: the client sends one JSON object on one line, ``{"op": "search"|"status"|"index", ...}``; the
owner answers with JSON lines: ``{"progress": {...}}`` while an index runs, then ``{"result": ...}`` or
``{"error": {"type", "message", "exit_code"}}``. A socket left by an owner that died is noticed (nobody
answers) and replaced by the next owner; a client that finds no owner works on its own.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import socketserver
import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.types import Progress, Query, TroveError

if TYPE_CHECKING:
    from core.library import Library

log = logging.getLogger(__name__)

SOCKET_NAME = "owner.sock"
CONNECT_TIMEOUT_S = 0.5


# -- the owner ----------------------------------------------------------------------------------------------
class OwnerServer:
    """Serves one library on its data folder's socket, in a thread of its own; ``close()`` to stop."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self.path = library.data_dir / SOCKET_NAME
        self._server: socketserver.ThreadingUnixStreamServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> bool:
        """Start serving; False (and a log line) if another live owner has the library."""
        if _alive(self.path):
            log.info("another Trove owns %s; this one will not answer the CLI", self.library.data_dir)
            return False
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()  # left by an owner that died
        library = self.library

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                _serve_one(library, self.rfile.readline(), self.wfile)

        old_umask = os.umask(0o177)  # the socket is created 0600
        try:
            server = socketserver.ThreadingUnixStreamServer(str(self.path), Handler)
        finally:
            os.umask(old_umask)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="trove-owner", daemon=True)
        self._thread.start()
        log.info("answering the CLI on %s", self.path)
        return True

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self._server = None


def _serve_one(library: Library, line: bytes, out: Any) -> None:
    lock = threading.Lock()

    def send(message: dict[str, Any]) -> None:
        with lock:
            out.write((json.dumps(message, ensure_ascii=False) + "\n").encode())
            out.flush()

    try:
        request = json.loads(line or b"{}")
        op = request.get("op")
        if op == "search":
            send({"result": library.search(Query.from_json(request["query"])).to_json()})
        elif op == "status":
            send({"result": library.status()})
        elif op == "index":
            for p in request.get("add", []):
                library.add_root(p)
            if not library.roots():
                raise TroveError("no library folders yet; run `trove index FOLDER` to add one")
            summary = library.index(request.get("paths") or None, lambda p: send({"progress": asdict(p)}),
                                    retry_failed=bool(request.get("retry_failed")), wait=True)
            send({"result": summary.to_json()})
        else:
            raise TroveError(f"the library's owner does not know {op!r}")
    except TroveError as exc:
        send({"error": {"type": type(exc).__name__, "message": str(exc), "exit_code": exc.exit_code}})
    except (BrokenPipeError, ConnectionResetError):  # the client went away (Ctrl+C)
        return
    except Exception as exc:  # a bug: logged here with its traceback, one line to the client
        log.exception("the owner failed to answer %.200r", line)
        with contextlib.suppress(OSError):
            send({"error": {"type": type(exc).__name__, "message": f"internal error in the app ({exc}); see "
                            f"{library.data_dir / 'trove.log'}", "exit_code": 1}})


# -- the client (the CLI) -----------------------------------------------------------------------------------
class OwnerError(TroveError):
    """What the owner answered an error with (its type name and exit code kept)."""

    def __init__(self, message: str, type_name: str, exit_code: int) -> None:
        super().__init__(message)
        self.type_name = type_name
        self.exit_code = exit_code


def ask(data_dir: Path, request: dict[str, Any], progress: Callable[[Progress], None] | None = None) -> Any:
    """Send ``request`` to the library's owner; its result, or None when no owner is running."""
    with _connect(data_dir / SOCKET_NAME) as conn:
        if conn is None:
            return None
        conn.sendall((json.dumps(request) + "\n").encode())
        conn.settimeout(None)  # an index may take hours; a search answers when it answers
        for message in _lines(conn):
            if "progress" in message:
                if progress is not None:
                    progress(Progress(**message["progress"]))
            elif "error" in message:
                err = message["error"]
                raise OwnerError(err.get("message", "the owner failed"), err.get("type", ""),
                                 int(err.get("exit_code", 1)))
            elif "result" in message:
                return message["result"]
    raise TroveError(f"the Trove that owns {data_dir} stopped answering; try again")


@contextlib.contextmanager
def _connect(path: Path) -> Iterator[socket.socket | None]:
    if not path.exists():
        yield None
        return
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.settimeout(CONNECT_TIMEOUT_S)
    try:
        conn.connect(str(path))
    except OSError:  # an owner that died left its socket: work alone
        conn.close()
        yield None
        return
    try:
        yield conn
    finally:
        conn.close()


def _lines(conn: socket.socket) -> Iterator[dict[str, Any]]:
    buffer = b""
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            return
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            yield json.loads(line)


def is_owned(data_dir: Path) -> bool:
    """An app or `trove watch` has this library open and answers on its socket."""
    return _alive(data_dir / SOCKET_NAME)


def _alive(path: Path) -> bool:
    with _connect(path) as conn:
        return conn is not None
