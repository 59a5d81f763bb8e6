/* The inbox's bulk actions, as window.FlowdeskInboxBulk: a checkbox per task row and one for
 * the page, and the bar that acts on the chosen tasks at once (POST /api/v1/tasks/bulk):
 * 认领, 指派给…, 取消指派, and 转到组… for supervisors. Whom to and which group are chosen
 * from lists with the names people read, as when handing on one task (inbox_tools.js): the
 * colleagues of the chosen tasks' groups (GET /tasks/{id}/assignees, once per pair of
 * groups), and the groups (GET /admin/groups); nothing else can be sent. The server does
 * each task on its own and answers per task; the bar shows how many were done and why each
 * other one was not.
 * The choice survives the list's refreshes (tasks no longer listed drop out of it).
 * inbox.js calls checkbox(task) per row, headerCheckbox() once per table and listed(ids)
 * after drawing; after an action, onDone() reloads the list. */
(function () {
  "use strict";

  const { t, el, api, toast } = window.Flowdesk;
  const nameWithKey = window.FlowdeskInboxTools.nameWithKey;
  const chosen = new Set();
  const rows = new Map();  // id -> the task as listed: its groups choose whom to offer
  const peopleOf = new Map();  // "group|escalation group" -> the promise of their people
  let offered = null;  // the groups the people picker offers now
  let people = null;  // the people picker (指派给…)
  let listedIds = [];
  let options = null;
  let bar = null;
  let results = null;

  function failed(err) {
    const text = err && err.message ? err.message : String(err);
    toast(t("error.generic", { detail: text }), { kind: "error" });
  }

  function checkbox(task) {
    rows.set(task.id, task);
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
    for (const id of Array.from(rows.keys())) { if (!ids.includes(id)) rows.delete(id); }
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
    if (chosen.size) offerPeople();
  }

  /* The people of the chosen tasks' groups, each once, by the names people read; asked again
   * only when the choice spans other groups. */
  async function offerPeople() {
    const byGroups = new Map();
    for (const id of chosen) {
      const task = rows.get(id);
      if (task) byGroups.set([task.candidate_group, task.escalation_group].join("|"), id);
    }
    const key = Array.from(byGroups.keys()).sort().join(",");
    if (key === offered) return;
    offered = key;
    people.fill(null);
    const lists = await Promise.all(Array.from(byGroups, ([groups, id]) => {
      if (!peopleOf.has(groups)) {
        peopleOf.set(groups, api("GET", "/tasks/" + id + "/assignees").catch(() => {
          peopleOf.delete(groups);  // asked again next time
          return [];
        }));
      }
      return peopleOf.get(groups);
    }));
    if (offered !== key) return;  // the choice changed meanwhile
    const everyone = new Map();
    for (const person of lists.flat()) everyone.set(person.username, person);
    people.fill(Array.from(everyone.values(), (p) => ({ value: p.username,
      label: nameWithKey(p.display_name, p.username) }))
      .sort((a, b) => a.label.localeCompare(b.label, "zh-CN")));
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

  /* A list to choose from with its button: 指派给… a user, 转到组… a group. fill(items) puts
   * {value, label} in it (null: still loading; none: the ``empty`` words), keeping the choice
   * while it is still offered; the button waits for a choice. */
  function namedAction(name, label, submit, action, key, empty) {
    const select = el("select", { id: "bulk-" + name, class: "bulk-" + name });
    const button = el("button", { type: "submit", class: "btn btn-small", disabled: true },
      submit);
    const form = el("form", { class: "bulk-form" },
      el("label", { for: select.id }, label), select, button);
    const ready = () => { button.disabled = !select.value; };
    select.addEventListener("change", ready);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!select.value) { select.focus(); return; }
      run(action, { [key]: select.value });
    });
    function fill(items) {
      const was = select.value;
      const first = items === null ? t("loading") : items.length ? t("form.select") : empty;
      select.replaceChildren(el("option", { value: "" }, first),
        ...(items || []).map((item) => el("option", { value: item.value }, item.label)));
      select.value = (items || []).some((item) => item.value === was) ? was : "";
      ready();
    }
    fill(null);
    return { form, fill };
  }

  /* Every group by the name people read (前台客服 (Agent)), for 转到组…. */
  async function offerGroups(groups) {
    try {
      const all = await api("GET", "/admin/groups");
      groups.fill(all.map((g) => ({ value: g.name, label: nameWithKey(g.display_name, g.name) })));
    } catch (err) {
      groups.fill([]);
      failed(err);
    }
  }

  function build() {
    const button = (label, action) => el("button", { type: "button", class: "btn btn-small",
      onclick: () => run(action, {}) }, label);
    people = namedAction("user", t("bulk.assign_to"), t("bulk.assign"), "assign", "to",
      t("bulk.no_people"));
    const groups = options.supervises ? namedAction("group", t("bulk.move_to"), t("bulk.move"),
      "move_group", "group", t("bulk.no_groups")) : null;
    if (groups) offerGroups(groups);
    bar = el("div", { class: "bulk-bar", role: "region", "aria-label": t("bulk.label"),
      hidden: true },
    el("span", { class: "bulk-count" }),
    button(t("bulk.claim"), "claim"),
    people.form,
    button(t("bulk.unassign"), "unassign"),
    groups ? groups.form : null,
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
