"""The build state kept beside the exports (`<out>/.paperkg/`), so a build can be updated with new papers without
re-extracting the old ones, and so pass two of the linker can re-read extractions from disk instead of memory.

- `segments/NNNNNN.pickle`: each build or update appends one segment, a stream of length-prefixed pickled
  batches of kg.extraction.PaperExtraction in corpus order (the length lets pass two hand a batch to a worker
  process as raw bytes, unpickled only there);
- `duplicates.pickle`: the later records of papers already read (text dropped), folded into them when written;
- `manifest.json`: the segments in order and a fingerprint of what extraction depends on (catalog, extractor data,
  pipeline settings): an update against a different fingerprint is refused, since old and new papers would be
  extracted differently.
The state is this program's own output; like any pickle, do not load one from a source you do not trust.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import BinaryIO, NamedTuple

from kg.corpus import RawRecord
from kg.export.atomic import AtomicFile, atomic_write
from kg.extraction import PaperExtraction

STATE_DIR = ".paperkg"
STATE_VERSION = 2
_FRAME_LENGTH = 8  # bytes of the little-endian length before each pickled batch


class StateError(Exception):
    """A build directory whose state cannot be updated (missing, from another version, other settings)."""


def fingerprint(settings: dict) -> str:
    """A digest of everything extraction depends on besides the text: data files and pipeline settings."""
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode())
    for package, folder in (("ontology", "catalog"), ("extractors", "data")):
        root = Path(str(resources.files(package).joinpath(folder)))
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def encode_frame(batch: list[PaperExtraction]) -> bytes:
    """A batch of extractions as one frame of a segment."""
    return pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL)


class SegmentWriter:
    """Appends batches of extractions to a new segment, atomically (nothing appears until `commit`)."""

    def __init__(self, path: Path):
        self._file = AtomicFile(path, "wb")
        self.papers = 0

    def write(self, batch: list[PaperExtraction]) -> None:
        if batch:
            self.write_frame(encode_frame(batch), len(batch))

    def write_frame(self, frame: bytes | memoryview, papers: int) -> None:
        """A batch already pickled by `encode_frame` (in a worker process, say)."""
        self._file.handle.write(len(frame).to_bytes(_FRAME_LENGTH, "little"))
        self._file.handle.write(frame)
        self.papers += papers

    def commit(self) -> Path:
        return self._file.commit()

    def abort(self) -> None:
        self._file.abort()

    @property
    def temporary_path(self) -> Path:
        return self._file.temporary_path

    def flush(self) -> None:
        self._file.handle.flush()


def read_frames(path: Path) -> Iterator[bytes]:
    """The pickled batches of a segment, still pickled."""
    with open(path, "rb") as handle:
        for place in frame_places(path):
            yield place.read(handle)


class FramePlace(NamedTuple):
    """Where one pickled batch lies in a segment: what a worker process is sent instead of the bytes themselves."""

    path: Path
    offset: int
    length: int

    def read(self, handle: BinaryIO | None = None) -> bytes:
        """The frame's bytes (from `handle`, an open copy of the segment, if given)."""
        if handle is None:
            with open(self.path, "rb") as opened:
                return self.read(opened)
        data = os.pread(handle.fileno(), self.length, self.offset)
        if len(data) < self.length:
            raise StateError(f"{self.path}: truncated segment; rebuild without --update")
        return data


def frame_places(path: Path) -> Iterator[FramePlace]:
    """Where each pickled batch of a segment lies (reading only the length before each)."""
    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        offset = 0
        while header := handle.read(_FRAME_LENGTH):
            length = int.from_bytes(header, "little")
            offset += _FRAME_LENGTH
            if len(header) < _FRAME_LENGTH or offset + length > size:
                raise StateError(f"{path}: truncated segment; rebuild without --update")
            yield FramePlace(path, offset, length)
            offset += length
            handle.seek(offset)


def read_segment(path: Path) -> Iterator[PaperExtraction]:
    for frame in read_frames(path):
        yield from pickle.loads(frame)


class BuildState:
    def __init__(self, out_dir: Path):
        self.root = Path(out_dir) / STATE_DIR
        self.manifest_path = self.root / "manifest.json"

    def exists(self) -> bool:
        return self.manifest_path.is_file()

    def manifest(self) -> dict:
        try:
            manifest = json.loads(self.manifest_path.read_text("utf-8"))
        except FileNotFoundError:
            raise StateError(f"{self.root.parent} has no paperkg build to update (no {self.manifest_path}); "
                             "run `kg build` into it first") from None
        except (OSError, ValueError) as error:
            raise StateError(f"{self.manifest_path}: unreadable build state ({error})") from None
        if manifest.get("version") != STATE_VERSION:
            raise StateError(f"{self.manifest_path}: build state version {manifest.get('version')}, this paperkg "
                             f"reads version {STATE_VERSION}; rebuild without --update")
        return manifest

    def check(self, expected_fingerprint: str) -> dict:
        manifest = self.manifest()
        if manifest["fingerprint"] != expected_fingerprint:
            raise StateError(f"{self.root.parent} was built with another catalog, extractor data or pipeline "
                             "settings; its papers would be extracted differently from the new ones, so rebuild "
                             "without --update")
        return manifest

    def segments(self, manifest: dict) -> list[Path]:
        return [self.root / "segments" / name for name in manifest["segments"]]

    def new_segment(self, manifest: dict | None) -> SegmentWriter:
        number = len(manifest["segments"]) if manifest else 0
        return SegmentWriter(self.root / "segments" / f"{number:06d}.pickle")

    def read(self, manifest: dict) -> Iterator[PaperExtraction]:
        for path in self.segments(manifest):
            yield from read_segment(path)

    def duplicates(self) -> dict[str, list[RawRecord]]:
        path = self.root / "duplicates.pickle"
        if not path.is_file():
            return {}
        with open(path, "rb") as handle:
            return pickle.load(handle)

    def save(self, settings_fingerprint: str, segments: Iterable[Path], duplicates: dict[str, list[RawRecord]],
             papers: int) -> None:
        """Record the state after a build: duplicates first, the manifest (which names the segments) last."""
        with atomic_write(self.root / "duplicates.pickle", "wb") as handle:
            pickle.dump(duplicates, handle, protocol=pickle.HIGHEST_PROTOCOL)
        manifest = {"version": STATE_VERSION, "fingerprint": settings_fingerprint,
                    "segments": [p.name for p in segments], "papers": papers}
        with atomic_write(self.manifest_path) as handle:
            handle.write(json.dumps(manifest, indent=2) + "\n")
