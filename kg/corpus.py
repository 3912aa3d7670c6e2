"""Corpus readers: daily-papers listings, JSON Lines, CSV and the arXiv metadata snapshot → Paper.

Every reader yields either a `RawRecord` or a `ReadProblem` (file, line, reason), so one bad record never
stops a file: it is reported, skipped and counted, and the rest is read. `read_corpus` expands files,
directories and globs, detects each file's format, and merges duplicates by normalised title while keeping
every source file:line a paper came from.
"""

from __future__ import annotations

import csv
import glob
import hashlib
import io
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

from kg.model import Paper, Source
from kg.text import without_xml_illegal

FORMATS = ("listing", "jsonl", "csv", "arxiv")
DEFAULT_MAX_CHARS = 100_000  # a record whose title and abstract are longer is reported and skipped
MAX_CHARS_LIMIT = 1_000_000  # spaCy's own limit on one text
_EXTENSION_FORMATS = {
    ".txt": "listing", ".md": "listing", ".text": "listing",
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
    ".csv": "csv", ".tsv": "csv",
}


class CorpusError(Exception):
    """An input that cannot be read at all (missing path, unknown format)."""


@dataclass(frozen=True)
class ReadProblem:
    source: Source
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


@dataclass(frozen=True)
class RawRecord:
    title: str
    abstract: str
    source: Source
    id: str | None = None
    url: str | None = None
    date: str | None = None
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()


@dataclass
class Corpus:
    papers: list[Paper] = field(default_factory=list)
    problems: list[ReadProblem] = field(default_factory=list)
    records_read: int = 0
    duplicates_merged: int = 0
    files: list[str] = field(default_factory=list)
    max_chars: int = DEFAULT_MAX_CHARS


# ---------------------------------------------------------------- text helpers

def clean_text(text: str) -> str:
    """Collapse whitespace and drop characters that XML (GraphML, RDF/XML) cannot hold."""
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text  # already clean: printable text holds no XML-illegal character and no whitespace but spaces
    return " ".join(without_xml_illegal(text).split())


def normalise_title(title: str) -> str:
    """The duplicate key: Unicode-folded, case-folded, punctuation and spacing ignored."""
    folded = unicodedata.normalize("NFKC", title).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", folded).split())


def title_paper_id(title: str) -> str:
    """A stable id from the title: a short ASCII slug of its first words plus a hash of the whole."""
    key = normalise_title(title)
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=5).hexdigest()
    ascii_words = unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode().split()
    slug = "-".join(w for w in ascii_words[:6] if w)[:60].strip("-")
    return f"{slug}-{digest}" if slug else f"p-{digest}"


def safe_id(raw: str) -> str:
    """Make an identifier from the input safe to use in IRIs and file names."""
    return re.sub(r"[^A-Za-z0-9._~-]+", "-", raw.strip()).strip("-") or "id"


# ---------------------------------------------------------------- line decoding

