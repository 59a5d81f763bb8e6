/* The admin console's notifications: the dead outbox rows (GET /admin/notifications?state=dead)
 * with their last error and a resend (asked first, POST /admin/notifications/{id}/resend), and
 * the groups' subscriptions (GET/POST/DELETE /admin/group-subscriptions). Uses admin.js's
 * helpers (window.FlowdeskAdmin) and admin_dialog.js's ask(). */
(function () {
  "use strict";

  const A = window.FlowdeskAdmin;
  const { t, el, api, toast, showError, clearError, timeEl, table, cell, fill, empty, loaders } = A;
  const deadBox = document.getElementById("dead-list");
  const subsBox = document.getElementById("group-sub-list");
  const form = document.getElementById("group-sub-form");
  const KINDS = ["assigned_to_me", "group_queue", "sla_warning", "sla_breach", "escalation",
    "incident", "mentioned"];

  async function resend(row) {
    const go = await A.ask({ title: t("notify.resend.title"),
      text: t("notify.resend.text", { id: row.id, recipient: row.recipient }),
      confirm: t("notify.resend") });
    if (!go) return;
    try {
      await api("POST", "/admin/notifications/" + row.id + "/resend");
      toast(t("notify.resent", { id: row.id }));
      await loadDead();
    } catch (err) { showError(err); }
  }

  function deadRow(row) {
    return el("tr", { "data-notification": String(row.id) },
      cell("id", String(row.id)), cell("created", timeEl(row.created_at)),
      cell("kind", row.kind), cell("target", row.channel + " · " + row.recipient),
      cell("subject", row.subject), cell("message", row.last_error || "—"),
      cell("actions", el("button", { type: "button", class: "btn btn-small",
        onclick: () => resend(row) }, t("notify.resend"))));
  }

  async function loadDead() {
    const page = await api("GET", "/admin/notifications?state=dead&per_page=50");
    fill(deadBox, page.items.length
      ? table(["id", "created", "kind", "target", "subject", "message", "actions"],
        page.items.map(deadRow)) : empty());
  }

  function describe(sub) {
    const target = sub.target || {};
    return t("notify.channel." + sub.channel) + " · " + (target.address || target.url || "") +
      (target.format ? " (" + t("notify.format." + target.format) + ")" : "");
  }

  async function remove(sub) {
    const go = await A.ask({ title: t("notify.remove.title"),
      text: t("notify.remove.text", { group: sub.owner }), confirm: t("notify.remove"),
      danger: true });
    if (!go) return;
    try {
      await api("DELETE", "/admin/group-subscriptions/" + sub.id);
      toast(t("notify.removed"));
      await loadSubs();
    } catch (err) { showError(err); }
  }

  function subRow(sub) {
    return el("tr", { "data-subscription": String(sub.id) },
      cell("group", sub.owner), cell("target", describe(sub)),
      cell("kind", sub.events.map((kind) => t("notify.event." + kind)).join("、")), cell("calendar", sub.calendar || "—"),
      cell("actions", el("button", { type: "button", class: "btn btn-small",
        onclick: () => remove(sub) }, t("notify.remove"))));
  }

  async function loadSubs() {
    const subs = await api("GET", "/admin/group-subscriptions");
    fill(subsBox, subs.length
      ? table(["group", "target", "kind", "calendar", "actions"], subs.map(subRow)) : empty());
  }

  form.append(
    el("label", { for: "gs-group" }, t("notify.group")),
    el("input", { id: "gs-group", name: "group", maxlength: "100", required: true }),
    el("label", { for: "gs-channel" }, t("notify.channel")),
    el("select", { id: "gs-channel", name: "channel" },
      el("option", { value: "webhook" }, t("notify.channel.webhook")),
      el("option", { value: "email" }, t("notify.channel.email"))),
    el("label", { for: "gs-target" }, t("notify.target")),
    el("input", { id: "gs-target", name: "target", maxlength: "1000",
      "aria-describedby": "gs-target-help" }),
    el("p", { class: "muted small", id: "gs-target-help" }, t("notify.target.help")),
    el("label", { for: "gs-format" }, t("notify.format")),
    el("select", { id: "gs-format", name: "format" },
      ...["wecom", "dingtalk", "feishu", "generic"].map((f) => el("option", { value: f },
        t("notify.format." + f)))),
    el("fieldset", {}, el("legend", {}, t("notify.events")),
      ...KINDS.map((kind) => el("label", { class: "check" },
        el("input", { type: "checkbox", name: "events", value: kind }), " ",
        t("notify.event." + kind)))),
    el("label", { for: "gs-calendar" }, t("col.calendar")),
    el("select", { id: "gs-calendar", name: "calendar" }, el("option", { value: "" }, "—")),
    el("div", {}, el("button", { type: "submit", class: "btn btn-primary" }, t("notify.add"))));

  function fillCalendars() {
    const select = document.getElementById("gs-calendar");
    const chosen = select.value;
    select.replaceChildren(el("option", { value: "" }, "—"),
      ...(A.calendars() || []).map((c) => el("option", { value: c.name }, c.name)));
    select.value = chosen;
  }

  // the calendars load beside this list: offer them again when the select is used
  document.getElementById("gs-calendar").addEventListener("focus", fillCalendars);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearError();
    const data = new FormData(form);
    const channel = data.get("channel");
    const target = channel === "email" ? { address: data.get("target") }
      : { url: data.get("target"), format: data.get("format") };
    try {
      await api("POST", "/admin/group-subscriptions", { group: data.get("group"), channel,
        target, events: data.getAll("events"), calendar: data.get("calendar") || null });
      toast(t("notify.added"));
      await loadSubs();
    } catch (err) {
      const fields = (err.errors || []).map((e) => e.field + ": " + e.message).join("; ");
      showError(fields ? { message: err.message + " (" + fields + ")", status: err.status } : err);
    }
  });

  loaders.push(loadDead, loadSubs, async () => fillCalendars());
})();
