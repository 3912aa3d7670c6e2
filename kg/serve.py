"""`kg serve`: the exports in an on-disk Oxigraph store, served read-only by Oxigraph's own HTTP server.

The `oxigraph` distribution ships the server binary; it speaks the SPARQL 1.1 Protocol at /query, and in
`serve-read-only` mode it refuses every update.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from kg.sparql import open_store


def oxigraph_binary() -> str:
    beside_python = Path(sys.executable).parent / "oxigraph"
    found = str(beside_python) if beside_python.exists() else shutil.which("oxigraph")
    if not found:
        raise FileNotFoundError("the oxigraph server is not installed (pip install oxigraph)")
    return found


def prepare_store(data: str | Path, store_path: str | Path | None = None) -> Path:
    """Load the exports (and the vocabulary) into a fresh on-disk store and close it."""
    data = Path(data)
    location = Path(store_path) if store_path else (data if data.is_dir() else data.parent) / ".oxigraph"
    if location.exists():
        shutil.rmtree(location)
    store = open_store(data, path=location)
    store.flush()
    del store
    return location


def server_command(location: Path, host: str = "127.0.0.1", port: int = 7878) -> list[str]:
    return [oxigraph_binary(), "serve-read-only", "--location", str(location), "--bind", f"{host}:{port}"]


def serve(location: Path, host: str = "127.0.0.1", port: int = 7878) -> int:
    """Replace this process with the server (POSIX), so a signal to `kg serve` reaches Oxigraph itself."""
    command = server_command(location, host, port)
    sys.stdout.flush()
    sys.stderr.flush()
    if hasattr(os, "execv"):
        os.execv(command[0], command)
    return subprocess.call(command)
