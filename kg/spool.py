"""The build state kept in each generation of an output folder (kg.output_folder), so a build can be updated with
new papers without re-extracting the old ones, and so pass two of the linker can re-read extractions from disk.

- segments (`.paperkg/segments/<generation>-N.pickle`): each build or update writes one, a stream of
  length-prefixed pickled batches of kg.extraction.PaperExtraction in corpus order (the length lets pass two hand a
  batch to a worker process as raw bytes, unpickled only there); a segment is never changed once written;
- `duplicates.pickle`: the later records of papers already read (text dropped), folded into them when written;
- `manifest.json`: the segments in order with their sizes and SHA-256, the same for `duplicates.pickle`, the RDF
  format of the exports, and a fingerprint of what extraction depends on (catalog, extractor data and code,
  pipeline settings): an update against a different fingerprint is refused, since old and new papers would be
  extracted differently, and damaged state is refused with the file it is in.
The state is this program's own output; like any pickle, do not load one from a source you do not trust.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import BinaryIO, NamedTuple

from kg.corpus import RawRecord
from kg.export.atomic import AtomicFile, atomic_write
from kg.extraction import PaperExtraction
from kg.output_folder import MANIFEST, OutputFolder

STATE_VERSION = 3
_FRAME_LENGTH = 8  # bytes of the little-endian length before each pickled batch
REBUILD = "rebuild without --update"
# the code extraction runs, besides the extractors package: its results are spooled, so it is in the fingerprint
_EXTRACTION_MODULES = ("extraction.py", "model.py", "catalog.py", "names.py")


class StateError(Exception):
    """A build directory whose state cannot be updated (missing, damaged, from another version, other settings)."""


def extraction_sources() -> list[tuple[str, Path, str]]:
    """What extraction depends on besides the text and the settings: (name, folder, file pattern) — the catalog, the
    extractors' data and code, and the kg modules extraction runs."""
    def folder(package: str, name: str) -> Path:
        return Path(str(resources.files(package).joinpath(name)))

    return [("ontology/catalog", folder("ontology", "catalog"), "*"),
            ("extractors/data", folder("extractors", "data"), "*"),
            ("extractors", folder("extractors", "."), "*.py"),
            *((f"kg/{name}", Path(__file__).with_name(name), name) for name in _EXTRACTION_MODULES)]


def fingerprint(settings: dict, sources: list[tuple[str, Path, str]] | None = None) -> str:
    """A digest of everything extraction depends on besides the text: data files, the extraction code (by content)
    and the pipeline settings, the spaCy version among them."""
    import spacy

    digest = hashlib.sha256(json.dumps({**settings, "spacy": spacy.__version__}, sort_keys=True).encode())
    for name, root, pattern in sources if sources is not None else extraction_sources():
        files = [root] if root.is_file() else sorted(p for p in root.rglob(pattern)
                                                     if p.is_file() and "__pycache__" not in p.parts)
        for path in files:
            digest.update(f"{name}/{path.relative_to(root).as_posix() if path != root else ''}".encode())
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
        self.bytes = 0
        self._digest = hashlib.sha256()

    def write(self, batch: list[PaperExtraction]) -> None:
        if batch:
            self.write_frame(encode_frame(batch), len(batch))

    def write_frame(self, frame: bytes | memoryview, papers: int) -> None:
        """A batch already pickled by `encode_frame` (in a worker process, say)."""
        header = len(frame).to_bytes(_FRAME_LENGTH, "little")
        self._file.handle.write(header)
        self._file.handle.write(frame)
        self._digest.update(header)
        self._digest.update(frame)
        self.bytes += len(header) + len(frame)
        self.papers += papers

    def record(self) -> dict:
        """The segment's entry in a manifest."""
        return {"name": self._file.path.name, "bytes": self.bytes, "sha256": self._digest.hexdigest()}

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
        try:
            batch = pickle.loads(frame)
        except Exception as error:  # damaged bytes can fail in many ways inside pickle
            raise StateError(f"{path}: damaged segment ({type(error).__name__}); {REBUILD}") from None
        yield from batch


def _file_record(path: Path) -> dict:
    with open(path, "rb") as handle:
        return {"name": path.name, "bytes": os.fstat(handle.fileno()).st_size,
                "sha256": hashlib.file_digest(handle, "sha256").hexdigest()}


@dataclass(frozen=True)
class Manifest:
    """A generation's manifest, checked: every field present and of its type."""

    path: Path
    fingerprint: str
    rdf_format: str
    papers: int
    segments: tuple[dict, ...]
    duplicates: dict


