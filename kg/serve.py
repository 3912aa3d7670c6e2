"""`kg serve`: the exports served read-only over the SPARQL 1.1 Protocol, within limits.

The graph is loaded into an on-disk Oxigraph store that this command owns. A fixed number of query processes
(`kg/query_worker.py`) hold it open read-only and answer queries; a small HTTP layer (the standard library's
ThreadingHTTPServer) in front of them speaks the protocol at /query and enforces what Oxigraph's own server cannot:
- no federated `SERVICE` calls, unless to endpoints the operator allows (kg.query_guard);
- a time limit per query: past it the query's process is killed, which frees its memory, and replaced;
- a cap on queries at once (one per query process) and on the bytes of one result;
- no updates: the store is opened read-only and update requests are refused.
"""

from __future__ import annotations

import json
import os
import queue
import select
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from kg.processes import follow_parent
from kg.query_guard import QueryRefused, check_query
from kg.sparql import open_store

STORE_MARKER = ".paperkg-store"  # in every store folder `kg serve` made: only such a folder is ever replaced
WORKER_SCRIPT = Path(__file__).with_name("query_worker.py")
MAX_REQUEST_BYTES = 1 << 20
WAIT_FOR_SLOT_SECONDS = 2.0  # how long a query waits for a free query process before "busy"


class StoreError(Exception):
    """A --store location that `kg serve` will not use (the message says why)."""


@dataclass(frozen=True)
class Limits:
    timeout: float = 30.0
    max_concurrent: int = 2
    max_result_bytes: int = 64 << 20
    allowed_services: frozenset[str] = field(default_factory=frozenset)


# ---------------------------------------------------------------- the store

def prepare_store(data: str | Path, store_path: str | Path | None = None) -> Path:
    """Load the exports (and the vocabulary) into a fresh on-disk store that `kg serve` owns, and close it.

    The location must be new, empty, or a store made here before (which is replaced); any other folder is refused,
    and so is one that holds the data itself."""
    data = Path(data)
    folder = data if data.is_dir() else data.parent
    location = Path(store_path) if store_path else folder / ".oxigraph"
    resolved, data_resolved = location.resolve(), data.resolve()
    if resolved == data_resolved or resolved in data_resolved.parents:
        raise StoreError(f"--store {location}: that folder holds the data being served; choose another")
    if location.exists() and not location.is_dir():
        raise StoreError(f"--store {location}: exists and is not a folder; choose a new or empty folder")
    if location.is_dir() and any(location.iterdir()):
        if not (location / STORE_MARKER).is_file():
            raise StoreError(f"--store {location}: the folder is not empty and was not made by `kg serve`; "
                             "choose a new or empty folder")
        shutil.rmtree(location)
    location.mkdir(parents=True, exist_ok=True)
    (location / STORE_MARKER).write_text("An Oxigraph store made by `kg serve`; it is replaced on every start.\n",
                                         encoding="utf-8")
    store = open_store(data, path=location)
    store.flush()
    del store
    return location


# ---------------------------------------------------------------- query processes

class Busy(Exception):
    pass


class QueryTimeout(Exception):
    pass


class QueryProcessError(Exception):
    pass


def _read_exactly(fd: int, size: int, deadline: float) -> bytes:
    data = bytearray()
    while len(data) < size:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            raise QueryTimeout
        chunk = os.read(fd, size - len(data))
        if not chunk:
            raise QueryProcessError("the query process ended unexpectedly")
        data += chunk
    return bytes(data)


class QueryPool:
    """`size` query processes; a query borrows one, and a process that overran its time is killed and replaced.
    Processes are started only from the thread that runs `supervise` (the main one): Linux's parent-death signal,
    which ends them with this process, follows the thread that started them."""

    def __init__(self, location: Path, size: int):
        self.location, self.size = location, size
        self._idle: queue.Queue[subprocess.Popen] = queue.Queue()
        self._to_replace: queue.Queue[None] = queue.Queue()
        self._all: set[subprocess.Popen] = set()
        self._lock = threading.Lock()
        for _ in range(size):
            self._idle.put(self._start())

    def _start(self) -> subprocess.Popen:
        parent = os.getpid()
        process = subprocess.Popen([sys.executable, "-P", str(WORKER_SCRIPT), str(self.location)], bufsize=0,
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                   preexec_fn=lambda: follow_parent(parent))
        with self._lock:
            self._all.add(process)
        return process

    def _discard(self, process: subprocess.Popen) -> None:
        process.kill()
        process.wait()
        with self._lock:
            self._all.discard(process)
        self._to_replace.put(None)

    def run(self, request: dict, timeout: float) -> tuple[dict, bytes]:
        try:
            process = self._idle.get(timeout=WAIT_FOR_SLOT_SECONDS)
        except queue.Empty:
            raise Busy from None
        healthy = False
        try:
            message = json.dumps(request).encode()
            process.stdin.write(struct.pack(">I", len(message)) + message)
            deadline = time.monotonic() + timeout
            fd = process.stdout.fileno()
            (length,) = struct.unpack(">I", _read_exactly(fd, 4, deadline))
            reply = json.loads(_read_exactly(fd, length, deadline))
            (length,) = struct.unpack(">I", _read_exactly(fd, 4, deadline))
            body = _read_exactly(fd, length, deadline)
            healthy = True
            return reply, body
        except (BrokenPipeError, OSError) as error:
            raise QueryProcessError(f"the query process failed ({error})") from None
        finally:
            if healthy:
                self._idle.put(process)
            else:
                self._discard(process)

    def check(self, timeout: float = 60.0) -> None:
        """Every process answers a trivial query (the store opened)."""
        for _ in range(self.size):
            reply, _ = self.run({"query": "ASK {}", "accept": "", "max_bytes": 1024}, timeout)
            if reply["status"] != 200:
                raise QueryProcessError(reply.get("message", "the store could not be opened"))

    def supervise(self, stop: threading.Event) -> None:
        """Start a new process for each one discarded, until `stop` is set."""
        while not stop.is_set():
            try:
                self._to_replace.get(timeout=0.2)
            except queue.Empty:
                continue
            self._idle.put(self._start())

    def close(self) -> None:
        with self._lock:
            processes = list(self._all)
        for process in processes:
            process.kill()
            process.wait()


