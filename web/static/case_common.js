/* What the case search and the case page share, as window.FlowdeskCases: dates, a case's
 * status and SLA state in words, a value as a person reads it, and the masked summary of a case
 * one does not work on. Loaded after common.js. */
(function () {
  "use strict";

  const { t, el, LOCALE, slaEl } = window.Flowdesk;
  const longFormat = new Intl.DateTimeFormat(LOCALE, { dateStyle: "medium", timeStyle: "short" });

  function timeEl(iso) {
    if (!iso) return el("span", { class: "muted" }, "—");
    return el("time", { datetime: iso }, longFormat.format(new Date(iso)));
  }

  function statusEl(status, waitingReason) {
    return el("span", { class: "case-status case-status-" + status },
      t("case.status." + status), waitingReason ? " · " + t("case.paused") : "");
  }

  /* A variable's value in words: a choice's label, yes/no, a list, else the text. */
  function valueText(field) {
    if (field.shown) return field.shown;
    const value = field.value;
    if (value === null || value === undefined || value === "") return "—";
    if (value === true) return t("case.value.yes");
    if (value === false) return t("case.value.no");
    if (Array.isArray(value)) return value.map((v) => valueText({ value: v })).join("、");
    if (typeof value === "object") return JSON.stringify(value);
    return String(value);
  }

  function customerText(customer) {
    if (!customer) return t("case.customer.none");
    return [customer.name, customer.tier, customer.phone].filter(Boolean).join(" · ");
  }

  /* A case one may not open: who and what, personal data masked, and why there is no more. */
  function maskedCard(summary) {
    const personal = Object.entries(summary.personal || {}).map(([name, value]) =>
      el("li", {}, el("span", { class: "muted" }, name + ": "), String(value)));
    return el("article", { class: "card masked-case" },
      el("h3", {}, summary.case_no || "#" + summary.instance_id, " · ",
        summary.process_name || summary.process_key),
      el("p", {}, statusEl(summary.status), " · ", t("case.started"), " ",
        timeEl(summary.started_at)),
      el("p", {}, t("case.customer"), ": ", customerText(summary.customer)),
      summary.order_no ? el("p", {}, t("case.order_no"), ": ", String(summary.order_no)) : null,
      personal.length ? el("ul", { class: "masked-personal" }, ...personal) : null,
      el("p", { class: "muted small" }, t("case.masked.note")));
  }

  window.FlowdeskCases = { timeEl, statusEl, slaEl, valueText, customerText, maskedCard };
})();
