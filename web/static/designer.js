/* The process designer's list page: every definition with its versions and how many running
 * instances use each, and the form that starts a new process. Also the helpers the modeler
 * page (designer_modeler.js) shares, as window.FlowdeskDesigner. Plain DOM; every call goes
 * to /api/v1 through common.js. */
(function () {
  "use strict";

  const LOCALE = window.Flowdesk.LOCALE;
  const main = document.getElementById("main");

  // --- small helpers (common.js) -----------------------------------------------------------

  const { t, el, api, showError, clearError } = window.Flowdesk;

  const dateFormat = new Intl.DateTimeFormat(LOCALE, { dateStyle: "medium", timeStyle: "short" });

  function timeEl(iso) {
    if (!iso) return el("span", { class: "muted" }, "–");
    return el("time", { datetime: iso }, dateFormat.format(new Date(iso)));
  }

  async function definitionsOf(key) {
    const query = new URLSearchParams({ all_versions: "true" });
    if (key) query.set("key", key);
    const rows = await api("GET", "/definitions?" + query);
    return (Array.isArray(rows) ? rows : []).filter((d) => !key || d.key === key);
  }

  /* Running instances of a process, counted by definition id (all pages). */
  async function runningByDefinition(key) {
    const counts = {};
    for (let page = 1; ; page += 1) {
      const query = new URLSearchParams({
        process_key: key, status: "running", per_page: "200", page: String(page),
      });
      const answer = await api("GET", "/instances?" + query);
      for (const item of answer.items || []) {
        counts[item.definition_id] = (counts[item.definition_id] || 0) + 1;
      }
      if (!answer.items || answer.items.length === 0 || page * 200 >= answer.total) break;
    }
    return counts;
  }

  function groupByKey(rows) {
    const groups = new Map();
    for (const row of rows) {
      if (!groups.has(row.key)) groups.set(row.key, []);
      groups.get(row.key).push(row);
    }
    for (const versions of groups.values()) versions.sort((a, b) => b.version - a.version);
    return groups;
  }

  // --- the list page ------------------------------------------------------------------------

  async function listPage() {
    const box = document.getElementById("definitions");
    try {
      const groups = groupByKey(await definitionsOf(null));
      const keys = [...groups.keys()].sort();
      const counts = await Promise.all(keys.map((key) => runningByDefinition(key)));
      box.replaceChildren();
      if (keys.length === 0) box.append(el("p", { class: "muted" }, t("empty")));
      keys.forEach((key, index) => box.append(processCard(key, groups.get(key), counts[index])));
      clearError();
    } catch (err) {
      box.replaceChildren();
      showError(err);
    } finally {
      box.setAttribute("aria-busy", "false");
    }
  }

  function processCard(key, versions, counts) {
    const latest = versions[0];
    const name = latest.name || key;
    const headingId = "process-" + key;
    const table = el("table", { class: "versions-table" },
      el("caption", { class: "visually-hidden" }, name),
      el("thead", null, el("tr", null,
        ...["version", "deployed", "by", "running", "files"].map((col) =>
          el("th", { scope: "col" }, t("col." + col))))),
      el("tbody", null, ...versions.map((d) => el("tr", { "data-definition-id": d.id,
        "data-version": d.version },
        el("th", { scope: "row", "data-label": t("col.version") }, "v" + d.version,
          d === latest ? el("span", { class: "badge" }, " " + t("latest")) : null),
        el("td", { "data-label": t("col.deployed") }, timeEl(d.deployed_at)),
        el("td", { "data-label": t("col.by") }, d.deployed_by || "–"),
        el("td", { "data-label": t("col.running"), class: "num" }, String(counts[d.id] || 0)),
        el("td", { "data-label": t("col.files"), class: "files" },
          (d.files || []).join(", "))))));
    return el("article", { class: "process-card", "data-key": key, "aria-labelledby": headingId },
      el("div", { class: "process-card-head" },
        el("h2", { id: headingId }, name, " ", el("code", { class: "small muted" }, key)),
        el("a", { class: "btn btn-primary", href: "/designer/" + encodeURIComponent(key),
          "aria-label": t("open.label", { name }) }, t("open"))),
      el("p", { class: "muted small" }, t("versions", { n: versions.length })),
      table);
  }

  function newProcessForm() {
    const form = document.getElementById("new-process");
    if (!form) return;
    const keyInput = form.querySelector("#new-key");
    const nameInput = form.querySelector("#new-name");
    const hint = form.querySelector("#new-key-error");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const key = keyInput.value.trim();
      if (!/^[A-Za-z_][A-Za-z0-9_]{0,99}$/.test(key)) {
        hint.textContent = t("new.invalid");
        hint.hidden = false;
        keyInput.setAttribute("aria-invalid", "true");
        keyInput.focus();
        return;
      }
      const target = "/designer/" + encodeURIComponent(key);
      const existing = await definitionsOf(key).catch(() => []);
      if (existing.length) {
        location.assign(target);
        return;
      }
      const query = new URLSearchParams({ new: "1", name: nameInput.value.trim() || key });
      location.assign(target + "?" + query);
    });
  }

  // designer_modeler.js uses these too.
  window.FlowdeskDesigner = { dateFormat, timeEl, definitionsOf, runningByDefinition, groupByKey };
  if (main.dataset.page === "list") { listPage(); newProcessForm(); }
})();
