/* The bundle behind /designer/<key>: bpmn-js's modeler with the properties panel (standard
 * BPMN groups plus Flowdesk's), the spiffworkflow extension model, and a translate service.
 * Exposes window.FlowdeskModeler: create(), and toModeler()/fromModeler() for the XML going
 * in and out (loop-collections.js). Built by scripts/build_modeler.sh. */
import Modeler from "bpmn-js/lib/Modeler";
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from "bpmn-js-properties-panel";

import FlowdeskPropertiesModule from "./flowdesk-properties";
import FlushableDebounceModule from "./flushable-debounce";
import fdmodeler from "./fdmodeler.json";
import { fromModeler, toModeler } from "./loop-collections";
import spiffworkflow from "./spiffworkflow.json";
import translateModule from "./translate";

import "bpmn-js/dist/assets/diagram-js.css";
import "bpmn-js/dist/assets/bpmn-js.css";
import "bpmn-js/dist/assets/bpmn-font/css/bpmn.css";
import "@bpmn-io/properties-panel/dist/assets/properties-panel.css";

// The groups a designer of Flowdesk processes edits most start open.
const OPEN_GROUPS = Object.fromEntries(["general", "timer", "multiInstance", "flowdesk-loop",
  "flowdesk-form", "flowdesk-assignment", "flowdesk-decision", "flowdesk-scripts",
  "flowdesk-condition", "flowdesk-process"].map((id) => [id, { open: true }]));

/* A modeler in ``container`` with its properties panel in ``panel``; ``forms`` are the
 * definition's .json form names offered for user tasks. */
function create({ container, panel, forms, locale }) {
  return new Modeler({
    container,
    propertiesPanel: { parent: panel, layout: { groups: OPEN_GROUPS } },
    flowdesk: { forms: forms || [] },
    additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule,
      FlowdeskPropertiesModule, FlushableDebounceModule, translateModule(locale)],
    moddleExtensions: { spiffworkflow, fdm: fdmodeler },
  });
}

window.FlowdeskModeler = { create, toModeler, fromModeler };
