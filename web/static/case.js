/* The case page (GET /cases/<id>): the case's summary with labelled fields (titles from its
 * forms), the customer, open tasks, SLA clocks with their due times, incidents, the diagram
 * with current and done steps (inbox_diagram.js), the history in words (comments with their
 * words) and related cases; all from GET /api/v1/cases/{id}. A comment is posted with
 * POST /api/v1/cases/{id}/comments: each @username of a colleague is notified. A case one does
 * not work on answers 403: the page says so and offers the search, which gives its masked
 * summary. A supervisor or admin (the page is marked data-operate) also gets the case's
 * operations from GET /api/v1/instances/{id}: 挂起/恢复 with a reason and the variables editor
 * (case_operate.js, shared with the admin console's case panel). */
(function () {
  "use strict";

  const { t, el, api, showError, clearError, toast, MESSAGES } = window.Flowdesk;
  const { timeEl, statusEl, slaEl, valueText } = window.FlowdeskCases;
  const box = document.getElementById("case");
  const main = document.getElementById("main");
  const instanceId = Number(main.dataset.instance);
  const operations = main.dataset.operate ? window.FlowdeskCaseOperate : null;
  const pageTitle = document.title;  // the case's number goes before it on every render

  function section(id, heading, ...content) {
    return el("section", { class: "card case-section", "aria-labelledby": id + "-heading", id },
      el("h2", { id: id + "-heading" }, heading), ...content);
  }

  function table(caption, columns, rows) {
    return el("table", { class: "data-table" },
      el("caption", { class: "visually-hidden" }, caption),
      el("thead", {}, el("tr", {}, ...columns.map((text) => el("th", { scope: "col" }, text)))),
      el("tbody", {}, ...rows.map((cells) => el("tr", {}, ...cells.map((cell, i) =>
        el("td", { "data-label": columns[i] }, cell))))));
  }

  function fieldList(fields) {
    return el("dl", { class: "case-fields" }, ...fields.flatMap((field) => [
      el("dt", {}, field.label), el("dd", {}, valueText(field))]));
  }

  function summary(c) {
    const parts = [el("p", {}, t("case.process"), ": ",
      c.process_name + " · v" + c.definition_version)];
    parts.push(el("p", {}, t("case.started"), " ", timeEl(c.started_at), " · ",
      t("case.started_by"), " ", c.started_by || "—",
      c.ended_at ? el("span", {}, " · " + t("case.ended") + " ", timeEl(c.ended_at)) : ""));
    if (c.waiting_reason) {
      parts.push(el("p", { class: "sla sla-paused" }, t("case.paused_because",
        { reason: MESSAGES["case.waiting." + c.waiting_reason] || c.waiting_reason })));
    }
    parts.push(c.fields.length ? fieldList(c.fields) : el("p", { class: "muted" }, t("case.fields.none")));
    if (c.other_fields.length) {
      parts.push(el("details", { class: "other-fields" },
        el("summary", {}, t("case.fields.other", { count: c.other_fields.length })),
        fieldList(c.other_fields)));
    }
    return section("summary", t("case.summary"), ...parts);
  }

  function customer(c) {
    if (!c.customer) return null;
    const k = c.customer;
    return section("customer", t("case.customer"), fieldList([
      { label: t("case.customer.name"), shown: k.name || "—" },
      { label: t("case.customer.tier"), shown: [k.tier, k.abc_class].filter(Boolean).join(" · ") || "—" },
      { label: t("case.customer.phone"), shown: k.phone || "—" },
      { label: t("case.customer.email"), shown: k.email || "—" },
      { label: t("case.customer.code"), shown: k.code || "—" }]));
  }

  function openTasks(c) {
    const rows = c.open_tasks.map((task) => [
      el("a", { href: "/inbox?task=" + task.id }, task.name),
      task.candidate_group_name || task.candidate_group || "—", task.assignee || t("case.task.unassigned"),
      timeEl(task.due_at), slaEl(task.waiting_reason ? "paused" : task.sla_state)]);
    return section("tasks", t("case.open_tasks"), rows.length
      ? table(t("case.open_tasks"), [t("case.col.task"), t("case.col.group"),
        t("case.col.assignee"), t("case.col.due"), t("case.col.sla")], rows)
      : el("p", { class: "muted" }, t("case.tasks.none")));
  }

  function clocks(c) {
    if (!c.sla_clocks.length) return null;
    const rows = c.sla_clocks.map((clock) => [
      MESSAGES["case.clock." + clock.kind] || clock.kind,
      clock.task_name || t("case.clock.whole_case"), timeEl(clock.due_at),
      slaEl(clock.status === "paused" ? "paused" : clock.sla_state),
      clock.escalation_level ? String(clock.escalation_level) : "—"]);
    return section("clocks", t("case.clocks"),
      table(t("case.clocks"), [t("case.col.clock"),
        t("case.col.task"), t("case.col.due"), t("case.col.sla"), t("case.col.level")], rows));
  }

  function incidents(c) {
    if (!c.incidents.length) return null;
    return section("incidents", t("case.incidents"), el("ul", { class: "incident-list" },
      ...c.incidents.map((i) => el("li", {}, timeEl(i.created_at), " ",
        el("strong", {}, i.task_name || i.bpmn_id || i.kind), " — ", i.message,
        i.resolved_at ? el("span", { class: "muted" }, " (" + t("case.incident.resolved") + ")") : ""))));
  }

  function history(c) {
    const items = c.audit.slice().reverse().map((entry) => el("li", {},
      timeEl(entry.at), " ",
      el("strong", {}, MESSAGES["action." + entry.action] || t("case.action_other")),
      entry.task_name ? " · " + entry.task_name : "",
      el("span", { class: "muted" }, " — " + entry.actor),
      entry.action === "case.commented" && entry.after
        ? el("p", { class: "comment-text" }, entry.after.text) : ""));
    return section("history", t("history.heading"), items.length
      ? el("ol", { class: "history-list timeline" }, ...items)
      : el("p", { class: "muted" }, t("history.empty")));
  }

  /* A comment on the case; @username tells that colleague (the server says whom it told). */
  function commentForm() {
    const text = el("textarea", { id: "comment-text", name: "text", rows: "3", maxlength: "2000",
      required: true, "aria-describedby": "comment-help" });
    const form = el("form", { class: "comment-form" },
      el("label", { for: "comment-text" }, t("case.comment.label")), text,
      el("p", { class: "muted small", id: "comment-help" }, t("case.comment.help")),
      el("button", { type: "submit", class: "btn btn-primary" }, t("case.comment.submit")));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearError();
      try {
        const made = await api("POST", "/cases/" + instanceId + "/comments", { text: text.value });
        toast(made.mentions.length
          ? t("case.comment.posted_told", { names: made.mentions.join("、") })
          : t("case.comment.posted"));
        await load();
      } catch (err) { showError(err); }
    });
    return section("comment", t("case.comment.heading"), form);
  }

  function related(c) {
    if (!c.related.length) return null;
    return section("related", t("case.related"), el("ul", { class: "related-list" },
      ...c.related.map((r) => el("li", {}, el("a", { href: "/cases/" + r.id }, r.case_no || "#" + r.id),
        " · " + r.process_name + " · ", statusEl(r.status), " · ", timeEl(r.started_at)))));
  }

  function diagram(c) {
    if (!window.FlowdeskInboxDiagram) return null;
    const details = window.FlowdeskInboxDiagram.section({
      instanceId: c.id, taskBpmnId: null, api, t, el });
    details.open = true;
    return el("section", { class: "card case-section", id: "case-diagram" }, details);
  }

  /* Suspend or resume, the reason of a suspension and the variables (supervisors, admins). */
  function operate(c, detail) {
    if (!operations || !detail) return null;
    const hooks = { name: c.case_no || "#" + c.id, heading: "h3",
      afterChange: (id, focus) => load(focus || "#operate-heading") };
    const button = operations.suspendButton(detail, hooks);
    return section("operate", t("case.operate"), operations.suspendedNote(detail, timeEl),
      button ? el("div", { class: "form-actions" }, button) : null,
      operations.variablesForm(detail, hooks));
  }

  function render(c, detail) {
    document.title = (c.case_no || "#" + c.id) + " · " + pageTitle;
    box.replaceChildren(
      el("h1", { id: "case-heading" }, c.case_no || "#" + c.id, " ",
        el("span", { class: "case-process" }, c.process_name), " ",
        statusEl(c.status, c.waiting_reason)),
      el("div", { class: "case-layout" },
        el("div", { class: "case-main" }, summary(c), operate(c, detail), openTasks(c), clocks(c),
          incidents(c), diagram(c)),
        el("div", { class: "case-side" }, customer(c), related(c), commentForm(), history(c))));
  }

  function refused(err) {
    box.replaceChildren(el("h1", { id: "case-heading" }, t("case.title")),
      el("section", { class: "card forbidden-card", id: "case-refused" },
        el("h2", {}, err.status === 403 ? t("case.forbidden") : t("case.not_found")),
        el("p", {}, err.status === 403 ? t("case.forbidden_help") : t("case.not_found_help")),
        el("p", {}, el("a", { href: "/cases" }, t("case.to_search")))));
  }

  /* The case (and, for who may operate it, the instance with its variables); ``focus`` is a
   * selector to focus once drawn again after a change. */
  async function load(focus) {
    try {
      const [c, detail] = await Promise.all([api("GET", "/cases/" + instanceId),
        operations ? api("GET", "/instances/" + instanceId) : null]);
      render(c, detail);
      const target = focus && box.querySelector(focus);
      if (target) { target.setAttribute("tabindex", "-1"); target.focus(); }
    } catch (err) {
      if (err.status === 403 || err.status === 404) refused(err);
      else showError(err);
    } finally {
      box.removeAttribute("aria-busy");
    }
  }

  load();
})();
