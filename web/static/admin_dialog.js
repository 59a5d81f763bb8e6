/* The admin console's confirmation dialog, shared by its lists (admin_cases.js,
 * admin_operate.js, admin_access.js) as window.FlowdeskAdmin.ask, and by the case page's
 * operations (case_operate.js) as window.FlowdeskForms.ask: a modal <dialog> that asks
 * before an action (cancel a case, disable a user, revoke a token) and gives focus back
 * afterwards. With ``submit`` the dialog makes the call itself and stays open on a refusal, so
 * a 422's errors appear at their fields and a 409's text inside the dialog; readText and
 * readJson check what was typed first. */
(function () {
  "use strict";

  const F = window.FlowdeskForms;  // form_fields.js
  const { t, el } = window.Flowdesk;

  /* Focus the button that opened a dialog, or, when a refresh re-drew its list meanwhile, the
   * button that replaced it (same aria-label). */
  function refocus(opener) {
    if (!opener) return;
    if (opener.isConnected) { opener.focus(); return; }
    const label = opener.getAttribute && opener.getAttribute("aria-label");
    const twin = label && Array.from(document.querySelectorAll("button[aria-label]"))
      .find((b) => b.getAttribute("aria-label") === label);
    if (twin) twin.focus();
  }

  /* A refusal of ``submit`` inside the dialog: a 422's errors at their fields (``fieldOf``
   * names an input's id), anything else as an alert above the buttons. */
  function showRefusal(form, err, fieldOf) {
    if (err.status === 422 && err.errors && err.errors.length) {
      F.showFieldErrors(form, err, fieldOf || (() => null));
      return;
    }
    const alert = el("div", { class: "alert alert-error error-summary dialog-error", role: "alert",
      tabindex: "-1" }, err.message || String(err));
    form.querySelector(".form-actions").before(alert);
    alert.focus();
  }

  /* Ask before acting: a modal <dialog> (Esc or "Back" dismisses it; focus returns to the
   * button that opened it). ``read()`` gives {value}, or {error} to keep the dialog open.
   * ``submit(value)``, when given, makes the call while the dialog stays open: its result is
   * the answer, a refusal is shown in the dialog (see showRefusal) and the dialog stays.
   * Resolves with the value (or submit's result), or null when dismissed. */
  function ask({ title, text, body, confirm, danger, read, focus, submit, fieldOf }) {
    const opener = document.activeElement;
    return new Promise((resolve) => {
      let answer = null;
      const back = el("button", { type: "button", class: "btn" }, t("dialog.back"));
      const form = el("form", { class: "stack", novalidate: true },
        el("h2", { id: "dialog-title" }, title),
        el("p", { id: "dialog-text" }, text),
        body || null,
        el("div", { class: "form-actions" },
          el("button", { type: "submit", class: "btn " + (danger ? "btn-danger" : "btn-primary") },
            confirm), " ", back));
      const dialog = el("dialog", { class: "admin-dialog", "aria-labelledby": "dialog-title",
        "aria-describedby": "dialog-text" }, form);
      back.addEventListener("click", () => dialog.close());
      const button = form.querySelector('button[type="submit"]');
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        F.clearFieldErrors(form);
        const got = read ? read() : { value: true };
        if (got.error) return;
        if (!submit) {
          answer = got.value;
          dialog.close();
          return;
        }
        button.disabled = true;
        try {
          answer = await submit(got.value);
          dialog.close();
        } catch (err) {
          showRefusal(form, err, fieldOf);
        } finally {
          button.disabled = false;
        }
      });
      dialog.addEventListener("close", () => {
        dialog.remove();
        refocus(opener);
        resolve(answer);
      });
      document.body.append(dialog);
      dialog.showModal();
      (focus ? form.querySelector(focus) : back).focus();
    });
  }

  /* The trimmed text of a required input, or null with ``message`` at the field. */
  function readText(id, message) {
    const input = document.getElementById(id);
    const value = input.value.trim();
    if (value) return value;
    document.getElementById(id + "-error").textContent = message;
    input.setAttribute("aria-invalid", "true");
    input.focus();
    return null;
  }

  /* A JSON object typed into input ``id`` ({} when blank), or null with ``message`` at the
   * field. */
  function readJson(id, message) {
    const input = document.getElementById(id);
    const raw = input.value.trim();
    let value = {};
    try {
      value = raw ? JSON.parse(raw) : {};
    } catch (e) {
      value = null;
    }
    if (value !== null && typeof value === "object" && !Array.isArray(value)) return value;
    document.getElementById(id + "-error").textContent = message;
    input.setAttribute("aria-invalid", "true");
    input.focus();
    return null;
  }

  /* A labelled textarea (field() with its input swapped), for JSON. */
  function textareaField(id, label, help, rows) {
    const box = F.field(id, label, "", help);
    const input = box.querySelector("input");
    input.replaceWith(el("textarea", { id, rows: String(rows || 3), spellcheck: "false",
      "aria-describedby": input.getAttribute("aria-describedby") }));
    return box;
  }

  const pieces = { ask, readText, readJson, textareaField };
  Object.assign(F, pieces);
  if (window.FlowdeskAdmin) Object.assign(window.FlowdeskAdmin, pieces);
})();
