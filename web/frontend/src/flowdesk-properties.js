/* Flowdesk's groups in the bpmn-js properties panel: what the engine reads beyond plain BPMN
 * (a user task's form and assignment, a multi-instance loop's collections, scripts, a
 * decision, a flow's condition, the case number prefix). The standard provider already covers names, ids, documentation, timers
 * and multi-instance; these groups are added after its own. */
import {
  Group, SelectEntry, TextAreaEntry, TextFieldEntry,
  isSelectEntryEdited, isTextAreaEntryEdited, isTextFieldEntryEdited,
} from "@bpmn-io/properties-panel";
import { h } from "@bpmn-io/properties-panel/preact";
import { useService } from "bpmn-js-properties-panel";
import { getBusinessObject, is, isAny } from "bpmn-js/lib/util/ModelUtil";

import { getProperty, getText, setProperty, setText } from "./spiff-model";

const ACTIVITIES = ["bpmn:Task", "bpmn:CallActivity", "bpmn:SubProcess"];
const CONDITIONAL_SOURCES = ["bpmn:ExclusiveGateway", "bpmn:InclusiveGateway",
  "bpmn:ComplexGateway", "bpmn:Activity"];

function useServices() {
  return {
    bpmnFactory: useService("bpmnFactory"),
    commandStack: useService("commandStack"),
    debounce: useService("debounceInput"),
    translate: useService("translate"),
  };
}

/* A text field or area bound to one spiffworkflow:property. */
function PropertyEntry(props) {
  const { element, id, name, label, description, area } = props;
  const services = useServices();
  return h(area ? TextAreaEntry : TextFieldEntry, {
    element, id, label: services.translate(label), debounce: services.debounce,
    description: description && services.translate(description),
    getValue: () => getProperty(element, name),
    setValue: (value) => setProperty(element, name, (value || "").trim(), services),
  });
}

/* A text area bound to a text extension (preScript, postScript, calledDecisionId). */
function TextExtensionEntry(props) {
  const { element, id, type, label, description, field } = props;
  const services = useServices();
  return h(field ? TextFieldEntry : TextAreaEntry, {
    element, id, label: services.translate(label), debounce: services.debounce,
    description: description && services.translate(description), monospace: !field,
    getValue: () => getText(element, type),
    setValue: (value) => setText(element, type, field ? (value || "").trim() : value || "",
      services),
  });
}

/* The user task's form: one of the definition's .json forms, or none. */
function FormEntry(props) {
  const { element, id } = props;
  const services = useServices();
  const config = useService("config.flowdesk", false) || {};
  const forms = config.forms || [];
  return h(SelectEntry, {
    element, id, label: services.translate("Form"),
    description: services.translate("The JSON-schema form staff fill in to complete the task."),
    getValue: () => getProperty(element, "formJsonSchemaFilename"),
    setValue: (value) => setProperty(element, "formJsonSchemaFilename", value, services),
    getOptions: () => {
      const current = getProperty(element, "formJsonSchemaFilename");
      const names = current && !forms.includes(current) ? [...forms, current] : forms;
      return [{ value: "", label: services.translate("(no form)") },
        ...names.map((name) => ({ value: name, label: name }))];
    },
  });
}

function ScriptEntry(props) {
  const { element, id } = props;
  const { debounce, translate } = useServices();
  const modeling = useService("modeling");
  return h(TextAreaEntry, {
    element, id, label: translate("Script (Python)"), debounce, monospace: true, rows: 8,
    description: translate("Runs in Flowdesk's sandbox: no imports, no files, a time limit."),
    getValue: () => getBusinessObject(element).get("script") || "",
    setValue: (value) => modeling.updateProperties(element, {
      script: value || undefined, scriptFormat: getBusinessObject(element).get("scriptFormat")
        || "python",
    }),
  });
}

function ConditionEntry(props) {
  const { element, id } = props;
  const { bpmnFactory, debounce, translate } = useServices();
  const modeling = useService("modeling");
  return h(TextAreaEntry, {
    element, id, label: translate("Condition (Python expression)"), debounce, monospace: true,
    description: translate("The flow is taken when this is true, e.g. severity == \"high\". Empty: the default or an unconditional flow."),
    getValue: () => {
      const expression = getBusinessObject(element).get("conditionExpression");
      return (expression && expression.get("body")) || "";
    },
    setValue: (value) => modeling.updateProperties(element, {
      conditionExpression: value && value.trim()
        ? bpmnFactory.create("bpmn:FormalExpression", { body: value.trim() }) : undefined,
    }),
  });
}

/* A multi-instance loop's collection (a variable name; see loop-collections.js). */
function LoopCollectionEntry(props) {
  const { element, id, attribute, label, description } = props;
  const { commandStack, debounce, translate } = useServices();
  const loop = getBusinessObject(element).get("loopCharacteristics");
  return h(TextFieldEntry, {
    element, id, label: translate(label), description: translate(description), debounce,
    getValue: () => loop.get("fdm:" + attribute) || "",
    setValue: (value) => commandStack.execute("element.updateModdleProperties", {
      element, moddleElement: loop,
      properties: { ["fdm:" + attribute]: (value || "").trim() || undefined },
    }),
  });
}

/* The variable each instance sees its item in (inputDataItem) or leaves its result in
 * (outputDataItem); Spiff uses the data item's id as the variable name. */
