/* The modeler page's 场景覆盖率: which elements and sequence flows of the draft the bundle's
 * scenarios reach. 场景覆盖率 sends the draft (designer_modeler.js, window.FlowdeskDraft) to
 * /api/v1/scenario-coverage, which runs the scenarios on throwaway stores (bounded; what it
 * left out is said), and opens the panel; its 载入覆盖率文件 reads a file that
 * `flowdesk test --coverage-json` wrote instead. Either
 * way the diagram marks what was reached (fd-covered) and what never was (fd-missed, in words
 * too: the panel lists it with the percentages, so colour is not the only sign). */
(function () {
  "use strict";

  const { t, el, api, showError, clearError, announce } = window.Flowdesk;
  const panel = document.getElementById("coverage");
  if (!panel) return;
  const draft = () => window.FlowdeskDraft;
  const $ = (id) => document.getElementById(id);
  const key = document.querySelector("main").dataset.key;
  const marked = [];

  function clearMarks() {
    const canvas = draft().canvas();
    for (const [id, marker] of marked.splice(0)) if (canvas) canvas.removeMarker(id, marker);
  }

  /* Green: reached; red and dashed: never reached. Ids not on this diagram are skipped (a
   * file may come from another version). */
  function mark(coverage) {
    clearMarks();
    const canvas = draft().canvas();
    const registry = draft().registry();
    const missed = new Set(coverage.elements.never_reached.concat(coverage.flows.never_reached));
    for (const id of coverage.elements.visited.concat(coverage.flows.visited)) {
      if (registry.get(id) && !missed.has(id)) marked.push([id, "fd-covered"]);
    }
    for (const id of missed) if (registry.get(id)) marked.push([id, "fd-missed"]);
    for (const [id, marker] of marked) canvas.addMarker(id, marker);
  }

  /* "Refund (end_refunded)": an element as the designer knows it. */
  function label(id) {
    const found = draft().registry().get(id);
    const name = found && found.businessObject && found.businessObject.name;
    return name ? name + " (" + id + ")" : id;
  }

  function missedList(heading, ids) {
    return el("section", null, el("h3", null, heading), ids.length
      ? el("ul", { class: "coverage-missed" }, ...ids.map((id) => el("li",
        { "data-element-id": id }, label(id))))
      : el("p", { class: "muted" }, t("coverage.all_reached")));
  }

  /* The panel: percentages, where the numbers come from, failed and skipped scenarios, and
   * what was never reached. ``answer`` is the API's answer, or a file's with ``file``. */
  function show(coverage, notes) {
    const elements = coverage.elements;
    const flows = coverage.flows;
    $("coverage-summary").textContent = t("coverage.summary", {
      flows: flows.percent, flows_visited: flows.visited.length, flows_total: flows.total,
      elements: elements.percent, elements_visited: elements.visited.length,
      elements_total: elements.total });
    $("coverage-notes").replaceChildren(...notes.map((note) => el("li", null, note)));
    $("coverage-missed").replaceChildren(
      missedList(t("coverage.never_elements"), elements.never_reached),
      missedList(t("coverage.never_flows"), flows.never_reached));
    panel.hidden = false;
    mark(coverage);
    $("coverage-heading").focus();
    announce(t("coverage.shown", { flows: flows.percent, elements: elements.percent }));
  }

  function notesOf(answer) {
    const notes = [];
    const count = answer.scenarios.length;
    if (answer.problem) notes.push(t("coverage.problem", { problem: answer.problem }));
    else notes.push(t("coverage.source." + answer.source, { count }));
    const failed = answer.scenarios.filter((s) => !s.ok);
    if (failed.length) {
      notes.push(t("coverage.failed", { count: failed.length,
        names: failed.map((s) => s.name + (s.error ? ": " + s.error : "")).join("; ") }));
    }
    if (answer.skipped.length) {
      notes.push(t("coverage.skipped", { count: answer.skipped.length,
        files: answer.skipped.map((s) => s.file).join(", "), scenarios: answer.limits.scenarios,
        steps: answer.limits.steps, seconds: answer.limits.seconds }));
    }
    return notes;
  }

  /* The panel open with only ``text`` in it (running, nothing to run), no marks. */
  function reset(text) {
    clearMarks();
    $("coverage-summary").textContent = text;
    $("coverage-notes").replaceChildren();
    $("coverage-missed").replaceChildren();
    panel.hidden = false;
    announce(text);
  }

  async function run() {
    clearError();
    const button = $("coverage-open");
    button.disabled = true;
    reset(t("coverage.running"));
    try {
      const answer = await api("POST", "/scenario-coverage", { files: await draft().files() });
      if (!answer.scenarios.length && !answer.skipped.length) {
        reset(t("coverage.no_scenarios"));
        return;
      }
      show(answer.coverage[answer.process_key], notesOf(answer));
    } catch (err) {
      reset("");
      if (err.status === 422 && err.errors && err.errors.length) draft().showProblems(err.errors);
      else showError(err);
    } finally {
      button.disabled = false;
    }
  }

  /* A file of `flowdesk test --coverage-json`: {process key: coverage}; this process's. */
  async function load(file) {
    clearError();
    let report;
    try {
      report = JSON.parse(await file.text());
    } catch (err) {
      showError(new Error(t("coverage.bad_file", { problem: err.message })));
      return;
    }
    const coverage = report && report[key];
    if (!coverage || !coverage.elements || !coverage.flows) {
      showError(new Error(t("coverage.not_this_process", { key,
        found: Object.keys(report || {}).join(", ") || "–" })));
      return;
    }
    show(coverage, [t("coverage.source.file", { name: file.name })]);
  }

  function close() {
    clearMarks();
    panel.hidden = true;
    $("coverage-open").focus();
  }

  const input = $("coverage-file");
  $("coverage-open").addEventListener("click", run);
  $("coverage-load").addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    if (input.files[0]) load(input.files[0]);
    input.value = "";
  });
  $("coverage-close").addEventListener("click", close);
})();
