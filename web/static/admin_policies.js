/* The admin console's SLA policies: the list, and the editor of everything a policy has:
 * target, clock, calendar, duration, warning, each escalation level and its actions.
 * Durations are typed and shown as people say them (the API's ``shown``; "4 小时",
 * "2 个工作日"). A change for running clocks is previewed first (POST …/preview: clocks moved,
 * tasks at risk or breached with their case numbers) and saved only when the admin
 * confirms; saving sends a PATCH. Uses admin.js's helpers (window.FlowdeskAdmin). */
(function () {
  "use strict";

  const { t, el, api, announce, toast, showError, clearError, timeEl, table, cell, fill, empty, field,
    applyToFieldset, radioValue, clearFieldErrors, showFieldErrors, refreshDue, calendars,
    loaders } = window.FlowdeskAdmin;
  const boxes = {
    policies: document.getElementById("policy-list"),
    policyEditor: document.getElementById("policy-editor"),
  };
  const placeholders = { policy: boxes.policyEditor.firstElementChild.cloneNode(true) };
  const state = { policies: [], processNames: {}, groupNames: {}, calendarTitles: {} };
  const LOCALE = document.documentElement.lang;

  const ACTION_FIELDS = { raise_priority: ["priority"], add_candidates: ["group"],
    reassign: ["user"], notify: ["to", "message"], message: ["name"], signal: ["name"] };
  const ENGLISH = String(LOCALE || "").toLowerCase().startsWith("en");

  function shownOf(policy) {
    return (policy.shown || {})[ENGLISH ? "en" : "zh"] || {};
  }

  function processName(key) {
    return state.processNames[key] || key;
  }

  async function loadProcessNames() {
    try {
      for (const d of await api("GET", "/definitions")) state.processNames[d.key] = d.name || d.key;
    } catch (err) { /* names are a nicety: keys are shown instead */ }
    try {  // a lane target by its group's display name (前台客服 for Agent)
      for (const g of await api("GET", "/admin/groups")) state.groupNames[g.name] = g.display_name || g.name;
    } catch (err) { /* as above */ }
    try {  // a calendar by its title (the calendar list loads alongside, so not from there)
      for (const c of await api("GET", "/admin/calendars")) {
        state.calendarTitles[c.name] = (c.config && c.config.title) || c.name;
      }
    } catch (err) { /* as above */ }
  }

  /* A calendar as people call it (its title), else its key. */
  function calendarTitle(name) {
    return state.calendarTitles[name] || name;
  }

  function targetText(c, taskName) {
    const ref = c.target === "lane" ? state.groupNames[c.target_ref] || c.target_ref
      : c.target === "task" ? taskName || c.target_ref : c.target_ref;
    return t("policy.target." + c.target) + (ref ? " · " + ref : "");
  }

  async function loadPolicies() {
    const [policies] = await Promise.all([api("GET", "/admin/sla-policies"), loadProcessNames()]);
    state.policies = policies;
    const rows = state.policies.map((p) => {
      const c = p.config || {};
      return el("tr", { "data-policy": p.name },
        cell("name", el("strong", {}, p.name)),
        cell("process", processName(p.process_key)),
        cell("target", targetText(c, p.target_name)),
        cell("clock", c.clock ? t("policy.clock." + c.clock) : "—"),
        cell("duration", shownOf(p).duration || c.duration || "—"),
        cell("calendar", c.calendar ? calendarTitle(c.calendar)
          : el("span", { class: "muted" }, t("wall_clock"))),
        cell("escalation", String((c.escalations || []).length)),
        cell("actions", el("button", { type: "button", class: "btn btn-small",
          "aria-label": t("edit.label", { name: p.name }), "aria-controls": "policy-editor",
          onclick: () => openPolicy(p.name) }, t("edit"))));
    });
    fill(boxes.policies, rows.length ? table(["name", "process", "target", "clock", "duration",
      "calendar", "escalation", "actions"], rows) : empty());
  }

  /* A labelled select with an error line, like field(). */
  function choice(id, label, options, value) {
    return el("div", { class: "field", "data-field": id },
      el("label", { for: id }, label),
      el("select", { id, "aria-describedby": id + "-error" },
        ...options.map(([v, text]) => el("option", { value: v, selected: v === value }, text))),
      el("p", { class: "field-error", id: id + "-error" }));
  }

  function tick(id, label, checked) {
    return el("div", { class: "field check" },
      el("input", { type: "checkbox", id, checked: !!checked }), " ",
      el("label", { for: id }, label));
  }

  function actionRow(level, index, action) {
    const prefix = "policy-level-" + level + "-action-" + index;
    const row = el("div", { class: "policy-action", "data-action": String(index) });
    const type = choice(prefix + "-type", t("policy.action.type"),
      Object.keys(ACTION_FIELDS).map((k) => [k, t("policy.action." + k)]), action.type || "notify");
    const inputs = el("div", { class: "policy-action-fields" });
    function draw() {
      const kind = type.querySelector("select").value;
      inputs.replaceChildren(...ACTION_FIELDS[kind].map((f) => field(prefix + "-" + f,
        t("policy.action.field." + f), action[f] === undefined || action[f] === null ? ""
          : String(action[f]), null, f === "message" ? {} : { required: true })));
    }
    type.querySelector("select").addEventListener("change", draw);
    draw();
    row.append(type, inputs, el("button", { type: "button", class: "btn btn-small",
      "data-remove-action": "", onclick: () => { row.remove(); } },
    t("policy.action.remove")));
    return row;
  }

  function levelBox(index, level, after) {
    const box = el("fieldset", { class: "policy-level", "data-level": String(index) },
      el("legend", {}, t("policy.level", { n: index + 1 })),
      field("policy-level-" + index + "-after", t("policy.level.after"), after,
        t("policy.level.after.help"), { required: true }));
    const actions = el("div", { class: "policy-actions" },
      ...(level.actions || []).map((a, j) => actionRow(index, j, a)));
    let next = (level.actions || []).length;
    box.append(actions,
      el("div", { class: "form-actions" },
        el("button", { type: "button", class: "btn btn-small", onclick: () => {
          actions.append(actionRow(index, next++, { type: "notify" }));
        } }, t("policy.action.add")), " ",
        el("button", { type: "button", class: "btn btn-small", "data-remove-level": "",
          onclick: () => { box.remove(); renumberLevels(); } }, t("policy.level.remove"))));
    return box;
  }

  function renumberLevels() {
    const boxes = document.querySelectorAll("#policy-levels > .policy-level");
    boxes.forEach((box, i) => {
      box.querySelector("legend").textContent = t("policy.level", { n: i + 1 });
    });
  }

  /* The policy as the form holds it (every field: the PATCH replaces what it names). */
  function policyBody(form) {
    const value = (id) => form.querySelector("#" + id).value.trim();
    const warningKind = value("policy-warning-kind");
    const warningValue = value("policy-warning-value");
    const levels = [...form.querySelectorAll("#policy-levels > .policy-level")].map((box) => {
      const after = box.querySelector('input[id$="-after"]').value.trim();
      const actions = [...box.querySelectorAll(".policy-action")].map((row) => {
        const type = row.querySelector("select").value;
        const action = { type };
        for (const f of ACTION_FIELDS[type]) {
          const raw = row.querySelector('input[id$="-' + f + '"]').value.trim();
          if (f === "priority") action[f] = raw === "" ? null : Number(raw);
          else if (f === "message") { if (raw) action[f] = raw; }
          else action[f] = raw;
        }
        return action;
      });
      return { after, actions };
    });
    const target = value("policy-target");
    return {
      target, target_ref: target === "instance" ? null : value("policy-target-ref"),
      clock: value("policy-clock"), calendar: value("policy-calendar") || null,
      duration: value("policy-duration"),
      warning: warningKind === "none" ? null : warningKind === "percent"
        ? { percent: warningValue === "" ? null : Number(warningValue) } : { before: warningValue },
      warn_in_business_hours: form.querySelector("#policy-warn-business").checked,
      escalations: levels,
      pause_when: value("policy-pause-when").split(/[,，\s]+/).filter(Boolean),
      enabled: form.querySelector("#policy-enabled").checked,
    };
  }

  /* Which input an API error belongs to: "escalations[1].actions[0].group" → its input. */
  function policyFieldOf(form) {
    return (f) => {
      const level = /^escalations\[(\d+)\](?:\.actions\[(\d+)\])?(?:\.(\w+))?/.exec(f);
      if (level) {
        const box = form.querySelectorAll("#policy-levels > .policy-level")[Number(level[1])];
        if (!box) return null;
        if (level[2] === undefined) return box.querySelector('input[id$="-after"]').id;
        const row = box.querySelectorAll(".policy-action")[Number(level[2])];
        const input = row && (row.querySelector('[id$="-' + (level[3] || "type") + '"]')
          || row.querySelector("select"));
        return input ? input.id : null;
      }
      const ids = { duration: "policy-duration", target: "policy-target",
        target_ref: "policy-target-ref", clock: "policy-clock", calendar: "policy-calendar",
        warning: "policy-warning-value", "warning.before": "policy-warning-value",
        "warning.percent": "policy-warning-value", warn_in_business_hours: "policy-warning-kind",
        pause_when: "policy-pause-when", escalations: "policy-add-level" };
      return ids[f] || (f === "" ? "policy-duration" : null);
    };
  }

  function minutesText(seconds) {
    const minutes = Math.round(seconds / 60);
    return minutes >= 120 ? t("impact.hours", { n: Math.round(minutes / 6) / 10 })
      : t("impact.minutes", { n: minutes });
  }

  function impactBox(out) {
    const lines = [t("impact.clocks", { n: out.clocks_changed })];
    if (out.earlier) lines.push(t("impact.earlier", { n: out.earlier, by: minutesText(out.largest_earlier_seconds) }));
    if (out.later) lines.push(t("impact.later", { n: out.later, by: minutesText(out.largest_later_seconds) }));
    lines.push(t("impact.worse", { at_risk: out.at_risk, breached: out.breached }));
    const rows = out.tasks.map((x) => el("tr", { "data-impact-task": x.task_id || "" },
      cell("case", x.case_no || "#" + x.instance_id), cell("task", x.task_name || "—"),
      cell("due", timeEl(x.due_at)),
      cell("sla", el("span", { class: "sla sla-" + x.sla_state }, t("sla_state." + x.sla_state)))));
    return el("div", { class: "alert alert-info policy-impact-result" },
      el("h4", {}, t("impact.heading")),
      el("ul", {}, ...lines.map((line) => el("li", {}, line))),
      rows.length ? table(["case", "task", "due", "sla"], rows) : null);
  }

  window.FlowdeskAdmin.impactBox = impactBox;  // the calendar editor (admin.js) shows its what-if the same way

  function openPolicy(name) {
    clearError();
    const policy = state.policies.find((p) => p.name === name);
    if (!policy) return;
    const c = policy.config;
    const shown = shownOf(policy);
    const heading = el("h3", { id: "policy-editor-heading", tabindex: "-1" },
      t("policy.heading", { name }));
    const warning = c.warning || null;
    const warningKind = !warning ? "none" : warning.percent !== undefined ? "percent" : "before";
    const levels = el("div", { id: "policy-levels" },
      ...(c.escalations || []).map((lv, i) => levelBox(i, lv,
        (shown.escalations || [])[i] || lv.after)));
    let nextLevel = (c.escalations || []).length;
    const impact = el("div", { id: "policy-impact", "aria-live": "polite" });
    const saveButton = el("button", { type: "submit", class: "btn btn-primary",
      id: "policy-save" }, t("save"));
    let confirming = false;
    const form = el("form", { class: "stack", id: "policy-form", novalidate: true },
      el("p", { class: "muted small" }, t("policy.process", { name: processName(c.process_key) })),
      choice("policy-target", t("policy.target"),
        ["task", "lane", "instance"].map((k) => [k, t("policy.target." + k)]), c.target),
      field("policy-target-ref", t("policy.target_ref"), c.target_ref || "",
        t("policy.target_ref.help")),
      choice("policy-clock", t("policy.clock"), ["first_response", "resolution",
        "instance_resolution"].map((k) => [k, t("policy.clock." + k)]), c.clock),
      choice("policy-calendar", t("col.calendar"), [["", t("wall_clock")]].concat(
        calendars().map((cal) => [cal.name, cal.config.title || cal.name])), c.calendar || ""),
      field("policy-duration", t("policy.duration"), shown.duration || c.duration,
        t("policy.duration.help"), { required: true }),
      choice("policy-warning-kind", t("policy.warning"), ["none", "percent", "before"].map(
        (k) => [k, t("policy.warning." + k)]), warningKind),
      field("policy-warning-value", t("policy.warning.value"), warningKind === "percent"
        ? String(warning.percent) : warningKind === "before"
          ? (shown.warning_before || warning.before) : "", t("policy.warning.value.help")),
      tick("policy-warn-business", t("policy.warn_in_business_hours"), c.warn_in_business_hours),
      field("policy-pause-when", t("policy.pause_when"), (c.pause_when || []).join(", "),
        t("policy.pause_when.help")),
      tick("policy-enabled", t("policy.enabled"), c.enabled !== false),
      el("h4", {}, t("policy.levels")), levels,
      el("div", { class: "field" }, el("button", { type: "button", class: "btn btn-small",
        id: "policy-add-level", "aria-describedby": "policy-add-level-error", onclick: () => {
          const box = levelBox(nextLevel++, { actions: [{ type: "notify" }] }, "");
          levels.append(box);
          renumberLevels();
          box.querySelector("input").focus();
        } }, t("policy.level.add")), el("p", { class: "field-error", id: "policy-add-level-error" })),
      applyToFieldset("policy"),
      impact,
      el("div", { class: "form-actions" },
        el("button", { type: "button", class: "btn", id: "policy-preview",
          onclick: () => preview() }, t("policy.preview")), " ",
        saveButton, " ",
        el("button", { type: "button", class: "btn", onclick: () => {
          boxes.policyEditor.replaceChildren(placeholders.policy.cloneNode(true));
          document.getElementById("policies-heading").focus();
        } }, t("close"))));
    const url = "/admin/sla-policies/" + encodeURIComponent(name);

    function unconfirm() {
      confirming = false;
      saveButton.textContent = t("save");
    }
    form.addEventListener("input", unconfirm);
    form.addEventListener("change", unconfirm);
    form.addEventListener("click", (event) => {
      if (event.target.closest("[data-remove-level], [data-remove-action], #policy-add-level")) unconfirm();
    });

    async function preview() {
      clearError();
      clearFieldErrors(form);
      try {
        const out = await api("POST", url + "/preview", policyBody(form));
        impact.replaceChildren(impactBox(out));
        announce(t("impact.clocks", { n: out.clocks_changed }));
        return true;
      } catch (err) {
        impact.replaceChildren();
        if (err.status === 422) showFieldErrors(form, err, policyFieldOf(form));
        else showError(err);
        return false;
      }
    }

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const applyTo = radioValue(form, "policy-apply-to");
      if (applyTo === "running" && !confirming) {
        // running clocks move: show what would happen first, save on the second press
        if (await preview()) {
          confirming = true;
          saveButton.textContent = t("policy.confirm");
          saveButton.focus();
        }
        return;
      }
      clearError();
      clearFieldErrors(form);
      try {
        const saved = await api("PATCH", url, Object.assign(policyBody(form), { apply_to: applyTo }));
        toast(t("saved", { name, version: saved.version }) + " " +
          t("recomputed", { n: saved.clocks_recomputed || 0 }));
        await loadPolicies();
        openPolicy(name);
        document.getElementById("policy-editor-heading").after(el("p", {
          class: "alert alert-info", id: "policy-saved" },
        t("saved", { name, version: saved.version }) + " " +
          t("recomputed", { n: saved.clocks_recomputed || 0 })));
        await refreshDue();
      } catch (err) {
        unconfirm();
        if (err.status === 422) showFieldErrors(form, err, policyFieldOf(form));
        else showError(err);
      }
    });
    boxes.policyEditor.replaceChildren(heading, form);
    heading.focus();
  }

  loaders.push(loadPolicies);
})();
