"""Parse untrusted XML without entity expansion, DTDs or network access.

Models arrive over HTTP. A DOCTYPE has no place in BPMN or DMN, so any document declaring one is
refused outright: that stops entity-expansion bombs and external entities (file or URL) before
libxml2 could act on them.
"""
from __future__ import annotations

import re

from lxml import etree

from .errors import Problem
from .problem_texts import problem

_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_blank_text=False)


def parse_untrusted(data: bytes, filename: str) -> tuple[etree._Element | None, list[Problem]]:
    """Return the document's root element, or None and the reason it was refused."""
    if not data.strip():
        return None, [problem("not_xml.empty", None, filename)]
    head = data[:4096] if b"<!" not in data else data
    match = _DOCTYPE.search(head)
    if match:
        line = data[: match.start()].count(b"\n") + 1
        return None, [problem("forbidden_dtd", None, filename, line=line)]
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        return None, [problem("not_xml.malformed", None, filename, line=exc.lineno,
                              detail=exc.msg)]
    if root.getroottree().docinfo.doctype:
        return None, [problem("forbidden_dtd.doctype", None, filename, line=1)]
    return root, []
