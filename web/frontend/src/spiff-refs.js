/* Spiff reads a multi-instance's loopDataInputRef / loopDataOutputRef as the *name of a
 * variable*; BPMN says it is the id of a data element. bpmn-js cannot resolve such a name,
 * drops it on save, and the deployed process would lose its collection. These helpers put
 * the references the original XML had back into the saved XML, for activities that still
 * exist and still have their multi-instance marker. */
const BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL";
const REFS = ["loopDataInputRef", "loopDataOutputRef"];
// XSD order of tMultiInstanceLoopCharacteristics' children after the references.
const AFTER_REFS = ["inputDataItem", "outputDataItem", "complexBehaviorDefinition",
  "completionCondition"];

function loops(doc) {
  const found = new Map();
  for (const loop of doc.getElementsByTagNameNS(BPMN, "multiInstanceLoopCharacteristics")) {
    const owner = loop.parentNode && loop.parentNode.getAttribute("id");
    if (owner) found.set(owner, loop);
  }
  return found;
}

function child(loop, name) {
  return [...loop.children].find((c) => c.namespaceURI === BPMN && c.localName === name);
}

/* The saved XML with the original's variable references restored; unchanged if none. */
export function restoreLoopRefs(originalXml, savedXml) {
  const parser = new DOMParser();
  const original = loops(parser.parseFromString(originalXml, "application/xml"));
  if (original.size === 0) return savedXml;
  const saved = parser.parseFromString(savedXml, "application/xml");
  let changed = false;
  for (const [owner, loop] of loops(saved)) {
    const before = original.get(owner);
    if (!before) continue;
    for (const name of REFS) {
      const kept = child(before, name);
      if (!kept || child(loop, name)) continue;
      const ref = saved.createElementNS(BPMN, loop.prefix ? loop.prefix + ":" + name : name);
      ref.textContent = kept.textContent;
      const next = [...REFS.slice(REFS.indexOf(name) + 1), ...AFTER_REFS]
        .map((n) => child(loop, n)).find(Boolean);
      loop.insertBefore(ref, next || null);
      changed = true;
    }
  }
  if (!changed) return savedXml;
  const text = new XMLSerializer().serializeToString(saved);
  return text.startsWith("<?xml") ? text : '<?xml version="1.0" encoding="UTF-8"?>\n' + text;
}
