/* The admin console's 案件保留 section: per process, how many days finished (completed or
 * cancelled) cases are kept and whether they are then deleted or archived; GET/PUT/DELETE
 * /admin/retention/{process_key}. The housekeeping applies the rules. Uses admin.js's helpers
 * and admin_dialog.js's ask(). */
(function () {
  "use strict";

  const A = window.FlowdeskAdmin;
  const { t, el, api, announce, showError, clearError, timeEl, table, cell, fill, field,
    clearFieldErrors, showFieldErrors, loaders } = A;
  const box = document.getElementById("retention-list");
  const form = document.getElementById("retention-form");
  const MODES = ["delete", "archive"];

  function ruleRow(rule) {
    const remove = el("button", { type: "button", class: "btn btn-small btn-danger" },
      t("retention.remove"));
    remove.addEventListener("click", () => removeRule(rule));
    return el("tr", { "data-process": rule.process_key },
      cell("process", el("code", {}, rule.process_key)),
      cell("days", t("retention.days_value", { days: rule.days })),
      cell("mode", t("retention.mode." + rule.mode)),
      cell("updated", timeEl(rule.updated_at), " ", rule.updated_by),
      cell("actions", remove));
  }

  async function removeRule(rule) {
    clearError();
    const sure = await A.ask({
      title: t("retention.remove.title", { process: rule.process_key }),
      text: t("retention.remove.text"), confirm: t("retention.remove"), danger: true,
    });
    if (!sure) return;
    try {
      await api("DELETE", "/admin/retention/" + encodeURIComponent(rule.process_key));
      announce(t("retention.removed", { process: rule.process_key }));
      await loadRules();
    } catch (err) {
      showError(err);
    }
  }

  function buildForm(definitions) {
    const keys = [...new Set(definitions.map((d) => d.key))].sort();
    const mode = el("select", { id: "retention-mode", "aria-describedby": "retention-mode-error" },
      ...MODES.map((m) => el("option", { value: m }, t("retention.mode." + m))));
    form.replaceChildren(
      el("div", { class: "field" },
        el("label", { for: "retention-process" }, t("retention.process")),
        el("select", { id: "retention-process" },
          ...keys.map((key) => el("option", { value: key }, key)))),
      field("retention-days", t("retention.days"), "90", t("retention.days_help"),
        { inputmode: "numeric", maxlength: "5" }),
      el("div", { class: "field" }, el("label", { for: "retention-mode" }, t("retention.mode")),
        mode, el("p", { class: "field-error", id: "retention-mode-error" })),
      el("button", { type: "submit", class: "btn" }, t("save")));
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearError();
    clearFieldErrors(form);
    const key = form.querySelector("#retention-process").value;
    const raw = form.querySelector("#retention-days").value.trim();
    const days = /^\d+$/.test(raw) ? Number(raw) : raw;  // the API says what is wrong
    try {
      await api("PUT", "/admin/retention/" + encodeURIComponent(key),
        { days, mode: form.querySelector("#retention-mode").value });
      announce(t("retention.saved", { process: key }));
      await loadRules();
    } catch (err) {
      if (err.status === 422) showFieldErrors(form, err, (name) => "retention-" + name);
      else showError(err);
    }
  });

  async function loadRules() {
    const [rules, definitions] = await Promise.all([api("GET", "/admin/retention"),
      form.childElementCount ? null : api("GET", "/definitions")]);
    if (definitions) buildForm(definitions);
    fill(box, rules.length ? table(["process", "days", "mode", "updated", "actions"],
      rules.map(ruleRow)) : el("p", { class: "empty" }, t("retention.none")));
  }

  loaders.push(loadRules);
})();