# ---------------------------------------------------------------- HTTP

class _Handler(BaseHTTPRequestHandler):
    server_version = "paperkg-sparql"
    protocol_version = "HTTP/1.1"

    @property
    def pool(self) -> QueryPool:
        return self.server.pool  # type: ignore[attr-defined]

    @property
    def limits(self) -> Limits:
        return self.server.limits  # type: ignore[attr-defined]

    def log_message(self, format: str, *args) -> None:  # one line per request, as Oxigraph's server prints
        sys.stderr.write(f"{self.address_string()} {format % args}\n")

    def _send(self, status: int, body: bytes, content_type: str = "text/plain; charset=utf-8",
              extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status: int, message: str, extra: dict[str, str] | None = None) -> None:
        self._send(status, (message + "\n").encode("utf-8"), extra=extra)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/query":
            queries = parse_qs(url.query).get("query")
            if not queries:
                self._error(400, "give the query as ?query=… (SPARQL 1.1 Protocol)")
                return
            self._answer(queries[0])
        elif url.path == "/":
            self._error(200, "paperkg read-only SPARQL 1.1 endpoint: send queries to /query")
        else:
            self._error(404, f"no such resource: {url.path} (queries go to /query)")

    do_HEAD = do_GET

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self._error(400, "a POST needs a valid Content-Length")
            self.close_connection = True
            return
        if length > MAX_REQUEST_BYTES:
            self._error(413, f"the request is larger than {MAX_REQUEST_BYTES:,} bytes")
            self.close_connection = True
            return
        body = self.rfile.read(length)
        if path == "/update":
            self._error(403, "this endpoint is read-only: updates are refused")
            return
        if path != "/query":
            self._error(404, f"no such resource: {path} (queries go to /query)")
            return
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        text = body.decode("utf-8", errors="replace")
        if kind == "application/sparql-query":
            self._answer(text)
        elif kind == "application/x-www-form-urlencoded":
            form = parse_qs(text)
            if "update" in form:
                self._error(403, "this endpoint is read-only: updates are refused")
            elif "query" not in form:
                self._error(400, "give the query as the form field 'query'")
            else:
                self._answer(form["query"][0])
        elif kind == "application/sparql-update":
            self._error(403, "this endpoint is read-only: updates are refused")
        else:
            self._error(415, "send application/sparql-query or a form with the field 'query'")

    def do_PUT(self) -> None:
        self._error(405, "this endpoint is read-only", extra={"Allow": "GET, POST"})

    do_DELETE = do_PATCH = do_PUT

    def _answer(self, query: str) -> None:
        limits = self.limits
        try:
            check_query(query, limits.allowed_services)
        except QueryRefused as refused:
            self._error(403, str(refused))
            return
        request = {"query": query, "accept": self.headers.get("Accept") or "", "max_bytes": limits.max_result_bytes}
        try:
            reply, body = self.pool.run(request, limits.timeout)
        except Busy:
            self._error(503, f"all {limits.max_concurrent} query slots are busy; try again shortly",
                        extra={"Retry-After": "1"})
        except QueryTimeout:
            self._error(503, f"the query ran longer than the {limits.timeout:g} s limit and was stopped")
        except QueryProcessError as error:
            self._error(500, str(error))
        else:
            if reply["status"] == 200:
                self._send(200, body, reply["type"] + ("; charset=utf-8" if "xml" not in reply["type"] else ""))
            else:
                self._error(reply["status"], reply["message"])


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:  # a client that went away, say: one line, no traceback
        error = sys.exc_info()[1]
        sys.stderr.write(f"{client_address[0]} request failed: {type(error).__name__}: {error}\n")

    def __init__(self, address: tuple[str, int], pool: QueryPool, limits: Limits):
        self.pool, self.limits = pool, limits
        super().__init__(address, _Handler)


def is_loopback(host: str) -> bool:
    return host in ("localhost", "::1") or host.startswith("127.")


def serve(location: Path, host: str, port: int, limits: Limits, ready=None) -> None:
    """Serve until SIGINT or SIGTERM. `ready(server)` is called once the socket listens (for the banner)."""
    stop = threading.Event()
    pool = QueryPool(location, limits.max_concurrent)
    try:
        pool.check()
        server = _Server((host, port), pool, limits)  # OSError when the port is taken
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        if ready is not None:
            ready(server)
        try:
            pool.supervise(stop)
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
            server.shutdown()
            server.server_close()
    finally:
        pool.close()