_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
         (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"), (b"\xef\xbb\xbf", "utf-8"))


class EncodingProblem(Exception):
    """A whole file in an encoding that cannot be read as text (the message says what to do)."""


def file_encoding(path: Path) -> str:
    """utf-8, or the UTF-16/32 encoding its byte-order mark names. A file that is mostly NUL bytes and has no mark is
    UTF-16/32 without one, which cannot be read reliably."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    for mark, encoding in _BOMS:
        if head.startswith(mark):
            return encoding
    if head and head.count(0) >= len(head) // 4:
        raise EncodingProblem("looks like UTF-16 or UTF-32 without a byte-order mark; save it as UTF-8; file skipped")
    return "utf-8"


def _decoded_lines(path: Path) -> Iterator[tuple[int, str | None]]:
    """(line number, text) for each line; text is None where the bytes are not valid UTF-8. UTF-16/32 files (by their
    byte-order mark) are decoded whole; an undecodable stretch there ends the file with a problem."""
    encoding = file_encoding(path)
    if encoding != "utf-8":
        number = 0
        with path.open("r", encoding=encoding, newline=None) as text:
            try:
                for number, line in enumerate(text, start=1):
                    line = line.rstrip("\r\n")
                    yield number, line.lstrip("\ufeff") if number == 1 else line
            except UnicodeDecodeError:
                raise EncodingProblem(f"undecodable {encoding.upper()} after line {number}; rest of file skipped")
        return
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                yield number, None
                continue
            if number == 1:
                line = line.lstrip("\ufeff")
            yield number, line.rstrip("\r\n")


# ---------------------------------------------------------------- daily-papers listings

@dataclass(frozen=True)
class _Boilerplate:
    lines: frozenset[str]
    prefixes: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]


def _load_boilerplate() -> _Boilerplate:
    lines, prefixes, patterns = set(), [], []
    text = resources.files("kg").joinpath("data/listing_boilerplate.txt").read_text("utf-8")
    for entry in text.splitlines():
        entry = entry.strip()
        if not entry or entry.startswith("#"):
            continue
        if entry.startswith("prefix:"):
            prefixes.append(entry.removeprefix("prefix:"))
        elif entry.startswith("pattern:"):
            patterns.append(re.compile(entry.removeprefix("pattern:")))
        else:
            lines.add(entry.casefold())
    return _Boilerplate(frozenset(lines), tuple(prefixes), tuple(patterns))


_BOILERPLATE = _load_boilerplate()


def _strip_boilerplate(line: str) -> str:
    stripped = line.strip()
    if stripped.casefold() in _BOILERPLATE.lines:
        return ""
    if any(p.match(stripped) for p in _BOILERPLATE.patterns):
        return ""
    for prefix in _BOILERPLATE.prefixes:
        rest = stripped[len(prefix):]
        # "SubscribePixelFlow: ..." — glued prefix followed by a capitalised title.
        if stripped.startswith(prefix) and rest[:1].isupper():
            return rest.strip()
    return stripped


def _looks_like_title(line: str) -> bool:
    return len(line) <= 300 and len(line.split()) <= 45


def _looks_like_abstract(line: str, title: str) -> bool:
    return len(line) > len(title) and (len(line) >= 100 or len(line.split()) >= 15)


def read_listing(path: Path) -> Iterator[RawRecord | ReadProblem]:
    """A daily-papers page saved as text: title and abstract on alternating lines, with or without
    blank lines between them, surrounded by page boilerplate."""
    content: list[tuple[int, str]] = []
    for number, line in _decoded_lines(path):
        if line is None:
            yield ReadProblem(Source(str(path), number), "undecodable bytes (not UTF-8); line skipped")
            content.append((number, "\0"))  # keeps the pairing honest: the damaged record is skipped
            continue
        text = _strip_boilerplate(line)
        if text:
            content.append((number, text))

    i = 0
    while i < len(content):
        number, line = content[i]
        following = content[i + 1][1] if i + 1 < len(content) else None
        if line == "\0":
            i += 1
            if following is not None and following != "\0" and not _looks_like_title(following):
                i += 1  # the abstract whose title was damaged
            continue
        if following == "\0":
            yield ReadProblem(Source(str(path), number), "record skipped: its abstract line is undecodable")
            i += 2
            continue
        if _looks_like_title(line) and following is not None and _looks_like_abstract(following, line):
            yield RawRecord(title=clean_text(line), abstract=clean_text(following), source=Source(str(path), number))
            i += 2
        elif _looks_like_title(line):
            yield ReadProblem(Source(str(path), number), f"title without an abstract: {line[:80]!r}")
            i += 1
        else:
            yield ReadProblem(Source(str(path), number), "abstract without a title; skipped")
            i += 1


# ---------------------------------------------------------------- JSON Lines, arXiv snapshot, CSV

def _as_tuple(value: object, splitter: str = r"\s*(?:,|;|\band\b)\s*") -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, list | tuple):
        items = [" ".join(str(part) for part in v if isinstance(part, str | int) and str(part).strip())
                 if isinstance(v, list | tuple) else str(v) for v in value if v is not None]
    else:
        items = re.split(splitter, str(value))
    return tuple(clean_text(item) for item in items if clean_text(item))


_TEXT_FIELDS = ("title", "abstract", "summary", "url", "link", "date", "update_date", "published")
_ID_FIELDS = ("id", "arxiv_id", "paper_id")
_LIST_FIELDS = ("authors", "authors_parsed", "categories")


def _type_name(value: object) -> str:
    return {bool: "true/false", int: "a number", float: "a number", list: "a list", dict: "an object"}.get(
        type(value), type(value).__name__)


def _field_problem(data: dict) -> str | None:
    """Why a record's fields cannot be used as they are (a wrong type, text that is not Unicode), or None."""
    for name in _TEXT_FIELDS + _ID_FIELDS + _LIST_FIELDS:
        value = data.get(name)
        if value is None:
            continue
        if name in _ID_FIELDS:
            allowed = isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))
        elif name in _LIST_FIELDS:
            allowed = isinstance(value, str | list)
        else:
            allowed = isinstance(value, str)
        if not allowed:
            return f"field '{name}' is {_type_name(value)}, not text; record skipped"
        if _has_surrogates(json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value):
            return f"field '{name}' holds an unpaired UTF-16 surrogate (not valid Unicode); record skipped"
    return None


