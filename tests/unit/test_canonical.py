"""Bundles compared in canonical form (engine.canonical): what the modeler rewrites when a
model is opened and saved unchanged does not count; what changes the process or its picture
does."""
from __future__ import annotations

import re

from engine.canonical import canonical_xml, same_bundle
from tests.conftest import ROOT

MODEL = (ROOT / "processes/complaint-handling/complaint_handling.bpmn").read_bytes()


def _rewrite(xml: str) -> str:
    """What bpmn-js does on export: other prefixes, its exporter stamp, floats, reordered
    attributes and elements, derived incoming/outgoing references, other indentation."""
    xml = xml.replace("bpmn:", "b:").replace("xmlns:bpmn=", "xmlns:b=")
    xml = re.sub(r'exporter="[^"]*"', 'exporter="bpmn-js (https://demo.bpmn.io)"', xml)
    xml = re.sub(r'exporterVersion="[^"]*"', 'exporterVersion="18.6.1"', xml)
    xml = re.sub(r'(x|y|width|height)="(\d+)"', r'\1="\2.0"', xml)
    xml = re.sub(r'<dc:Bounds x="([^"]+)" y="([^"]+)"', r'<dc:Bounds y="\2" x="\1"', xml)
    xml = re.sub(r"<b:(incoming|outgoing)>[^<]*</b:(incoming|outgoing)>", "", xml)
    first, *rest = xml.splitlines()
    return "\n".join([first] + ["  " + line.strip() if line.strip().startswith("<") else line
                                for line in rest])  # tags re-indented, script text kept


def _swap_first_two_tasks(xml: str) -> str:
    tasks = re.findall(r"<bpmn:userTask .*?</bpmn:userTask>", xml, re.S)
    a, b = tasks[0], tasks[1]
    return xml.replace(a, "\0").replace(b, a).replace("\0", b)


def test_modeler_rewrites_do_not_count() -> None:
    rewritten = _rewrite(MODEL.decode()).encode()
    assert rewritten != MODEL
    assert canonical_xml(rewritten) == canonical_xml(MODEL)
    reordered = _swap_first_two_tasks(MODEL.decode()).encode()
    assert reordered != MODEL and canonical_xml(reordered) == canonical_xml(MODEL)


def test_a_moved_shape_or_renamed_task_counts() -> None:
    moved = MODEL.replace(b'<dc:Bounds x="232" y="292"', b'<dc:Bounds x="232" y="300"', 1)
    assert moved != MODEL and canonical_xml(moved) != canonical_xml(MODEL)
    nudged = MODEL.replace(b'<dc:Bounds x="232" y="292"', b'<dc:Bounds x="232.001" y="292"', 1)
    assert canonical_xml(nudged) == canonical_xml(MODEL)  # below a hundredth of a pixel
    renamed = re.sub(rb'(<bpmn:userTask id="[^"]+" name=")', rb"\1X", MODEL, count=1)
    assert renamed != MODEL and canonical_xml(renamed) != canonical_xml(MODEL)


def test_an_edges_waypoint_order_is_its_path() -> None:
    xml = MODEL.decode()
    edge = re.search(r"<bpmndi:BPMNEdge .*?</bpmndi:BPMNEdge>", xml, re.S)[0]
    points = re.findall(r"<di:waypoint [^>]*/>", edge)
    assert len(points) >= 2
    reversed_edge = re.sub(r"<di:waypoint [^>]*/>", lambda m, it=iter(points[::-1]): next(it), edge)
    assert reversed_edge != edge
    assert canonical_xml(xml.replace(edge, reversed_edge).encode()) != canonical_xml(MODEL)


def test_bundles_compare_json_by_value_and_need_the_same_files() -> None:
    form = b'{"type": "object", "properties": {"a": {"type": "string"}}}'
    pretty = b'{\n  "properties": {"a": {"type": "string"}},\n  "type": "object"\n}'
    assert same_bundle({"m.bpmn": MODEL, "f.json": form},
                       {"m.bpmn": _rewrite(MODEL.decode()).encode(), "f.json": pretty})
    assert not same_bundle({"m.bpmn": MODEL, "f.json": form}, {"m.bpmn": MODEL})
    assert not same_bundle({"f.json": form}, {"f.json": form.replace(b"string", b"number")})
    assert not same_bundle({"m.bpmn": b"<not xml"}, {"m.bpmn": b"<not  xml"})
