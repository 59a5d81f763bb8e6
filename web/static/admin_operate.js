/* The admin console's case panel (#case-panel, opened from a row of the cases view): operate
 * one running, waiting or suspended case as a cockpit does. It shows the case's state (a
 * suspended case with a badge and the reason its audit trail keeps), suspends and resumes it
 * (a dialog with the required reason), edits its variables (PATCH with a reason; a 422 puts
 * each refusal at its variable) and moves where it stands (the 修改流程位置 dialog: cancel
 * active elements, start before or after an element, with variables and a reason; a 409's
 * refusal is shown in the dialog). Uses admin.js's helpers, admin_dialog.js's ask() and
 * admin_cases.js's case helpers (window.FlowdeskAdmin); the API checks who may do what. */
(function () {
  "use strict";

  const A = window.FlowdeskAdmin;
  const { t, el, api, announce, showError, clearError, timeEl, ask } = A;
  const panel = document.getElementById("case-panel");
  const MOVABLE = ["running", "waiting"];  // what suspend and modification accept

  /* The reason an instance was last suspended, from its audit trail (newest last). */
  function suspension(detail) {
    const entries = (detail.audit || []).filter((a) => a.action === "instance.suspended");
    return entries.length ? entries[entries.length - 1] : null;
  }

  function reasonField() {
    return A.field("dialog-reason", t("operate.reason"), "", t("operate.reason.help"),
      { maxlength: "1000", required: true, "aria-required": "true" });
  }

  const readReason = () => A.readText("dialog-reason", t("operate.reason.missing"));
  const reasonOf = (field) => (field === "reason" ? "dialog-reason" : null);

  // --- suspend and resume -------------------------------------------------------------------

  /* Ask for the reason, then POST …/suspend or …/resume; the case and the lists are drawn
   * again with the new state. */
  async function suspendOrResume(detail, action) {
    clearError();
    const name = A.caseName(detail);
    const suspend = action === "suspend";
    const done = await ask({
      title: t(suspend ? "suspend.title" : "resume.title", { case: name }),
      text: t(suspend ? "suspend.text" : "resume.text"),
      body: reasonField(), confirm: t(suspend ? "suspend" : "resume"), focus: "#dialog-reason",
      read: () => { const reason = readReason(); return reason ? { value: reason } : { error: true }; },
      submit: (reason) => api("POST", "/instances/" + detail.id + "/" + action, { reason }),
      fieldOf: reasonOf,
    });
    if (!done) return;
    announce(t(suspend ? "suspended" : "resumed", { case: name }));
    await afterChange(detail.id);
  }

  // --- variables ----------------------------------------------------------------------------

  /* What an input shows for a value: a string as typed, anything else as JSON. */
  function shown(value) {
    return typeof value === "string" ? value : JSON.stringify(value, null, 1);
  }

  function variableField(id, name, value) {
    const isText = typeof value === "string" && !value.includes("\n");
    const box = isText ? A.field(id, name, value) : A.textareaField(id, name,
      t("variables.json_help"), typeof value === "object" && value !== null ? 4 : 1);
    if (!isText) box.querySelector("textarea").value = shown(value);
    box.querySelector("label").classList.add("variable-name");
    return box;
  }

  /* The variables whose input differs from what was loaded: strings are sent as typed, the
   * rest parsed as JSON (null with the error at the field when it is not JSON). */
  function changedVariables(form, variables, ids) {
    const changed = {};
    let bad = false;
    for (const [name, value] of Object.entries(variables)) {
      const input = form.querySelector("#" + ids[name]);
      if (input.value === shown(value)) continue;
      if (typeof value === "string") { changed[name] = input.value; continue; }
      try {
        changed[name] = JSON.parse(input.value);
      } catch (e) {
        form.querySelector("#" + ids[name] + "-error").textContent = t("variables.bad_json");
        input.setAttribute("aria-invalid", "true");
        if (!bad) input.focus();
        bad = true;
      }
    }
    return bad ? null : changed;
  }

  function variablesForm(detail) {
    const variables = detail.variables || {};
    const names = Object.keys(variables).sort();
    const ids = Object.fromEntries(names.map((name, i) => [name, "var-" + i]));
    const editable = detail.status !== "error";
    const form = el("form", { class: "stack variables-form", id: "variables-form", novalidate: true,
      "aria-labelledby": "variables-heading" },
    el("h4", { id: "variables-heading" }, t("variables")),
    names.length ? null : el("p", { class: "muted" }, t("variables.none")),
    ...names.map((name) => variableField(ids[name], name, variables[name])),
    editable ? A.field("var-reason", t("operate.reason"), "", t("operate.reason.help"),
      { maxlength: "1000", required: true, "aria-required": "true" }) : null,
    editable ? el("div", { class: "form-actions" },
      el("button", { type: "submit", class: "btn btn-primary" }, t("variables.save"))) : null);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearError();
      A.clearFieldErrors(form);
      const changed = changedVariables(form, variables, ids);
      if (!changed) return;
      if (!Object.keys(changed).length) {
        announce(t("variables.unchanged"));
        return;
      }
      const reason = A.readText("var-reason", t("operate.reason.missing"));
      if (!reason) return;
      try {
        await api("PATCH", "/instances/" + detail.id + "/variables", { variables: changed, reason });
        announce(t("variables.saved", { n: Object.keys(changed).length, case: A.caseName(detail) }));
        await afterChange(detail.id, "#variables-heading");
      } catch (err) {
        if (err.status === 422 && err.errors && err.errors.length) {
          A.showFieldErrors(form, err, (field) => (field === "reason" ? "var-reason"
            : ids[field.replace(/^variables\./, "")] || null));
        } else showError(err);
      }
    });
    return form;
  }

  // --- modification -------------------------------------------------------------------------

  function elementLabel(element) {
    return element.name && element.name !== element.id
      ? element.name + " (" + element.id + ")" : element.id;
  }

  function modifyBody(options) {
    const cancels = el("fieldset", { class: "field field-multi" },
      el("legend", {}, t("modify.cancel")),
      options.active.length ? el("div", { class: "checks" }, ...options.active.map((e, i) =>
        el("div", { class: "check" },
          el("input", { type: "checkbox", id: "dialog-cancel-" + i, name: "dialog-cancel",
            value: e.id }),
          el("label", { for: "dialog-cancel-" + i }, elementLabel(e)))))
        : el("p", { class: "muted" }, t("modify.no_active")));
    const target = A.field("dialog-target", t("modify.target"), "", t("modify.target.help"));
    target.querySelector("input").replaceWith(el("select", { id: "dialog-target",
      "aria-describedby": "dialog-target-help dialog-target-error" },
    el("option", { value: "" }, t("modify.target.none")),
    ...options.targets.map((e) => el("option", { value: e.id }, elementLabel(e)))));
    const where = el("fieldset", { class: "field field-multi" },
      el("legend", {}, t("modify.where")),
      el("div", { class: "checks" }, ...["start_before", "start_after"].map((value) =>
        el("div", { class: "check" },
          el("input", { type: "radio", name: "dialog-where", id: "dialog-" + value, value,
            checked: value === "start_before" }),
          el("label", { for: "dialog-" + value },
            t(value === "start_before" ? "modify.start_before" : "modify.start_after"))))));
    return el("div", { class: "stack" }, cancels, target, where,
      A.textareaField("dialog-variables", t("modify.variables"), t("modify.variables.help")),
      reasonField());
  }

  /* The operations in the order the engine runs them: cancels first, then the new token. */
  function readModification() {
    const operations = Array.from(document.querySelectorAll('input[name="dialog-cancel"]:checked'))
      .map((box) => ({ cancel: box.value }));
    const target = document.getElementById("dialog-target").value;
    if (target) {
      const where = document.querySelector('input[name="dialog-where"]:checked').value;
      operations.push({ [where]: target });
    }
    if (!operations.length) {
      document.getElementById("dialog-target-error").textContent = t("modify.nothing");
      document.getElementById("dialog-target").focus();
      return { error: true };
    }
    const variables = A.readJson("dialog-variables", t("modify.variables.bad"));
    if (!variables) return { error: true };
    const reason = readReason();
    return reason ? { value: { operations, variables, reason } } : { error: true };
  }

  async function modifyCase(detail) {
    clearError();
    let options;
    try {
      options = await api("GET", "/instances/" + detail.id + "/modify");
    } catch (err) {
      showError(err);
      return;
    }
    const name = A.caseName(detail);
    const done = await ask({
      title: t("modify.title", { case: name }), text: t("modify.text"),
      body: modifyBody(options), confirm: t("modify.confirm"), focus: "#dialog-target",
      read: readModification,
      submit: (body) => api("POST", "/instances/" + detail.id + "/modify", body),
      fieldOf: (field) => (field === "reason" ? "dialog-reason"
        : field === "operations" ? "dialog-target" : "dialog-variables"),
    });
    if (!done) return;
    announce(t("modified", { case: name,
      tasks: done.open_tasks.map((task) => task.name || task.bpmn_id).join(", ") || "—" }));
    await afterChange(detail.id);
  }

  // --- the panel ----------------------------------------------------------------------------

  function stateLine(detail) {
    const entry = detail.status === "suspended" ? suspension(detail) : null;
    return el("div", { class: "case-state" },
      A.statusEl(detail.status),
      entry ? el("p", { class: "suspended-note", "data-state": "suspended" },
        el("strong", {}, t("suspended.reason")), " ", (entry.after || {}).reason || "—",
        el("span", { class: "muted small" }, " · ", entry.actor, " · ", timeEl(entry.at)))
        : null,
      el("p", { class: "open-tasks" }, el("strong", {}, t("open_tasks")), " ",
        (detail.open_tasks || []).map((task) => task.name || task.bpmn_id).join(", ") || "—"));
  }

  function panelActions(detail) {
    const buttons = [];
    if (MOVABLE.includes(detail.status)) {
      buttons.push(el("button", { type: "button", class: "btn", id: "case-suspend",
        onclick: () => suspendOrResume(detail, "suspend") }, t("suspend")));
      buttons.push(el("button", { type: "button", class: "btn", id: "case-modify",
        "aria-haspopup": "dialog", onclick: () => modifyCase(detail) }, t("modify")));
    } else if (detail.status === "suspended") {
      buttons.push(el("button", { type: "button", class: "btn", id: "case-resume",
        onclick: () => suspendOrResume(detail, "resume") }, t("resume")));
    }
    buttons.push(el("button", { type: "button", class: "btn", onclick: closeCase }, t("close")));
    return el("div", { class: "form-actions" }, ...buttons);
  }

  async function drawCase(instanceId, focus) {
    const detail = await api("GET", "/instances/" + instanceId);
    const heading = el("h3", { id: "case-panel-heading", tabindex: "-1" },
      t("operate.heading", { case: A.caseName(detail), process: A.processName(detail.process_key) }));
    panel.replaceChildren(heading, stateLine(detail), panelActions(detail), variablesForm(detail));
    panel.hidden = false;
    panel.dataset.instance = String(instanceId);
    panel.dataset.status = detail.status;
    (panel.querySelector(focus || "#case-panel-heading") || heading).focus();
  }

  /* After a change: the case again, and the lists that show it. */
  async function afterChange(instanceId, focus) {
    try {
      await Promise.all([drawCase(instanceId, focus), A.refreshCases()]);
    } catch (err) {
      showError(err);
    }
  }

  function closeCase() {
    panel.hidden = true;
    panel.replaceChildren();
    delete panel.dataset.instance;
    document.getElementById("instances-heading").focus();
  }

  A.operateCase = (instance) => {
    clearError();
    drawCase(instance.id).catch(showError);
  };
})();
