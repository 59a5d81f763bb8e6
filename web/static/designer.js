/* The process designer: the list of definitions with their versions and running instances,
 * and the bpmn-js modeler (vendored UMD bundle, window.BpmnJS) for one process: load the
 * latest version, rename elements from the side panel, deploy the edited .bpmn with the
 * bundle's other files unchanged, and show a 422's problems on their elements. Plain DOM;
 * every call goes to /api/v1 with the session cookie and the X-CSRF-Token header. */
(function () {
  "use strict";

  const DI_NS = "http://www.omg.org/spec/BPMN/20100524/DI";
  const BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL";
  const LOCALE = window.Flowdesk.LOCALE;
  const main = document.getElementById("main");

  // --- small helpers (common.js) -----------------------------------------------------------

  const { t, el, ApiError, api, showError, clearError, announce } = window.Flowdesk;

  const dateFormat = new Intl.DateTimeFormat(LOCALE, { dateStyle: "medium", timeStyle: "short" });

  function timeEl(iso) {
    if (!iso) return el("span", { class: "muted" }, "–");
    return el("time", { datetime: iso }, dateFormat.format(new Date(iso)));
  }

  async function definitionsOf(key) {
    const query = new URLSearchParams({ all_versions: "true" });
    if (key) query.set("key", key);
    const rows = await api("GET", "/definitions?" + query);
    return (Array.isArray(rows) ? rows : []).filter((d) => !key || d.key === key);
  }

  /* Running instances of a process, counted by definition id (all pages). */
  async function runningByDefinition(key) {
    const counts = {};
    for (let page = 1; ; page += 1) {
      const query = new URLSearchParams({
        process_key: key, status: "running", per_page: "200", page: String(page),
      });
      const answer = await api("GET", "/instances?" + query);
      for (const item of answer.items || []) {
        counts[item.definition_id] = (counts[item.definition_id] || 0) + 1;
      }
      if (!answer.items || answer.items.length === 0 || page * 200 >= answer.total) break;
    }
    return counts;
  }

  function groupByKey(rows) {
    const groups = new Map();
    for (const row of rows) {
      if (!groups.has(row.key)) groups.set(row.key, []);
      groups.get(row.key).push(row);
    }
    for (const versions of groups.values()) versions.sort((a, b) => b.version - a.version);
    return groups;
  }

  // --- the list page ------------------------------------------------------------------------

  async function listPage() {
    const box = document.getElementById("definitions");
    try {
      const groups = groupByKey(await definitionsOf(null));
      const keys = [...groups.keys()].sort();
      const counts = await Promise.all(keys.map((key) => runningByDefinition(key)));
      box.replaceChildren();
      if (keys.length === 0) box.append(el("p", { class: "muted" }, t("empty")));
      keys.forEach((key, index) => box.append(processCard(key, groups.get(key), counts[index])));
      clearError();
    } catch (err) {
      box.replaceChildren();
      showError(err);
    } finally {
      box.setAttribute("aria-busy", "false");
    }
  }

  function processCard(key, versions, counts) {
    const latest = versions[0];
    const name = latest.name || key;
    const headingId = "process-" + key;
    const table = el("table", { class: "versions-table" },
      el("caption", { class: "visually-hidden" }, name),
      el("thead", null, el("tr", null,
        ...["version", "deployed", "by", "running", "files"].map((col) =>
          el("th", { scope: "col" }, t("col." + col))))),
      el("tbody", null, ...versions.map((d) => el("tr", { "data-definition-id": d.id,
        "data-version": d.version },
        el("th", { scope: "row", "data-label": t("col.version") }, "v" + d.version,
          d === latest ? el("span", { class: "badge" }, " " + t("latest")) : null),
        el("td", { "data-label": t("col.deployed") }, timeEl(d.deployed_at)),
        el("td", { "data-label": t("col.by") }, d.deployed_by || "–"),
        el("td", { "data-label": t("col.running"), class: "num" }, String(counts[d.id] || 0)),
        el("td", { "data-label": t("col.files"), class: "files" },
          (d.files || []).join(", "))))));
    return el("article", { class: "process-card", "data-key": key, "aria-labelledby": headingId },
      el("div", { class: "process-card-head" },
        el("h2", { id: headingId }, name, " ", el("code", { class: "small muted" }, key)),
        el("a", { class: "btn btn-primary", href: "/designer/" + encodeURIComponent(key),
          "aria-label": t("open.label", { name }) }, t("open"))),
      el("p", { class: "muted small" }, t("versions", { n: versions.length })),
      table);
  }

  // --- the modeler page ---------------------------------------------------------------------

  function hasDiagram(xml) {
    const doc = new DOMParser().parseFromString(xml, "application/xml");
    return doc.getElementsByTagNameNS(DI_NS, "BPMNDiagram").length > 0
      && doc.getElementsByTagNameNS(DI_NS, "BPMNShape").length > 0;
  }

  function modelerPage() {
    const key = main.dataset.key;
    const deployButton = document.getElementById("deploy");
    const problemsBox = document.getElementById("problems");
    const noDi = document.getElementById("no-di");
    const canvasBox = document.getElementById("canvas");
    const state = { definition: null, bpmnFile: null, originalXml: "", marked: [] };
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

    async function deploy() {
      clearError();
      deployButton.disabled = true;
      deployButton.textContent = t("deploying");
      try {
        modeler.get("debounceInput").flush();  // an edit typed just now
        const saved = await modeler.saveXML({ format: true });
        const xml = window.FlowdeskModeler.restoreLoopRefs(state.originalXml, saved.xml);
        const body = new FormData();
        const contents = state.definition.contents || {};
        for (const [name, text] of Object.entries(contents)) {
          if (name === state.bpmnFile) continue;
          body.append("files", new Blob([text], { type: "application/octet-stream" }), name);
        }
        body.append("files", new Blob([xml], { type: "application/xml" }), state.bpmnFile);
        let answer;
        try {
          answer = await api("POST", "/definitions", body);
        } catch (err) {
          if (err.status === 422 && err.errors.length) {
            showProblems(err.errors);
            return;
          }
          throw err;
        }
        clearMarkers();
        problemsBox.hidden = true;
        state.definition = await api("GET", "/definitions/" + answer.id);
        state.bpmnFile = bpmnFileOf(state.definition);
        state.originalXml = state.definition.bpmn_xml;
        if (location.search) history.replaceState(null, "", location.pathname);
        showCurrent();
        const { versions, counts } = await loadVersions();
        showVersions(versions, counts);
        announce(answer.created ? t("deployed", { version: answer.version })
          : t("unchanged", { version: answer.version }));
      } catch (err) {
        showError(err);
      } finally {
        deployButton.disabled = false;
        deployButton.textContent = t("deploy");
      }
    }

    /* Import warnings the modeler would turn into lost content on save. Spiff's variable
     * references in multi-instance loops are put back by restoreLoopRefs, so they are fine. */
    function losingWarnings(warnings, xml) {
      const doc = new DOMParser().parseFromString(xml, "application/xml");
      const loopRefs = new Set(["loopDataInputRef", "loopDataOutputRef"].flatMap((name) =>
        [...doc.getElementsByTagNameNS(BPMN_NS, name)].map((n) => n.textContent.trim())));
      return (warnings || []).map((w) => String(w.message || w).split("\n")[0])
        .filter((text) => {
          const ref = text.match(/^unresolved reference <(.+)>$/);
          return !(ref && loopRefs.has(ref[1]));
        });
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

    /* The side panel's element list: every element by name, so the keyboard can reach each
     * one's properties without pointing at the canvas. */
    function fillPicker() {
      const picker = document.getElementById("element-picker");
      const root = modeler.get("canvas").getRootElement();
      const elements = modeler.get("elementRegistry").filter((e) => e !== root
        && e.type !== "label" && !e.type.startsWith("bpmndi:"));
      const label = (e) => {
        const name = e.businessObject && e.businessObject.name;
        return (name ? name + " · " : "") + e.type.replace(/^bpmn:/, "") + " · " + e.id;
      };
      elements.sort((a, b) => label(a).localeCompare(label(b), LOCALE));
      picker.replaceChildren(picker.options[0],
        ...elements.map((e) => el("option", { value: e.id }, label(e))));
      const selected = modeler.get("selection").get()[0];
      picker.value = selected ? selected.id : "";
    }

    function connectPicker() {
      const picker = document.getElementById("element-picker");
      fillPicker();
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

    async function openModeler(xml, forms) {
      modeler = window.FlowdeskModeler.create({
        container: canvasBox, panel: document.getElementById("properties"), forms,
        locale: LOCALE,
      });
      let warnings;
      try {
        ({ warnings } = await modeler.importXML(xml));
      } catch (err) {
        showError(new ApiError(422, t("import_failed", { detail: err.message })));
        return false;
      }
      state.originalXml = xml;
      fitBesidePalette(modeler.get("canvas"));
      connectPicker();
      const losing = losingWarnings(warnings, xml);
      if (losing.length) {
        const box = document.getElementById("import-warnings");
        box.textContent = t("import_warnings", { detail: losing.join("; ") });
        box.hidden = false;
        return false;
      }
      return true;
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
          if (!(await openModeler(blankProcess(key, state.definition.name), []))) return;
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
          if (!(await openModeler(state.definition.bpmn_xml, formNames(state.definition)))) return;
        }
        deployButton.disabled = false;
        main.dataset.ready = "true";
      } catch (err) {
        showError(err);
      }
    }

    canvasBox.setAttribute("tabindex", "0");
    deployButton.addEventListener("click", deploy);
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

  function newProcessForm() {
    const form = document.getElementById("new-process");
    if (!form) return;
    const keyInput = form.querySelector("#new-key");
    const nameInput = form.querySelector("#new-name");
    const hint = form.querySelector("#new-key-error");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const key = keyInput.value.trim();
      if (!/^[A-Za-z_][A-Za-z0-9_]{0,99}$/.test(key)) {
        hint.textContent = t("new.invalid");
        hint.hidden = false;
        keyInput.setAttribute("aria-invalid", "true");
        keyInput.focus();
        return;
      }
      const target = "/designer/" + encodeURIComponent(key);
      const existing = await definitionsOf(key).catch(() => []);
      if (existing.length) {
        location.assign(target);
        return;
      }
      const query = new URLSearchParams({ new: "1", name: nameInput.value.trim() || key });
      location.assign(target + "?" + query);
    });
  }

  if (main.dataset.page === "list") { listPage(); newProcessForm(); }
  else if (main.dataset.page === "modeler") modelerPage();
})();
