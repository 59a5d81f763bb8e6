/* 我的通知设置: the user's own subscriptions (GET/POST/DELETE /api/v1/me/subscriptions), each
 * a channel (in-app, e-mail, a webhook with its format), the event kinds, an optional
 * quiet-hours calendar and a language. The API checks every field; its 422 names them. */
(function () {
  "use strict";
  const { t, el, api, showError, clearError, toast } = window.Flowdesk;

  const list = document.getElementById("subscriptions");
  const form = document.getElementById("add-form");
  const channel = document.getElementById("channel");

  function fail(err) {
    const fields = (err.errors || []).map((e) => e.field + ": " + e.message).join("; ");
    showError(fields ? { message: err.message + " (" + fields + ")", status: err.status } : err);
  }

  function where(sub) {
    const target = sub.target || {};
    if (sub.channel === "email") return target.address || "";
    if (sub.channel === "webhook") return (target.format || "generic") + " · " + (target.url || "");
    return "";
  }

  function row(sub) {
    const events = sub.events.map((kind) => t("notify.event." + kind)).join("、");
    const parts = [t("notify.channel." + sub.channel), where(sub), events,
      sub.calendar ? t("notify.quiet", { calendar: sub.calendar }) : "", sub.lang]
      .filter(Boolean).join(" · ");
    const remove = el("button", { type: "button", class: "btn btn-small",
      "aria-label": t("notify.remove_one", { what: t("notify.channel." + sub.channel) }),
      onclick: () => api("DELETE", "/me/subscriptions/" + sub.id)
        .then(() => { toast(t("notify.removed")); return load(); }).catch(fail) },
    t("notify.remove"));
    return el("li", { class: "subscription" }, el("span", {}, parts), " ", remove);
  }

  function load() {
    list.setAttribute("aria-busy", "true");
    return api("GET", "/me/subscriptions").then((subs) => {
      const items = Array.isArray(subs) ? subs : [];
      list.replaceChildren(...(items.length ? items.map(row)
        : [el("li", { class: "muted" }, t("notify.none"))]));
    }).catch(fail).finally(() => list.setAttribute("aria-busy", "false"));
  }

  function showTargetFields() {
    document.getElementById("email-fields").hidden = channel.value !== "email";
    document.getElementById("webhook-fields").hidden = channel.value !== "webhook";
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearError();
    const data = new FormData(form);
    const target = {};
    if (channel.value === "email") target.address = data.get("address");
    if (channel.value === "webhook") { target.url = data.get("url"); target.format = data.get("format"); }
    const body = { channel: channel.value, target, events: data.getAll("events"),
      calendar: data.get("calendar") || null, lang: data.get("lang") };
    api("POST", "/me/subscriptions", body)
      .then(() => { toast(t("notify.added")); return load(); }).catch(fail);
  });
  channel.addEventListener("change", showTargetFields);
  showTargetFields();
  load();
})();
