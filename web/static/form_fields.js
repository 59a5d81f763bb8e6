/* Form pieces shared by the admin console and the case page, as window.FlowdeskForms: a
 * labelled input with its help and error lines, and a 422's errors put beside their fields.
 * Built on common.js (window.Flowdesk); admin_dialog.js adds its dialog and readers here. The
 * page hands in the texts (``errors``) under its own prefix. */
(function () {
  "use strict";

  const { t, el } = window.Flowdesk;

  /* A labelled text input with help and an error line tied by aria-describedby. */
  function field(id, label, value, help, attrs) {
    const described = [help ? id + "-help" : null, id + "-error"].filter(Boolean).join(" ");
    return el("div", { class: "field", "data-field": id },
      el("label", { for: id }, label),
      help ? el("p", { class: "help", id: id + "-help" }, help) : null,
      el("input", Object.assign({ id, type: "text", value: value || "",
        "aria-describedby": described, spellcheck: "false", autocapitalize: "none" },
      attrs || {})),
      el("p", { class: "field-error", id: id + "-error" }));
  }

  function clearFieldErrors(form) {
    for (const node of form.querySelectorAll(".field-error")) node.textContent = "";
    for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
    for (const node of form.querySelectorAll(".has-error")) node.classList.remove("has-error");
    const summary = form.querySelector(".error-summary");
    if (summary) summary.remove();
  }

  /* Put a 422's errors beside their fields: fieldOf(error.field) names the input's id. */
  function showFieldErrors(form, err, fieldOf) {
    const placed = [];
    const unplaced = [];
    for (const e of err.errors) {
      const id = fieldOf(String(e.field || ""));
      const input = id ? form.querySelector("#" + id) : null;
      if (!input) { unplaced.push(e); continue; }
      const line = form.querySelector("#" + id + "-error");
      line.textContent = line.textContent ? line.textContent + " " + e.message : e.message;
      input.setAttribute("aria-invalid", "true");
      input.closest(".field").classList.add("has-error");
      placed.push(input);
    }
    const summary = el("div", { class: "alert alert-error error-summary", role: "alert",
      tabindex: "-1" }, t("errors", { n: err.errors.length || 1 }),
    el("ul", {}, ...unplaced.map((e) => el("li", {}, (e.field ? e.field + ": " : "") + e.message)),
      !err.errors.length ? el("li", {}, err.message) : null));
    form.prepend(summary);
    if (placed.length) placed[0].focus(); else summary.focus();
  }

  window.FlowdeskForms = { field, clearFieldErrors, showFieldErrors };
})();
