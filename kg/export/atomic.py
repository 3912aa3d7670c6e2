"""Atomic file writes: a temporary file beside the target, flushed and renamed over it (never half a file)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class AtomicFile:
    """A file written over a long time (a streamed export): `handle` is a hidden temporary file beside `path`;
    `commit()` flushes it and renames it over `path`, `abort()` deletes it. Until commit, `path` is untouched."""

    def __init__(self, path: str | Path, mode: str = "w", encoding: str | None = "utf-8"):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.handle: IO = tempfile.NamedTemporaryFile(
            mode, dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp", delete=False,
            encoding=None if "b" in mode else encoding)

    @property
    def temporary_path(self) -> Path:
        return Path(self.handle.name)

    def commit(self) -> Path:
        with self.handle:
            self.handle.flush()
            os.fsync(self.handle.fileno())
        os.chmod(self.handle.name, 0o666 & ~_umask())  # temp files are private; the result is an ordinary file
        os.replace(self.handle.name, self.path)
        return self.path

    def abort(self) -> None:
        self.handle.close()
        Path(self.handle.name).unlink(missing_ok=True)


@contextmanager
def atomic_write(path: str | Path, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO]:
    target = AtomicFile(path, mode, encoding)
    try:
        yield target.handle
    except BaseException:
        target.abort()
        raise
    target.commit()
