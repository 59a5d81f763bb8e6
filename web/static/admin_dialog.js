/* The admin console's confirmation dialog, shared by its lists (admin_cases.js,
 * admin_access.js) as window.FlowdeskAdmin.ask: a modal <dialog> that asks before an action
 * (cancel a case, disable a user, revoke a token) and gives focus back afterwards. */
(function () {
  "use strict";

  const A = window.FlowdeskAdmin;
  const { t, el } = A;

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

  /* Ask before acting: a modal <dialog> (Esc or "Back" dismisses it; focus returns to the
   * button that opened it). ``read()`` gives {value}, or {error} to keep the dialog open.
   * Resolves with the value, or null when dismissed. */
  function ask({ title, text, body, confirm, danger, read, focus }) {
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
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        const got = read ? read() : { value: true };
        if (got.error) return;
        answer = got.value;
        dialog.close();
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

  A.ask = ask;
})();
