/* The supervisors' reports page: reads /api/v1/reports/* with the page's filters, draws each
 * report with ECharts (window.echarts, vendored) beside a table of the same numbers (the
 * charts' accessible text), and links the CSV and Excel downloads with the same filters.
 * The filters are kept in the address (/reports?from=2026-12-01&to=2026-12-31&group=…). */
(function () {
  "use strict";

  const { t, el, api, showError, clearError, announce, LOCALE } = window.Flowdesk;
  const FILTERS = ["from", "to", "process_key", "group", "agent", "period"];
  const AGES = ["under_1d", "d1_3", "d3_7", "over_7d"];
  const COLOURS = { met: "#1f7a3a", breached: "#c0262d", primary: "#1f5fbf", second: "#e08a00",
    ages: ["#7fb3ea", "#1f5fbf", "#e08a00", "#c0262d"] };

  /* Each report: which filters its endpoint takes, the table's columns, and its chart. */
  const REPORTS = {
    "sla": {
      params: ["from", "to", "process_key", "group", "agent", "period"],
      columns: ["period", "sla_met", "sla_breached", "met_pct"],
      chart: (rows) => ({
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: rows.map((r) => r.period) },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          bar(t("col.sla_met"), rows.map((r) => r.sla_met), COLOURS.met, "sla"),
          bar(t("col.sla_breached"), rows.map((r) => r.sla_breached), COLOURS.breached, "sla"),
        ],
      }),
    },
    "backlog": {
      params: ["process_key", "group", "agent"],
      columns: ["group", ...AGES, "total"],
      chart: (rows) => ({
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: rows.map((r) => r.group_name || r.group) },
        yAxis: { type: "value", minInterval: 1 },
        series: AGES.map((age, i) => bar(t("col." + age), rows.map((r) => r[age]),
          COLOURS.ages[i], "age")),
      }),
    },
    "agents": {
      params: ["from", "to", "process_key", "group", "agent"],
      columns: ["agent_name", "agent", "tasks_served", "tasks_resolved",
        "median_first_response_min", "median_resolution_min", "sla_met", "sla_breached"],
      chart: (rows) => ({
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: agentLabels(rows) },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          bar(t("col.tasks_served"), rows.map((r) => r.tasks_served), COLOURS.primary),
          bar(t("col.tasks_resolved"), rows.map((r) => r.tasks_resolved), COLOURS.second),
          bar(t("col.sla_met"), rows.map((r) => r.sla_met), COLOURS.met, "sla"),
          bar(t("col.sla_breached"), rows.map((r) => r.sla_breached), COLOURS.breached, "sla"),
        ],
      }),
    },
    "complaint-rate": {
      params: ["from", "to"],
      columns: ["month", "complaints", "orders", "per_100_orders"],
      chart: (rows) => ({
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: rows.map((r) => r.month) },
        yAxis: [{ type: "value", minInterval: 1 }, { type: "value" }],
        series: [
          bar(t("col.complaints"), rows.map((r) => r.complaints), COLOURS.primary),
          { name: t("col.per_100_orders"), type: "line", yAxisIndex: 1,
            data: rows.map((r) => r.per_100_orders), itemStyle: { color: COLOURS.breached } },
        ],
      }),
    },
    "satisfaction": {
      params: ["from", "to", "process_key"],
      columns: ["month", "closed_with_answer", "satisfied", "satisfied_pct", "average_score"],
      chart: (rows) => ({
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: rows.map((r) => r.month) },
        yAxis: [{ type: "value", max: 100 }, { type: "value", max: 5 }],
        series: [
          bar(t("col.satisfied_pct"), rows.map((r) => r.satisfied_pct), COLOURS.met),
          { name: t("col.average_score"), type: "line", yAxisIndex: 1,
            data: rows.map((r) => r.average_score), itemStyle: { color: COLOURS.second } },
        ],
      }),
    },
    "negative-reviews": {
      params: ["from", "to"],
      columns: ["case_no", "status", "started_at", "order_no", "item", "rating", "severity",
        "handling_status", "promised_date"],
    },
    "finance": {
      params: ["from", "to"],
      columns: ["case_no", "order_no", "amount", "direction", "note", "signer", "completed_by",
        "completed_at"],
    },
  };

  const charts = {};
  const form = document.getElementById("filters");

  function bar(name, data, color, stack) {
    return { name, type: "bar", data, stack, itemStyle: { color }, barMaxWidth: 36 };
  }

  function filterValues() {
    const values = {};
    for (const name of FILTERS) {
      const value = form.elements[name].value.trim();
      if (value) values[name] = value;
    }
    return values;
  }

  function query(name, extra) {
    const values = filterValues();
    const params = new URLSearchParams();
    for (const key of REPORTS[name].params) {
      if (values[key]) params.set(key, values[key]);
    }
    for (const [key, value] of Object.entries(extra || {})) params.set(key, value);
    const text = params.toString();
    return "/reports/" + name + (text ? "?" + text : "");
  }

  /* Dates and times in the page's language, in the browser's zone (the team's, usually). */
  function cell(key, value) {
    if (value === null || value === undefined || value === "") return "—";
    if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}T/.test(value)) {
      return new Date(value).toLocaleString(LOCALE, { dateStyle: "short", timeStyle: "short" });
    }
    if (key === "status") return t("status." + value);
    return String(value);
  }

  /* A group by its display name (the API gives both; filters keep the name). */
  function shown(row, key) {
    return key === "group" ? row.group_name || row.group : row[key];
  }

  /* People by display name on the chart's axis; two who share one get their usernames too. */
  function agentLabels(rows) {
    const names = rows.map((r) => r.agent_name || r.agent);
    return names.map((name, i) => names.indexOf(name) === names.lastIndexOf(name)
      ? name : name + " (" + rows[i].agent + ")");
  }

  function fillTable(name, rows) {
    const table = document.getElementById("table-" + name);
    const columns = REPORTS[name].columns;
    table.replaceChildren(
      el("caption", { class: "visually-hidden" }, t("table_caption", {
        name: t("report." + name), count: rows.length })),
      el("thead", null, el("tr", null, ...columns.map((c) => el("th", { scope: "col" },
        t("col." + c))))),
      el("tbody", null, ...(rows.length ? rows.map((row) => el("tr", null,
        ...columns.map((c) => el("td", { "data-label": t("col." + c) }, cell(c, shown(row, c))))))
        : [el("tr", null, el("td", { colspan: columns.length, class: "empty" }, t("empty")))])));
  }

  function draw(name, rows) {
    const box = document.getElementById("chart-" + name);
    let chart = charts[name];
    if (!chart) {
      chart = window.echarts.init(box, null, { renderer: "canvas", locale: LOCALE.startsWith("zh") ? "ZH" : "EN" });
      charts[name] = chart;
    }
    const option = REPORTS[name].chart(rows);
    option.aria = { enabled: true };
    option.legend = { top: 0, type: "scroll" };  // above the plot, never over the axis
    option.grid = { left: 8, right: 8, bottom: 8, top: 40, containLabel: true };
    option.animation = false;
    chart.setOption(option, true);
    box.setAttribute("aria-label", t("chart_label", { name: t("report." + name),
      count: rows.length }));
    box.dataset.rows = String(rows.length);
  }

  function downloads(name) {
    const holder = document.querySelector('.downloads[data-report="' + name + '"]');
    const label = t("report." + name);
    holder.replaceChildren(...["csv", "xlsx"].map((format) => el("a", {
      href: "/api/v1" + query(name, { format }), download: "", class: "btn btn-small",
    }, t("download_" + format), el("span", { class: "visually-hidden" },
      t("download_of", { name: label })))));
  }

  async function load() {
    clearError();
    const grid = document.getElementById("reports");
    grid.setAttribute("aria-busy", "true");
    const names = Object.keys(REPORTS);
    const answers = await Promise.allSettled(names.map((name) => api("GET", query(name))));
    let failed = null;
    answers.forEach((answer, i) => {
      const name = names[i];
      downloads(name);
      if (answer.status === "rejected") {
        failed = failed || answer.reason;
        return;
      }
      const rows = answer.value.items || [];
      fillTable(name, rows);
      if (REPORTS[name].chart) draw(name, rows);
    });
    grid.setAttribute("aria-busy", "false");
    grid.dataset.loaded = String(Number(grid.dataset.loaded || 0) + 1);
    if (failed) showError(failed);
    else announce(t("loaded"));
  }

  function fromAddress() {
    const params = new URLSearchParams(location.search);
    for (const name of FILTERS) {
      if (params.has(name)) form.elements[name].value = params.get(name);
    }
  }

  function toAddress() {
    const params = new URLSearchParams(filterValues());
    const lang = new URLSearchParams(location.search).get("lang");
    if (lang) params.set("lang", lang);
    const text = params.toString();
    history.replaceState(null, "", location.pathname + (text ? "?" + text : ""));
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const from = form.elements.from.value, to = form.elements.to.value;
    if (from && to && from > to) {
      showError(new Error(t("range_reversed")));
      form.elements.to.focus();
      return;
    }
    toAddress();
    load();
  });
  form.addEventListener("reset", () => {
    window.setTimeout(() => { toAddress(); load(); }, 0);
  });
  window.addEventListener("resize", () => {
    for (const chart of Object.values(charts)) chart.resize();
  });

  fromAddress();
  load();
})();
