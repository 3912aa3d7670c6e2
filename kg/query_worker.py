"""One query process of `kg serve`: opens the store read-only and answers the queries its parent sends.

Run as a script (`python -P kg/query_worker.py STORE`), so it loads pyoxigraph and nothing of paperkg. Messages on
stdin and stdout are a 4-byte big-endian length and that many bytes: a request is JSON {"query", "accept",
"max_bytes"}; a reply is JSON {"status", "type", "message"} followed by one more message, the body. The parent
kills the process when a query outlives its time limit, which is what frees the engine's memory.
"""

from __future__ import annotations

import json
import struct
import sys

import pyoxigraph

_SOLUTION_TYPES = {  # media type → results format, for SELECT and ASK (first: the default)
    "application/sparql-results+json": pyoxigraph.QueryResultsFormat.JSON,
    "application/json": pyoxigraph.QueryResultsFormat.JSON,
    "application/sparql-results+xml": pyoxigraph.QueryResultsFormat.XML,
    "application/xml": pyoxigraph.QueryResultsFormat.XML,
    "text/csv": pyoxigraph.QueryResultsFormat.CSV,
    "text/tab-separated-values": pyoxigraph.QueryResultsFormat.TSV,
}
_GRAPH_TYPES = {  # media type → RDF format, for CONSTRUCT and DESCRIBE (first: the default)
    "application/n-triples": pyoxigraph.RdfFormat.N_TRIPLES,
    "text/turtle": pyoxigraph.RdfFormat.TURTLE,
    "application/rdf+xml": pyoxigraph.RdfFormat.RDF_XML,
    "application/ld+json": pyoxigraph.RdfFormat.JSON_LD,
    "text/plain": pyoxigraph.RdfFormat.N_TRIPLES,
}


class TooLarge(Exception):
    pass


class CappedBuffer:
    """A binary sink that refuses to grow past `limit` bytes (the serializer stops at the first refusal)."""

    def __init__(self, limit: int):
        self.limit, self.parts, self.size = limit, [], 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise TooLarge
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def getvalue(self) -> bytes:
        return b"".join(self.parts)


def negotiate(accept: str, offered: dict) -> str:
    """The offered media type the Accept header prefers (by q, then order); the first offered when none fits."""
    choices = []
    for order, item in enumerate(accept.split(",")):
        kind, *params = [part.strip() for part in item.split(";")]
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        choices.append((-quality, order, kind.lower()))
    for _, _, kind in sorted(choices):
        if kind in offered:
            return kind
        if kind in ("*/*", "application/*", "text/*"):
            return next(t for t in offered if t.startswith(kind[:-1]) or kind == "*/*")
    return next(iter(offered))


def answer(store: pyoxigraph.Store, request: dict) -> tuple[dict, bytes]:
    try:
        results = store.query(request["query"])
    except SyntaxError as error:
        return {"status": 400, "message": f"query syntax error: {error}"}, b""
    except OSError as error:
        return {"status": 500, "message": f"query failed: {error}"}, b""
    sink = CappedBuffer(request["max_bytes"])
    try:
        if isinstance(results, pyoxigraph.QueryTriples):
            kind = negotiate(request["accept"], _GRAPH_TYPES)
            pyoxigraph.serialize(results, sink, format=_GRAPH_TYPES[kind])
        else:
            kind = negotiate(request["accept"], _SOLUTION_TYPES)
            results.serialize(sink, format=_SOLUTION_TYPES[kind])
    except TooLarge:
        return {"status": 413, "message": f"the result is larger than {request['max_bytes']:,} bytes; "
                                          "add a LIMIT or narrow the query"}, b""
    except (OSError, ValueError) as error:
        return {"status": 500, "message": f"query failed: {error}"}, b""
    return {"status": 200, "type": kind}, sink.getvalue()


def _read(stream) -> bytes | None:
    header = stream.read(4)
    if len(header) < 4:
        return None
    (length,) = struct.unpack(">I", header)
    return stream.read(length)


def _write(stream, data: bytes) -> None:
    stream.write(struct.pack(">I", len(data)) + data)


def main(location: str) -> int:
    store = pyoxigraph.Store.read_only(location)
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    while (message := _read(source)) is not None:
        reply, body = answer(store, json.loads(message))
        _write(sink, json.dumps(reply).encode())
        _write(sink, body)
        sink.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
