/* A form rendered from a JSON schema, shared by the inbox (a task's form) and 新建案件 (a
 * process's start form), as window.FlowdeskSchemaForm.build(schema, data, options).
 *
 * Strings (enum or oneOf const/title → select, format date → date input, maxLength ≥ 500 →
 * textarea), numbers and integers, booleans (checkbox), arrays of strings (one per line) or of
 * enum values (checkboxes), arrays of objects as rows of the item's own fields (添加/删除 a
 * row: staff never type JSON for line items), anything else as JSON; title → label,
 * description → help.
 * allOf/if/then branches with const/enum conditions narrow selects and mark conditionally
 * required fields. The server is the only validator: its 422 errors appear beside their fields
 * and in a summary that links to them. Loaded after common.js and form_schema.js, before the
 * page's script. */
(function () {
  "use strict";

  const { t, el, clearError, showError } = window.Flowdesk;

  const { branchTitles, optionsOf, kindOf, applyConditions } = window.FlowdeskFormSchema;

  /* The fields of ``schema``'s properties (read-only ones left out), ids under ``prefix``. */
  function buildFields(prefix, schema, data) {
    const required = new Set(schema.required || []);
    const titles = branchTitles(schema);
    return Object.entries(schema.properties || {}).filter(([, prop]) => !prop.readOnly)
      .map(([name, prop]) => buildField(prefix, name, prop, required.has(name),
        (data || {})[name], titles[name]));
  }

  /* The form for ``schema`` prefilled from ``data``. options: editable, submitLabel,
   * onSubmit(values) (async: an ApiError 422 with errors shows them beside their fields),
   * extraFields (fields the page builds itself that the server may name in its errors, e.g. the
   * customer: {name, label, controlId, setError, focus}), idPrefix (ids of the controls, "f-"), summaryId ("form-errors").
   * Returns {form, showErrors, clearErrors}. */
  function build(schema, data, options) {
    const opts = options || {};
    const editable = opts.editable !== false;
    const prefix = opts.idPrefix || "f-";
    const required = new Set(schema.required || []);
    const fields = buildFields(prefix, schema, data);
    const summary = el("div", { class: "alert alert-error error-summary", tabindex: "-1",
      hidden: true, id: opts.summaryId || "form-errors" });
    const form = el("form", { class: "task-form stack", novalidate: true });
    form.append(summary, ...fields.map((field) => field.node));
    const conditions = () => applyConditions(schema, fields, required);
    form.addEventListener("change", conditions);

    const submit = el("button", { type: "submit", class: "btn btn-primary" },
      opts.submitLabel || t("form.submit"));
    const fieldset = el("fieldset", { class: "plain", disabled: !editable }, ...form.childNodes);
    form.replaceChildren(fieldset, el("div", { class: "form-actions" }, submit));
    submit.disabled = !editable;
    conditions();

    function clearErrors() {
      summary.hidden = true;
      summary.replaceChildren();
      for (const field of fields.concat(opts.extraFields || [])) field.setError(null);
    }

    /* The server's (or the reader's) errors beside their fields, and a summary linking to
     * each; a row's field (items/0/quantity) shows its own error and has its own line. */
    function showErrors(errors) {
      const loose = [];
      const all = fields.concat(opts.extraFields || []);
      const byField = new Map(all.map((f) => [f.name, f]));
      const own = new Map();
      const placed = [];
      for (const error of errors) {
        const path = String(error.field || "");
        const top = path.split(/[/[.]/)[0];
        const field = byField.get(top);
        const message = /is a required property$/.test(error.message || "")
          ? t("form.error.required") : error.message;
        const inner = path !== top && field && field.locate
          ? field.locate(path.slice(top.length + 1)) : null;
        const where = path === top ? message
          : path.replace(/\/(\d+)/g, "[$1]").replace(/\//g, ".") + ": " + message;
        if (inner) placed.push({ field, inner, message });
        else if (!field) loose.push(where);
        else own.set(field, (own.get(field) || []).concat(where));
      }
      const lines = [];
      for (const field of all) {
        const mine = placed.filter((p) => p.field === field);
        if (!own.has(field) && !mine.length) continue;
        field.setError((own.get(field) || []).join(" ") || null);
        if (own.has(field)) {
          lines.push({ target: field, text: field.label + ": " + own.get(field).join(" ") });
        }
        for (const p of mine) {
          p.inner.field.addError(p.message);
          lines.push({ target: p.inner.field,
            text: field.label + " · " + p.inner.label + ": " + p.message });
        }
      }
      summary.replaceChildren(el("p", {}, t("form.errors", { n: lines.length + loose.length })),
        el("ul", {},
          ...lines.map((line) => el("li", {}, el("a", { href: "#" + line.target.controlId,
            onclick: (e) => { e.preventDefault(); line.target.focus(); } }, line.text))),
          ...loose.map((m) => el("li", {}, m))));
      summary.hidden = false;
      if (lines.length) lines[0].target.focus();
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
        if (read.error) local.push({ field: read.path || field.name, message: read.error });
        else if (read.value !== undefined) values[field.name] = read.value;
      }
      if (local.length) { showErrors(local); return; }
      submit.disabled = true;
      try {
        await opts.onSubmit(values);
      } catch (err) {
        if (err.status === 422 && err.errors && err.errors.length) showErrors(err.errors);
        else showError(err);
      } finally {
        submit.disabled = false;
      }
    });
    return { form, showErrors, clearErrors };
  }

  function buildField(prefix, name, prop, isRequired, value, titles) {
    const kind = kindOf(prop, titles);
    const id = prefix + name;
    const helpId = id + "-help";
    const errorId = id + "-error";
    const label = prop.title || name;
    const help = [prop.description, kind === "lines" ? t("form.lines") : null,
      kind === "json" ? t("form.json") : null].filter(Boolean).join(" ");
    if (kind === "rows") {
      return buildRows({ prefix, name, prop, id, label, help, helpId, errorId, isRequired,
        value });
    }
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

    let current = null;
    function setError(message) {
      current = message || null;
      errorNode.textContent = message || "";
      node.classList.toggle("has-error", Boolean(message));
      for (const target of boxes.length ? boxes : [control]) {
        if (message) target.setAttribute("aria-invalid", "true");
        else target.removeAttribute("aria-invalid");
      }
    }

    return { name, label, node, read, setError, setRequired, controlId: control.id,
      addError: (message) => setError(current ? current + " " + message : message),
      setOptions: kind === "select" ? setOptions : null, focus: () => control.focus() };
  }

  /* An array of objects: one row (a fieldset of the item's fields) per item, rows added and
   * removed with buttons; blank rows are not sent. An error at items/<i>/<field> is shown by
   * that row's field (locate), counting only the rows last sent. */
  function buildRows(spec) {
    const { prefix, name, prop, id, label, help, helpId, errorId, isRequired, value } = spec;
    const items = prop.items;
    const itemTitle = items.title || label;
    const itemRequired = new Set(items.required || []);
    const rows = [];
    let sent = [];
    let made = 0;
    const requiredMark = el("span", { class: "req", hidden: !isRequired },
      el("span", { "aria-hidden": "true" }, " *"),
      el("span", { class: "visually-hidden" }, " (" + t("form.required") + ")"));
    const errorNode = el("p", { class: "field-error", id: errorId });
    const list = el("div", { class: "form-rows" });
    const add = el("button", { type: "button", class: "btn btn-small", id,
      "aria-describedby": (help ? helpId + " " : "") + errorId },
    t("form.rows.add", { item: itemTitle }));
    const node = el("fieldset", { class: "field field-rows", "data-field": name },
      el("legend", {}, label, requiredMark),
      help ? el("p", { class: "help", id: helpId }, help) : null, list, add, errorNode);

    function renumber() {
      rows.forEach((row, i) => {
        row.legend.textContent = itemTitle + " " + (i + 1);
        row.remove.setAttribute("aria-label", t("form.rows.remove_n",
          { item: itemTitle, n: i + 1 }));
      });
    }

    function addRow(data) {
      const fields = buildFields(prefix + name + "-" + (made++) + "-", items, data);
      const legend = el("legend", {});
      const remove = el("button", { type: "button", class: "btn btn-small btn-quiet row-remove" },
        t("form.rows.remove"));
      const box = el("fieldset", { class: "form-row stack" }, legend,
        ...fields.map((field) => field.node), remove);
      const row = { box, fields, legend, remove };
      box.addEventListener("change", () => applyConditions(items, fields, itemRequired));
      remove.addEventListener("click", () => {
        rows.splice(rows.indexOf(row), 1);
        box.remove();
        renumber();
        add.focus();
      });
      rows.push(row);
      list.append(box);
      renumber();
      applyConditions(items, fields, itemRequired);
      return row;
    }

    add.addEventListener("click", () => {
      const row = addRow({});
      if (row.fields.length) row.fields[0].focus();
    });
    for (const item of Array.isArray(value) && value.length ? value : [{}]) addRow(item);

    function read() {
      const values = [];
      const kept = [];
      for (const row of rows) {
        const item = {};
        for (const field of row.fields) {
          const got = field.read();
          if (got.error) {
            sent = kept.concat(row);
            return { error: got.error, path: name + "/" + kept.length + "/" + field.name };
          }
          if (got.value !== undefined) item[field.name] = got.value;
        }
        if (Object.values(item).every((v) => v === false)) continue;  // nothing filled in
        values.push(item);
        kept.push(row);
      }
      sent = kept;
      return { value: values.length ? values : undefined };
    }

    function locate(path) {
      const [index, fieldName] = path.split("/");
      const row = sent[Number(index)];
      const field = row && row.fields.find((f) => f.name === fieldName);
      if (!field) return null;
      return { field, label: row.legend.textContent + " · " + field.label };
    }

    function setError(message) {
      errorNode.textContent = message || "";
      node.classList.toggle("has-error", Boolean(message));
      if (!message) for (const row of rows) for (const field of row.fields) field.setError(null);
    }

    function focus() {
      const invalid = list.querySelector('[aria-invalid="true"]');
      (invalid || add).focus();
    }

    return { name, label, node, read, locate, setError, focus, controlId: id,
      addError: (message) => setError(errorNode.textContent
        ? errorNode.textContent + " " + message : message),
      setRequired: (on) => { requiredMark.hidden = !on; }, setOptions: null };
  }

  window.FlowdeskSchemaForm = { build };
})();
