/* The designer's modeler page (/designer/<key>): the latest version of a process (or a blank
 * pool for a new one) in the bpmn-js modeler with its properties panel (the
 * flowdesk-modeler bundle, window.FlowdeskModeler). Check the model on the server or deploy
 * it as a new version with the bundle's other files unchanged (a new process into the
 * process group chosen in designer_group_picker.js); a 422's problems are listed and marked
 * on their elements. A .bpmn file can be opened from disk and the model
 * downloaded; leaving with changes that are not deployed asks first. The draft is handed to
 * the dry run (designer_dry_run.js), the coverage (designer_coverage.js) and the scenario
 * files' panel (designer_scenarios.js) as window.FlowdeskDraft: its scenario files are the
 * version's tests/<name> files, deployed with the model. */
(function () {
  "use strict";

  const DI_NS = "http://www.omg.org/spec/BPMN/20100524/DI";
  const { LOCALE, t, el, ApiError, api, showError, clearError, announce, toast } = window.Flowdesk;
  const { dateFormat, timeEl, definitionsOf, runningByDefinition, groupByKey } =
    window.FlowdeskDesigner;
  const main = document.getElementById("main");
  const groupPicker = window.FlowdeskGroupPicker;

  function hasDiagram(xml) {
    const doc = new DOMParser().parseFromString(xml, "application/xml");
    return doc.getElementsByTagNameNS(DI_NS, "BPMNDiagram").length > 0
      && doc.getElementsByTagNameNS(DI_NS, "BPMNShape").length > 0;
  }

  function modelerPage() {
    const key = main.dataset.key;
    const deployButton = document.getElementById("deploy");
    const checkButton = document.getElementById("check");
    const unsaved = document.getElementById("unsaved");
    const problemsBox = document.getElementById("problems");
    const noDi = document.getElementById("no-di");
    const canvasBox = document.getElementById("canvas");
    const state = { definition: null, bpmnFile: null, marked: [], dirty: false };
    let modeler = null;

    function bpmnFileOf(definition) {
      const names = Object.keys(definition.contents || {});
      return names.find((n) => definition.contents[n] === definition.bpmn_xml)
        || names.find((n) => n.toLowerCase().endsWith(".bpmn")) || key + ".bpmn";
    }

    function showVersions(versions, counts) {
      const list = document.getElementById("versions");
      list.replaceChildren(...versions.map((d) => el("li", { "data-version": d.version },
        el("strong", null, t("version", { version: d.version })),
        d.id === (state.definition && state.definition.id)
          ? el("span", { class: "badge" }, " " + t("latest")) : null,
        el("br"), el("span", { class: "muted small" }, timeEl(d.deployed_at),
          " · " + (d.deployed_by || "–") + " · " + t("col.running") + ": "
          + String(counts[d.id] || 0)))));
    }

    function showCurrent() {
      const d = state.definition;
      document.getElementById("current-version").textContent = t("current", {
        version: d.version, id: d.id, by: d.deployed_by || "–",
        date: d.deployed_at ? dateFormat.format(new Date(d.deployed_at)) : "–",
      });
      document.getElementById("modeler-heading").textContent = t("heading", { name: d.name || key });
    }

    async function loadVersions() {
      const [rows, counts] = await Promise.all([definitionsOf(key), runningByDefinition(key)]);
      const versions = groupByKey(rows).get(key) || [];
      return { versions, counts };
    }

    function clearMarkers() {
      if (!modeler) return;
      const canvas = modeler.get("canvas");
      for (const id of state.marked) canvas.removeMarker(id, "has-problem");
      state.marked = [];
    }

    function selectElement(id) {
      const registry = modeler.get("elementRegistry");
      const element = registry.get(id);
      if (!element) return;
      modeler.get("selection").select(element);
      try { modeler.get("canvas").scrollToElement(element); } catch (e) { /* older canvas */ }
      canvasBox.focus();
    }

    function showProblems(problems) {
      clearMarkers();
      const registry = modeler.get("elementRegistry");
      const canvas = modeler.get("canvas");
      const items = problems.map((p) => {
        const found = p.element_id && registry.get(p.element_id);
        if (found) {
          canvas.addMarker(p.element_id, "has-problem");
          state.marked.push(p.element_id);
        }
        const where = [p.file && p.line ? t("problem.where", { file: p.file, line: p.line })
          : p.file, p.element_id].filter(Boolean).join(" · ");
        return el("li", { "data-element-id": p.element_id || null },
          el("span", null, p.message),
          where ? el("span", { class: "muted small" }, " (" + where + ")") : null,
          found ? el("button", { type: "button", class: "btn btn-small",
            onclick: () => selectElement(p.element_id) },
          t("problem.show", { id: p.element_id })) : null);
      });
      problemsBox.replaceChildren(
        el("p", null, el("strong", null, t("problems.heading", { n: problems.length }))),
        el("ul", { class: "problem-list" }, ...items));
      problemsBox.hidden = false;
      problemsBox.focus();
    }

    function setDirty(dirty) {
      state.dirty = dirty;
      unsaved.hidden = !dirty;
    }

    /* The draft's files changed (a version loaded, a scenario added or removed). */
    function filesChanged() {
      document.dispatchEvent(new CustomEvent("flowdesk:draft-files"));
    }

    /* The edited model as Spiff reads it (loop collections back as references). */
    async function currentXml() {
      modeler.get("debounceInput").flush();  // an edit typed just now
      const saved = await modeler.saveXML({ format: true });
      return window.FlowdeskModeler.fromModeler(saved.xml);
    }

    /* The bundle to check or deploy: the edited .bpmn and the version's other files. */
    async function bundleForm() {
      const body = new FormData();
      for (const [name, text] of Object.entries(state.definition.contents || {})) {
        if (name === state.bpmnFile) continue;
        body.append("files", new Blob([text], { type: "application/octet-stream" }), name);
      }
      body.append("files", new Blob([await currentXml()], { type: "application/xml" }),
        state.bpmnFile);
      return body;
    }

    /* POST the bundle (a deployment with the chosen process group); a 422 with problems
     * shows them and answers null. */
    async function send(path, button, busyText, deploying) {
      clearError();
      const idle = button.textContent;
      button.disabled = true;
      button.textContent = busyText;
      try {
        const form = await bundleForm();
        return await api("POST", path, deploying ? groupPicker.addTo(form) : form);
      } catch (err) {
        if (err.status === 422 && err.errors.length) showProblems(err.errors);
        else showError(err);
        return null;
      } finally {
        button.disabled = false;
        button.textContent = idle;
      }
    }

    /* What a check or deploy did: shown on the page until the next one, and as a toast (which
     * is also announced). */
    function outcome(text, kind) {
      const box = document.getElementById("outcome");
      box.textContent = text;
      box.hidden = false;
      toast(text, { kind: kind || "success" });
    }

    function hideProblems() {
      clearMarkers();
      problemsBox.hidden = true;
    }

    async function check() {
      document.getElementById("outcome").hidden = true;
      const answer = await send("/definitions/validate", checkButton, t("checking"));
      if (!answer) return;
      hideProblems();
      outcome(answer.changed ? t("checked", { version: answer.version })
        : t("checked_unchanged", { version: answer.version }));
    }

    async function deploy() {
      document.getElementById("outcome").hidden = true;
      if (!groupPicker.check()) return;
      const answer = await send("/definitions", deployButton, t("deploying"), true);
      if (!answer) return;
      try {
        hideProblems();
        groupPicker.hide();
        setDirty(false);
        if (answer.key !== key) {  // a file from disk with another process id
          location.assign("/designer/" + encodeURIComponent(answer.key));
          return;
        }
        state.definition = await api("GET", "/definitions/" + answer.id);
        state.bpmnFile = bpmnFileOf(state.definition);
        filesChanged();
        if (location.search) history.replaceState(null, "", location.pathname);
        showCurrent();
        const { versions, counts } = await loadVersions();
        showVersions(versions, counts);
        outcome(answer.created ? t("deployed", { version: answer.version })
          : t(answer.scenarios_replaced ? "unchanged_scenarios" : "unchanged",
            { version: answer.version }), answer.created ? "success" : "info");
      } catch (err) {
        showError(err);
      }
    }

    async function download() {
      try {
        const url = URL.createObjectURL(new Blob([await currentXml()],
          { type: "application/xml" }));
        const link = el("a", { href: url, download: state.bpmnFile, hidden: true });
        document.body.append(link);
        link.click();
        link.remove();
        window.setTimeout(() => URL.revokeObjectURL(url), 1000);
      } catch (err) {
        showError(err);
      }
    }

    async function openFile(file) {
      if (!file) return;
      clearError();
      hideProblems();
      const text = await file.text();
      if (!hasDiagram(text)) {
        showError(new ApiError(422, t("no_di")));
        return;
      }
      if (await importModel(text)) {
        setDirty(true);
        announce(t("file_opened", { name: file.name }));
      }
    }

    /* Import warnings are content the modeler would lose on save. */
    function losingWarnings(warnings) {
      return (warnings || []).map((w) => String(w.message || w).split("\n")[0]);
    }

    function formNames(definition) {
      return Object.keys(definition.contents || {}).filter((n) => n.toLowerCase().endsWith(".json")
        && !["sla.json", "user_status.json"].includes(n.toLowerCase())).sort();
    }

    /* Like zoom("fit-viewport"), but the diagram starts right of the palette, so no element
     * lies under it (and every element can be clicked). */
    function fitBesidePalette(canvas) {
      const palette = canvasBox.querySelector(".djs-palette");
      const box = canvasBox.getBoundingClientRect();
      const left = (palette ? palette.getBoundingClientRect().right - box.left : 0) + 16;
      const margin = 16;
      const inner = canvas.viewbox().inner;
      if (!inner.width || !inner.height) return;
      const scale = Math.min(1, (box.width - left - margin) / inner.width,
        (box.height - 2 * margin) / inner.height);
      canvas.viewbox({ x: inner.x - left / scale, y: inner.y - margin / scale,
        width: box.width / scale, height: box.height / scale });
    }

    /* An element's kind in the page's language (bpmn:UserTask → 用户任务); a kind without a
     * text keeps its BPMN name. */
    function typeName(type) {
      const bare = type.replace(/^bpmn:/, "");
      const text = t("type." + bare);
      return text === "type." + bare ? bare : text;
    }

    /* The side panel's element list: every element by name, so the keyboard can reach each
     * one's properties without pointing at the canvas. */
    function fillPicker() {
      const picker = document.getElementById("element-picker");
      const root = modeler.get("canvas").getRootElement();
      const elements = modeler.get("elementRegistry").filter((e) => e !== root
        && e.type !== "label" && !e.type.startsWith("bpmndi:"));
      const label = (e) => {
        const name = e.businessObject && e.businessObject.name;
        return (name ? name + " · " : "") + typeName(e.type) + " · " + e.id;
      };
      elements.sort((a, b) => label(a).localeCompare(label(b), LOCALE));
      picker.replaceChildren(picker.options[0],
        ...elements.map((e) => el("option", { value: e.id }, label(e))));
      const selected = modeler.get("selection").get()[0];
      picker.value = selected ? selected.id : "";
    }

    function connectPicker() {
      const picker = document.getElementById("element-picker");
      modeler.on("elements.changed", fillPicker);
      modeler.on("selection.changed", (event) => {
        const first = event.newSelection[0];
        picker.value = first ? first.id : "";
      });
      picker.addEventListener("change", () => {
        const element = picker.value && modeler.get("elementRegistry").get(picker.value);
        if (element) {
          modeler.get("selection").select(element);
          try { modeler.get("canvas").scrollToElement(element); } catch (e) { /* older canvas */ }
        } else {
          modeler.get("selection").select(null);
        }
      });
    }

    /* Show ``xml`` (the modeler is made on first use); false if it would lose content. */
    async function importModel(xml) {
      if (!modeler) {
        modeler = window.FlowdeskModeler.create({
          container: canvasBox, panel: document.getElementById("properties"),
          forms: formNames(state.definition), locale: LOCALE,
        });
        connectPicker();
        modeler.on("commandStack.changed", () => setDirty(true));
      }
      let warnings;
      try {
        ({ warnings } = await modeler.importXML(window.FlowdeskModeler.toModeler(xml)));
      } catch (err) {
        showError(new ApiError(422, t("import_failed", { detail: err.message })));
        return false;
      }
      fitBesidePalette(modeler.get("canvas"));
      fillPicker();
      const losing = losingWarnings(warnings);
      const box = document.getElementById("import-warnings");
      box.hidden = losing.length === 0;
      box.textContent = losing.length ? t("import_warnings", { detail: losing.join("; ") }) : "";
      deployButton.disabled = checkButton.disabled = losing.length > 0;
      return losing.length === 0;
    }

    async function start() {
      try {
        const { versions, counts } = await loadVersions();
        showVersions(versions, counts);
        if (versions.length === 0) {
          const params = new URLSearchParams(location.search);
          if (!params.has("new")) {
            showError(new ApiError(404, t("not_found", { key })));
            return;
          }
          state.definition = { contents: {}, version: 0, name: params.get("name") || key };
          state.bpmnFile = key + ".bpmn";
          document.getElementById("current-version").textContent = t("new.banner");
          document.getElementById("modeler-heading").textContent =
            t("heading", { name: state.definition.name });
          await groupPicker.show();
          if (!(await importModel(blankProcess(key, state.definition.name)))) return;
        } else {
          state.definition = await api("GET", "/definitions/" + versions[0].id);
          state.bpmnFile = bpmnFileOf(state.definition);
          showCurrent();
          showVersions(versions, counts);
          if (!hasDiagram(state.definition.bpmn_xml)) {
            noDi.hidden = false;
            canvasBox.hidden = true;
            return;
          }
          if (!(await importModel(state.definition.bpmn_xml))) return;
        }
        for (const id of ["download", "open-file-button", "dry-run-open", "coverage-open",
          "scenario-attach"]) {
          document.getElementById(id).disabled = false;
        }
        filesChanged();
        main.dataset.ready = "true";
      } catch (err) {
        showError(err);
      }
    }

    /* The draft as the dry run (designer_dry_run.js) and the coverage (designer_coverage.js)
     * take it: the bundle's files as text, the canvas to mark, the problems box for a draft
     * that would not deploy. */
    window.FlowdeskDraft = {
      files: async () => {
        const files = {};
        for (const [name, text] of Object.entries(state.definition.contents || {})) {
          if (name !== state.bpmnFile) files[name] = text;
        }
        files[state.bpmnFile] = await currentXml();
        return files;
      },
      canvas: () => modeler && modeler.get("canvas"),
      registry: () => modeler.get("elementRegistry"),
      showProblems,
      /* The draft's scenario files (tests/<name>): their names, one's text, set or remove
       * one; a change is a change of the draft (not deployed yet). */
      scenarioNames: () => Object.keys(state.definition ? state.definition.contents || {} : {})
        .filter((n) => n.startsWith("tests/")).sort(),
      scenarioText: (name) => (state.definition.contents || {})[name],
      setScenario: (name, text) => {
        state.definition.contents = { ...(state.definition.contents || {}), [name]: text };
        setDirty(true);
        filesChanged();
      },
      removeScenario: (name) => {
        const contents = { ...(state.definition.contents || {}) };
        delete contents[name];
        state.definition.contents = contents;
        setDirty(true);
        filesChanged();
      },
    };

    canvasBox.setAttribute("tabindex", "0");
    deployButton.addEventListener("click", deploy);
    checkButton.addEventListener("click", check);
    document.getElementById("download").addEventListener("click", download);
    const fileInput = document.getElementById("open-file");
    document.getElementById("open-file-button").addEventListener("click", () => fileInput.click());
    fileInput.addEventListener("change", () => {
      openFile(fileInput.files[0]);
      fileInput.value = "";
    });
    window.addEventListener("beforeunload", (event) => {
      if (!state.dirty) return;
      event.preventDefault();
      event.returnValue = "";  // the browser asks whether to leave
    });
    start();
  }

  /* A new process: one pool with one lane and a start event, laid out. */
  function blankProcess(key, name) {
    const esc = (text) => String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;")
      .replace(/"/g, "&quot;");
    return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
  id="${key}_definitions" targetNamespace="http://flowdesk.example/bpmn">
  <bpmn:collaboration id="${key}_collaboration">
    <bpmn:participant id="${key}_participant" name="${esc(name)}" processRef="${key}" />
  </bpmn:collaboration>
  <bpmn:process id="${key}" name="${esc(name)}" isExecutable="true">
    <bpmn:laneSet id="${key}_lanes">
      <bpmn:lane id="lane_agent" name="Agent"><bpmn:flowNodeRef>start</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="${key}_diagram">
    <bpmndi:BPMNPlane id="${key}_plane" bpmnElement="${key}_collaboration">
      <bpmndi:BPMNShape id="${key}_participant_di" bpmnElement="${key}_participant" isHorizontal="true">
        <dc:Bounds x="100" y="80" width="700" height="200" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="lane_agent_di" bpmnElement="lane_agent" isHorizontal="true">
        <dc:Bounds x="130" y="80" width="670" height="200" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="start_di" bpmnElement="start">
        <dc:Bounds x="182" y="162" width="36" height="36" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
`;
  }

  if (main.dataset.page === "modeler") modelerPage();
})();
