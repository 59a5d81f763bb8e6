/* Finding a case (GET /cases?q=): the cases one works on, found by case number (or its start),
 * business key, order number, customer name, phone or code, each linked to its page; and exact
 * matches one does not work on, as masked summaries (GET /api/v1/cases). */
(function () {
  "use strict";

  const { t, el, api, showError, clearError, announce } = window.Flowdesk;
  const { timeEl, statusEl, customerText, maskedCard } = window.FlowdeskCases;
  const results = document.getElementById("results");
  const own = document.getElementById("own-results");
  const masked = document.getElementById("masked-results");

  function row(found) {
    return el("tr", {},
      el("th", { scope: "row" }, el("a", { href: "/cases/" + found.instance_id },
        found.case_no || "#" + found.instance_id)),
      el("td", { "data-label": t("case.col.process") }, found.process_name || found.process_key),
      el("td", { "data-label": t("case.col.customer") }, customerText(found.customer)),
      el("td", { "data-label": t("case.col.status") }, statusEl(found.status, found.waiting_reason)),
      el("td", { "data-label": t("case.col.started") }, timeEl(found.started_at)));
  }

  function ownTable(cases) {
    if (!cases.length) return el("p", { class: "muted", id: "no-own" }, t("case.search.none"));
    return el("table", { class: "data-table case-results" },
      el("caption", { class: "visually-hidden" }, t("case.search.own")),
      el("thead", {}, el("tr", {}, ...[t("case.col.case_no"), t("case.col.process"),
        t("case.col.customer"), t("case.col.status"), t("case.col.started")].map((text) =>
        el("th", { scope: "col" }, text)))),
      el("tbody", {}, ...cases.map(row)));
  }

  async function run(q) {
    clearError();
    results.hidden = false;
    results.setAttribute("aria-busy", "true");
    try {
      const found = await api("GET", "/cases?q=" + encodeURIComponent(q));
      own.replaceChildren(ownTable(found.cases));
      masked.replaceChildren(...(found.masked.length ? [
        el("h3", { id: "masked-heading" }, t("case.search.masked")),
        ...found.masked.map(maskedCard)] : []));
      announce(t("case.search.count", { count: found.cases.length + found.masked.length }));
    } catch (err) {
      showError(err);
    } finally {
      results.removeAttribute("aria-busy");
    }
  }

  const q = results.dataset.q.trim();
  if (q) run(q);
})();
