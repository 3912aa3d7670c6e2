"""SHACL validation of an exported graph against ontology/shapes.ttl (pyshacl, RDFS inference over kg.ttl)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pyshacl
import rdflib

from kg.rdf_reader import find_graph_file, load_store, unreadable

_RDFLIB_FORMATS = {".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld", ".rdf": "xml"}


def _ontology_file(name: str) -> Path:
    return Path(str(resources.files("ontology").joinpath(name)))


def validate(data: str | Path | rdflib.Graph) -> tuple[bool, str]:
    """(conforms, the report as text) for an exports directory, an RDF file or an rdflib Graph."""
    if isinstance(data, rdflib.Graph):
        graph = data
    else:
        graph_file = find_graph_file(data)
        try:
            graph = rdflib.Graph().parse(graph_file, format=_RDFLIB_FORMATS[graph_file.suffix])
        except Exception as error:  # noqa: BLE001  (rdflib's parsers raise many kinds)
            load_store(graph_file)  # (Oxigraph's parser names the line and the fault more plainly)
            raise unreadable(graph_file, error) from None
    shapes = rdflib.Graph().parse(_ontology_file("shapes.ttl"))
    vocabulary = rdflib.Graph().parse(_ontology_file("kg.ttl"))
    conforms, _, report = pyshacl.validate(graph, shacl_graph=shapes, ont_graph=vocabulary, inference="none")
    return bool(conforms), report
