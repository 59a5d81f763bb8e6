/* The admin console's case views: SLA breaches (running clocks breached or at risk, with their
 * task, case, due time and escalation level; paged), the cases (filtered by status and process, paged;
 * cancel with a confirm dialog, retry for cases in error) and the open incidents (newest
 * first with their case and error, paged; retried from a dialog that takes corrected
 * variables). Each running, waiting or suspended case opens its panel (admin_operate.js:
 * suspend/resume, variables, modification). Uses admin.js's helpers and admin_dialog.js's
 * ask() (window.FlowdeskAdmin);
 * every call goes to /api/v1 like the rest of the page. */
(function () {
  "use strict";

  const A = window.FlowdeskAdmin;
  const { t, el, api, announce, showError, clearError, timeEl, table, cell, fill, empty, ask } = A;
  const FINAL = ["completed", "cancelled"];
  const OPERABLE = ["running", "waiting", "suspended"];  // what the case panel can act on
  const PER_PAGE = 20;
  const boxes = {
    breaches: document.getElementById("breach-list"),
    instances: document.getElementById("instance-list"),
    incidents: document.getElementById("incident-list"),
  };
  const filters = {
    breach: document.getElementById("breach-state"),
    status: document.getElementById("instance-status"),
    process: document.getElementById("instance-process"),
  };
  /* Prev/next paging of one list: ``id`` names its nav (`${id}-pager`, -prev, -next, -page);
   * ``load`` draws the current page and returns {total}. A page left empty (after a cancel
   * or retry) steps back to the last one. */
  function makePager(id, message, load) {
    const nav = document.getElementById(id + "-pager");
    const prev = document.getElementById(id + "-prev");
    const next = document.getElementById(id + "-next");
    const text = document.getElementById(id + "-page");
    const pager = {
      page: 1,
      async show() {
        const { total } = await load(pager.page);
        const pages = Math.max(1, Math.ceil(total / PER_PAGE));
        if (pager.page > pages) {
          pager.page = pages;
          return pager.show();
        }
        nav.hidden = total <= PER_PAGE;
        prev.disabled = pager.page <= 1;
        next.disabled = pager.page >= pages;
        text.textContent = t(message, { page: pager.page, pages, n: total });
        return undefined;
      },
      first() {
        pager.page = 1;
        return pager.show();
      },
    };
    const turn = (delta) => {
      clearError();
      pager.page += delta;
      pager.show().catch(showError);
    };
    prev.addEventListener("click", () => turn(-1));
    next.addEventListener("click", () => turn(1));
    return pager;
  }

  const state = { processes: null, processNames: {} };

  function caseName(instance) {
    return instance.case_no || "#" + instance.id;
  }

  function statusEl(status) {
    return el("span", { class: "case-status status-" + status }, t("status." + status));
  }

  function slaEl(slaState) {
    return el("span", { class: "sla sla-" + slaState }, t("sla." + slaState));
  }

  // --- cancel and retry ---------------------------------------------------------------------

  async function cancelCase(instance) {
    clearError();
    const answer = await ask({
      title: t("cancel.title", { case: caseName(instance) }),
      text: t("cancel.text", { case: caseName(instance),
        process: processName(instance.process_key) }),
      body: A.field("dialog-reason", t("cancel.reason"), "", null, { maxlength: "1000" }),
      confirm: t("cancel.confirm"), danger: true, focus: "#dialog-reason",
      read: () => ({ value: { reason: document.getElementById("dialog-reason").value.trim() } }),
    });
    if (!answer) return false;
    try {
      await api("POST", "/instances/" + instance.id + "/cancel", answer);
      announce(t("cancelled", { id: instance.id }));
      await refreshCases();
      return true;
    } catch (err) {
      showError(err);
      return false;
    }
  }

  function readVariables() {
    const value = A.readJson("dialog-variables", t("retry.variables.bad"));
    return value ? { value: { variables: value } } : { error: true };
  }

  async function retryCase(instance) {
    clearError();
    let incidents = [];
    try {
      const detail = await api("GET", "/instances/" + instance.id);
      incidents = (detail.incidents || []).filter((i) => !i.resolved_at);
    } catch (err) {
      showError(err);
      return;
    }
    const variables = A.textareaField("dialog-variables", t("retry.variables"),
      t("retry.variables.help"));
    const answer = await ask({
      title: t("retry.title", { case: caseName(instance) }), text: t("retry.text"),
      body: el("div", { class: "stack" },
        incidents.length ? el("ul", { class: "incident-messages" }, ...incidents.map(incidentEl))
          : null, variables),
      confirm: t("retry"), read: readVariables, focus: "#dialog-variables",
    });
    if (!answer) return;
    try {
      const after = await api("POST", "/instances/" + instance.id + "/retry", answer);
      announce(t("retried", { id: instance.id, status: t("status." + after.status) }));
      await refreshCases();
    } catch (err) {
      showError(err);
    }
  }

  function incidentEl(incident) {
    return el("li", {}, el("strong", {}, incident.task_name || incident.bpmn_id || incident.kind),
      ": ", incident.message, incident.line ? " (" + t("line", { n: incident.line }) + ")" : "");
  }

  function actionsFor(instance) {
    const buttons = [];
    if (instance.status === "error") {
      buttons.push(el("button", { type: "button", class: "btn btn-small",
        "aria-label": t("retry.label", { id: caseName(instance) }),
        onclick: () => retryCase(instance) }, t("retry")));
    }
    if (A.operateCase && OPERABLE.includes(instance.status)) {  // admin_operate.js
      buttons.push(el("button", { type: "button", class: "btn btn-small",
        "aria-label": t("operate.label", { id: caseName(instance) }), "aria-controls": "case-panel",
        onclick: () => A.operateCase(instance) }, t("operate")));
    }
    if (!FINAL.includes(instance.status)) {
      buttons.push(el("button", { type: "button", class: "btn btn-small btn-danger-quiet",
        "aria-label": t("cancel.label", { id: caseName(instance) }),
        onclick: () => cancelCase(instance) }, t("cancel")));
    }
    return el("div", { class: "row-actions" }, ...buttons);
  }

  // --- the cases ----------------------------------------------------------------------------

  /* The processes once (the filter's options, and the names people read for keys). */
  function loadProcesses() {
    if (!state.processes) {
      state.processes = api("GET", "/definitions").then((definitions) => {
        for (const d of definitions) state.processNames[d.key] = d.name || d.key;
        filters.process.append(...definitions.map((d) => el("option", { value: d.key },
          d.name && d.name !== d.key ? d.name + " (" + d.key + ")" : d.key)));
      }).catch((err) => { state.processes = null; throw err; });
    }
    return state.processes;
  }

  function processName(key) {
    return state.processNames[key] || key;
  }

  async function instancePage(number) {
    const params = new URLSearchParams({ page: String(number), per_page: String(PER_PAGE) });
    if (filters.status.value) params.set("status", filters.status.value);
    if (filters.process.value) params.set("process_key", filters.process.value);
    const [page] = await Promise.all([api("GET", "/instances?" + params), loadProcesses()]);
    const rows = page.items.map((i) => el("tr", { "data-instance": i.id, "data-status": i.status },
      cell("id", String(i.id)), cell("case", caseName(i)),
      cell("business_key", i.business_key || "—"), cell("process", processName(i.process_key)),
      cell("state", statusEl(i.status)), cell("started", timeEl(i.started_at)),
      cell("actions", actionsFor(i))));
    fill(boxes.instances, rows.length ? table(
      ["id", "case", "business_key", "process", "state", "started", "actions"], rows) : empty());
    return page;
  }
  const instancePager = makePager("instance", "pages", instancePage);
  const loadInstances = () => instancePager.show();

  // --- SLA breaches -------------------------------------------------------------------------

  /* Running clocks breached or at risk, soonest due first, with their task and case. */
  async function breachPage(number) {
    const params = new URLSearchParams({ status: "running",
      sla_state: filters.breach.value || "breached,at_risk", page: String(number),
      per_page: String(PER_PAGE) });
    const page = await api("GET", "/admin/sla-clocks?" + params);
    const rows = page.items.map((c) => el("tr",
      { "data-clock": c.id, "data-task": c.task_id, "data-sla": c.sla_state },
      cell("sla", slaEl(c.sla_state)),
      cell("task", c.task_id ? el("span", {}, el("strong", {}, c.task_name || ""), " #" + c.task_id)
        : el("span", { class: "muted" }, t("whole_case"))),
      cell("instance", caseName({ id: c.instance_id, case_no: c.case_no })),
      cell("policy", c.policy),
      cell("due", timeEl(c.due_at)),
      cell("escalation", c.escalation_level ? t("escalation.level", { n: c.escalation_level })
        : "—"),
      cell("assignee", c.assignee ? c.assignee
        : el("span", { class: "muted" }, t("unassigned")))));
    fill(boxes.breaches, rows.length ? el("div", {},
      table(["sla", "task", "instance", "policy", "due", "escalation", "assignee"], rows),
      el("p", { class: "muted small" }, t("total", { n: page.total }))) : empty());
    return page;
  }
  const breachPager = makePager("breach", "breach_pages", breachPage);
  const loadBreaches = () => breachPager.show();

  // --- incidents ----------------------------------------------------------------------------

  /* One row per open incident (a case may have several); retry acts on the case. */
  async function incidentPage(number) {
    const params = new URLSearchParams({ state: "open", page: String(number),
      per_page: String(PER_PAGE) });
    const [page] = await Promise.all([api("GET", "/admin/incidents?" + params), loadProcesses()]);
    const rows = page.items.map((i) => {
      const instance = { id: i.instance_id, case_no: i.case_no, status: i.instance_status };
      return el("tr", { "data-instance": i.instance_id, "data-incident": i.id },
        cell("id", String(i.instance_id)), cell("case", caseName(instance)),
        cell("process", processName(i.process_key)),
        cell("task", i.task_name || i.bpmn_id || "—"),
        cell("message", el("span", { class: "incident-message" }, i.message)),
        cell("since", timeEl(i.created_at)),
        cell("actions", actionsFor(instance)));
    });
    fill(boxes.incidents, rows.length ? el("div", {},
      table(["id", "case", "process", "task", "message", "since", "actions"], rows),
      el("p", { class: "muted small" }, t("total", { n: page.total }))) : empty());
    return page;
  }
  const incidentPager = makePager("incident", "incident_pages", incidentPage);
  const loadIncidents = () => incidentPager.show();

  /* After a cancel or retry: the cases, the incidents and everything with due times. */
  function refreshCases() {
    return Promise.all([loadInstances(), loadIncidents(), A.refreshDue()]);
  }

  // --- cancel by id -------------------------------------------------------------------------

  document.getElementById("cancel-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    clearError();
    const input = document.getElementById("cancel-id");
    const line = document.getElementById("cancel-id-error");
    line.textContent = "";
    input.removeAttribute("aria-invalid");
    const id = input.value.trim();
    if (!/^\d+$/.test(id)) {
      line.textContent = t("cancel.bad_id");
      input.setAttribute("aria-invalid", "true");
      input.focus();
      return;
    }
    try {
      if (await cancelCase(await api("GET", "/instances/" + id))) input.value = "";
    } catch (err) {
      showError(err);
    }
  });

  // --- start --------------------------------------------------------------------------------

  filters.breach.addEventListener("change", () => {
    clearError();
    breachPager.first().catch(showError);
  });
  for (const select of [filters.status, filters.process]) {
    select.addEventListener("change", () => {
      clearError();
      instancePager.first().catch(showError);
    });
  }
  Object.assign(A, { caseName, statusEl, processName, refreshCases });  // for admin_operate.js
  A.loaders.push(loadBreaches, loadInstances, loadIncidents);
  A.dueLoaders.push(loadBreaches);
})();
