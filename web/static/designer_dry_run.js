/* The modeler page's dry run (试运行) of the draft in the modeler, not deployed: the draft's
 * files go to /api/v1/dry-runs (a throwaway store on the server, a virtual clock), the start
 * form (forms.js, the server validates) starts the case at the chosen time and time zone;
 * then each open task's real form, messages, signals and fast-forwarding the clock (to the
 * next due time or by a duration such as PT48H), with the diagram marking where the run
 * stands (fd-active) and what it walked (fd-done), the SLA clocks, the variables and a log.
 * The run is saved as a scenario file (YAML for `flowdesk test`): into the draft's scenario
 * files (保存为场景, designer_scenarios.js; they deploy with the model) or downloaded. The
 * draft comes from designer_modeler.js (window.FlowdeskDraft). */
(function () {
  "use strict";

  const { LOCALE, t, el, api, showError, clearError, announce, toast } = window.Flowdesk;
  const panel = document.getElementById("dry-run");
  if (!panel) return;
  const draft = () => window.FlowdeskDraft;
  const $ = (id) => document.getElementById(id);
  const run = { id: null, marked: [], state: null, key: null };

  function localNow() {
    const now = new Date();
    now.setMinutes(now.getMinutes() - now.getTimezoneOffset());
    return now.toISOString().slice(0, 16);
  }

  function timeIn(iso, zone) {
    if (!iso) return "–";
    return new Intl.DateTimeFormat(LOCALE, { dateStyle: "medium", timeStyle: "medium",
      timeZone: zone }).format(new Date(iso));
  }

  /* The diagram: the open steps marked fd-active, what the run walked fd-done. */
  function mark(state) {
    const canvas = draft().canvas();
    if (!canvas) return;
    for (const [id, marker] of run.marked) canvas.removeMarker(id, marker);
    run.marked = [];
    if (!state) return;
    const registry = draft().registry();
    const active = new Set(state.tasks.map((task) => task.bpmn_id));
    for (const id of state.path.concat(state.flows)) {
      if (registry.get(id) && !active.has(id)) run.marked.push([id, "fd-done"]);
    }
    for (const id of active) if (registry.get(id)) run.marked.push([id, "fd-active"]);
    for (const [id, marker] of run.marked) canvas.addMarker(id, marker);
  }

  async function act(path, body) {
    clearError();
    const answer = await api("POST", "/dry-runs/" + run.id + path, body);
    show(answer);
    return answer;
  }

  async function guarded(action) {
    try {
      await action();
    } catch (err) {
      showError(err);
    }
  }

  function taskCard(task, zone) {
    const due = task.due_at ? t("dry.task.due", { due: timeIn(task.due_at, zone) }) : "";
    const built = window.FlowdeskSchemaForm.build(task.form_schema || { properties: {} },
      task.data || {}, { idPrefix: "dry-" + task.id + "-", summaryId: "dry-errors-" + task.id,
        submitLabel: t("dry.task.complete"),
        onSubmit: async (values) => {
          await act("/steps", { complete: task.bpmn_id, data: values });
          announce(t("dry.task.completed", { name: task.name || task.bpmn_id }));
        } });
    return el("article", { class: "dry-run-task", "data-element-id": task.bpmn_id },
      el("h4", null, (task.name || task.bpmn_id) + " · " + (task.candidate_group_name
        || task.candidate_group || task.assignee || "–")),
      due ? el("p", { class: "small dry-run-due", "data-due": task.due_at }, due) : null,
      built.form);
  }

  function logLine(entry, zone) {
    const parts = [timeIn(entry.at, zone), t("dry.log." + entry.kind)];
    if (entry.what !== null && entry.what !== undefined) {
      parts.push(typeof entry.what === "string" ? entry.what : JSON.stringify(entry.what));
    }
    if (entry.walked.length) parts.push(t("dry.log.walked", { ids: entry.walked.join(" → ") }));
    if (entry.opened.length) parts.push(t("dry.log.opened", { ids: entry.opened.join(", ") }));
    for (const clock of entry.sla) {
      parts.push(t("dry.log.sla", { element: clock.element || "–", state: clock.state }));
    }
    if (entry.stopped_early) parts.push(t("dry.log.stopped_early"));
    return el("li", null, parts.join(" · "));
  }

  function show(answer) {
    run.state = answer.state;
    $("dry-run-setup").hidden = answer.started;
    $("dry-run-live").hidden = !answer.started;
    if (!answer.started) return;
    const state = answer.state;
    const zone = state.timezone;
    $("dry-run-clock").textContent = t("dry.clock", { now: timeIn(state.now, zone), zone,
      status: t("dry.status." + state.status) });
    $("dry-run-next-due").textContent = state.next_due
      ? t("dry.next_due", { due: timeIn(state.next_due, zone) }) : t("dry.nothing_due");
    $("dry-run-next").disabled = !state.next_due;
    $("dry-run-tasks").replaceChildren(...(state.tasks.length
      ? state.tasks.map((task) => taskCard(task, zone))
      : [el("p", { class: "muted" }, state.ends.length
        ? t("dry.ended", { ends: state.ends.join(", ") }) : t("dry.no_tasks"))]));
    $("dry-run-external").replaceChildren(...state.external_tasks.map((task) => el("li", null,
      task.bpmn_id + " (" + task.topic + ") ",
      el("button", { type: "button", class: "btn btn-small",
        onclick: () => guarded(() => act("/steps", { external: task.bpmn_id })) },
      t("dry.external.answer")))));
    $("dry-run-sla").replaceChildren(...state.sla.map((clock) => el("li", {
      "data-sla-state": clock.sla_state },
    t("dry.sla.line", { element: clock.element || "–", policy: clock.policy,
      state: clock.sla_state, due: timeIn(clock.due_at, zone) }))));
    $("dry-run-variables").textContent = JSON.stringify(state.variables, null, 2);
    $("dry-run-log").replaceChildren(...answer.log.map((entry) => logLine(entry, zone)));
    if (answer.stopped_early) toast(t("dry.log.stopped_early"), { kind: "info" });
    mark(state);
  }

  async function open() {
    clearError();
    const button = $("dry-run-open");
    button.disabled = true;
    try {
      const answer = await api("POST", "/dry-runs", { files: await draft().files() });
      run.id = answer.id;
      run.key = answer.process_key;
      panel.hidden = false;
      $("dry-run-at").value = $("dry-run-at").value || localNow();
      const built = window.FlowdeskSchemaForm.build(answer.start_form || { properties: {} }, {}, {
        idPrefix: "dry-start-", summaryId: "dry-start-errors", submitLabel: t("dry.start"),
        onSubmit: async (values) => {
          await act("/start", { at: $("dry-run-at").value, timezone: $("dry-run-zone").value,
            variables: values });
          announce(t("dry.started"));
        } });
      $("dry-run-start-form").replaceChildren(built.form);
      show(answer);
      panel.scrollIntoView({ block: "start" });
      $("dry-run-heading").focus();
    } catch (err) {
      if (err.status === 422 && err.errors && err.errors.length) draft().showProblems(err.errors);
      else showError(err);
      button.disabled = false;
    }
  }

  async function end() {
    const id = run.id;
    run.id = null;
    mark(null);
    panel.hidden = true;
    $("dry-run-open").disabled = false;
    if (id) await guarded(() => api("DELETE", "/dry-runs/" + id));
  }

  /* The run as scenario YAML (GET /dry-runs/{id}/scenario); null after showing an error. */
  async function scenarioYaml() {
    clearError();
    const response = await fetch("/api/v1/dry-runs/" + run.id + "/scenario", {
      credentials: "same-origin", headers: { "Accept-Language": LOCALE || "zh-CN" } });
    if (!response.ok) {
      showError(new window.Flowdesk.ApiError(response.status, response.statusText));
      return null;
    }
    return response.text();
  }

  /* 保存为场景: the run into the draft's scenario files, under a name the designer gives. */
  async function keep() {
    const name = window.prompt(t("dry.scenario_name"), "dry-run-" + run.key + ".yaml");
    if (!name || !name.trim()) return;
    const text = await scenarioYaml();
    if (text === null) return;
    const stored = window.FlowdeskScenarios.add(name, text);
    if (stored) toast(t("dry.kept", { name: stored }));
  }

  async function save() {
    const text = await scenarioYaml();
    if (text === null) return;
    const url = URL.createObjectURL(new Blob([text], { type: "application/yaml" }));
    const link = el("a", { href: url, download: "dry-run-" + run.key + ".yaml", hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 1000);
    toast(t("dry.saved"));
  }

  function correlation() {
    const text = $("dry-run-correlation").value.trim();
    return text ? JSON.parse(text) : undefined;
  }

  $("dry-run-zone").value = Intl.DateTimeFormat().resolvedOptions().timeZone || "Asia/Shanghai";
  $("dry-run-open").addEventListener("click", open);
  $("dry-run-end").addEventListener("click", end);
  $("dry-run-save").addEventListener("click", () => guarded(save));
  $("dry-run-keep").addEventListener("click", () => guarded(keep));
  $("dry-run-next").addEventListener("click",
    () => guarded(() => act("/steps", { advance: { to_next_due: true } })));
  $("dry-run-advance").addEventListener("click",
    () => guarded(() => act("/steps", { advance: $("dry-run-duration").value.trim() })));
  $("dry-run-send-message").addEventListener("click", () => guarded(() => act("/steps", {
    message: $("dry-run-message").value.trim(), correlation: correlation() })));
  $("dry-run-send-signal").addEventListener("click",
    () => guarded(() => act("/steps", { signal: $("dry-run-signal").value.trim() })));
  window.addEventListener("pagehide", () => {
    if (run.id) {
      fetch("/api/v1/dry-runs/" + run.id, { method: "DELETE", credentials: "same-origin",
        keepalive: true, headers: { "X-CSRF-Token": window.Flowdesk.CSRF || "" } });
    }
  });
})();
