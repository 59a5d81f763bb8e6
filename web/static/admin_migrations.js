/* The admin console's 版本迁移 (issue 17): move running cases to another version of their
 * process through /api/v1/migrations. Pick the process and the two versions
 * (GET /definitions?all_versions=true), see the element mapping the engine proposes and change
 * a source element's target in its select (every change is checked again: POST /plan), read
 * the problems, dry-run it (POST /dry-run: what would happen to each case) and run it
 * (POST /migrations, asked first); a batch still running is polled (GET /migrations/{id})
 * until it is done, with each case's result. Uses admin.js's helpers and admin_dialog.js's
 * ask() (window.FlowdeskAdmin). */
(function () {
  "use strict";

  const A = window.FlowdeskAdmin;
  const { t, el, api, announce, toast, showError, clearError, table, cell, fill, empty, ask } = A;
  const POLL_MS = 1000;
  const form = document.getElementById("migration-plan");
  const inputs = {
    process: document.getElementById("migration-process"),
    source: document.getElementById("migration-source"),
    target: document.getElementById("migration-target"),
    ids: document.getElementById("migration-ids"),
  };
  const boxes = {
    mapping: document.getElementById("migration-mapping"),
    problems: document.getElementById("migration-problems"),
    actions: document.getElementById("migration-actions"),
    report: document.getElementById("migration-report"),
    batch: document.getElementById("migration-batch"),
  };
  /* versions: process key -> its versions, newest first; plan: the last checked plan;
   * request: the body that plan answered (its mapping is the selects'). */
  const state = { versions: {}, names: {}, plan: null, request: null, poll: null };

  // --- the process and its versions ---------------------------------------------------------

  function options(select, values, label, chosen) {
    select.replaceChildren(...values.map((value) => el("option", { value: String(value) },
      label(value))));
    if (values.map(String).includes(chosen)) select.value = chosen;
  }

  function fillVersions() {
    const versions = state.versions[inputs.process.value] || [];
    const label = (v) => t("migrate.version", { version: v });
    const [source, target] = [inputs.source.value, inputs.target.value];
    options(inputs.source, versions, label, source || String(versions[1] || versions[0] || ""));
    options(inputs.target, versions, label, target || String(versions[0] || ""));
  }

  async function loadProcesses() {
    const definitions = await api("GET", "/definitions?all_versions=true");
    state.versions = {};
    for (const d of definitions) {
      (state.versions[d.key] = state.versions[d.key] || []).push(d.version);
      if (!state.names[d.key] || d.name) state.names[d.key] = d.name || d.key;
    }
    for (const list of Object.values(state.versions)) list.sort((a, b) => b - a);
    const keys = Object.keys(state.versions).sort();
    options(inputs.process, keys, (key) => (state.names[key] !== key
      ? state.names[key] + " (" + key + ")" : key), inputs.process.value);
    fillVersions();
  }

  // --- the plan -----------------------------------------------------------------------------

  /* The ids typed, or null when there is something else than numbers in the field. */
  function typedIds() {
    const words = inputs.ids.value.split(/[\s,，、]+/).filter(Boolean);
    if (words.some((w) => !/^[0-9]{1,10}$/.test(w))) return null;
    return words.map(Number);
  }

  function requestBody() {
    const ids = typedIds();
    if (ids === null) {
      inputs.ids.setAttribute("aria-invalid", "true");
      inputs.ids.focus();
      throw new Error(t("migrate.bad_ids"));
    }
    inputs.ids.removeAttribute("aria-invalid");
    const body = { process_key: inputs.process.value,
      source_version: Number(inputs.source.value), target_version: Number(inputs.target.value) };
    if (ids.length) body.instance_ids = ids;
    return body;
  }

  /* The mapping as the selects have it (every source element: its target or null). */
  function editedMapping() {
    const mapping = {};
    for (const select of boxes.mapping.querySelectorAll("select[data-source]")) {
      mapping[select.dataset.source] = select.value || null;
    }
    return mapping;
  }

  function elementLabel(element) {
    return element.name ? element.name + " (" + element.id + ")" : element.id;
  }

  function targetSelect(plan, source) {
    const chosen = plan.mapping[source.id] || "";
    return el("select", { "data-source": source.id, onchange: () => recheck(),
      "aria-label": t("migrate.target_for", { element: elementLabel(source) }) },
    el("option", { value: "" }, t("migrate.no_target")),
    ...plan.target_elements.map((target) => el("option", { value: target.id,
      selected: target.id === chosen }, elementLabel(target))));
  }

  function eventsText(element) {
    return element.events && element.events.length ? element.events.join("; ") : "—";
  }

  function renderMapping(plan) {
    const rows = plan.source_elements.map((source) => el("tr", { "data-element": source.id },
      cell("element", elementLabel(source)), cell("kind", source.kind),
      cell("tokens", String(plan.active[source.id] || 0)),
      cell("target_element", targetSelect(plan, source)), cell("events", eventsText(source))));
    fill(boxes.mapping, el("div", {},
      el("h3", { id: "migration-mapping-heading" }, t("migrate.mapping.heading")),
      el("p", { class: "muted small" }, t("migrate.mapping.help")),
      table(["element", "kind", "tokens", "target_element", "events"], rows, "migration-mapping")));
  }

  function problemText(problem) {
    return t("migrate.problem." + problem.code, { element: problem.element,
      target: problem.target || "", instances: problem.instances || 0,
      before: (problem.before || []).join("; ") || "—", after: (problem.after || []).join("; ") || "—" });
  }

  function renderProblems(plan) {
    const errors = plan.problems.filter((p) => p.severity === "error").length;
    boxes.problems.hidden = false;
    boxes.problems.replaceChildren(
      el("h3", { id: "migration-problems-heading" }, t("migrate.problems.heading")),
      el("p", { id: "migration-summary" }, t("migrate.summary", {
        n: plan.instance_ids.length, from: plan.source.version, to: plan.target.version })),
      plan.problems.length ? el("ul", { class: "migration-problems" },
        ...plan.problems.map((p) => el("li", { "data-code": p.code, "data-severity": p.severity },
          el("strong", {}, t("migrate.severity." + p.severity)), " ", problemText(p))))
        : el("p", { class: "muted" }, t("migrate.problems.none")),
      errors ? el("p", { class: "muted small" }, t("migrate.problems.errors_help")) : null);
    boxes.actions.hidden = false;
    document.getElementById("migration-run").disabled = !plan.instance_ids.length;
  }

  async function check(body) {
    const plan = await api("POST", "/migrations/plan", body);
    state.plan = plan;
    state.request = body;
    return plan;
  }

  async function makePlan() {
    clearError();
    boxes.report.hidden = true;
    const plan = await check(requestBody());
    renderMapping(plan);
    renderProblems(plan);
    announce(t("migrate.planned", { n: plan.instance_ids.length }));
  }

  /* A target changed in the mapping: check the plan again with the selects' mapping (the table
   * stays, so focus stays on the select). */
  async function recheck() {
    clearError();
    boxes.report.hidden = true;
    try {
      renderProblems(await check(Object.assign({}, state.request, { mapping: editedMapping() })));
    } catch (err) { showError(err); }
  }

  // --- a case's outcome: the dry run's prediction and the batch's result share it -------------

  function moves(report) {
    const lines = report.moved.map((m) => t("migrate.moved", { from: m.from, to: m.to || "—" }));
    if (report.kept.length) lines.push(t("migrate.kept", { n: report.kept.length }));
    for (const c of report.cancelled) lines.push(t("migrate.cancelled", { element: c.bpmn_id }));
    for (const c of report.created) lines.push(t("migrate.created", { element: c.bpmn_id }));
    for (const timer of report.timers) lines.push(t("migrate.timer", { element: timer.bpmn_id }));
    return lines;
  }

  function detailOf(result) {
    if (result.error) return el("span", { class: "incident-message" }, result.error.message);
    if (!result.report) return "—";
    const lines = moves(result.report);
    return lines.length ? el("ul", { class: "incident-messages" },
      ...lines.map((line) => el("li", {}, line))) : t("migrate.nothing_live");
  }

  const BADGE = { migrated: "status-completed", failed: "status-error", pending: "status-running" };

  /* ``said(status)``: the words for a case's status (a prediction or a result). */
  function resultRow(result, said) {
    return el("tr", { "data-instance": String(result.instance_id), "data-outcome": result.status },
      cell("instance", el("a", { href: "/cases/" + result.instance_id }, "#" + result.instance_id)),
      cell("outcome", el("span", { class: "case-status " + (BADGE[result.status] || "") },
        said(result.status))),
      cell("detail", detailOf(result)));
  }

  function resultTable(results, said) {
    return results.length ? table(["instance", "outcome", "detail"],
      results.map((r) => resultRow(r, said))) : empty();
  }

  // --- dry run and run ----------------------------------------------------------------------

  function currentBody() {
    return Object.assign({}, state.request, { mapping: editedMapping() });
  }

  async function dryRun() {
    clearError();
    const button = document.getElementById("migration-dry-run");
    button.disabled = true;
    try {
      const dry = await api("POST", "/migrations/dry-run", currentBody());
      const failed = dry.results.filter((r) => r.status === "failed").length;
      const said = t("migrate.dry.summary", { ok: dry.results.length - failed, failed });
      boxes.report.hidden = false;
      fill(boxes.report, el("div", {},
        el("h3", { id: "migration-report-heading" }, t("migrate.dry.heading")),
        el("p", { id: "migration-report-summary" }, said),
        dry.truncated ? el("p", { class: "muted small" }, t("migrate.dry.truncated",
          { n: dry.results.length, total: dry.instance_ids.length })) : null,
        resultTable(dry.results, (status) => t("migrate.will." + status))));
      announce(said);
    } catch (err) { showError(err); } finally { button.disabled = false; }
  }

  function renderBatch(batch) {
    const counts = { done: batch.done, total: batch.total, succeeded: batch.succeeded,
      failed: batch.failed };
    boxes.batch.hidden = false;
    fill(boxes.batch, el("div", { "data-batch": String(batch.id), "data-status": batch.status },
      el("h3", { id: "migration-batch-heading" }, t("migrate.batch.heading", {
        id: batch.id, from: batch.from_version, to: batch.to_version })),
      el("label", { for: "migration-progress" }, t("migrate.batch." + batch.status)),
      el("progress", { id: "migration-progress", max: String(batch.total || 1),
        value: String(batch.done) }),
      el("p", { id: "migration-counts" }, t("migrate.batch.counts", counts)),
      resultTable(batch.items, (status) => t("migrate.outcome." + status))));
  }

  function stopPolling() {
    if (state.poll) window.clearTimeout(state.poll);
    state.poll = null;
  }

  /* Show the batch, and look again in a moment while it is still running. */
  function follow(batch) {
    stopPolling();
    renderBatch(batch);
    if (batch.status !== "running") {
      announce(t("migrate.batch.finished", { succeeded: batch.succeeded, failed: batch.failed }));
      return;
    }
    state.poll = window.setTimeout(async () => {
      try {
        follow(await api("GET", "/migrations/" + batch.id));
      } catch (err) { showError(err); }
    }, POLL_MS);
  }

  async function run() {
    clearError();
    const plan = state.plan;
    const errors = plan.problems.filter((p) => p.severity === "error").length;
    const go = await ask({ title: t("migrate.run.title"),
      text: t("migrate.run.text", { n: plan.instance_ids.length, from: plan.source.version,
        to: plan.target.version }) + (errors ? " " + t("migrate.run.errors", { n: errors }) : ""),
      confirm: t("migrate.run.confirm") });
    if (!go) return;
    try {
      const batch = await api("POST", "/migrations", currentBody());
      toast(t("migrate.run.started", { id: batch.id }));
      follow(batch);
    } catch (err) { showError(err); }
  }

  // --- start --------------------------------------------------------------------------------

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    makePlan().catch(showError);
  });
  inputs.process.addEventListener("change", () => {
    inputs.source.value = "";
    inputs.target.value = "";
    fillVersions();
  });
  document.getElementById("migration-dry-run").addEventListener("click", dryRun);
  document.getElementById("migration-run").addEventListener("click", run);
  A.loaders.push(loadProcesses);
})();
