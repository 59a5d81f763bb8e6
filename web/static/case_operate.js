/* Operating one case, shared by the admin console's case panel (admin_operate.js) and the case
 * page of supervisors (case.js), as window.FlowdeskCaseOperate: suspend and resume (a dialog
 * with the required reason), the note with the reason a suspended case keeps in its audit trail, and the
 * variables editor (PATCH with a reason; a 422 puts each refusal at its variable). Built on
 * common.js, form_fields.js and admin_dialog.js; the page says what follows a change
 * (``afterChange``) and how the case is called (``name``). Its texts are the admin console's
 * (``admin.js.``): the case page hands them in too. The API checks who may do what. */
(function () {
  "use strict";

  const { t, el, api, announce, clearError, showError } = window.Flowdesk;
  const F = window.FlowdeskForms;
  const MOVABLE = ["running", "waiting"];  // what suspend and modification accept

  /* The reason an instance was last suspended, from its audit trail (newest last). */
  function suspension(detail) {
    const entries = (detail.audit || []).filter((a) => a.action === "instance.suspended");
    return entries.length ? entries[entries.length - 1] : null;
  }

  /* The note of a suspended case: the reason, who suspended it and when (null otherwise). */
  function suspendedNote(detail, timeEl) {
    const entry = detail.status === "suspended" ? suspension(detail) : null;
    return entry ? el("p", { class: "suspended-note", "data-state": "suspended" },
      el("strong", {}, t("suspended.reason")), " ", (entry.after || {}).reason || "—",
      el("span", { class: "muted small" }, " · ", entry.actor, " · ", timeEl(entry.at))) : null;
  }

  function reasonField() {
    return F.field("dialog-reason", t("operate.reason"), "", t("operate.reason.help"),
      { maxlength: "1000", required: true, "aria-required": "true" });
  }

  const readReason = () => F.readText("dialog-reason", t("operate.reason.missing"));
  const reasonOf = (field) => (field === "reason" ? "dialog-reason" : null);

  // --- suspend and resume -------------------------------------------------------------------

  /* Ask for the reason, then POST …/suspend or …/resume and let the page draw the new state. */
  async function suspendOrResume(detail, action, { name, afterChange }) {
    clearError();
    const suspend = action === "suspend";
    const done = await F.ask({
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

  /* The 挂起 or 恢复 button the case's state allows (none for a finished case). */
  function suspendButton(detail, hooks) {
    if (MOVABLE.includes(detail.status)) {
      return el("button", { type: "button", class: "btn", id: "case-suspend",
        "aria-haspopup": "dialog", onclick: () => suspendOrResume(detail, "suspend", hooks) },
      t("suspend"));
    }
    if (detail.status === "suspended") {
      return el("button", { type: "button", class: "btn", id: "case-resume",
        "aria-haspopup": "dialog", onclick: () => suspendOrResume(detail, "resume", hooks) },
      t("resume"));
    }
    return null;
  }

  // --- variables ----------------------------------------------------------------------------

  /* What an input shows for a value: a string as typed, anything else as JSON. */
  function shown(value) {
    return typeof value === "string" ? value : JSON.stringify(value, null, 1);
  }

  function variableField(id, name, value) {
    const isText = typeof value === "string" && !value.includes("\n");
    const box = isText ? F.field(id, name, value) : F.textareaField(id, name,
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

  /* The variables editor; ``heading`` is its heading's level on the page. */
  function variablesForm(detail, { name, afterChange, heading }) {
    const variables = detail.variables || {};
    const names = Object.keys(variables).sort();
    const ids = Object.fromEntries(names.map((key, i) => [key, "var-" + i]));
    const editable = detail.status !== "error";
    const form = el("form", { class: "stack variables-form", id: "variables-form", novalidate: true,
      "aria-labelledby": "variables-heading" },
    el(heading || "h4", { id: "variables-heading" }, t("variables")),
    names.length ? null : el("p", { class: "muted" }, t("variables.none")),
    ...names.map((key) => variableField(ids[key], key, variables[key])),
    editable ? F.field("var-reason", t("operate.reason"), "", t("operate.reason.help"),
      { maxlength: "1000", required: true, "aria-required": "true" }) : null,
    editable ? el("div", { class: "form-actions" },
      el("button", { type: "submit", class: "btn btn-primary" }, t("variables.save"))) : null);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearError();
      F.clearFieldErrors(form);
      const changed = changedVariables(form, variables, ids);
      if (!changed) return;
      if (!Object.keys(changed).length) {
        announce(t("variables.unchanged"));
        return;
      }
      const reason = F.readText("var-reason", t("operate.reason.missing"));
      if (!reason) return;
      try {
        await api("PATCH", "/instances/" + detail.id + "/variables", { variables: changed, reason });
        announce(t("variables.saved", { n: Object.keys(changed).length, case: name }));
        await afterChange(detail.id, "#variables-heading");
      } catch (err) {
        if (err.status === 422 && err.errors && err.errors.length) {
          F.showFieldErrors(form, err, (field) => (field === "reason" ? "var-reason"
            : ids[field.replace(/^variables\./, "")] || null));
        } else showError(err);
      }
    });
    return form;
  }

  window.FlowdeskCaseOperate = { MOVABLE, suspendedNote, reasonField, readReason, suspendButton,
    variablesForm };
})();
