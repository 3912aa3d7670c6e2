"""What the endpoint refuses before a query reaches the engine: federated `SERVICE` calls.

Oxigraph answers `SERVICE <iri> { … }` by sending the query to that IRI, so a public read-only endpoint would make
requests on a caller's behalf. The check is lexical and errs on the side of refusing: the query's codepoint escapes
are decoded first (SPARQL decodes them before parsing), strings, IRIs and comments are blanked out, and every
remaining `SERVICE` keyword must be followed by an allowed IRI written out in full.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# strings (long forms first, with escapes), IRI references, comments: everything in which a keyword is not one
_OPAQUE = re.compile(r"""'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\""""
                     r"""|'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*"|<[^<>"{}|^`\\\x00-\x20]*>|#[^\n\r]*""",
                     re.DOTALL)
_WORD = re.compile(r"[A-Za-z0-9_:?$.\-\u00B7-\uFFFF]+")


class QueryRefused(Exception):
    """A query the endpoint does not run; the message says why."""


def decode_codepoints(query: str) -> str:
    return _CODEPOINT.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), query)


def check_query(query: str, allowed_services: Iterable[str] = ()) -> None:
    """Raise QueryRefused for a SERVICE call to an endpoint not in `allowed_services`."""
    text = decode_codepoints(query)
    allowed = set(allowed_services)
    pieces: list[tuple[str, str]] = []  # ("word", text) or ("iri", text) in order
    position = 0
    for opaque in _OPAQUE.finditer(text):
        pieces.extend(("word", w) for w in _WORD.findall(text[position:opaque.start()]))
        if opaque.group().startswith("<"):
            pieces.append(("iri", opaque.group()[1:-1]))
        position = opaque.end()
    pieces.extend(("word", w) for w in _WORD.findall(text[position:]))
    for index, (kind, word) in enumerate(pieces):
        if kind != "word" or word.casefold() != "service":
            continue
        rest = pieces[index + 1:index + 3]
        if rest and rest[0][0] == "word" and rest[0][1].casefold() == "silent":
            rest = rest[1:]
        target = rest[0] if rest else None
        if target is None or target[0] != "iri":
            raise QueryRefused("SERVICE is only allowed to an endpoint written as a full IRI in the allow-list")
        if target[1] not in allowed:
            raise QueryRefused(f"federated query to <{target[1]}> refused: this endpoint makes no outbound requests"
                               + (" to endpoints outside its --allow-service list" if allowed else
                                  " (start it with --allow-service IRI to permit one)"))

