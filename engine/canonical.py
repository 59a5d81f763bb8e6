"""A process bundle in canonical form: what a deployment means, not how it was written.

Opening a model in the designer and deploying it again must not make a new version, yet
bpmn-js rewrites the XML it exports: other namespace prefixes, attribute order, indentation,
element order, ``incoming``/``outgoing`` references it derives from the sequence flows, its
own ``exporter`` stamp, and diagram numbers written as ``100`` or ``100.0``. The canonical
form drops all of that and keeps everything that changes behaviour or the picture: a renamed
task, another script, a moved shape or bent edge (coordinates compared to a hundredth of a
pixel). JSON files compare by value. Pure; the XML was already parsed safely by the caller
(``engine.xml_safety``) or is parsed here with the same safe parser.
"""
from __future__ import annotations

import json
from typing import Any

from lxml import etree

from engine.xml_safety import parse_untrusted

BPMN_MODEL = "http://www.omg.org/spec/BPMN/20100524/MODEL"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
# Written by the modeler, meaning nothing to the engine or the picture.
IGNORED_ATTRIBUTES = {"exporter", "exporterVersion"}
# Derived by bpmn-js from the sequence flows' sourceRef/targetRef; they add nothing.
DERIVED_ELEMENTS = {f"{{{BPMN_MODEL}}}incoming", f"{{{BPMN_MODEL}}}outgoing"}
NUMERIC_ATTRIBUTES = {"x", "y", "width", "height"}
XML_SUFFIXES = (".bpmn", ".bpmn20.xml", ".dmn", ".xml")


def _number(text: str) -> str:
    try:
        value = round(float(text), 2)
    except ValueError:
        return text
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _qname(value: str, nsmap: dict[Any, str]) -> str:
    """``bpmn:tFormalExpression`` → ``{uri}tFormalExpression``, whatever the prefix."""
    prefix, _, local = value.rpartition(":")
    uri = nsmap.get(prefix or None)
    return f"{{{uri}}}{local}" if uri else value


def _element(node: etree._Element) -> tuple | None:
    """A nested tuple for one element: tag, sorted attributes, text, sorted children."""
    if not isinstance(node.tag, str) or node.tag in DERIVED_ELEMENTS:
        return None  # comments, processing instructions, derived references
    attributes = []
    for name, value in node.attrib.items():
        if name in IGNORED_ATTRIBUTES:
            continue
        if name == XSI_TYPE:
            value = _qname(value, node.nsmap)
        elif name in NUMERIC_ATTRIBUTES:
            value = _number(value)
        attributes.append((name, value))
    children = [c for c in (_element(child) for child in node) if c is not None]
    # element order does not count, except an edge's waypoints: their order is its path
    ordered = children if node.tag.endswith("}BPMNEdge") else sorted(children, key=repr)
    return (node.tag, tuple(sorted(attributes)), (node.text or "").strip(), tuple(ordered))


def canonical_xml(data: bytes, filename: str = "model.bpmn") -> tuple | None:
    """The canonical form of one XML file; None when it cannot be parsed (then it is
    compared byte for byte)."""
    root, problems = parse_untrusted(data, filename)
    if root is None or problems:
        return None
    return _element(root)


def _file(name: str, data: bytes) -> Any:
    if name.lower().endswith(XML_SUFFIXES):
        form = canonical_xml(data, name)
        return ("xml", form) if form is not None else ("bytes", data)
    if name.lower().endswith(".json"):
        try:
            return ("json", json.loads(data.decode("utf-8")))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return ("bytes", data)
    return ("bytes", data)


def same_bundle(a: dict[str, bytes], b: dict[str, bytes]) -> bool:
    """Whether two bundles (file name → bytes) mean the same deployment."""
    if set(a) != set(b):
        return False
    return all(a[name] == b[name] or _file(name, a[name]) == _file(name, b[name]) for name in a)