def _record_from_mapping(data: dict, source: Source, arxiv: bool) -> RawRecord | ReadProblem:
    problem = _field_problem(data)
    if problem is not None:
        return ReadProblem(source, problem)
    title = clean_text(str(data.get("title") or ""))
    abstract = clean_text(str(data.get("abstract") or data.get("summary") or ""))
    if not title:
        return ReadProblem(source, "record has no title; skipped")
    if not abstract:
        return ReadProblem(source, f"record has no abstract; skipped ({title[:60]!r})")
    raw_id = data.get("id") or data.get("arxiv_id") or data.get("paper_id")
    url = data.get("url") or data.get("link")
    if arxiv and raw_id and not url:
        url = f"https://arxiv.org/abs/{raw_id}"
    date = data.get("date") or data.get("update_date") or data.get("published")
    categories = data.get("categories")
    return RawRecord(
        title=title,
        abstract=abstract,
        source=source,
        id=safe_id(str(raw_id)) if raw_id not in (None, "") else None,
        url=str(url).strip() if url else None,
        date=str(date).strip() if date else None,
        authors=_as_tuple(data.get("authors_parsed") if arxiv and data.get("authors_parsed") else data.get("authors")),
        categories=tuple(str(categories).split()) if isinstance(categories, str) else _as_tuple(categories),
    )


def read_jsonl(path: Path, arxiv: bool = False) -> Iterator[RawRecord | ReadProblem]:
    """JSON Lines with title, abstract and optional id, url, date, authors (also the arXiv snapshot)."""
    for number, line in _decoded_lines(path):
        source = Source(str(path), number)
        if line is None:
            yield ReadProblem(source, "undecodable bytes (not UTF-8); record skipped")
            continue
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as error:
            yield ReadProblem(source, f"broken JSON ({error.msg} at column {error.colno}); record skipped")
            continue
        if not isinstance(data, dict):
            yield ReadProblem(source, "JSON value is not an object; record skipped")
            continue
        yield _record_from_mapping(data, source, arxiv=arxiv or _is_arxiv_record(data))


def _is_arxiv_record(data: dict) -> bool:
    return "update_date" in data and "categories" in data


def read_csv(path: Path) -> Iterator[RawRecord | ReadProblem]:
    """CSV (or TSV, by extension) with a header naming title and abstract columns. A record whose quote is never
    closed would swallow the records after it: when a record spans lines and one of those lines is a whole record
    by itself, the damaged record is reported and reading starts again on the line after it."""
    encoding = file_encoding(path)
    raw = path.read_bytes()
    if encoding == "utf-8":
        text = raw.decode("utf-8", errors="surrogateescape").lstrip("\ufeff")
    else:
        try:
            text = raw.decode(encoding).lstrip("\ufeff")
        except UnicodeDecodeError as error:
            raise EncodingProblem(f"undecodable {encoding.upper()} ({error.reason}); file skipped") from None
    if not text.strip():
        return
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    lines = text.splitlines(keepends=True)
    header = next(csv.reader(lines[:1], delimiter=delimiter), [])
    fields = [name.strip().casefold() for name in header]
    if "title" not in fields or "abstract" not in fields:
        yield ReadProblem(Source(str(path), 1), "CSV header must name 'title' and 'abstract' columns; file skipped")
        return
    start = 1  # index in `lines` of the next record's first line
    while start < len(lines):
        feed = _LineFeed(lines, start)
        reader = csv.reader(feed, delimiter=delimiter)
        restart = None
        while True:
            first = feed.position
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                yield ReadProblem(Source(str(path), first + 1), f"broken CSV ({error}); record skipped")
                continue
            if feed.position - first > 1 and _swallows_records(lines[first + 1:feed.position], len(fields),
                                                               delimiter):
                yield ReadProblem(Source(str(path), first + 1), "a quote opened here is never closed; record "
                                                                "skipped, reading goes on with the next line")
                restart = first + 1
                break
            if not any(cell.strip() for cell in row):
                continue
            source = Source(str(path), first + 1)
            values = {name: value for name, value in zip(fields, row)}
            if any(_has_surrogates(v) for v in values.values()):
                yield ReadProblem(source, "undecodable bytes (not UTF-8); record skipped")
                continue
            yield _record_from_mapping(values, source, arxiv=False)
        if restart is None:
            break
        start = restart


class _LineFeed:
    """Lines for csv.reader that remember how many have been handed out (the reader's position in the file)."""

    def __init__(self, lines: list[str], start: int):
        self.lines, self.position = lines, start

    def __iter__(self):
        return self

    def __next__(self) -> str:
        if self.position >= len(self.lines):
            raise StopIteration
        self.position += 1
        return self.lines[self.position - 1]