function LoopItemEntry(props) {
  const { element, id, property, label, description } = props;
  const { bpmnFactory, commandStack, debounce, translate } = useServices();
  const loop = getBusinessObject(element).get("loopCharacteristics");
  const update = (moddleElement, properties) => commandStack.execute(
    "element.updateModdleProperties", { element, moddleElement, properties });
  return h(TextFieldEntry, {
    element, id, label: translate(label), description: translate(description), debounce,
    getValue: () => {
      const item = loop.get(property);
      return item ? item.get("name") || item.get("id") || "" : "";
    },
    setValue: (value) => {
      const name = (value || "").trim();
      const item = loop.get(property);
      if (!name) {
        if (item) update(loop, { [property]: undefined });
      } else if (item) {
        update(item, { id: name, name });
      } else {
        const type = property === "inputDataItem" ? "bpmn:DataInput" : "bpmn:DataOutput";
        const created = bpmnFactory.create(type, { id: name, name });
        created.$parent = loop;
        update(loop, { [property]: created });
      }
    },
  });
}

function loopGroup(element) {
  const field = (id, component, extra) => entry(element, "flowdesk-loop-" + id, component,
    isTextFieldEntryEdited, extra);
  return { id: "flowdesk-loop", label: "Collection (multi-instance)", component: Group, entries: [
    field("input", LoopCollectionEntry, { attribute: "inputCollection",
      label: "Input collection", description: "The list variable: one instance per item." }),
    field("input-item", LoopItemEntry, { property: "inputDataItem", label: "Item variable",
      description: "Each instance finds its item in this variable." }),
    field("output", LoopCollectionEntry, { attribute: "outputCollection",
      label: "Output collection", description: "The list variable the results are gathered in." }),
    field("output-item", LoopItemEntry, { property: "outputDataItem", label: "Result variable",
      description: "Each instance leaves its result in this variable." }),
  ] };
}

function entry(element, id, component, isEdited, extra) {
  return { id, element, component, isEdited, ...extra };
}

function userTaskGroups(element) {
  const field = (name, label, description) => entry(element, "flowdesk-" + name, PropertyEntry,
    isTextFieldEntryEdited, { name, label, description });
  return [
    { id: "flowdesk-form", label: "Form", component: Group, entries: [
      entry(element, "flowdesk-form-select", FormEntry, isSelectEntryEdited)] },
    { id: "flowdesk-assignment", label: "Assignment", component: Group, entries: [
      field("candidateGroups", "Candidate groups",
        "Comma-separated groups that may claim the task. Empty: the task's lane."),
      field("assignee", "Assignee", "A user name: the task goes straight to this user."),
      field("assigneeVariable", "Assignee variable",
        "A process variable holding the user name (e.g. dedicated_agent)."),
      field("candidateGroupsVariable", "Candidate groups variable",
        "A process variable holding a group name or a list of groups."),
    ] },
  ];
}

function scriptGroup(element) {
  const text = (type, id, label) => entry(element, id, TextExtensionEntry,
    isTextAreaEntryEdited, { type, label });
  return { id: "flowdesk-scripts", label: "Scripts", component: Group, entries: [
    ...(is(element, "bpmn:ScriptTask")
      ? [entry(element, "flowdesk-script", ScriptEntry, isTextAreaEntryEdited)] : []),
    text("spiffworkflow:PreScript", "flowdesk-pre-script", "Before the task (pre-script)"),
    text("spiffworkflow:PostScript", "flowdesk-post-script", "After the task (post-script)"),
  ] };
}

function groupsFor(element) {
  const groups = [];
  if (is(element, "bpmn:UserTask")) groups.push(...userTaskGroups(element));
  if (is(element, "bpmn:BusinessRuleTask")) {
    groups.push({ id: "flowdesk-decision", label: "Decision", component: Group, entries: [
      entry(element, "flowdesk-decision-id", TextExtensionEntry, isTextFieldEntryEdited, {
        type: "spiffworkflow:CalledDecisionId", label: "Decision id (DMN)", field: true,
        description: "The id of a decision in one of the definition's .dmn files." })] });
  }
  const loop = getBusinessObject(element).get("loopCharacteristics");
  if (loop && is(loop, "bpmn:MultiInstanceLoopCharacteristics")) groups.push(loopGroup(element));
  if (isAny(element, ACTIVITIES)) groups.push(scriptGroup(element));
  if (is(element, "bpmn:SequenceFlow") && element.source
      && isAny(element.source, CONDITIONAL_SOURCES)) {
    groups.push({ id: "flowdesk-condition", label: "Condition", component: Group, entries: [
      entry(element, "flowdesk-condition-expression", ConditionEntry, isTextAreaEntryEdited)] });
  }
  if (isAny(element, ["bpmn:Process", "bpmn:Participant"])) {
    groups.push({ id: "flowdesk-process", label: "Case numbers", component: Group, entries: [
      entry(element, "flowdesk-case-prefix", PropertyEntry, isTextFieldEntryEdited, {
        name: "caseNumberPrefix", label: "Case number prefix",
        description: "Cases get numbers like TS202611240001." })] });
  }
  return groups;
}

class FlowdeskPropertiesProvider {
  constructor(propertiesPanel, translate) {
    propertiesPanel.registerProvider(400, this);
    this._translate = translate;
  }

  getGroups(element) {
    return (groups) => groups.concat(groupsFor(element).map((group) => ({
      ...group, label: this._translate(group.label),
    })));
  }
}
FlowdeskPropertiesProvider.$inject = ["propertiesPanel", "translate"];

export default {
  __init__: ["flowdeskPropertiesProvider"],
  flowdeskPropertiesProvider: ["type", FlowdeskPropertiesProvider],
};
