/* The admin console's case panel (#case-panel, opened from a row of the cases view): operate
 * one running, waiting or suspended case as a cockpit does. It shows the case's state (a
 * suspended case with a badge and the reason its audit trail keeps), suspends and resumes it
 * (a dialog with the required reason), edits its variables (PATCH with a reason; a 422 puts
 * each refusal at its variable) and moves where it stands (the 修改流程位置 dialog: cancel
 * active elements, start before or after an element, with variables and a reason; a 409's
 * refusal is shown in the dialog). Suspend/resume and the variables editor are
 * case_operate.js's, shared with the case page of supervisors. Uses admin.js's helpers,
 * admin_dialog.js's ask() and admin_cases.js's case helpers (window.FlowdeskAdmin); the API
 * checks who may do what. */
(function () {
  "use strict";

  const A = window.FlowdeskAdmin;
  const { t, el, api, announce, showError, clearError, timeEl, ask } = A;
  const O = window.FlowdeskCaseOperate;  // case_operate.js: suspend/resume, variables
  const { reasonField, readReason } = O;
  const panel = document.getElementById("case-panel");
  const hooks = (detail) => ({ name: A.caseName(detail), afterChange });

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
    return el("div", { class: "case-state" },
      A.statusEl(detail.status), O.suspendedNote(detail, timeEl),
      el("p", { class: "open-tasks" }, el("strong", {}, t("open_tasks")), " ",
        (detail.open_tasks || []).map((task) => task.name || task.bpmn_id).join(", ") || "—"));
  }

  function panelActions(detail) {
    const buttons = [O.suspendButton(detail, hooks(detail))];
    if (O.MOVABLE.includes(detail.status)) {
      buttons.push(el("button", { type: "button", class: "btn", id: "case-modify",
        "aria-haspopup": "dialog", onclick: () => modifyCase(detail) }, t("modify")));
    }
    buttons.push(el("button", { type: "button", class: "btn", onclick: closeCase }, t("close")));
    return el("div", { class: "form-actions" }, ...buttons);
  }

  async function drawCase(instanceId, focus) {
    const detail = await api("GET", "/instances/" + instanceId);
    const heading = el("h3", { id: "case-panel-heading", tabindex: "-1" },
      t("operate.heading", { case: A.caseName(detail), process: A.processName(detail.process_key) }));
    panel.replaceChildren(heading, stateLine(detail), panelActions(detail),
      O.variablesForm(detail, hooks(detail)));
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
