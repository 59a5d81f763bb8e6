/* The admin console: business calendars (edit, save for new or running clocks, preview),
 * armed timers and running SLA clocks; the cases, SLA
 * breaches and incidents are in admin_cases.js, which shares this file's helpers. Plain DOM;
 * every call goes to /api/v1 with the session cookie and the X-CSRF-Token header. The API is
 * the only validator: a 422's errors appear beside their fields. */
(function () {
  "use strict";

  const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
  const LOCALE = window.Flowdesk.LOCALE;
  const boxes = {
    calendars: document.getElementById("calendar-list"),
    calendarEditor: document.getElementById("calendar-editor"),
    timers: document.getElementById("timer-list"),
    clocks: document.getElementById("clock-list"),
  };
  const state = { calendars: [] };
  const placeholders = {
    calendar: boxes.calendarEditor.firstElementChild.cloneNode(true),
  };

  // --- small helpers (common.js) -----------------------------------------------------------

  const { t, el, api, showError, clearError, announce, toast } = window.Flowdesk;

  const timeFormat = new Intl.DateTimeFormat(LOCALE, {
    year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    hour12: false,
  });

  function timeEl(iso) {
    if (!iso) return el("span", { class: "muted" }, "—");
    return el("time", { datetime: iso }, timeFormat.format(new Date(iso)));
  }

  function table(columns, rows, className) {
    const head = el("tr", {}, ...columns.map((c) => el("th", { scope: "col" }, t("col." + c))));
    return el("table", { class: "admin-table " + (className || "") },
      el("thead", {}, head), el("tbody", {}, ...rows));
  }

  function cell(column, ...children) {
    return el("td", { class: "col-" + column, "data-label": t("col." + column) }, ...children);
  }

  function fill(box, node) {
    box.setAttribute("aria-busy", "false");
    box.replaceChildren(node);
  }

  function empty() {
    return el("p", { class: "empty" }, t("empty"));
  }

  const { field } = window.FlowdeskForms;  // form_fields.js

  function applyToFieldset(prefix) {
    return el("fieldset", { class: "field field-multi" },
      el("legend", {}, t("apply_to")),
      el("div", { class: "checks" }, ...["new", "running"].map((value) => el("div", { class: "check" },
        el("input", { type: "radio", name: prefix + "-apply-to", id: prefix + "-apply-" + value,
          value, checked: value === "new" }),
        el("label", { for: prefix + "-apply-" + value }, t("apply_to." + value))))));
  }

  const { clearFieldErrors, showFieldErrors } = window.FlowdeskForms;

  function radioValue(form, name) {
    const checked = form.querySelector('input[name="' + name + '"]:checked');
    return checked ? checked.value : "new";
  }

  // --- calendars ----------------------------------------------------------------------------

  async function loadCalendars() {
    state.calendars = await api("GET", "/admin/calendars");
    const rows = state.calendars.map((cal) => el("tr", { "data-calendar": cal.name },
      cell("name", el("strong", {}, cal.config.title || cal.name),
        cal.config.title ? el("span", { class: "muted small" }, " " + cal.name) : null),
      cell("timezone", cal.config.mode === "24x7" ? cal.config.timezone + " · 24x7"
        : cal.config.timezone),
      cell("country", cal.config.country || "—"),
      cell("version", String(cal.version)),
      cell("updated", timeEl(cal.updated_at)),
      cell("actions", el("button", { type: "button", class: "btn btn-small",
        "aria-label": t("edit.label", { name: cal.name }), "aria-controls": "calendar-editor",
        onclick: () => openCalendar(cal.name) }, t("edit")))));
    fill(boxes.calendars, rows.length
      ? table(["name", "timezone", "country", "version", "updated", "actions"], rows) : empty());
  }

  function windowsText(spans) {
    return (spans || []).map((pair) => pair[0] + "-" + pair[1]).join(", ");
  }

  function parseWindows(text) {
    return text.split(/[,，;；]/).map((s) => s.trim()).filter(Boolean).map((span) => {
      const parts = span.split(/\s*[-–~]\s*/);
      return parts.length === 2 ? parts : [span];
    });
  }

  function parseDates(text) {
    return text.split(/[\s,，;；]+/).map((s) => s.trim()).filter(Boolean);
  }

  function calendarFieldId(errorField) {
    let m = /^windows\.(mon|tue|wed|thu|fri|sat|sun)\b/.exec(errorField);
    if (m) return "cal-day-" + m[1];
    m = /^(extra_holidays|extra_workdays|makeup_windows)\b/.exec(errorField);
    if (m) return "cal-" + m[1].replace("_", "-");
    if (["title", "timezone", "country", "mode"].includes(errorField)) return "cal-" + errorField;
    return null;
  }

  function openCalendar(name, isNew) {
    clearError();
    const cal = state.calendars.find((c) => c.name === name);
    const config = cal ? cal.config : { timezone: "Asia/Shanghai", country: "CN", windows: {} };
    const heading = el("h3", { id: "calendar-editor-heading", tabindex: "-1" },
      t(cal ? "calendar.heading" : "calendar.new_heading", { name }));
    const mode = el("div", { class: "field", "data-field": "cal-mode" },
      el("label", { for: "cal-mode" }, t("calendar.mode")),
      el("select", { id: "cal-mode", "aria-describedby": "cal-mode-error" },
        ...["business", "24x7"].map((value) => el("option", {
          value, selected: (config.mode || "business") === value }, t("calendar.mode." + value)))),
      el("p", { class: "field-error", id: "cal-mode-error" }));
    const week = el("fieldset", { class: "plain week", "aria-describedby": "cal-windows-help" },
      el("legend", {}, t("calendar.windows")),
      el("p", { class: "help", id: "cal-windows-help" }, t("calendar.windows.help")),
      ...DAYS.map((day) => field("cal-day-" + day, t("day." + day),
        windowsText((config.windows || {})[day]), null, { placeholder: t("calendar.day_off") })));
    const form = el("form", { class: "stack", id: "calendar-form", novalidate: true },
      field("cal-title", t("calendar.title"), config.title || "", t("calendar.title.help")),
      field("cal-timezone", t("calendar.timezone"), config.timezone, t("calendar.timezone.help"),
        { required: true }),
      field("cal-country", t("calendar.country"), config.country, t("calendar.country.help"),
        { maxlength: "3" }),
      mode, week,
      field("cal-extra-holidays", t("calendar.extra_holidays"),
        (config.extra_holidays || []).join(", "), t("calendar.dates.help")),
      field("cal-extra-workdays", t("calendar.extra_workdays"),
        (config.extra_workdays || []).join(", "), t("calendar.dates.help")),
      field("cal-makeup-windows", t("calendar.makeup_windows"),
        windowsText(config.makeup_windows), t("calendar.makeup_windows.help"),
        { placeholder: "09:00-15:00" }),
      applyToFieldset("cal"),
      el("div", { id: "cal-impact", "aria-live": "polite" }),
      el("div", { class: "form-actions" },
        el("button", { type: "submit", class: "btn btn-primary", id: "cal-save" }, t("save")), " ",
        el("button", { type: "button", class: "btn", onclick: closeCalendar }, t("close"))));
    // a change for running clocks shows its what-if first and is saved on the second press
    const confirm = { pending: false };
    const unconfirm = () => {
      confirm.pending = false;
      form.querySelector("#cal-save").textContent = t("save");
    };
    form.addEventListener("input", unconfirm);
    form.addEventListener("change", unconfirm);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      saveCalendar(name, form, confirm, !cal || isNew);
    });
    const preview = previewPanel(name, !!cal && !isNew);
    boxes.calendarEditor.replaceChildren(heading, form, preview);
    heading.focus();
  }

  function closeCalendar() {
    boxes.calendarEditor.replaceChildren(placeholders.calendar.cloneNode(true));
    document.getElementById("calendars-heading").focus();
  }

  /* The what-if of saving this calendar for running clocks (POST …/preview, nothing written),
   * shown as the policy editor shows its own (admin_policies.js's impactBox). */
  async function calendarWhatIf(name, form, body) {
    const impact = form.querySelector("#cal-impact");
    const config = Object.assign({}, body);
    delete config.apply_to;
    const out = await api("POST", "/admin/calendars/" + encodeURIComponent(name) + "/preview",
      config);
    impact.replaceChildren(shared.impactBox ? shared.impactBox(out)
      : el("p", {}, t("impact.clocks", { n: out.clocks_changed })));
    announce(t("impact.clocks", { n: out.clocks_changed }));
  }

  async function saveCalendar(name, form, confirm, isNew) {
    clearError();
    clearFieldErrors(form);
    const windows = {};
    for (const day of DAYS) {
      const spans = parseWindows(form.querySelector("#cal-day-" + day).value);
      if (spans.length) windows[day] = spans;
    }
    const country = form.querySelector("#cal-country").value.trim();
    const body = {
      title: form.querySelector("#cal-title").value.trim(),
      timezone: form.querySelector("#cal-timezone").value.trim(),
      mode: form.querySelector("#cal-mode").value,
      country: country ? country.toUpperCase() : null,
      windows,
      extra_holidays: parseDates(form.querySelector("#cal-extra-holidays").value),
      extra_workdays: parseDates(form.querySelector("#cal-extra-workdays").value),
      apply_to: radioValue(form, "cal-apply-to"),
    };
    const makeup = parseWindows(form.querySelector("#cal-makeup-windows").value);
    if (makeup.length) body.makeup_windows = makeup;  // empty: the replaced weekday's hours
    try {
      if (body.apply_to === "running" && !isNew && confirm && !confirm.pending) {
        await calendarWhatIf(name, form, body);
        confirm.pending = true;
        const button = form.querySelector("#cal-save");
        button.textContent = t("policy.confirm");
        button.focus();
        return;
      }
      const saved = await api("PUT", "/admin/calendars/" + encodeURIComponent(name), body);
      let text = t("saved", { name, version: saved.version });
      if (body.apply_to === "running") text += " " + t("recomputed", { n: saved.clocks_recomputed || 0 });
      toast(text);
      await loadCalendars();
      openCalendar(name);
      document.getElementById("cal-preview-submit").removeAttribute("disabled");
      await refreshDue();
    } catch (err) {
      if (confirm && confirm.pending) {
        confirm.pending = false;
        form.querySelector("#cal-save").textContent = t("save");
      }
      if (err.status === 422) showFieldErrors(form, err, calendarFieldId);
      else showError(err);
    }
  }

  function previewPanel(name, saved) {
    const result = el("div", { id: "cal-preview-result", "aria-live": "polite" },
      saved ? null : el("p", { class: "muted" }, t("preview.save_first")));
    const form = el("form", { class: "stack preview-form", novalidate: true },
      field("cal-preview-from", t("preview.from"), "", t("preview.from.help"),
        { type: "datetime-local" }),
      field("cal-preview-add", t("preview.add"), t("preview.add.default"), t("preview.add.help")),
      el("button", { type: "submit", class: "btn", id: "cal-preview-submit", disabled: !saved },
        t("preview.submit")));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearError();
      clearFieldErrors(form);
      const params = new URLSearchParams({ count: "5" });
      const from = form.querySelector("#cal-preview-from").value;
      if (from) params.set("from", new Date(from).toISOString());
      const add = form.querySelector("#cal-preview-add").value.trim();
      if (add) params.set("add", add);
      try {
        const answer = await api("GET", "/admin/calendars/" + encodeURIComponent(name) +
          "/preview?" + params);
        // the answer's "from" is missing in this API version: fall back on what was asked
        renderPreview(result, answer, answer.from || params.get("from") || new Date().toISOString(),
          add);
      } catch (err) {
        if (err.status === 422) {
          showFieldErrors(form, err, (f) => (f === "add" ? "cal-preview-add"
            : f === "from" ? "cal-preview-from" : null));
        } else showError(err);
      }
    });
    return el("section", { class: "preview", "aria-labelledby": "cal-preview-heading" },
      el("h3", { id: "cal-preview-heading" }, t("preview.heading")), form, result);
  }

  function renderPreview(box, answer, from, typed) {
    const windows = answer.windows || [];
    const list = el("ol", { class: "preview-windows" }, ...windows.map((w) => el("li", {},
      timeEl(w.start), " – ", timeEl(w.end))));
    box.replaceChildren(
      el("p", { class: "preview-label" }, t("preview.windows", { n: windows.length })), list,
      answer.add ? el("p", { class: "preview-sum" },
        t("preview.result", { from: timeFormat.format(new Date(from)), add: typed || answer.add }),
        " ", el("strong", { id: "cal-preview-sum" }, timeEl(answer.result))) : null);
  }

  // --- timers and clocks --------------------------------------------------------------------

  async function loadTimers() {
    const page = await api("GET", "/admin/timers?state=pending&per_page=100");
    const rows = page.items.map((w) => el("tr", { "data-timer": w.id },
      cell("id", String(w.id)), cell("kind", t("due_kind." + w.kind)),
      cell("label", w.label || w.ref || "—"),
      cell("instance", w.instance_id ? "#" + w.instance_id : "—"),
      cell("due", timeEl(w.due_at)), cell("state", t("due_state." + w.state))));
    fill(boxes.timers, rows.length ? el("div", {},
      table(["id", "kind", "label", "instance", "due", "state"], rows),
      el("p", { class: "muted small" }, t("total", { n: page.total }))) : empty());
  }

  async function loadClocks() {
    const page = await api("GET", "/admin/sla-clocks?status=running&per_page=100");
    const rows = page.items.map((c) => el("tr", { "data-clock": c.id, "data-task": c.task_id },
      cell("id", String(c.id)), cell("policy", c.policy), cell("kind", t("clock_kind." + c.kind)),
      cell("instance", "#" + c.instance_id), cell("task", c.task_id ? "#" + c.task_id : "—"),
      cell("due", timeEl(c.due_at)),
      cell("sla", el("span", { class: "sla sla-" + (c.sla_state || "none") },
        c.sla_state ? t("sla_state." + c.sla_state) : "—")),
      cell("state", t("clock_status." + c.status))));
    fill(boxes.clocks, rows.length ? el("div", {},
      table(["id", "policy", "kind", "instance", "task", "due", "sla", "state"], rows),
      el("p", { class: "muted small" }, t("total", { n: page.total }))) : empty());
  }

  document.getElementById("calendar-new").addEventListener("submit", (event) => {
    event.preventDefault();
    const name = document.getElementById("calendar-new-name").value.trim();
    if (!name) { document.getElementById("calendar-new-name").focus(); return; }
    if (state.calendars.some((c) => c.name === name)) openCalendar(name);
    else openCalendar(name, true);
  });

  // --- start --------------------------------------------------------------------------------

  /* What admin_policies.js (SLA policies), admin_cases.js (cases, SLA breaches, incidents),
   * admin_dialog.js, admin_access.js (users, tokens) and admin_groups.js use from here; they add their lists
   * to ``loaders`` (every refresh) and ``dueLoaders`` (when due times may have changed). */
  const shared = { t, el, api, announce, toast, showError, clearError, timeEl, table, cell, fill, empty,
    field, applyToFieldset, radioValue, clearFieldErrors, showFieldErrors, refreshDue,
    calendars: () => state.calendars, loaders: [], dueLoaders: [] };
  window.FlowdeskAdmin = shared;

  function refreshDue() {
    return Promise.all([loadClocks(), loadTimers(), ...shared.dueLoaders.map((load) => load())]);
  }

  async function loadAll() {
    clearError();
    const results = await Promise.allSettled([loadCalendars(), loadTimers(),
      loadClocks(), ...shared.loaders.map((load) => load())]);
    const failed = results.find((r) => r.status === "rejected");
    if (failed) showError(failed.reason);
  }

  document.getElementById("refresh").addEventListener("click", loadAll);
  // deferred scripts run before DOMContentLoaded: admin_cases.js has registered its lists by then
  document.addEventListener("DOMContentLoaded", loadAll);
})();
