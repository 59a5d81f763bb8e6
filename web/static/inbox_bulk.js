/* The inbox's bulk actions, as window.FlowdeskInboxBulk: a checkbox per task row and one for
 * the page, and the bar that acts on the chosen tasks at once (POST /api/v1/tasks/bulk):
 * 认领, 指派给…, 取消指派, and 转到组… for supervisors. The server does each task on its own
 * and answers per task; the bar shows how many were done and why each other one was not.
 * The choice survives the list's refreshes (tasks no longer listed drop out of it).
 * inbox.js calls checkbox(task) per row, headerCheckbox() once per table and listed(ids)
 * after drawing; after an action, onDone() reloads the list. */
(function () {
  "use strict";

  const { t, el, api, toast } = window.Flowdesk;
  const chosen = new Set();
  let listedIds = [];
  let options = null;
  let bar = null;
  let results = null;

  function failed(err) {
    const text = err && err.message ? err.message : String(err);
    toast(t("error.generic", { detail: text }), { kind: "error" });
  }

  function checkbox(task) {
    const box = el("input", { type: "checkbox", class: "bulk-pick", "data-task-id": task.id,
      "data-focus-key": "pick-" + task.id, "aria-label": t("bulk.pick", { name: task.name }) });
    box.checked = chosen.has(task.id);
    box.addEventListener("change", () => {
      if (box.checked) chosen.add(task.id); else chosen.delete(task.id);
      refresh();
    });
    return box;
  }

  function headerCheckbox() {
    const box = el("input", { type: "checkbox", class: "bulk-pick-all",
      "aria-label": t("bulk.pick_all") });
    box.addEventListener("change", () => {
      for (const id of listedIds) { if (box.checked) chosen.add(id); else chosen.delete(id); }
      for (const one of document.querySelectorAll("input.bulk-pick")) one.checked = box.checked;
      refresh();
    });
    return box;
  }

  /* The ids the list shows now: the choice keeps only those. */
  function listed(ids) {
    listedIds = ids;
    for (const id of Array.from(chosen)) { if (!ids.includes(id)) chosen.delete(id); }
    refresh();
  }

  function refresh() {
    const all = document.querySelector("input.bulk-pick-all");
    if (all) {
      all.checked = listedIds.length > 0 && listedIds.every((id) => chosen.has(id));
      all.indeterminate = !all.checked && chosen.size > 0;
    }
    bar.hidden = chosen.size === 0;
    bar.querySelector(".bulk-count").textContent = t("bulk.chosen", { n: chosen.size });
  }

  async function run(action, extra) {
    const ids = Array.from(chosen);
    try {
      const answer = await api("POST", "/tasks/bulk", { action, ids, ...extra });
      const refused = answer.items.filter((item) => !item.ok);
      const summary = t("bulk.done", { ok: answer.succeeded, failed: answer.failed });
      results.replaceChildren(el("p", {}, el("strong", {}, summary)), refused.length
        ? el("ul", { class: "bulk-errors" }, ...refused.map((item) => el("li", {},
          t("bulk.refused", { id: item.id, message: item.message || item.code }))))
        : null);
      results.hidden = false;
      toast(summary, refused.length ? { kind: "error" } : undefined);
      for (const item of answer.items) { if (item.ok) chosen.delete(item.id); }
      refresh();
      await options.onDone();
    } catch (err) {
      failed(err);
    }
  }

  /* A text box with its button: 指派给… a user, 转到组… a group. */
  function namedAction(name, label, submit, action, key) {
    const input = el("input", { type: "text", id: "bulk-" + name, class: "bulk-" + name,
      autocomplete: "off", maxlength: 100 });
    const form = el("form", { class: "bulk-form" },
      el("label", { for: input.id }, label), input,
      el("button", { type: "submit", class: "btn btn-small" }, submit));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const value = input.value.trim();
      if (!value) { input.focus(); return; }
      run(action, { [key]: value });
    });
    return form;
  }

  function build() {
    const button = (label, action) => el("button", { type: "button", class: "btn btn-small",
      onclick: () => run(action, {}) }, label);
    bar = el("div", { class: "bulk-bar", role: "region", "aria-label": t("bulk.label"),
      hidden: true },
    el("span", { class: "bulk-count" }),
    button(t("bulk.claim"), "claim"),
    namedAction("user", t("bulk.assign_to"), t("bulk.assign"), "assign", "to"),
    button(t("bulk.unassign"), "unassign"),
    options.supervises ? namedAction("group", t("bulk.move_to"), t("bulk.move"), "move_group",
      "group") : null,
    el("button", { type: "button", class: "btn btn-small btn-quiet", onclick: () => {
      chosen.clear();
      for (const one of document.querySelectorAll("input.bulk-pick")) one.checked = false;
      refresh();
    } }, t("bulk.clear")));
    results = el("div", { class: "bulk-results", "aria-live": "polite", hidden: true });
    return [bar, results];
  }

  /* Put the bar before ``where`` (the list). options: supervises, onDone. */
  function attach(where, opts) {
    options = opts;
    where.before(...build());
  }

  window.FlowdeskInboxBulk = { attach, checkbox, headerCheckbox, listed };
})();
