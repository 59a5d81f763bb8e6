"""Parse untrusted XML without entity expansion, DTDs or network access.

Models arrive over HTTP. A DOCTYPE has no place in BPMN or DMN, so any document declaring one is
refused outright: that stops entity-expansion bombs and external entities (file or URL) before
libxml2 could act on them.
"""
from __future__ import annotations

import re

from lxml import etree

from .errors import Problem

_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_blank_text=False)


def parse_untrusted(data: bytes, filename: str) -> tuple[etree._Element | None, list[Problem]]:
    """Return the document's root element, or None and the reason it was refused."""
    if not data.strip():
        return None, [Problem("The file is empty.", file=filename, code="not_xml")]
    head = data[:4096] if b"<!" not in data else data
    match = _DOCTYPE.search(head)
    if match:
        line = data[: match.start()].count(b"\n") + 1
        return None, [Problem("DOCTYPE and ENTITY declarations are not allowed in models "
                              "(they enable entity-expansion and external-entity attacks).",
                              file=filename, line=line, code="forbidden_dtd")]
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        return None, [Problem(f"This is not well-formed XML: {exc.msg}", file=filename,
                              line=exc.lineno, code="not_xml")]
    if root.getroottree().docinfo.doctype:
        return None, [Problem("DOCTYPE declarations are not allowed in models.", file=filename,
                              line=1, code="forbidden_dtd")]
    return root, []