def _swallows_records(inner: list[str], columns: int, delimiter: str) -> bool:
    """Whether a line inside a multi-line record is itself a whole record: as many non-empty fields as the header,
    and its quotes balanced (prose that merely contains commas rarely is)."""
    for line in inner:
        if line.count('"') % 2:
            continue
        cells = next(csv.reader([line], delimiter=delimiter), [])
        if len(cells) == columns and all(cell.strip() for cell in cells) and '"' in line:
            return True
    return False


_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_surrogates(text: str) -> bool:
    """Lone surrogates: bytes kept by 'surrogateescape' decoding, or '\\ud800'-style escapes in JSON."""
    return not text.isascii() and _SURROGATE.search(text) is not None


# ---------------------------------------------------------------- inputs and formats

def detect_format(path: Path) -> str:
    by_extension = _EXTENSION_FORMATS.get(path.suffix.lower())
    if by_extension:
        return by_extension
    try:
        encoding = file_encoding(path)
    except EncodingProblem:
        return "listing"  # reading it reports the problem
    with path.open("rb") as handle:
        head = handle.read(4096).decode(encoding, errors="replace").lstrip("\ufeff").lstrip()
    if head.startswith("{"):
        return "jsonl"
    first_line = head.split("\n", 1)[0].casefold()
    if "title" in first_line and "abstract" in first_line and ("," in first_line or "\t" in first_line):
        return "csv"
    return "listing"


def read_file(path: Path, fmt: str | None = None) -> Iterator[RawRecord | ReadProblem]:
    fmt = fmt or detect_format(path)
    if fmt == "listing":
        return read_listing(path)
    if fmt == "jsonl":
        return read_jsonl(path)
    if fmt == "arxiv":
        return read_jsonl(path, arxiv=True)
    if fmt == "csv":
        return read_csv(path)
    raise CorpusError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def sample_corpus_files() -> list[Path]:
    """The bundled sample corpus: the five daily-papers listings that ship inside the package."""
    return sorted(Path(str(resources.files("kg").joinpath("sample_corpus"))).glob("*.txt"))


def expand_inputs(inputs: Iterable[str | Path]) -> list[Path]:
    """Files, directories (read recursively, known extensions) and globs → a sorted, de-duplicated list. In a
    directory, hidden files and folders are passed over, and so are the exports of a paperkg build folder (a folder
    with `.paperkg/` in it), so a build never reads its own output back. Each file is spelled one way, however it was
    named: relative to the working directory when it lies below it, else absolute."""
    files: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in _EXTENSION_FORMATS
                                and not _hidden_or_built(p.relative_to(path), p)))
        elif path.is_file():
            files.append(path)
        elif glob.has_magic(str(item)):
            matched = sorted(Path(p) for p in glob.glob(str(item), recursive=True) if Path(p).is_file())
            if not matched:
                raise CorpusError(f"no files match {item}")
            files.extend(matched)
        else:
            raise CorpusError(f"no such file or directory: {item}")
    seen: set[Path] = set()
    unique = []
    for file in files:
        resolved = file.resolve()
        if resolved not in seen:
            seen.add(resolved)
            unique.append(_one_spelling(file))
    return unique


_BUILD_OUTPUTS = frozenset({"graph.ttl", "graph.nt", "graph.jsonld", "graph.rdf", "graph.graphml", "graph.html",
                            "mentions.jsonl"})


def _hidden_or_built(relative: Path, path: Path) -> bool:
    if any(part.startswith(".") for part in relative.parts):
        return True
    return path.name in _BUILD_OUTPUTS and (path.parent / ".paperkg").is_dir()


def _one_spelling(path: Path) -> Path:
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute)
    return Path(absolute if relative.startswith("..") else relative)


# ---------------------------------------------------------------- merging

def _paper_from(record: RawRecord) -> Paper:
    return Paper(
        id=record.id or title_paper_id(record.title),
        title=record.title,
        abstract=record.abstract,
        url=record.url,
        date=record.date,
        authors=record.authors,
        categories=record.categories,
        sources=(record.source,),
    )


def merge_paper(kept: Paper, record: RawRecord) -> Paper:
    """Keep the first record's text; fill fields it lacks from the later one; remember every source (once, so
    reading the same file again changes nothing)."""
    return replace(
        kept,
        url=kept.url or record.url,
        date=kept.date or record.date,
        authors=kept.authors or record.authors,
        categories=kept.categories or record.categories,
        sources=kept.sources if record.source in kept.sources else kept.sources + (record.source,),
    )


