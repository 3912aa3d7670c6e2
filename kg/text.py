"""Text hygiene shared by the readers and the exporters."""

from __future__ import annotations

import re

# Characters XML 1.0 cannot hold (GraphML, RDF/XML and the HTML page's data all pass through XML or JSON in XML).
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def without_xml_illegal(text: str) -> str:
    return XML_ILLEGAL.sub(" ", text)
