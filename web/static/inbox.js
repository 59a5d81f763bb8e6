/* The staff inbox: the task list (refreshed every 10 s), claim and unclaim, a task's form
 * rendered from its JSON schema, completion with the API's field errors shown beside the
 * fields, the process diagram (inbox_diagram.js) and the case history. Plain DOM; every
 * call goes to /api/v1 with the session cookie and the X-CSRF-Token header. */
(function () {
  "use strict";

  const POLL_MS = 10000;
  const VIEWS = {
    mine: { assignee: "me" },
    unassigned: { unassigned: "true" },
    overdue: { overdue: "true" },
    due_today: { due_today: "true" },
  };
  const SLA_ICONS = { ok: "●", at_risk: "▲", breached: "■", paused: "❚❚", met: "✓" };

  const MESSAGES = window.Flowdesk.MESSAGES;
  const LOCALE = window.Flowdesk.LOCALE;
  const main = document.getElementById("main");
  const ME = main.dataset.user;
  const listBox = document.getElementById("task-list");
  const detail = document.getElementById("detail");

  const state = {
    view: main.dataset.view,
    process: main.dataset.process,
    selected: main.dataset.task ? Number(main.dataset.task) : null,
    listKey: null,
    count: null,
    processNames: {},
  };

  // --- small helpers (common.js) -----------------------------------------------------------

  const { t, el, api, showError, clearError, announce, toast } = window.Flowdesk;
  const tools = window.FlowdeskInboxTools;  // inbox_tools.js: waiting, hand on, escalate

  const dueFormat = new Intl.DateTimeFormat(LOCALE, {
    month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false,
  });
  const longFormat = new Intl.DateTimeFormat(LOCALE, { dateStyle: "medium", timeStyle: "short" });

  function timeEl(iso, format) {
    if (!iso) return el("span", { class: "muted" }, t("no_due"));
    const date = new Date(iso);
    return el("time", { datetime: iso, title: longFormat.format(date) },
      (format || dueFormat).format(date));
  }

  function priorityEl(priority) {
    const level = priority >= 90 ? "urgent" : priority >= 70 ? "high"
      : priority >= 40 ? "medium" : "low";
    return el("span", { class: "prio prio-" + level },
      t("priority." + level), el("span", { class: "prio-num" }, " " + priority));
  }

  function slaEl(slaState) {
    const name = slaState || "none";
    return el("span", { class: "sla sla-" + name },
      el("span", { class: "sla-icon", "aria-hidden": "true" }, SLA_ICONS[name] || "–"),
      " " + t("sla." + name));
  }

  function caseLabel(task) {
    return task.case_no || (task.data && task.data.case_no) || "#" + task.instance_id;
  }

  // --- URL state ----------------------------------------------------------------------------

  function syncUrl() {
    const params = new URLSearchParams();
    params.set("view", state.view);
    if (state.process) params.set("process", state.process);
    if (state.selected) params.set("task", state.selected);
    history.replaceState(null, "", "/inbox?" + params);
    const langLink = document.getElementById("lang-switch");
    const target = new URL(langLink.href, location.href);
    params.set("lang", target.searchParams.get("lang"));
    langLink.href = "/inbox?" + params;
  }

  // --- the list -----------------------------------------------------------------------------

  async function loadList(options) {
    const opts = options || {};
    const params = new URLSearchParams(VIEWS[state.view]);
    if (state.process) params.set("process_key", state.process);
    params.set("per_page", "100");
    const page = await api("GET", "/tasks?" + params);
    document.getElementById("refreshed").textContent =
      t("refreshed", { time: new Date().toLocaleTimeString(LOCALE, { hour12: false }) });
    const key = JSON.stringify(page.items);
    if (key === state.listKey && !opts.force) return;
    state.listKey = key;
    renderList(page);
    loadCounts();
    const changed = state.count !== null && state.count !== page.total;
    if (opts.announce || (changed && !opts.quiet)) {
      announce(t("count", { n: page.total }));
    }
    state.count = page.total;
  }

  function renderList(page) {
    const focusKey = document.activeElement && document.activeElement.dataset
      ? document.activeElement.dataset.focusKey : null;
    document.getElementById("list-count").textContent = t("count", { n: page.total });
    listBox.setAttribute("aria-busy", "false");
    if (!page.items.length) {
      listBox.replaceChildren(el("p", { class: "empty" }, t("empty")));
      return;
    }
    const columns = ["task", "case", "priority", "sla", "due", "assignee", "actions"];
    const head = el("tr", {}, ...columns.map((c) => el("th", { scope: "col" }, t("col." + c))));
    const rows = page.items.map(taskRow);
    listBox.replaceChildren(el("table", { class: "tasks" },
      el("thead", {}, head), el("tbody", {}, ...rows)));
    if (focusKey) {
      const again = listBox.querySelector('[data-focus-key="' + focusKey + '"]');
      if (again) again.focus();
    }
  }

  function taskRow(task) {
    const selected = task.id === state.selected;
    const open = el("button", {
      type: "button", class: "link-button task-name", "data-focus-key": "open-" + task.id,
      "aria-controls": "detail", "aria-current": selected ? "true" : null,
      onclick: () => openTask(task.id),
    }, task.name);
    const processName = state.processNames[task.process_key] || task.process_key;
    let action = null;
    if (!task.assignee) {
      action = el("button", {
        type: "button", class: "btn btn-small", "data-focus-key": "claim-" + task.id,
        "aria-label": t("claim.label", { name: task.name }),
        onclick: () => claim(task, "claim"),
      }, t("claim"));
    } else if (task.assignee === ME) {
      action = el("button", {
        type: "button", class: "btn btn-small btn-quiet", "data-focus-key": "unclaim-" + task.id,
        "aria-label": t("unclaim.label", { name: task.name }),
        onclick: () => claim(task, "unclaim"),
      }, t("unclaim"));
    }
    const assignee = !task.assignee ? el("span", { class: "muted" }, t("unassigned"))
      : task.assignee === ME ? t("me") : task.assignee;
    const cell = (column, ...content) => el("td", { "data-label": t("col." + column),
      class: "col-" + column }, el("div", { class: "cell" }, ...content));
    return el("tr", { class: selected ? "selected" : null, "data-task-id": task.id },
      cell("task", open, el("div", { class: "muted small" }, processName),
        tools ? tools.flags(task) : null),
      cell("case", el("span", { class: "case-no" }, caseLabel(task)),
        task.business_key ? el("div", { class: "muted small" }, task.business_key) : null),
      cell("priority", priorityEl(task.priority)),
      cell("sla", slaEl(task.sla_state)),
      cell("due", timeEl(task.due_at)),
      cell("assignee", assignee),
      cell("actions", action));
  }

  async function claim(task, verb) {
    clearError();
    try {
      await api("POST", "/tasks/" + task.id + "/" + verb);
      toast(t(verb === "claim" ? "claimed" : "unclaimed", { name: task.name }));
      await loadList({ force: true, quiet: true });
      if (verb === "claim" || state.selected === task.id) await openTask(task.id);
      else document.getElementById("list-heading").focus();
    } catch (err) {
      showError(err);
    }
  }

  // --- one task -----------------------------------------------------------------------------

  function markSelected() {
    for (const row of listBox.querySelectorAll("tr[data-task-id]")) {
      const on = Number(row.dataset.taskId) === state.selected;
      row.classList.toggle("selected", on);
      const button = row.querySelector(".task-name");
      if (on) button.setAttribute("aria-current", "true");
      else button.removeAttribute("aria-current");
    }
  }

  function closeTask() {
    state.selected = null;
    markSelected();
    syncUrl();
    detail.replaceChildren(el("p", { class: "muted placeholder" }, t("detail.empty")));
  }

  async function openTask(id, options) {
    const focus = !options || options.focus !== false;
    clearError();
    state.selected = id;
    markSelected();
    syncUrl();
    detail.setAttribute("aria-busy", "true");
    try {
      const task = await api("GET", "/tasks/" + id);
      const instance = await api("GET", "/instances/" + task.instance_id);
      if (state.selected !== id) return;  // another task was chosen meanwhile
      renderDetail(task, instance);
      if (focus) document.getElementById("detail-heading").focus();
    } catch (err) {
      if (err.status === 404) closeTask();
      showError(err);
    } finally {
      detail.setAttribute("aria-busy", "false");
    }
  }

  function renderDetail(task, instance) {
    const mine = task.assignee === ME;
    const active = task.state === "open" || task.state === "claimed";
    const editable = active && mine;  // claim first: two people never fill in one task
    const meta = el("dl", { class: "meta" },
      el("dt", {}, t("detail.case")), el("dd", {}, instance.case_no || "#" + instance.id,
        instance.business_key ? " · " + instance.business_key : ""),
      el("dt", {}, t("detail.process")),
      el("dd", {}, state.processNames[task.process_key] || task.process_key),
      el("dt", {}, t("detail.group")), el("dd", {}, task.candidate_group || "—"),
      el("dt", {}, t("detail.assignee")),
      el("dd", {}, task.assignee ? (mine ? t("me") : task.assignee) : t("unassigned")),
      el("dt", {}, t("detail.due")),
      el("dd", {}, timeEl(task.due_at, longFormat), " ", slaEl(task.sla_state)),
      el("dt", {}, t("col.priority")), el("dd", {}, priorityEl(task.priority)));

    const actions = el("div", { class: "detail-actions" });
    if (active && !task.assignee) {
      actions.append(el("button", { type: "button", class: "btn",
        onclick: () => claim(task, "claim") }, t("claim")));
    } else if (active && mine) {
      actions.append(el("button", { type: "button", class: "btn btn-quiet",
        onclick: () => claim(task, "unclaim") }, t("unclaim")));
    }
    actions.append(el("button", { type: "button", class: "btn btn-quiet",
      onclick: () => { closeTask(); document.getElementById("list-heading").focus(); } },
    t("detail.close")));

    let note = null;
    if (active && task.assignee && !mine) note = t("form.not_yours", { user: task.assignee });
    else if (active && !task.assignee) note = t("form.claim_first");

    const form = buildForm(task, editable);
    detail.replaceChildren(
      el("div", { class: "detail-head" },
        el("h2", { id: "detail-heading", tabindex: "-1" }, task.name), actions),
      meta,
      toolsSection(task, instance),
      task.documentation ? el("p", { class: "documentation" }, task.documentation) : null,
      el("section", { "aria-labelledby": "form-heading", class: "form-section" },
        el("h3", { id: "form-heading" }, t("form.heading")),
        note ? el("p", { class: "note" }, note) : null,
        form),
      window.FlowdeskInboxDiagram ? window.FlowdeskInboxDiagram.section({  // inbox_diagram.js
        instanceId: task.instance_id, taskBpmnId: task.bpmn_id, api, t, el }) : null,
      historySection(instance.audit || []));
    detail.scrollTop = 0;
  }

  /* Waiting, hand on, escalate (inbox_tools.js); after a change the list and the task are
   * read again. */
  function toolsSection(task, instance) {
    if (!tools) return null;
    return tools.section({ task, instance, me: ME, onChanged: async () => {
      await loadList({ force: true, quiet: true });
      if (state.selected === task.id) await openTask(task.id);
    } });
  }

  function historySection(entries) {
    const items = entries.slice().reverse().map((entry) => el("li", {},
      timeEl(entry.at, longFormat), " ",
      el("strong", {}, MESSAGES["action." + entry.action] || entry.action),
      entry.task_name ? " · " + entry.task_name : entry.task_id ? " · #" + entry.task_id : "",
      el("span", { class: "muted" }, " — " + entry.actor)));
    return el("section", { "aria-labelledby": "history-heading", class: "history" },
      el("h3", { id: "history-heading" }, t("history.heading")),
      items.length ? el("ol", { class: "history-list" }, ...items)
        : el("p", { class: "muted" }, t("history.empty")));
  }

  // --- the form, from the task's JSON schema ------------------------------------------------

  /* Conditional parts of a schema: allOf: [{if: {properties: {x: {const}}}, then: {...}}].
   * Only const/enum conditions on sibling fields are understood; the server checks the rest. */
  function matchesIf(condition, values) {
    if (!condition) return false;
    for (const name of condition.required || []) {
      if (values[name] === undefined) return false;
    }
    for (const [name, sub] of Object.entries(condition.properties || {})) {
      const value = values[name];
      if (value === undefined) continue;
      if ("const" in sub && value !== sub.const) return false;
      if (Array.isArray(sub.enum) && !sub.enum.includes(value)) return false;
    }
    return true;
  }

  function activeBranches(schema, values) {
    return (schema.allOf || []).filter((part) => matchesIf(part.if, values))
      .map((part) => part.then || {});
  }

  /* value → title for enums whose titles live in allOf/if/then branches (oneOf const/title). */
  function branchTitles(schema) {
    const titles = {};
    for (const part of schema.allOf || []) {
      for (const branch of [part.then, part.else, part]) {
        const props = branch && branch.properties;
        if (!props) continue;
        for (const [name, prop] of Object.entries(props)) {
          for (const option of prop.oneOf || []) {
            if (option.const === undefined || !option.title) continue;
            const map = titles[name] = titles[name] || {};
            const seen = map[option.const];
            if (!seen) map[option.const] = option.title;
            else if (!seen.split(" / ").includes(option.title)) {
              map[option.const] = seen + " / " + option.title;
            }
          }
        }
      }
    }
    return titles;
  }

  function optionsOf(prop, titles) {
    if (Array.isArray(prop.oneOf) && prop.oneOf.every((o) => o.const !== undefined)) {
      return prop.oneOf.map((o) => ({ value: o.const, title: o.title || String(o.const) }));
    }
    if (Array.isArray(prop.enum)) {
      return prop.enum.map((v) => ({ value: v, title: (titles && titles[v]) || String(v) }));
    }
    return null;
  }

  function kindOf(prop, titles) {
    const type = Array.isArray(prop.type) ? prop.type.find((x) => x !== "null") : prop.type;
    if (type === "boolean") return "checkbox";
    if (type === "integer" || type === "number") return optionsOf(prop) ? "select" : "number";
    if (type === "array") {
      const items = prop.items || {};
      if (optionsOf(items)) return "multi";
      return items.type === "string" ? "lines" : "json";
    }
    if (type === "string" || (type === undefined && optionsOf(prop, titles))) {
      if (optionsOf(prop, titles)) return "select";
      if (prop.format === "date") return "date";
      if (prop.format === "email") return "email";
      if ((prop.maxLength || 0) >= 500) return "textarea";
      return "text";
    }
    return "json";
  }

  function buildForm(task, editable) {
    const schema = task.form_schema || {};
    const data = task.data || {};
    const required = new Set(schema.required || []);
    const titles = branchTitles(schema);
    const fields = [];
    const summary = el("div", { class: "alert alert-error error-summary", tabindex: "-1",
      hidden: true, id: "form-errors" });
    const form = el("form", { class: "task-form stack", novalidate: true });
    form.append(summary);
    for (const [name, prop] of Object.entries(schema.properties || {})) {
      if (prop.readOnly) continue;
      const field = buildField(name, prop, required.has(name), data[name], titles[name]);
      fields.push(field);
      form.append(field.node);
    }
    /* Options and required marks that depend on other fields' values. */
    function applyConditions() {
      const values = {};
      for (const field of fields) {
        const read = field.read();
        if (!read.error && read.value !== undefined) values[field.name] = read.value;
      }
      const branches = activeBranches(schema, values);
      for (const field of fields) {
        const narrowed = branches.map((b) => b.properties && b.properties[field.name])
          .find((p) => p && optionsOf(p));
        if (field.setOptions) field.setOptions(narrowed ? optionsOf(narrowed) : null);
        field.setRequired(required.has(field.name)
          || branches.some((b) => (b.required || []).includes(field.name)));
      }
    }
    form.addEventListener("change", applyConditions);

    const submit = el("button", { type: "submit", class: "btn btn-primary" }, t("form.submit"));
    const fieldset = el("fieldset", { class: "plain", disabled: !editable }, ...form.childNodes);
    form.replaceChildren(fieldset, el("div", { class: "form-actions" }, submit));
    submit.disabled = !editable;
    applyConditions();

    function clearErrors() {
      summary.hidden = true;
      summary.replaceChildren();
      for (const field of fields) field.setError(null);
    }

    function showErrors(errors) {
      const loose = [];
      const byField = new Map(fields.map((f) => [f.name, f]));
      const messages = new Map();
      for (const error of errors) {
        const path = String(error.field || "");
        const top = path.split(/[/[.]/)[0];
        const field = byField.get(top);
        let message = /is a required property$/.test(error.message || "")
          ? t("form.error.required") : error.message;
        if (path !== top) message = path.replace(/\/(\d+)/g, "[$1]").replace(/\//g, ".")
          + ": " + message;
        if (!field) { loose.push(message); continue; }
        messages.set(field, (messages.get(field) || []).concat(message));
      }
      for (const [field, list] of messages) field.setError(list.join(" "));
      const invalid = fields.filter((f) => messages.has(f));
      summary.replaceChildren(el("p", {}, t("form.errors", { n: invalid.length + loose.length })),
        el("ul", {},
          ...invalid.map((f) => el("li", {}, el("a", { href: "#" + f.controlId,
            onclick: (e) => { e.preventDefault(); f.focus(); } }, f.label + ": " + messages.get(f).join(" ")))),
          ...loose.map((m) => el("li", {}, m))));
      summary.hidden = false;
      if (invalid.length) invalid[0].focus();
      else summary.focus();
    }

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearError();
      clearErrors();
      const values = {};
      const local = [];
      for (const field of fields) {
        const read = field.read();
        if (read.error) local.push({ field: field.name, message: read.error });
        else if (read.value !== undefined) values[field.name] = read.value;
      }
      if (local.length) { showErrors(local); return; }
      submit.disabled = true;
      try {
        await api("POST", "/tasks/" + task.id + "/complete", { data: values });
        toast(t("completed", { name: task.name }));
        closeTask();
        await loadList({ force: true, quiet: true });
        document.getElementById("list-heading").focus();
      } catch (err) {
        if (err.status === 422 && err.errors.length) showErrors(err.errors);
        else showError(err);
      } finally {
        submit.disabled = false;
      }
    });
    return form;
  }

  function buildField(name, prop, isRequired, value, titles) {
    const kind = kindOf(prop, titles);
    const id = "f-" + name;
    const helpId = id + "-help";
    const errorId = id + "-error";
    const label = prop.title || name;
    const help = [prop.description, kind === "lines" ? t("form.lines") : null,
      kind === "json" ? t("form.json") : null].filter(Boolean).join(" ");
    const describedBy = (help ? helpId + " " : "") + errorId;
    const common = { id, name, "aria-describedby": describedBy, required: isRequired };
    const requiredMark = el("span", { class: "req", hidden: !isRequired },
      el("span", { "aria-hidden": "true" }, " *"),
      el("span", { class: "visually-hidden" }, " (" + t("form.required") + ")"));
    let baseOptions = null;
    const errorNode = el("p", { class: "field-error", id: errorId });
    const helpNode = help ? el("p", { class: "help", id: helpId }, help) : null;
    let control;
    let boxes = [];
    let node;

    if (kind === "checkbox") {
      control = el("input", { ...common, type: "checkbox", checked: value === true });
      node = el("div", { class: "field field-check", "data-field": name },
        el("div", { class: "check" }, control, el("label", { for: id }, label, requiredMark)),
        helpNode, errorNode);
    } else if (kind === "multi") {
      const chosen = new Set(Array.isArray(value) ? value : []);
      boxes = optionsOf(prop.items).map((option, i) => {
        const box = el("input", { type: "checkbox", id: id + "-" + i, value: String(option.value),
          checked: chosen.has(option.value), "aria-describedby": describedBy });
        box.dataset.raw = JSON.stringify(option.value);
        return box;
      });
      control = boxes[0];
      node = el("fieldset", { class: "field field-multi", "data-field": name },
        el("legend", {}, label, requiredMark), helpNode,
        el("div", { class: "checks" }, ...boxes.map((box, i) => el("div", { class: "check" },
          box, el("label", { for: box.id }, optionsOf(prop.items)[i].title)))),
        errorNode);
    } else {
      if (kind === "select") {
        baseOptions = optionsOf(prop, titles);
        control = el("select", common);
        fillSelect(baseOptions, value);
      } else if (kind === "textarea" || kind === "lines" || kind === "json") {
        const text = value === undefined || value === null ? ""
          : kind === "lines" && Array.isArray(value) ? value.join("\n")
            : kind === "json" ? JSON.stringify(value, null, 2) : String(value);
        control = el("textarea", { ...common, rows: kind === "textarea" ? 4 : 3,
          maxlength: prop.maxLength || null });
        control.value = text;
      } else {
        const type = kind === "number" ? "number" : kind === "date" ? "date"
          : kind === "email" ? "email" : "text";
        control = el("input", { ...common, type,
          value: value === undefined || value === null ? null : String(value),
          maxlength: type === "text" ? prop.maxLength || null : null,
          min: prop.minimum, max: prop.maximum,
          step: kind === "number" ? (prop.type === "integer" ? "1" : "any") : null,
          inputmode: kind === "number" ? (prop.type === "integer" ? "numeric" : "decimal") : null });
      }
      node = el("div", { class: "field", "data-field": name },
        el("label", { for: id }, label, requiredMark), helpNode, control, errorNode);
    }

    function read() {
      if (kind === "checkbox") return { value: control.checked };
      if (kind === "multi") {
        return { value: boxes.filter((b) => b.checked).map((b) => JSON.parse(b.dataset.raw)) };
      }
      const raw = control.value;
      if (kind === "select") {
        return { value: raw === "" ? undefined : JSON.parse(control.dataset.values)[Number(raw)] };
      }
      if (kind === "number") {
        if (control.validity && control.validity.badInput) return { error: t("form.error.number") };
        if (raw.trim() === "") return { value: undefined };
        const number = Number(raw);
        if (!Number.isFinite(number)) return { error: t("form.error.number") };
        if (prop.type === "integer" && !Number.isInteger(number)) {
          return { error: t("form.error.integer") };
        }
        return { value: number };
      }
      if (kind === "lines") {
        const lines = raw.split("\n").map((s) => s.trim()).filter(Boolean);
        return { value: lines.length ? lines : undefined };
      }
      if (kind === "json") {
        if (raw.trim() === "") return { value: undefined };
        try { return { value: JSON.parse(raw) }; } catch (e) { return { error: t("form.error.json") }; }
      }
      return { value: raw === "" ? undefined : raw };
    }

    function fillSelect(options, selectedValue) {
      control.replaceChildren(el("option", { value: "" }, t("form.select")),
        ...options.map((o, i) => el("option", { value: String(i),
          selected: selectedValue !== undefined && o.value === selectedValue }, o.title)));
      control.dataset.values = JSON.stringify(options.map((o) => o.value));
      control.dataset.titles = JSON.stringify(options.map((o) => o.title));
    }

    /* Swap a select's options (null: the schema's own), keeping the value when still offered. */
    function setOptions(options) {
      const wanted = options || baseOptions;
      if (control.dataset.titles === JSON.stringify(wanted.map((o) => o.title))
          && control.dataset.values === JSON.stringify(wanted.map((o) => o.value))) return;
      fillSelect(wanted, read().value);
    }

    function setRequired(on) {
      requiredMark.hidden = !on;
      if (!boxes.length) control.required = on;
    }

    function setError(message) {
      errorNode.textContent = message || "";
      node.classList.toggle("has-error", Boolean(message));
      for (const target of boxes.length ? boxes : [control]) {
        if (message) target.setAttribute("aria-invalid", "true");
        else target.removeAttribute("aria-invalid");
      }
    }

    return { name, label, node, read, setError, setRequired, controlId: control.id,
      setOptions: kind === "select" ? setOptions : null, focus: () => control.focus() };
  }

  // --- views, filter, polling ---------------------------------------------------------------

  async function loadProcesses() {
    const select = document.getElementById("process-filter");
    const definitions = await api("GET", "/definitions");
    for (const definition of definitions) {
      state.processNames[definition.key] = definition.name || definition.key;
    }
    const chosen = state.process;
    const first = select.options[0];
    const options = definitions.map((d) => el("option", { value: d.key, selected: d.key === chosen },
      d.name && d.name !== d.key ? d.name + " (" + d.key + ")" : d.key));
    select.replaceChildren(first, ...options);
    select.value = chosen;
  }

  function setView(view) {
    state.view = view;
    for (const link of document.querySelectorAll("a[data-view]")) {
      if (link.dataset.view === view) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    document.getElementById("list-heading").textContent =
      document.querySelector('a[data-view="' + view + '"]').dataset.label;
    syncUrl();
  }

  /* Each view's count in the switcher (GET /tasks/counts: one statement for all). */
  async function loadCounts() {
    const params = new URLSearchParams();
    if (state.process) params.set("process_key", state.process);
    try {
      const counts = await api("GET", "/tasks/counts?" + params);
      for (const pill of document.querySelectorAll("[data-count-for]")) {
        const n = counts[pill.dataset.countFor] || 0;
        pill.textContent = String(n);
        pill.classList.toggle("is-zero", n === 0);
      }
    } catch (err) {
      /* the counts are a hint; the list's own errors are shown */
    }
  }

  function safely(promise) {
    return promise.catch((err) => { if (err.status !== 401) showError(err); });
  }

  for (const link of document.querySelectorAll("a[data-view]")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      clearError();
      setView(link.dataset.view);
      safely(loadList({ force: true, announce: true }));
    });
  }

  document.getElementById("process-filter").addEventListener("change", (event) => {
    state.process = event.target.value;
    syncUrl();
    safely(loadList({ force: true, announce: true }));
  });

  document.getElementById("refresh").addEventListener("click", () => {
    clearError();
    safely(loadList({ force: true, announce: true }));
  });

  window.setInterval(() => {
    if (!document.hidden) safely(loadList());
  }, POLL_MS);

  syncUrl();  // the view the server chose to land on goes into the address
  safely(loadProcesses()).finally(() => safely(loadList({ force: true })));
  if (state.selected) openTask(state.selected, { focus: false });
})();
