/* Reading and writing the spiffworkflow extension elements that Flowdesk runs on
 * (spiffworkflow:properties/property, preScript, postScript, calledDecisionId) as
 * undoable commands, so the properties panel's fields are ordinary bpmn-js edits. */
import { getBusinessObject, is } from "bpmn-js/lib/util/ModelUtil";

const MULTI = "properties-panel.multi-command-executor";

/* The business object whose extension elements hold an element's settings: a participant's
 * settings live on its process. */
export function settingsOwner(element) {
  const bo = getBusinessObject(element);
  return is(bo, "bpmn:Participant") ? bo.get("processRef") : bo;
}

function extensionValues(bo, type) {
  const ext = bo && bo.get("extensionElements");
  const values = (ext && ext.get("values")) || [];
  return type ? values.filter((v) => is(v, type)) : values;
}

export function getProperty(element, name) {
  const bo = settingsOwner(element);
  for (const props of extensionValues(bo, "spiffworkflow:Properties")) {
    const found = props.get("properties").find((p) => p.get("name") === name);
    if (found) return found.get("value") || "";
  }
  return "";
}

export function getText(element, type) {
  const found = extensionValues(settingsOwner(element), type)[0];
  return (found && found.get("value")) || "";
}

function update(element, moddleElement, properties) {
  return { cmd: "element.updateModdleProperties", context: { element, moddleElement, properties } };
}

/* Commands that make sure ``bo`` has bpmn:extensionElements; returns [ext, commands]. */
function ensureExtensions(element, bo, bpmnFactory) {
  let ext = bo.get("extensionElements");
  if (ext) return [ext, []];
  ext = bpmnFactory.create("bpmn:ExtensionElements", { values: [] });
  ext.$parent = bo;
  return [ext, [update(element, bo, { extensionElements: ext })]];
}

/* Set (or, with an empty value, remove) one spiffworkflow:property. */
export function setProperty(element, name, value, services) {
  const { bpmnFactory, commandStack } = services;
  const bo = settingsOwner(element);
  const [ext, commands] = ensureExtensions(element, bo, bpmnFactory);
  let props = extensionValues(bo, "spiffworkflow:Properties")[0];
  if (!props) {
    if (!value) return;
    props = bpmnFactory.create("spiffworkflow:Properties", { properties: [] });
    props.$parent = ext;
    commands.push(update(element, ext, { values: [...ext.get("values"), props] }));
  }
  const list = props.get("properties");
  const found = list.find((p) => p.get("name") === name);
  if (!value) {
    if (!found) return;
    commands.push(update(element, props, { properties: list.filter((p) => p !== found) }));
  } else if (found) {
    commands.push(update(element, found, { value }));
  } else {
    const property = bpmnFactory.create("spiffworkflow:Property", { name, value });
    property.$parent = props;
    commands.push(update(element, props, { properties: [...list, property] }));
  }
  commandStack.execute(MULTI, commands);
}

/* Set (or, with an empty value, remove) a text extension such as spiffworkflow:PreScript. */
export function setText(element, type, value, services) {
  const { bpmnFactory, commandStack } = services;
  const bo = settingsOwner(element);
  const [ext, commands] = ensureExtensions(element, bo, bpmnFactory);
  const found = extensionValues(bo, type)[0];
  if (!value) {
    if (!found) return;
    commands.push(update(element, ext, { values: ext.get("values").filter((v) => v !== found) }));
  } else if (found) {
    commands.push(update(element, found, { value }));
  } else {
    const created = bpmnFactory.create(type, { value });
    created.$parent = ext;
    commands.push(update(element, ext, { values: [...ext.get("values"), created] }));
  }
  commandStack.execute(MULTI, commands);
}
