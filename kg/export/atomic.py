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


class StreamedExport:
    """An export file written batch by batch (`add_encoded`) into an AtomicFile, `self._file`, and finished by its
    subclass's `finish`. A build with workers may finish it in a forked child: `flush` first, so the child's copy of
    the write buffer is empty, and once the child has committed the file, `release` this process's handle."""

    _file: AtomicFile

    def add_encoded(self, data: bytes | memoryview) -> None:
        """Encoded papers, in corpus order."""
        self._file.handle.write(data)

    def flush(self) -> None:
        """What is written so far, on disk (before another process finishes the file)."""
        self._file.handle.flush()

    def release(self) -> None:
        """Close this process's handle, once another process has finished the file (its buffer is empty)."""
        self._file.handle.close()

    def abort(self) -> None:
        self._file.abort()