class PaperStream:
    """Records → papers in one pass, without holding the corpus: each new paper is yielded as soon as it is read
    (extraction can start on it). A later record with the same normalised title is kept, text dropped, in
    `duplicates` and folded into the paper by `final` when the paper is written. Papers of an earlier build are
    registered with `known`, so new records merge into them instead of becoming new papers."""

    def __init__(self, corpus: Corpus, duplicates: dict[str, list[RawRecord]] | None = None):
        self.corpus = corpus
        self.duplicates: dict[str, list[RawRecord]] = duplicates if duplicates is not None else {}
        self._ids_by_title: dict[str, str] = {}
        self._ids: set[str] = set()

    def known(self, paper: Paper) -> None:
        self._ids_by_title[normalise_title(paper.title)] = paper.id
        self._ids.add(paper.id)

    def papers(self, records: Iterable[RawRecord]) -> Iterator[Paper]:
        for record in records:
            self.corpus.records_read += 1
            key = normalise_title(record.title)
            paper_id = self._ids_by_title.get(key)
            if paper_id is not None:
                later = self.duplicates.setdefault(paper_id, [])
                if all(seen.source != record.source for seen in later):  # reading a file again adds nothing
                    later.append(replace(record, title="", abstract=""))
                self.corpus.duplicates_merged += 1
                continue
            paper = _paper_from(record)
            if paper.id in self._ids:  # two different papers given one id: keep both, the second renamed
                paper = replace(paper, id=f"{paper.id}-{title_paper_id(record.title).rsplit('-', 1)[-1]}")
            self._ids.add(paper.id)
            self._ids_by_title[key] = paper.id
            yield paper

    def final(self, paper: Paper) -> Paper:
        """The paper with the fields and sources of every later record of it merged in."""
        for record in self.duplicates.get(paper.id, ()):
            paper = merge_paper(paper, record)
        return paper


def iter_records(files: list[Path], corpus: Corpus, fmt: str | None = None,
                 require_records: bool = False) -> Iterator[RawRecord]:
    """Every readable record of the files in order; problems (a damaged record, an over-long text, a file in an
    unreadable encoding) go to `corpus.problems`. A file read in a format it is plainly not in is an error; so is,
    with `require_records` (a build), inputs none of whose records could be read."""
    read_in_all = 0
    for file in files:
        read, unreadable = 0, 0
        try:
            for item in read_file(file, fmt):
                if isinstance(item, RawRecord) and len(item.abstract) + len(item.title) > corpus.max_chars:
                    item = ReadProblem(item.source, f"text of {len(item.abstract) + len(item.title):,} characters, "
                                                    f"over --max-chars {corpus.max_chars:,}; record skipped")
                if isinstance(item, ReadProblem):
                    corpus.problems.append(item)
                    unreadable += 1
                else:
                    read += 1
                    yield item
        except EncodingProblem as problem:
            corpus.problems.append(ReadProblem(Source(str(file), 1), str(problem)))
            continue
        read_in_all += read
        if unreadable and not read and fmt is not None and (looks_like := detect_format(file)) != fmt:
            raise CorpusError(f"{file}: none of its {unreadable:,} records could be read as {fmt}; it looks like "
                              f"{looks_like} (try --format {looks_like})")
    if require_records and files and not read_in_all and corpus.problems:
        raise CorpusError(f"no record of the {len(files):,} input file(s) could be read ({len(corpus.problems):,} "
                          f"problems; the first: {corpus.problems[0]}); check the files' format (--format listing, "
                          "jsonl, csv or arxiv)")


def open_corpus(inputs: Iterable[str | Path] | None = None, fmt: str | None = None,
                max_chars: int = DEFAULT_MAX_CHARS) -> tuple[Corpus, list[Path]]:
    """Check the inputs (the bundled sample corpus when none is given) and an empty Corpus to count into."""
    if fmt is not None and fmt not in FORMATS:
        raise CorpusError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    inputs = list(inputs or [])
    files = expand_inputs(inputs) if inputs else sample_corpus_files()
    return Corpus(files=[str(f) for f in files], max_chars=max_chars), files


def read_corpus(inputs: Iterable[str | Path] | None = None, fmt: str | None = None,
                max_chars: int = DEFAULT_MAX_CHARS) -> Corpus:
    """Read every input (the bundled sample corpus when none is given) into merged Papers, all in memory."""
    corpus, files = open_corpus(inputs, fmt, max_chars)
    stream = PaperStream(corpus)
    papers = list(stream.papers(iter_records(files, corpus, fmt)))
    corpus.papers = [stream.final(paper) for paper in papers]
    return corpus