class BuildState:
    """The build state of an output folder's current generation (reading), and of a new one (writing)."""

    def __init__(self, out_dir: str | Path):
        self.folder = OutputFolder(out_dir)

    @property
    def root(self) -> Path:
        return self.folder.state

    def manifest(self) -> Manifest:
        """The current generation's manifest, checked; StateError naming the file and the remedy otherwise."""
        path = self.folder.current_manifest_path()
        if path is None:
            if (self.root / MANIFEST).is_file():
                raise StateError(f"{self.folder.root} was built by an older paperkg whose build state this one does "
                                 f"not read; {REBUILD}")
            raise StateError(f"{self.folder.root} has no paperkg build to update (no {self.root / 'current'}); "
                             "run `kg build` into it first")
        try:
            data = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            raise StateError(f"{path}: missing; {REBUILD}") from None
        except (OSError, ValueError) as error:
            raise StateError(f"{path}: unreadable build state ({error}); {REBUILD}") from None
        if not isinstance(data, dict):
            raise StateError(f"{path}: damaged build state (not a JSON object); {REBUILD}")
        if data.get("version") != STATE_VERSION:
            raise StateError(f"{path}: build state version {data.get('version')}, this paperkg reads version "
                             f"{STATE_VERSION}; {REBUILD}")
        if data.get("fingerprint") is None and "fingerprint" in data:
            raise StateError(f"{self.folder.root} was written from a graph built in memory (no build state to "
                             f"extend); {REBUILD}")
        expected = {"fingerprint": str, "rdf_format": str, "papers": int, "segments": list, "duplicates": dict}
        for key, kind in expected.items():
            if not isinstance(data.get(key), kind):
                raise StateError(f"{path}: damaged build state ('{key}' missing or not a {kind.__name__}); {REBUILD}")
        for entry in [*data["segments"], data["duplicates"]]:
            if not (isinstance(entry, dict) and isinstance(entry.get("name"), str) and "/" not in entry["name"]
                    and isinstance(entry.get("bytes"), int) and isinstance(entry.get("sha256"), str)):
                raise StateError(f"{path}: damaged build state (a file entry is malformed); {REBUILD}")
        return Manifest(path, data["fingerprint"], data["rdf_format"], data["papers"], tuple(data["segments"]),
                        data["duplicates"])

    def check(self, expected_fingerprint: str) -> Manifest:
        """The manifest, if an update may continue from it: same fingerprint, every file it names intact."""
        manifest = self.manifest()
        if manifest.fingerprint != expected_fingerprint:
            raise StateError(f"{self.folder.root} was built with another catalog, extractor data or code, or pipeline "
                             "settings; its papers would be extracted differently from the new ones, so rebuild "
                             "without --update")
        generation = manifest.path.parent
        for entry, path in [*((e, self.folder.segments / e["name"]) for e in manifest.segments),
                            (manifest.duplicates, generation / manifest.duplicates["name"])]:
            if not path.is_file():
                raise StateError(f"{path}: missing from the build state; {REBUILD}")
            if path.stat().st_size != entry["bytes"] or _file_record(path)["sha256"] != entry["sha256"]:
                raise StateError(f"{path}: damaged (its size or checksum differs from the manifest's); {REBUILD}")
        return manifest

    def segments(self, manifest: Manifest) -> list[Path]:
        return [self.folder.segments / entry["name"] for entry in manifest.segments]

    def read(self, manifest: Manifest) -> Iterator[PaperExtraction]:
        for path in self.segments(manifest):
            yield from read_segment(path)

    def duplicates(self, manifest: Manifest) -> dict[str, list[RawRecord]]:
        path = manifest.path.parent / manifest.duplicates["name"]
        try:
            with open(path, "rb") as handle:
                duplicates = pickle.load(handle)
        except Exception as error:  # checked by checksum first; this is for a state damaged since
            raise StateError(f"{path}: damaged ({type(error).__name__}); {REBUILD}") from None
        if not isinstance(duplicates, dict):
            raise StateError(f"{path}: damaged (not a mapping); {REBUILD}")
        return duplicates

    def new_segment(self, generation: Path) -> SegmentWriter:
        return SegmentWriter(self.folder.segment_path(generation))

    @staticmethod
    def save(generation: Path, settings_fingerprint: str | None, segments: Iterable[dict],
             duplicates: dict[str, list[RawRecord]], papers: int, rdf_format: str) -> None:
        """Write the state of a new generation: duplicates, then the manifest naming every file with its checksum.
        `settings_fingerprint` None: exports of a graph built in memory, which cannot be updated."""
        manifest: dict = {"version": STATE_VERSION, "fingerprint": settings_fingerprint, "rdf_format": rdf_format,
                          "papers": papers}
        if settings_fingerprint is not None:
            with atomic_write(generation / "duplicates.pickle", "wb") as handle:
                pickle.dump(duplicates, handle, protocol=pickle.HIGHEST_PROTOCOL)
            manifest.update(segments=list(segments), duplicates=_file_record(generation / "duplicates.pickle"))
        with atomic_write(generation / MANIFEST) as handle:
            handle.write(json.dumps(manifest, indent=2) + "\n")
