"""N-Triples and Turtle text for the exporter's triples, written as pyoxigraph's serialiser writes them.

Why not pyoxigraph objects: a paper gives ~120 triples, and building each `Triple` of `NamedNode`s and `Literal`s
cost ~3 µs of Python-to-Rust conversion (~345 µs a paper, against ~50 µs for pyoxigraph's serialising them); making
the text here costs ~1.4 µs a triple, everything included (cProfile on 3,000 linked synthetic papers). The terms this exporter writes are few and simple (IRIs minted from ids, vocabulary IRIs, plain,
integer and decimal literals), so their text is made here: literals escaped exactly as pyoxigraph escapes them,
vocabulary IRIs abbreviated by pyoxigraph itself (once each), Turtle statements grouped by subject (`;`) and
predicate (`,`) as pyoxigraph groups consecutive triples. `tests/test_build_e2e.py` parses the output with
pyoxigraph and checks that re-serialising it gives the same bytes, on names and texts chosen to need escaping.

A triple here is a tuple of three terms, each already in the syntax it will be written in; or a `BLOCK` triple, whose
object is the whole text of its subject's statements (filled in from `block_template`), for the many mention nodes
that would otherwise cost a tuple, a dict entry and a loop turn a triple.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from pyoxigraph import Literal, NamedNode, RdfFormat, Triple, serialize

XSD_NS = "http://www.w3.org/2001/XMLSchema#"
BLOCK = "\x00block"  # the predicate of a pre-written block (no term of either syntax starts with NUL)
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

# What pyoxigraph escapes in a quoted literal (measured over every code point): C0 controls, DEL, the two
# non-characters U+FFFE/U+FFFF, the quote and the backslash; everything else is written as it is.
_ESCAPES = {code: f"\\u{code:04X}" for code in (*range(0x20), 0x7F, 0xFFFE, 0xFFFF)}
_ESCAPES.update({0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r", 0x22: '\\"', 0x5C: "\\\\"})
_NEEDS_ESCAPE = re.compile("[\x00-\x1f\"\\\\\x7f\ufffe\uffff]")
# lexical forms Turtle writes bare (its DECIMAL production)
_TURTLE_DECIMAL = re.compile(r"[+-]?[0-9]*\.[0-9]+")
_PLAIN_IRI_PART = re.compile(r"[A-Za-z0-9._~-]+")  # ids minted by the corpus reader and the linker


def quoted(text: str) -> str:
    """A plain literal (xsd:string)."""
    if _NEEDS_ESCAPE.search(text):
        text = text.translate(_ESCAPES)
    return f'"{text}"'


def checked_id(identifier: str) -> str:
    """An id that goes into a minted IRI as it is; anything else is a bug upstream, not something to escape."""
    if not _PLAIN_IRI_PART.fullmatch(identifier):
        raise ValueError(f"not an IRI-safe id: {identifier!r}")
    return identifier


class NTriples:
    """Terms and lines of N-Triples (also the spool format for JSON-LD and RDF/XML)."""

    name = "nt"

    def __init__(self, prefixes: dict[str, str]):
        self.type_predicate = f"<{RDF_TYPE}>"

    def iri(self, iri: str) -> str:
        return f"<{iri}>"

    def integer(self, value: int) -> str:
        return f'"{value}"^^<{XSD_NS}integer>'

    def decimal(self, lexical: str) -> str:
        return f"{quoted(lexical)}^^<{XSD_NS}decimal>"

    def boolean(self, value: bool) -> str:
        return f'"{str(value).lower()}"^^<{XSD_NS}boolean>'

    def statements(self, triples: Iterable[tuple[str, str, str]]) -> str:
        """One line a triple; a `BLOCK` triple's object is its subject's lines, already written."""
        return "".join([o if p == BLOCK else f"{s} {p} {o} .\n" for s, p, o in triples])


class Turtle:
    """Terms and statements of Turtle with `prefixes` (the prefix lines themselves are written once, apart)."""

    name = "ttl"

    def __init__(self, prefixes: dict[str, str]):
        self.prefixes = prefixes
        self._namespaces = tuple(prefixes.values())
        self.type_predicate = "a"
        self._decimal_type = self.iri(XSD_NS + "decimal")

    def iri(self, iri: str) -> str:
        """`<iri>`, or the prefixed name pyoxigraph makes of it when it starts with a prefix's namespace."""
        if iri.startswith(self._namespaces):
            return _prefixed(iri, tuple(self.prefixes.items()))
        return f"<{iri}>"

    def integer(self, value: int) -> str:
        return str(value)  # an int's digits are always Turtle's INTEGER

    def decimal(self, lexical: str) -> str:
        return lexical if _TURTLE_DECIMAL.fullmatch(lexical) else f"{quoted(lexical)}^^{self._decimal_type}"

    def boolean(self, value: bool) -> str:
        return str(value).lower()  # Turtle's `true` / `false`

    def statements(self, triples: Iterable[tuple[str, str, str]]) -> str:
        """Consecutive triples of one subject share it (`;`), and of one predicate too (`,`)."""
        parts: list[str] = []
        append = parts.append
        subject = predicate = None
        for s, p, o in triples:
            if p == BLOCK:  # a subject's statements written already (its subject is never the one before or after)
                if subject is not None:
                    append(" .\n")
                append(o)
                subject = predicate = None
                continue
            if s == subject:
                if p == predicate:
                    append(" , ")
                else:
                    append(" ;\n\t")
                    append(p)
                    append(" ")
                    predicate = p
            else:
                if subject is not None:
                    append(" .\n")
                append(s)
                append(" ")
                append(p)
                append(" ")
                subject, predicate = s, p
            append(o)
        if subject is not None:
            append(" .\n")
        return "".join(parts)


SYNTAXES = {"nt": NTriples, "ttl": Turtle}


def block_template(syntax: NTriples | Turtle, predicates: list[str]) -> str:
    """A `str.format` template of the text `syntax.statements` writes for one subject (`{subject}`) with these
    predicates and objects `{0}`, `{1}`, ...: made by `statements` itself, so a block filled in from it is what the
    triples one by one would have given."""
    def braced(term: str) -> str:
        return term.replace("{", "{{").replace("}", "}}")

    placeholder = "\x00{}\x00"
    text = syntax.statements([(placeholder.format("subject"), braced(p), placeholder.format(i))
                              for i, p in enumerate(predicates)])
    return re.sub("\x00([a-z0-9]+)\x00", r"{\1}", text)


@lru_cache(maxsize=4096)
def _prefixed(iri: str, prefixes: tuple[tuple[str, str], ...]) -> str:
    """pyoxigraph's own abbreviation of one IRI (its rules for which local names need escapes are its own)."""
    probe = NamedNode("urn:paperkg:probe")
    text = serialize([Triple(probe, probe, NamedNode(iri))], format=RdfFormat.TURTLE, prefixes=dict(prefixes))
    statement = text.decode("utf-8").splitlines()[-1]
    return statement[len("<urn:paperkg:probe> <urn:paperkg:probe> "):-len(" .")]


def turtle_prefix_lines(prefixes: dict[str, str]) -> bytes:
    """The `@prefix` lines pyoxigraph writes for `prefixes`."""
    sample = serialize([Triple(NamedNode("urn:paperkg:probe"), NamedNode(RDF_TYPE), Literal("x"))],
                       format=RdfFormat.TURTLE, prefixes=prefixes)
    return b"".join(line for line in sample.splitlines(keepends=True) if line.startswith(b"@prefix "))
