"""An output folder written one generation at a time, by one writer at a time.

A build writes every file it makes (the exports and the build state) into a new generation folder,
`.paperkg/generations/<id>/`, and then switches `.paperkg/current`, a symbolic link, to it with one atomic rename. The
exports in the folder itself are symbolic links through `current` (`graph.ttl -> .paperkg/current/graph.ttl`), so a
reader sees the previous build or the new one, never a mix, wherever the writer is stopped. Spooled extractions live
in `.paperkg/segments/`, named after the generation that wrote them; a generation's manifest lists those it uses (an
update reuses the old ones and adds its own).

A writer holds `.paperkg/lock` (an advisory lock the system drops when its process ends, however it ends) and first
removes what stopped writers left: generations other than the current one, segments no manifest names, temporary
files.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

STATE_DIR = ".paperkg"
MANIFEST = "manifest.json"
STATE_FILES = frozenset({MANIFEST, "duplicates.pickle"})  # in a generation, beside its exports
# every name an export of some build may have had in the folder itself (a stale one is removed on publishing)
EXPORT_NAMES = ("graph.ttl", "graph.nt", "graph.jsonld", "graph.rdf", "graph.graphml", "graph.html", "mentions.jsonl")


class OutputFolderError(Exception):
    """An output folder that cannot be written now: another process is writing it, or it is not a folder."""


class OutputFolder:
    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.state = self.root / STATE_DIR
        self.current = self.state / "current"
        self.generations = self.state / "generations"
        self.segments = self.state / "segments"
        self._lock_handle = None

    # ------------------------------------------------------------ reading

    def current_generation(self) -> Path | None:
        """The folder of the published generation, or None (no build here, or one made before generations)."""
        if not self.current.is_symlink():
            return None
        target = self.state / os.readlink(self.current)
        return target if target.is_dir() else None

    def current_manifest_path(self) -> Path | None:
        generation = self.current_generation()
        return generation / MANIFEST if generation is not None else None

    # ------------------------------------------------------------ writing

    @contextmanager
    def writing(self) -> Iterator[OutputFolder]:
        """Hold the folder's lock (OutputFolderError if another process holds it) and clear what stopped writers left."""
        if self.root.exists() and not self.root.is_dir():
            raise OutputFolderError(f"{self.root} is a file, not a folder; give a folder to write the build to")
        self.state.mkdir(parents=True, exist_ok=True)
        handle = open(self.state / "lock", "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            if error.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise OutputFolderError(f"{self.root} is being written by pid {holder}; wait for that build to end or "
                                 "stop it, then run again") from None
            raise
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._lock_handle = handle
        try:
            self.clean_up()
            yield self
        finally:
            self._lock_handle = None
            handle.close()  # releases the lock

    def new_generation(self) -> Path:
        """An empty folder for the next generation (published by `publish`, else removed by the next writer)."""
        self._require_lock()
        self.generations.mkdir(parents=True, exist_ok=True)
        generation = self.generations / f"{time.time_ns():x}-{os.getpid()}"
        generation.mkdir()
        return generation

    def segment_path(self, generation: Path, number: int = 0) -> Path:
        self.segments.mkdir(parents=True, exist_ok=True)
        return self.segments / f"{generation.name}-{number}.pickle"

    def publish(self, generation: Path) -> None:
        """Make `generation` the folder's build: one atomic switch, then the export links and the clean-up."""
        self._require_lock()
        _fsync_directory(generation)
        if self.segments.is_dir():
            _fsync_directory(self.segments)
        _replace_with_symlink(self.current, os.path.relpath(generation, self.state))
        _fsync_directory(self.state)
        exports = sorted(p.name for p in generation.iterdir() if p.name not in STATE_FILES and not p.name.startswith("."))
        for name in exports:
            link = self.root / name
            target = os.path.join(STATE_DIR, "current", name)
            if not (link.is_symlink() and os.readlink(link) == target):
                _replace_with_symlink(link, target)
        for name in EXPORT_NAMES:
            stale = self.root / name
            if name not in exports and (stale.is_symlink() or stale.is_file()):
                stale.unlink()
        _fsync_directory(self.root)
        self.clean_up()

    def discard(self, generation: Path) -> None:
        """Drop a generation that will not be published (the build failed or was stopped)."""
        shutil.rmtree(generation, ignore_errors=True)

    def clean_up(self) -> None:
        """Remove what no published generation uses: other generations, unnamed segments, temporary files, and the
        build state of the layout before generations."""
        self._require_lock()
        current = self.current_generation()
        if self.generations.is_dir():
            for generation in self.generations.iterdir():
                if current is None or generation.name != current.name:
                    shutil.rmtree(generation, ignore_errors=True) if generation.is_dir() else generation.unlink()
        used = _segments_named(current / MANIFEST) if current is not None else set()
        if self.segments.is_dir() and used is not None:
            for segment in self.segments.iterdir():
                if segment.name not in used:
                    shutil.rmtree(segment, ignore_errors=True) if segment.is_dir() else segment.unlink()
        for name in (*EXPORT_NAMES, "current"):  # this program's temporaries only: `.<name>.<random>.tmp`
            for folder in (self.root, self.state):
                for temporary in folder.glob(f".{name}.*.tmp"):
                    temporary.unlink(missing_ok=True)
        if current is not None:  # the layout before generations kept these directly in .paperkg/
            for old in (self.state / MANIFEST, self.state / "duplicates.pickle"):
                old.unlink(missing_ok=True)

    def _require_lock(self) -> None:
        if self._lock_handle is None:
            raise RuntimeError("write an output folder only inside OutputFolder.writing()")


def _segments_named(manifest: Path) -> set[str] | None:
    """The segments a manifest uses; None when it cannot be read (then nothing is removed on its word: whoever
    reads the build reports the damage)."""
    try:
        segments = json.loads(manifest.read_text("utf-8")).get("segments") or []
        return {entry["name"] for entry in segments}
    except (OSError, ValueError, AttributeError, TypeError, KeyError):
        return None


def _replace_with_symlink(path: Path, target: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    os.symlink(target, temporary)
    os.replace(temporary, path)


def _fsync_directory(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
