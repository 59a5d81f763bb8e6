/* The staff inbox: the task list (refreshed every 10 s; "加载更多" adds the next page by the
 * list's next_cursor, and a refresh reloads as many pages as are shown), claim and unclaim, a task's form
 * rendered from its JSON schema, completion with the API's field errors shown beside the
 * fields (a delegate's submit resolves the delegation instead, handing the draft back), bulk
 * actions on the chosen rows (inbox_bulk.js), the process diagram (inbox_diagram.js) and the
 * case history. Plain DOM; every
 * call goes to /api/v1 with the session cookie and the X-CSRF-Token header. */
(function () {
  "use strict";

  const POLL_MS = 10000;
  const PER_PAGE = 100;
  // The due views list by due time: what a user expects there, and the server reads it off
  // its due index (fast however many tasks are open).
  const VIEWS = {
    mine: { assignee: "me" },
    unassigned: { unassigned: "true" },
    overdue: { overdue: "true", sort: "due_at" },
    due_today: { due_today: "true", sort: "due_at" },
    delegated: { delegated_by: "me" },  // 我委托的: still with the delegate
  };

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
    pages: 1,  // pages shown: the first, and each one "加载更多" added
    page: null,  // what is shown: every loaded page's items, the total, the next cursor
    processNames: {},
  };

  // --- small helpers (common.js) -----------------------------------------------------------

  const { t, el, api, showError, clearError, announce, toast, slaEl } = window.Flowdesk;
  const tools = window.FlowdeskInboxTools;  // inbox_tools.js: waiting, hand on, escalate
  const bulk = window.FlowdeskInboxBulk;  // inbox_bulk.js: checkboxes and the bulk bar

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

  function listParams(cursor) {
    const params = new URLSearchParams(VIEWS[state.view]);
    if (state.process) params.set("process_key", state.process);
    params.set("per_page", String(PER_PAGE));
    if (cursor) params.set("cursor", cursor);
    return params;
  }

  /* The first page, then `count - 1` more by next_cursor, as one page. */
  async function fetchPages(count) {
    const page = await api("GET", "/tasks?" + listParams());
    const items = page.items.slice();
    let next = page.next_cursor;
    for (let n = 1; n < count && next; n += 1) {
      const more = await api("GET", "/tasks?" + listParams(next));
      items.push(...more.items);
      next = more.next_cursor;
    }
    return Object.assign({}, page, { items: items, next_cursor: next });
  }

  async function loadList(options) {
    const opts = options || {};
    if (opts.reset) state.pages = 1;
    const page = await fetchPages(state.pages);
    document.getElementById("refreshed").textContent =
      t("refreshed", { time: new Date().toLocaleTimeString(LOCALE, { hour12: false }) });
    const key = JSON.stringify(page.items);
    if (key === state.listKey && !opts.force) return;
    state.listKey = key;
    renderList(page);
    loadCounts();
    const changed = state.count !== null && state.count !== page.total;
    if (opts.announce || (changed && !opts.quiet)) {
      announce(countText(page));
    }
    state.count = page.total;
  }

  /* "加载更多": the page after the last one shown, added below it; focus moves to its first
   * task so a keyboard user carries on where the new rows begin. */
  async function loadMore() {
    const shown = state.page;
    if (!shown || !shown.next_cursor) return;
    const more = await api("GET", "/tasks?" + listParams(shown.next_cursor));
    state.pages += 1;
    const page = Object.assign({}, more, { items: shown.items.concat(more.items) });
    state.listKey = JSON.stringify(page.items);
    renderList(page);
    announce(t("more_loaded", { n: more.items.length }));
    const first = more.items[0];
    const button = first && listBox.querySelector('[data-focus-key="open-' + first.id + '"]');
    if (button) button.focus();
  }

  // A total past the server's cap (10,000) is "at least": shown as "10000+".
  function countText(page) {
    return page.total_capped ? t("count_capped", { n: page.total }) : t("count", { n: page.total });
  }

  function renderList(page) {
    state.page = page;
    const focusKey = document.activeElement && document.activeElement.dataset
      ? document.activeElement.dataset.focusKey : null;
    document.getElementById("list-count").textContent = countText(page);
    listBox.setAttribute("aria-busy", "false");
    if (!page.items.length) {
      listBox.replaceChildren(el("p", { class: "empty" }, t("empty")));
      if (bulk) bulk.listed([]);
      return;
    }
    const columns = ["task", "case", "priority", "sla", "due", "assignee", "actions"];
    const head = el("tr", {},
      bulk ? el("th", { scope: "col", class: "col-select" }, bulk.headerCheckbox()) : null,
      ...columns.map((c) => el("th", { scope: "col" }, t("col." + c))));
    const rows = page.items.map(taskRow);
    const more = page.next_cursor ? el("p", { class: "list-more" }, el("button", {
      type: "button", class: "btn", "data-focus-key": "more",
      onclick: () => safely(loadMore()),
    }, t("more"))) : null;
    listBox.replaceChildren(el("table", { class: "tasks" },
      el("thead", {}, head), el("tbody", {}, ...rows)), ...(more ? [more] : []));
    if (bulk) bulk.listed(page.items.map((task) => task.id));
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
    const processName = task.process_name || state.processNames[task.process_key]
      || task.process_key;
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
      bulk ? cell("select", bulk.checkbox(task)) : null,
      cell("task", open, el("div", { class: "muted small" }, processName),
        tools ? tools.flags(task, ME) : null),
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
      el("dd", {}, task.process_name || state.processNames[task.process_key] || task.process_key),
      el("dt", {}, t("detail.group")),
      el("dd", {}, task.candidate_group_name || task.candidate_group || "—"),
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

  // --- the form, from the task's JSON schema (forms.js) -------------------------------------

  function buildForm(task, editable) {
    if (editable && task.delegation_state === "pending") return resolveForm(task);
    return window.FlowdeskSchemaForm.build(task.form_schema || {}, task.data || {}, {
      editable,
      submitLabel: t("form.submit"),
      async onSubmit(values) {
        await api("POST", "/tasks/" + task.id + "/complete", { data: values });
        toast(t("completed", { name: task.name }));
        closeTask();
        await loadList({ force: true, quiet: true });
        document.getElementById("list-heading").focus();
      },
    }).form;
  }

  /* The delegate's form: what they fill in goes back to the owner as a draft (完成委托). */
  function resolveForm(task) {
    return window.FlowdeskSchemaForm.build(task.form_schema || {}, task.data || {}, {
      editable: true,
      submitLabel: t("delegation.resolve"),
      async onSubmit(values) {
        await api("POST", "/tasks/" + task.id + "/resolve", { data: values });
        toast(t("done.resolved", { name: task.name, user: task.owner }));
        closeTask();
        await loadList({ force: true, quiet: true });
        document.getElementById("list-heading").focus();
      },
    }).form;
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
      d.name || d.key));
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
        /* past the server's cap (10,000) a count is "at least": "10000+" */
        const over = (counts.capped || []).includes(pill.dataset.countFor);
        pill.textContent = String(n) + (over ? "+" : "");
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
      safely(loadList({ force: true, announce: true, reset: true }));
    });
  }

  document.getElementById("process-filter").addEventListener("change", (event) => {
    state.process = event.target.value;
    syncUrl();
    safely(loadList({ force: true, announce: true, reset: true }));
  });

  document.getElementById("refresh").addEventListener("click", () => {
    clearError();
    safely(loadList({ force: true, announce: true }));
  });

  window.setInterval(() => {
    if (!document.hidden) safely(loadList());
  }, POLL_MS);

  if (bulk) {
    bulk.attach(listBox, { supervises: main.dataset.supervises === "true",
      onDone: () => loadList({ force: true, quiet: true }) });
  }
  syncUrl();  // the view the server chose to land on goes into the address
  safely(loadProcesses()).finally(() => safely(loadList({ force: true })));
  if (state.selected) openTask(state.selected, { focus: false });
})();
