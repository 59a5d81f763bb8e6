/* 新建案件 (/cases/new): pick a process the user may start (GET /startable, by its name), fill
 * its start form (forms.js, the inbox's renderer), look the customer up or create them in
 * place, start the case (POST /instances). The case number shows at once in a confirmation
 * that stays and is announced; when the first task is the user's (assigned to them, or open in
 * one of their groups) the inbox opens it a few seconds later, else the confirmation links to
 * the case. The server is the only validator: its 422s appear beside their fields. */
(function () {
  "use strict";

  const OPEN_TASK_AFTER_MS = 3000;  // long enough to read the case number
  const { t, el, api, showError, clearError, announce } = window.Flowdesk;
  const main = document.getElementById("main");
  const ME = main.dataset.user;
  const GROUPS = new Set((main.dataset.groups || "").split(" ").filter(Boolean));
  const processSelect = document.getElementById("process");
  const customerSection = document.getElementById("customer-section");
  const formSection = document.getElementById("form-section");
  const formBox = document.getElementById("start-form");
  const confirmation = document.getElementById("confirmation");
  const searchForm = document.getElementById("customer-search");
  const searchInput = document.getElementById("customer-q");
  const results = document.getElementById("customer-results");
  const chosenBox = document.getElementById("customer-chosen");
  const customerError = document.getElementById("customer-id-error");
  const newToggle = document.getElementById("customer-new-toggle");
  const newForm = document.getElementById("customer-new");
  const TIER_CLASS = { VIP: "tier-vip", 钻石: "tier-diamond" };

  const state = { processes: [], current: null, customer: null };

  // --- the process --------------------------------------------------------------------------

  async function loadProcesses() {
    const list = await api("GET", "/startable");
    state.processes = list.filter((p) => p.start_form);
    processSelect.replaceChildren(el("option", { value: "" }, t("form.select")),
      ...state.processes.map((p) => el("option", { value: p.process_key }, p.name)));
    if (!state.processes.length) {
      processSelect.replaceChildren(el("option", { value: "" }, t("newcase.none")));
      processSelect.disabled = true;
      return;
    }
    const wanted = new URLSearchParams(location.search).get("process");
    const preset = state.processes.find((p) => p.process_key === wanted)
      || (state.processes.length === 1 ? state.processes[0] : null);
    if (preset) {
      processSelect.value = preset.process_key;
      choose(preset);
    }
  }

  function choose(process) {
    state.current = process;
    clearError();
    customerSection.hidden = !process || !process.customer;
    formSection.hidden = !process;
    if (!process) { formBox.replaceChildren(); return; }
    document.getElementById("form-description").textContent = process.start_form.description || "";
    const built = window.FlowdeskSchemaForm.build(process.start_form, {}, {
      submitLabel: t("newcase.submit"),
      idPrefix: "s-",
      extraFields: process.customer ? [customerField] : [],
      onSubmit: start,
    });
    formBox.replaceChildren(built.form);
  }

  processSelect.addEventListener("change", () => {
    choose(state.processes.find((p) => p.process_key === processSelect.value) || null);
  });

  // --- the customer -------------------------------------------------------------------------

  /* The customer as a field of the start form: the server names it customer_id in its 422. */
  const customerField = {
    name: "customer_id",
    label: t("newcase.customer"),
    controlId: "customer-q",
    setError(message) {
      customerError.textContent = message || "";
      if (message) searchInput.setAttribute("aria-invalid", "true");
      else searchInput.removeAttribute("aria-invalid");
    },
    focus() { searchInput.focus(); },
  };

  function tierEl(tier) {
    return el("span", { class: "tier " + (TIER_CLASS[tier] || "") },
      t("newcase.tier", { tier: tier || "—" }));
  }

  function describe(customer) {
    return [customer.name, customer.phone].filter(Boolean).join(" · ");
  }

  function pick(customer) {
    state.customer = customer;
    customerField.setError(null);
    results.replaceChildren();
    chosenBox.replaceChildren(
      el("span", {}, t("newcase.customer.chosen", { who: describe(customer) })), " ",
      tierEl(customer.tier), " ",
      el("button", { type: "button", class: "btn btn-quiet", onclick: unpick },
        t("newcase.customer.change")));
    chosenBox.hidden = false;
    searchForm.hidden = true;
    newToggle.hidden = true;
    showNewForm(false);
    announce(t("newcase.customer.picked", { who: describe(customer) }));
  }

  function unpick() {
    state.customer = null;
    chosenBox.hidden = true;
    searchForm.hidden = false;
    newToggle.hidden = false;
    searchInput.focus();
  }

  searchForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearError();
    const q = searchInput.value.trim();
    if (!q) { searchInput.focus(); return; }
    try {
      const page = await api("GET", "/customers?" + new URLSearchParams({ q, per_page: "10" }));
      if (!page.items.length) {
        results.replaceChildren(el("p", { class: "muted" }, t("newcase.customer.no_match")));
        return;
      }
      results.replaceChildren(el("ul", { class: "customer-results",
        "aria-label": t("newcase.customer.matches", { n: page.items.length }) },
      ...page.items.map((c) => el("li", {},
        el("span", {}, describe(c), " ", tierEl(c.tier)),
        el("button", { type: "button", class: "btn", onclick: () => pick(c) },
          t("newcase.customer.pick"))))));
    } catch (err) {
      showError(err);
    }
  });

  function showNewForm(open) {
    newForm.hidden = !open;
    newToggle.setAttribute("aria-expanded", String(open));
  }

  newToggle.addEventListener("click", () => {
    const open = newForm.hidden;
    showNewForm(open);
    if (open) {
      const typed = searchInput.value.trim();
      const nameInput = document.getElementById("c-name");
      if (typed && !nameInput.value) {
        (/^\+?[0-9 -]{6,}$/.test(typed) ? document.getElementById("c-phone") : nameInput)
          .value = typed;
      }
      nameInput.focus();
    }
  });

  function newFormError(field, message) {
    const node = newForm.querySelector('[data-field="' + field + '"]');
    if (!node) return false;
    node.querySelector(".field-error").textContent = message || "";
    const control = node.querySelector("input, select");
    if (message) control.setAttribute("aria-invalid", "true");
    else control.removeAttribute("aria-invalid");
    return true;
  }

  newForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearError();
    const body = {};
    for (const control of newForm.querySelectorAll("input, select")) {
      newFormError(control.name, null);
      const value = control.value.trim();
      if (value) body[control.name] = value;
    }
    try {
      const made = await api("POST", "/customers", body);
      for (const control of newForm.querySelectorAll("input")) control.value = "";
      pick(made);
    } catch (err) {
      const errors = err.errors || [];
      if ((err.status === 422 || err.status === 409) && errors.length) {
        let first = null;
        for (const e of errors) {
          const message = /required|Missing data/i.test(e.message || "")
            ? t("form.error.required") : e.message;
          if (newFormError(e.field, message) && !first) first = e.field;
        }
        if (first) {
          newForm.querySelector('[data-field="' + first + '"] input, [data-field="' + first
            + '"] select').focus();
          return;
        }
      }
      showError(err);
    }
  });

  // --- the start ----------------------------------------------------------------------------

  async function start(values) {
    const body = { process_key: state.current.process_key, variables: values };
    if (state.current.customer && state.customer) body.customer_id = state.customer.id;
    const started = await api("POST", "/instances", body);
    confirm(started);
  }

  function firstTaskOfMine(started) {
    return (started.open_tasks || []).find((task) => task.assignee === ME
      || (!task.assignee && GROUPS.has(task.candidate_group))) || null;
  }

  function confirm(started) {
    const caseNo = started.case_no || "#" + started.id;
    const task = firstTaskOfMine(started);
    const said = t("newcase.created", { case_no: caseNo });
    const next = task
      ? el("a", { href: "/inbox?task=" + task.id }, t("newcase.open_task", { name: task.name }))
      : el("a", { href: "/cases/" + started.id }, t("newcase.open_case", { case_no: caseNo }));
    confirmation.replaceChildren(
      el("p", {}, t("newcase.created_prefix"), " ", el("span", { class: "case-no" }, caseNo)),
      el("p", {}, task ? t("newcase.opening", { name: task.name }) + " " : null, next));
    confirmation.hidden = false;
    announce(said + (task ? " " + t("newcase.opening", { name: task.name }) : ""));
    state.customer = null;
    chosenBox.hidden = true;
    searchForm.hidden = false;
    newToggle.hidden = false;
    searchInput.value = "";
    choose(state.current);  // an empty form for the next case
    document.getElementById("page-heading").scrollIntoView();
    if (task) {
      window.setTimeout(() => location.assign("/inbox?task=" + task.id), OPEN_TASK_AFTER_MS);
    }
  }

  loadProcesses().catch((err) => { if (err.status !== 401) showError(err); });
})();
