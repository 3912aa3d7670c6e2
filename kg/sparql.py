"""SPARQL 1.1 over exported graphs, with pyoxigraph as the engine.

The store holds the exported graph plus the vocabulary (ontology/kg.ttl), so queries can follow
`rdfs:subPropertyOf kg:mentions` or read class labels. rdflib stays for building and serialising.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pyoxigraph

from kg.rdf_reader import load_store

_NUMERIC = {"http://www.w3.org/2001/XMLSchema#integer": int, "http://www.w3.org/2001/XMLSchema#decimal": float,
            "http://www.w3.org/2001/XMLSchema#double": float, "http://www.w3.org/2001/XMLSchema#float": float,
            "http://www.w3.org/2001/XMLSchema#int": int, "http://www.w3.org/2001/XMLSchema#long": int}


@dataclass
class SparqlResult:
    """SELECT: `variables` and `rows` (dicts of plain values: IRIs and strings as str, numbers as int/float,
    unbound as None). ASK: `boolean`. CONSTRUCT/DESCRIBE: `triples` as N-Triples text."""

    variables: list[str] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)
    boolean: bool | None = None
    triples: str | None = None
    json: str = ""  # the SPARQL 1.1 Query Results JSON document (SELECT and ASK)


def vocabulary_path() -> Path:
    return Path(str(resources.files("ontology").joinpath("kg.ttl")))


def open_store(data: str | Path = "exports", path: str | Path | None = None) -> pyoxigraph.Store:
    """An Oxigraph store (in memory, or on disk at `path`) with the exported graph and the vocabulary."""
    store = pyoxigraph.Store(str(path)) if path is not None else pyoxigraph.Store()
    load_store(data, store)
    store.bulk_load(path=str(vocabulary_path()), format=pyoxigraph.RdfFormat.TURTLE)
    return store


# the prefixes a query may use without declaring them (the graph's own and the common vocabularies')
COMMON_PREFIXES = {
    "kg": "https://w3id.org/paperkg/ontology#", "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#", "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#", "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/", "prov": "http://www.w3.org/ns/prov#", "schema": "http://schema.org/",
}
_DECLARED_PREFIX = re.compile(r"\bPREFIX\s+([A-Za-z][\w.-]*)?\s*:", re.IGNORECASE)


def with_common_prefixes(query: str) -> str:
    """The query with a PREFIX line for each common prefix it does not declare itself (declaring one more prefix
    than a query uses changes nothing)."""
    declared = {match.group(1) or "" for match in _DECLARED_PREFIX.finditer(query)}
    lines = [f"PREFIX {name}: <{iri}>" for name, iri in COMMON_PREFIXES.items() if name not in declared]
    return "\n".join(lines + [query])


def read_query(text: str) -> str:
    """A query given inline, or '@file.rq' to read it from a file."""
    if text.startswith("@"):
        return Path(text[1:]).read_text(encoding="utf-8")
    return text


def plain(term) -> str | int | float | None:
    if term is None:
        return None
    if isinstance(term, pyoxigraph.Literal):
        convert = _NUMERIC.get(term.datatype.value)
        if convert is not None:
            try:
                return convert(term.value)
            except ValueError:
                return term.value
    return term.value


def run(store: pyoxigraph.Store, query: str) -> SparqlResult:
    results = store.query(with_common_prefixes(query))
    if isinstance(results, pyoxigraph.QuerySolutions):
        variables = [v.value for v in results.variables]
        solutions = list(results)
        rows = [{name: plain(solution[name]) for name in variables} for solution in solutions]
        return SparqlResult(variables, rows, json=_select_json(variables, solutions))
    if isinstance(results, pyoxigraph.QueryBoolean):
        value = bool(results)
        return SparqlResult(boolean=value, json=json.dumps({"head": {}, "boolean": value}))
    data = pyoxigraph.serialize(list(results), format=pyoxigraph.RdfFormat.N_TRIPLES)
    return SparqlResult(triples=data.decode("utf-8"))


def _term_json(term) -> dict:
    if isinstance(term, pyoxigraph.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, pyoxigraph.BlankNode):
        return {"type": "bnode", "value": term.value}
    value = {"type": "literal", "value": term.value}
    if term.language:
        value["xml:lang"] = term.language
    elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        value["datatype"] = term.datatype.value
    return value


def _select_json(variables: list[str], solutions) -> str:
    bindings = [{name: _term_json(s[name]) for name in variables if s[name] is not None} for s in solutions]
    return json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}}, ensure_ascii=False)


def sparql(query: str, data: str | Path = "exports") -> SparqlResult:
    """Answer a SPARQL query (text or '@file.rq') over an exports directory or graph file."""
    return run(open_store(data), read_query(query))


def to_csv(result: SparqlResult) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow(["" if row[v] is None else row[v] for v in result.variables])
    return buffer.getvalue()
