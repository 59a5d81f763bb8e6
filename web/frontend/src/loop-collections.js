/* Spiff names a multi-instance loop's collections by *variable*: <bpmn:loopDataInputRef> and
 * <bpmn:loopDataOutputRef> hold a variable name, where BPMN expects the id of a data element.
 * bpmn-js cannot resolve such a name and would drop it on save. So before import the names
 * move into two attributes of the loop (fdm:inputCollection, fdm:outputCollection; the
 * fdmodeler.json model), where the properties panel edits them like any property, and after
 * save they move back into the elements Spiff reads. */
const BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL";
export const FDM = "http://flowdesk.dev/schema/modeler/1.0";
const XMLNS = "http://www.w3.org/2000/xmlns/";
const REFS = [["loopDataInputRef", "inputCollection"], ["loopDataOutputRef", "outputCollection"]];
// tMultiInstanceLoopCharacteristics' children, in XSD order.
const ORDER = ["loopCardinality", "loopDataInputRef", "loopDataOutputRef", "inputDataItem",
  "outputDataItem", "complexBehaviorDefinition", "completionCondition"];

function parse(xml) {
  return new DOMParser().parseFromString(xml, "application/xml");
}

function serialize(doc) {
  const text = new XMLSerializer().serializeToString(doc);
  return text.startsWith("<?xml") ? text : '<?xml version="1.0" encoding="UTF-8"?>\n' + text;
}

function loops(doc) {
  return [...doc.getElementsByTagNameNS(BPMN, "multiInstanceLoopCharacteristics")];
}

function child(loop, name) {
  return [...loop.children].find((c) => c.namespaceURI === BPMN && c.localName === name);
}

/* The XML as the modeler should read it: the loops' variable references as attributes. */
export function toModeler(xml) {
  const doc = parse(xml);
  let changed = false;
  for (const loop of loops(doc)) {
    for (const [element, attribute] of REFS) {
      const ref = child(loop, element);
      if (!ref) continue;
      loop.setAttributeNS(FDM, "fdm:" + attribute, ref.textContent.trim());
      ref.remove();
      changed = true;
    }
  }
  if (!changed) return xml;
  doc.documentElement.setAttributeNS(XMLNS, "xmlns:fdm", FDM);
  return serialize(doc);
}

/* The XML as Spiff reads it: the attributes back as reference elements, in XSD order. */
export function fromModeler(xml) {
  const doc = parse(xml);
  let changed = false;
  for (const loop of loops(doc)) {
    for (const [element, attribute] of REFS) {
      if (!loop.hasAttributeNS(FDM, attribute)) continue;
      const name = loop.getAttributeNS(FDM, attribute).trim();
      loop.removeAttributeNS(FDM, attribute);
      changed = true;
      if (!name) continue;
      const ref = doc.createElementNS(BPMN, loop.prefix ? loop.prefix + ":" + element : element);
      ref.textContent = name;
      const later = ORDER.slice(ORDER.indexOf(element) + 1).map((n) => child(loop, n))
        .find(Boolean);
      loop.insertBefore(ref, later || null);
    }
  }
  if (doc.documentElement.hasAttributeNS(XMLNS, "fdm")) {
    doc.documentElement.removeAttributeNS(XMLNS, "fdm");
    changed = true;
  }
  return changed ? serialize(doc) : xml;
}
